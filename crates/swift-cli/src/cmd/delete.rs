//! `swift delete [options] [container [object...]]` on the transfer engine.

use swiftclient::transfer::{
    Action, DeleteOptions, Status, Transfer, TransferOptions, TransferResult,
};

use super::{connect, slash_warning, split_headers};
use crate::errors::{client_exception, not_found, CliError};
use crate::pyfmt::py_repr_str;
use crate::{CmdResult, Ctx};

fn usage(ctx: &Ctx<'_>, prefix: &str) -> CmdResult {
    if let Some(text) = crate::opts::command_usage("delete") {
        ctx.out.error(&format!("{prefix}{text}"));
    }
    Err(CliError::Reported)
}

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    let args = &ctx.args;
    let yes_all = ns.truthy("yes_all");
    let versions = ns.truthy("versions") || yes_all;
    if (args.is_empty() && !yes_all) || (!args.is_empty() && yes_all) {
        return usage(&ctx, "");
    }
    if versions && args.len() >= 2 {
        return Err(CliError::Exit(
            "--versions option not allowed for object deletes".into(),
        ));
    }
    if ns.truthy("version_id") && args.len() < 2 {
        return Err(CliError::Exit(
            "--version-id option only allowed for object deletes".into(),
        ));
    }
    if ns.int("object_threads") <= 0 {
        return usage(
            &ctx,
            "ERROR: option --object-threads should be a positive integer.\n\n",
        );
    }
    if ns.int("container_threads") <= 0 {
        return usage(
            &ctx,
            "ERROR: option --container-threads should be a positive integer.\n\n",
        );
    }
    let mut opts = DeleteOptions::new();
    opts.headers = split_headers(&ns.list("header"), "")
        .map_err(|value| CliError::Swift { value, txn: None })?;
    opts.leave_segments = ns.truthy("leave_segments");
    opts.prefix = ns.str("prefix").map(str::to_owned);
    opts.versions = versions;
    opts.version_id = ns.str("version_id").map(str::to_owned);
    if let Some(c) = args.first() {
        if c.contains('/') {
            return slash_warning(&ctx, c);
        }
    }
    let c = connect(&ctx)?;
    let topts = TransferOptions::new()
        .object_concurrency(ns.int("object_threads") as usize)
        .container_concurrency(ns.int("container_threads") as usize);
    let transfer = Transfer::with_options(c.conn.clone(), topts);
    let job = match args.as_slice() {
        [] => transfer.delete_account(&opts),
        [container] => transfer.delete_container(container, &opts),
        [container, objects @ ..] => transfer.delete_objects(container, objects.to_vec(), &opts),
    };
    let mut job = match job {
        Ok(j) => j,
        Err(e) => {
            return Err(CliError::Swift {
                value: e.to_string(),
                txn: None,
            })
        }
    };
    let verbose = ns.int("verbose");
    while let Some(r) = job.next_result().await {
        report(&ctx, &r, yes_all, verbose);
    }
    c.save_token();
    Ok(())
}

fn report(ctx: &Ctx<'_>, r: &TransferResult, yes_all: bool, verbose: i64) {
    let c = r.container.as_deref().unwrap_or("");
    let o = r.object.as_deref().unwrap_or("");
    let after = if r.attempts > 1 {
        format!(" [after {} attempts]", r.attempts)
    } else {
        String::new()
    };
    match r.status {
        Status::Completed => {
            if verbose == 0 {
                return;
            }
            let p = match r.action {
                Action::DeleteObject if yes_all => format!("{c}/{o}"),
                Action::DeleteObject => o.to_owned(),
                Action::DeleteSegment => format!("{c}/{o}"),
                Action::DeleteContainer => c.to_owned(),
                _ => return,
            };
            ctx.out.print(&format!("{p}{after}"));
        }
        Status::Failed => {
            // A bulk request's objects are reported one by one as well.
            if r.action == Action::BulkDelete {
                return;
            }
            let Some(err) = r.error() else { return };
            let p = if o.is_empty() {
                c.to_owned()
            } else {
                format!("{c}/{o}")
            };
            let text = if r.action == Action::DeleteContainer
                && not_found(err)
                && err.message().starts_with("Container GET")
            {
                format!(
                    "{} container:{c}",
                    py_repr_str(&format!("Container {} not found", py_repr_str(c)))
                )
            } else if r.action == Action::ListAccount && not_found(err) {
                "'Account not found'".to_owned()
            } else if err.status().is_some() {
                client_exception(err, true)
            } else if err.is_transport() {
                crate::errors::network_error(err)
            } else {
                err.to_string()
            };
            ctx.out.error(&format!("Error Deleting: {p}: {text}"));
        }
        _ => {}
    }
}
