//! `swift list [-l|--lh] [-t] [-p P] [-d D] [-j] [--versions] [-H h:v] [container]`.

use futures_util::StreamExt;
use swiftclient::path::escape_controls;
use swiftclient::{ContainerEntry, Error, ListOptions, ObjectEntry};

use super::{connect, split_headers, usage_error};
use crate::errors::CliError;
use crate::pyfmt::{ljust, prt_num, py_repr_str, rjust};
use crate::pyjson::Json;
use crate::{CmdResult, Ctx};

struct Totals {
    count: u64,
    bytes: u64,
}

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    if ns.truthy("delimiter") && ctx.args.is_empty() {
        return Err(CliError::Exit(
            "-d option only allowed for container listings".into(),
        ));
    }
    if ns.truthy("versions") && ctx.args.is_empty() {
        return Err(CliError::Exit(
            "--versions option only allowed for container listings".into(),
        ));
    }
    let human = ns.truthy("human");
    let long = ns.truthy("long") || human;
    let totals_only = ns.truthy("totals");
    if totals_only && !long {
        ctx.out.error("Listing totals only works with -l or --lh.");
        return Err(CliError::Reported);
    }
    let container = match ctx.args.as_slice() {
        [] => None,
        [c] if !c.contains('/') => Some(c.clone()),
        _ => return usage_error(&ctx),
    };
    let headers = split_headers(&ns.list("header"), "").map_err(CliError::Exit)?;
    let c = connect(&ctx)?;
    let conn = &c.conn;
    let json = ns.truthy("json");
    let versions = ns.truthy("versions");
    let mut totals = Totals { count: 0, bytes: 0 };
    let mut json_items = 0usize;
    let mut opts = ListOptions::new();
    opts.headers = headers.clone();
    if let Some(p) = ns.str("prefix") {
        opts.prefix = Some(p.to_owned());
    }
    let result: CmdResult = async {
        match &container {
            None => loop {
                let page = match conn.get_account(&opts).await {
                    Ok(l) => l.entries,
                    Err(e) => return Err(account_error(e)),
                };
                let Some(last) = page.last() else {
                    break Ok(());
                };
                let mut next = opts.clone();
                next.advance(last).map_err(account_error)?;
                let mut metas = Vec::new();
                if long {
                    for entry in &page {
                        let h = conn
                            .head_container(&entry.name)
                            .await
                            .map_err(account_error)?;
                        metas.push(Some(h.headers().clone()));
                    }
                } else {
                    metas.resize(page.len(), None);
                }
                if json {
                    for (entry, meta) in page.iter().zip(metas) {
                        let mut item = Json::from_serde(&entry.raw());
                        if let (Json::Dict(d), Some(m)) = (&mut item, meta) {
                            let h: Vec<(String, Json)> = m
                                .iter()
                                .map(|(k, v)| (k.to_owned(), Json::Str(v.to_owned())))
                                .collect();
                            d.push(("meta".into(), Json::Dict(h)));
                        }
                        json_item(&ctx, &mut json_items, &item);
                    }
                } else {
                    for (entry, meta) in page.iter().zip(metas) {
                        account_line(
                            &ctx,
                            entry,
                            meta.as_ref(),
                            long,
                            human,
                            totals_only,
                            &mut totals,
                        );
                    }
                }
                opts = next;
            },
            Some(container) => {
                if let Some(d) = ns.str("delimiter") {
                    opts.delimiter = Some(d.to_owned());
                }
                if versions {
                    opts.query_string = Some("versions=true".into());
                }
                // Entries are printed as they are read from each page's body: memory stays at
                // one entry, however long the page or the container.
                let mut entries = std::pin::pin!(conn.container_entries(container, opts.clone()));
                while let Some(entry) = entries.next().await {
                    let entry = match entry {
                        Ok(e) => e,
                        Err(e) if crate::errors::not_found(&e) => {
                            return Err(CliError::swift(
                                format!("Container {} not found", py_repr_str(container)),
                                &e,
                            ))
                        }
                        Err(e) => return Err(e.into()),
                    };
                    if json {
                        json_item(&ctx, &mut json_items, &Json::from_serde(&entry.raw()));
                    } else {
                        object_line(
                            &ctx,
                            &entry,
                            long,
                            human,
                            versions,
                            totals_only,
                            &mut totals,
                        );
                    }
                }
                Ok(())
            }
        }
    }
    .await;
    if json {
        // A failure before the first item prints nothing on stdout (as the reference).
        if json_items > 0 {
            ctx.out.raw_text("\n]\n");
        } else if result.is_ok() {
            ctx.out.print("[]");
        }
        ctx.out.flush();
        c.save_token();
        return result;
    }
    result?;
    if long {
        match &container {
            None => ctx.out.print(&format!(
                "{} {}",
                rjust(&prt_num(totals.count, true), 12),
                prt_num(totals.bytes, human)
            )),
            Some(_) => ctx.out.print(&prt_num(totals.bytes, human)),
        }
    }
    c.save_token();
    Ok(())
}

fn account_error(e: Error) -> CliError {
    if crate::errors::not_found(&e) {
        CliError::swift("Account not found", &e)
    } else {
        e.into()
    }
}

/// One element of the streamed `--json` array.
fn json_item(ctx: &Ctx<'_>, n: &mut usize, item: &Json) {
    let sep = if *n == 0 { "[\n  " } else { ",\n  " };
    ctx.out.raw_text(&format!("{sep}{}", item.dump_at(1)));
    *n += 1;
}

fn account_line(
    ctx: &Ctx<'_>,
    e: &ContainerEntry,
    meta: Option<&swiftclient::Headers>,
    long: bool,
    human: bool,
    totals_only: bool,
    totals: &mut Totals,
) {
    if !long {
        ctx.out.print(&escape_controls(&e.name));
        return;
    }
    totals.count = totals.count.saturating_add(e.count);
    totals.bytes = totals.bytes.saturating_add(e.bytes);
    if totals_only {
        return;
    }
    let stamp = meta
        .and_then(|m| m.get("x-timestamp"))
        .and_then(crate::pyfmt::py_float)
        .and_then(|t| jiff::Timestamp::from_second(t.floor() as i64).ok())
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "????-??-?? ??:??:??".to_owned());
    let policy = meta
        .and_then(|m| m.get("x-storage-policy"))
        .unwrap_or("???");
    ctx.out.print(&format!(
        "{} {} {} {} {}",
        rjust(&e.count.to_string(), 12),
        prt_num(e.bytes, human),
        stamp,
        ljust(policy, 15),
        escape_controls(&e.name)
    ));
}

/// The fields a long listing prints as python does (`None` for null or missing), read from
/// the entry's JSON text without building the whole tree.
#[derive(serde::Deserialize, Default)]
struct LongFields {
    #[serde(default, deserialize_with = "present")]
    content_type: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    version_id: Option<serde_json::Value>,
}

/// `Some(value)` for a field that is there, even when it is `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde::Deserialize::deserialize(d).map(Some)
}

impl LongFields {
    fn of(e: &ObjectEntry) -> Self {
        serde_json::from_str(e.raw_json()).unwrap_or_default()
    }
}

fn object_line(
    ctx: &Ctx<'_>,
    e: &ObjectEntry,
    long: bool,
    human: bool,
    versions: bool,
    totals_only: bool,
    totals: &mut Totals,
) {
    if !long && !versions {
        ctx.out.print(&escape_controls(&e.name));
        return;
    }
    let extra = LongFields::of(e);
    let (bytes, date, time, ctype) = if e.subdir {
        (0, String::new(), String::new(), "None".to_owned())
    } else {
        let (date, time) = match e.last_modified.split_once('T') {
            Some((d, t)) => (d.to_owned(), t.split('.').next().unwrap_or("").to_owned()),
            None => (e.last_modified.clone(), String::new()),
        };
        let ctype = match extra.content_type {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) | None => "None".to_owned(),
            Some(other) => other.to_string(),
        };
        (e.bytes, date, time, ctype)
    };
    totals.bytes = totals.bytes.saturating_add(bytes);
    if totals_only {
        return;
    }
    let size = prt_num(bytes, human);
    if versions {
        let vid = match extra.version_id {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) => "None".to_owned(),
            Some(other) => other.to_string(),
            None => "null".to_owned(),
        };
        ctx.out.print(&format!(
            "{size} {} {} {} {} {}",
            rjust(&date, 10),
            rjust(&time, 8),
            rjust(&vid, 16),
            rjust(&ctype, 24),
            escape_controls(&e.name)
        ));
    } else {
        ctx.out.print(&format!(
            "{size} {} {} {} {}",
            rjust(&date, 10),
            rjust(&time, 8),
            rjust(&ctype, 24),
            escape_controls(&e.name)
        ));
    }
}
