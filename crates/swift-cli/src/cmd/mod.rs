//! The subcommands.

mod auth;
mod capabilities;
mod copy;
mod delete;
mod download;
mod list;
mod post;
mod stat;
mod tempurl;
mod upload;

use swiftclient::RequestHeaders;

use crate::errors::CliError;
use crate::pyfmt::py_title;
use crate::{CmdResult, Ctx};

/// Runs the subcommand of `ctx`.
pub async fn dispatch(ctx: Ctx<'_>) -> CmdResult {
    match ctx.cmd.as_str() {
        "stat" => stat::run(ctx).await,
        "list" => list::run(ctx).await,
        "post" => post::run(ctx).await,
        "capabilities" | "info" => capabilities::run(ctx).await,
        "auth" => auth::run(ctx).await,
        "tempurl" => tempurl::run(ctx),
        "bash_completion" => crate::completion::bash_completion(&ctx),
        "completion" => crate::completion::completion(&ctx),
        "upload" => upload::run(ctx).await,
        "download" => download::run(ctx).await,
        "delete" => delete::run(ctx).await,
        "copy" => copy::run(ctx).await,
        _ => Ok(()),
    }
}

/// python's `split_request_headers`: `Key:Value` items, the key prefixed and title-cased,
/// the value stripped.
pub fn split_headers(items: &[String], prefix: &str) -> Result<RequestHeaders, String> {
    let mut h = RequestHeaders::new();
    for item in items {
        let Some((k, v)) = item.split_once(':') else {
            return Err(format!(
                "Metadata parameter {item} must contain a ':'.\nExample: 'Color:Blue' or 'Size:Large'"
            ));
        };
        h.set(py_title(&format!("{prefix}{k}")), v.trim().to_owned());
    }
    Ok(h)
}

/// `split_headers` for a service call: a bad item is a `SwiftError` (value, unknown txn).
pub fn service_headers(items: &[String], prefix: &str) -> Result<RequestHeaders, CliError> {
    split_headers(items, prefix).map_err(|value| CliError::Swift { value, txn: None })
}

/// The usage error of a command (printed as an error, exit status 1).
pub fn usage_error(ctx: &Ctx<'_>) -> CmdResult {
    if let Some(text) = crate::opts::command_usage(&ctx.cmd) {
        ctx.out.error(&text);
    }
    Err(CliError::Reported)
}

/// The reference's warning for a container name with a `/` (printed as an error).
pub fn slash_warning(ctx: &Ctx<'_>, container: &str) -> CmdResult {
    ctx.out.error(&format!(
        "WARNING: / in container name; you might have meant '{}' instead of '{}'.",
        container.replacen('/', " ", 1),
        container
    ));
    Err(CliError::Reported)
}

/// The connection for this command.
pub fn connect(ctx: &Ctx<'_>) -> Result<crate::conn::Conn, CliError> {
    crate::conn::Conn::new(&ctx.ns)
}
