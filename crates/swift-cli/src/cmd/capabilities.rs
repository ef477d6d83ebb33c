//! `swift capabilities [--json] [proxy_url]` (alias `info`).

use super::connect;
use crate::errors::CliError;
use crate::pyjson::Json;
use crate::{CmdResult, Ctx};

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    if ctx.args.len() > 1 {
        if let Some(text) = crate::opts::command_usage("capabilities") {
            ctx.out.error(&text);
        }
        return Err(CliError::Reported);
    }
    let c = connect(&ctx)?;
    let raw = match ctx.args.first() {
        Some(url) => c.conn.get_capabilities_raw_at(url).await?,
        None => c.conn.get_capabilities_raw().await?,
    };
    c.save_token();
    let text = String::from_utf8_lossy(&raw);
    let caps = Json::parse(&text).map_err(|msg| {
        CliError::Exit(format!(
            "Capabilities GET failed: the answer is not JSON ({msg})"
        ))
    })?;
    if ctx.ns.truthy("json") {
        ctx.out.print(&caps.dumps_sorted());
        return Ok(());
    }
    let Json::Dict(mut entries) = caps else {
        return Err(CliError::Exit(
            "Capabilities GET failed: the answer is not a JSON object".into(),
        ));
    };
    let Some(pos) = entries.iter().position(|(k, _)| k == "swift") else {
        // The reference fails with a KeyError here; say what is missing instead.
        return Err(CliError::Exit(
            "the cluster's capabilities have no 'swift' section".into(),
        ));
    };
    let core = entries.remove(pos);
    print_component(&ctx, "Core", vec![core]);
    print_component(&ctx, "Additional middleware", entries);
    Ok(())
}

fn print_component(ctx: &Ctx<'_>, name: &str, mut features: Vec<(String, Json)>) {
    features.sort_by(|a, b| a.0.cmp(&b.0));
    for (feature, options) in features {
        ctx.out.print(&format!("{name}: {feature}"));
        if !options.truthy() {
            continue;
        }
        ctx.out.print(" Options:");
        match options {
            Json::Dict(mut opts) => {
                opts.sort_by(|a, b| a.0.cmp(&b.0));
                for (k, v) in opts {
                    ctx.out.print(&format!("  {k}: {}", v.py_str()));
                }
            }
            other => ctx.out.print(&format!("  {}", other.py_str())),
        }
    }
}
