//! `swift copy [-d /cont[/obj]] [-M] [-m k:v]... [-H h:v]... <container> <object>...`.

use swiftclient::transfer::{Action, CopyJobOptions, Status, Transfer};

use super::{connect, service_headers, slash_warning, usage_error};
use crate::errors::{client_exception, CliError};
use crate::{CmdResult, Ctx};

fn swift_error(value: &str) -> CliError {
    CliError::Swift {
        value: value.to_owned(),
        txn: None,
    }
}

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    let args = &ctx.args;
    if args.len() < 2 {
        return usage_error(&ctx);
    }
    let container = &args[0];
    if container.contains('/') {
        return slash_warning(&ctx, container);
    }
    let objects: Vec<String> = args[1..].to_vec();
    let mut opts = CopyJobOptions::new();
    // python-swiftclient's checks, in its order.
    if let Some(d) = ns.nonempty("destination") {
        let parts: Vec<&str> = d.split('/').collect();
        if !parts[0].is_empty() {
            return Err(swift_error("destination must be in format /cont[/obj]"));
        }
        if parts.len() > 2 && objects.len() > 1 {
            return Err(swift_error(
                "Combination of multiple objects and destination including object is invalid",
            ));
        }
        if parts.last().is_some_and(|p| p.is_empty()) {
            return Err(swift_error("destination can not end in a slash"));
        }
        opts.destination = Some(d.to_owned());
    }
    opts.fresh_metadata = ns.truthy("fresh_metadata");
    opts.headers = service_headers(&ns.list("meta"), "X-Object-Meta-")?;
    for (k, v) in service_headers(&ns.list("header"), "")?.iter() {
        opts.headers.set(k, v);
    }
    let c = connect(&ctx)?;
    let transfer = Transfer::with_options(
        c.conn.clone(),
        swiftclient::transfer::TransferOptions::new(),
    );
    let mut job = transfer
        .copy(container, objects, &opts)
        .map_err(|e| swift_error(e.message()))?;
    let verbose = ns.int("verbose");
    while let Some(r) = job.next_result().await {
        match r.status {
            Status::Completed => {
                if verbose == 0 {
                    continue;
                }
                match r.action {
                    Action::CopyObject => ctx.out.print(&format!(
                        "{}/{} copied to {}",
                        r.container.as_deref().unwrap_or(""),
                        r.object.as_deref().unwrap_or(""),
                        r.destination.as_deref().unwrap_or("<self>")
                    )),
                    Action::CreateContainer => ctx.out.print(&format!(
                        "created container {}",
                        r.container.as_deref().unwrap_or("")
                    )),
                    _ => {}
                }
            }
            Status::Failed => {
                let Some(err) = r.error() else { continue };
                let text = if err.status().is_some() {
                    client_exception(err, true)
                } else if err.is_transport() {
                    crate::errors::network_error(err)
                } else {
                    err.to_string()
                };
                if r.action == Action::CreateContainer {
                    // The reference names the source container here.
                    ctx.out.warning(&format!(
                        "Warning: failed to create container '{container}': {text}"
                    ));
                } else {
                    ctx.out.error(&text);
                }
            }
            _ => {}
        }
    }
    c.save_token();
    Ok(())
}
