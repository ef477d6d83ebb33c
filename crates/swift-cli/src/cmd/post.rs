//! `swift post [-r ACL] [-w ACL] [-t URL] [-k KEY] [-m k:v]... [-H h:v]... [container [object]]`.

use swiftclient::{RequestHeaders, RequestOptions};

use super::{connect, service_headers, slash_warning, usage_error};
use crate::errors::CliError;
use crate::{CmdResult, Ctx};

fn merge(into: &mut RequestHeaders, from: &RequestHeaders) {
    for (k, v) in from.iter() {
        into.set(k, v);
    }
}

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    let container_only = ["read_acl", "write_acl", "sync_to", "sync_key"]
        .iter()
        .any(|k| ns.truthy(k));
    if container_only && ctx.args.is_empty() {
        return Err(CliError::Exit(
            "-r, -w, -t, and -k options only allowed for containers".into(),
        ));
    }
    let meta = ns.list("meta");
    let header = ns.list("header");
    match ctx.args.as_slice() {
        [] => {
            let mut h = service_headers(&meta, "X-Account-Meta-")?;
            merge(&mut h, &service_headers(&header, "")?);
            let c = connect(&ctx)?;
            let r = c.conn.post_account(h).await;
            c.save_token();
            match r {
                Ok(_) => Ok(()),
                Err(e) if crate::errors::not_found(&e) => {
                    Err(CliError::swift("Account not found", &e))
                }
                Err(e) => Err(e.into()),
            }
        }
        [container, rest @ ..] => {
            if container.contains('/') {
                return slash_warning(&ctx, container);
            }
            match rest {
                [] => {
                    let mut h = service_headers(&meta, "X-Container-Meta-")?;
                    merge(&mut h, &service_headers(&header, "")?);
                    for (dest, name) in [
                        ("read_acl", "X-Container-Read"),
                        ("write_acl", "X-Container-Write"),
                        ("sync_to", "X-Container-Sync-To"),
                        ("sync_key", "X-Container-Sync-Key"),
                    ] {
                        if let Some(v) = ns.str(dest) {
                            h.set(name, v);
                        }
                    }
                    let c = connect(&ctx)?;
                    let r = match c.conn.post_container(container, h.clone()).await {
                        Err(e) if crate::errors::not_found(&e) => {
                            // The reference creates a missing container with the same headers.
                            c.conn
                                .put_container_with(container, &RequestOptions::from(h))
                                .await
                        }
                        other => other,
                    };
                    c.save_token();
                    match r {
                        Ok(_) => Ok(()),
                        Err(e) if crate::errors::not_found(&e) => Err(CliError::swift(
                            format!("Container '{container}' not found"),
                            &e,
                        )),
                        Err(e) => Err(e.into()),
                    }
                }
                [object] => {
                    let mut h = service_headers(&meta, "X-Object-Meta-")?;
                    merge(&mut h, &service_headers(&header, "")?);
                    let c = connect(&ctx)?;
                    let r = c.conn.post_object(container, object, h).await;
                    c.save_token();
                    r.map(|_| ()).map_err(Into::into)
                }
                _ => usage_error(&ctx),
            }
        }
    }
}
