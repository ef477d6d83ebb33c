//! `swift auth`: the storage URL and token as shell `export` lines (`-v`: the credentials).

use crate::argparse::Val;
use crate::conn::Conn;
use crate::pyfmt::shell_quote;
use crate::{CmdResult, Ctx};

/// Options of ours that the reference does not have (never printed by `auth -v`).
const OWN_OPTIONS: [&str; 1] = ["os_cloud"];

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    let text = |d: &str| ns.str(d).unwrap_or("").to_owned();
    if ns.int("verbose") > 1 {
        let version = text("auth_version");
        if version == "1" || version == "1.0" {
            ctx.out
                .print(&format!("export ST_AUTH={}", shell_quote(&text("auth"))));
            ctx.out
                .print(&format!("export ST_USER={}", shell_quote(&text("user"))));
            ctx.out
                .print(&format!("export ST_KEY={}", shell_quote(&text("key"))));
        } else {
            ctx.out.print(&format!(
                "export OS_IDENTITY_API_VERSION={}",
                shell_quote(&version)
            ));
            ctx.out
                .print(&format!("export OS_AUTH_VERSION={}", shell_quote(&version)));
            ctx.out.print(&format!(
                "export OS_AUTH_URL={}",
                shell_quote(&text("auth"))
            ));
            let mut keys: Vec<(&str, String)> = ns
                .iter()
                .filter(|(k, v)| {
                    k.starts_with("os_")
                        && **k != "os_auth_url"
                        && !OWN_OPTIONS.contains(k)
                        && v.truthy()
                })
                .map(|(k, v)| {
                    let value = match v {
                        Val::Str(s) => s.clone(),
                        Val::Bool(true) => "True".into(),
                        Val::Int(i) => i.to_string(),
                        other => format!("{other:?}"),
                    };
                    (*k, value)
                })
                .collect();
            keys.sort();
            for (k, v) in keys {
                ctx.out
                    .print(&format!("export {}={}", k.to_uppercase(), shell_quote(&v)));
            }
        }
        return Ok(());
    }
    // The reference always authenticates here (a given token is not reused); the given
    // storage URL still overrides the one authentication returns.
    let mut ns = ctx.ns.clone();
    if ns.truthy("auth") {
        ns.set("os_auth_token", Val::None);
    }
    let c = Conn::new(&ns)?;
    let (url, token) = c.conn.get_auth().await?;
    c.save_token();
    ctx.out
        .print(&format!("export OS_STORAGE_URL={}", shell_quote(&url)));
    ctx.out.print(&format!(
        "export OS_AUTH_TOKEN={}",
        shell_quote(token.expose())
    ));
    Ok(())
}
