//! `swift stat [--lh] [-H h:v] [--version-id V] [container [object]]`.

use swiftclient::{Headers, RequestOptions};

use super::{connect, slash_warning, split_headers, usage_error};
use crate::errors::CliError;
use crate::pyfmt::{prt_bytes, py_title, rjust};
use crate::{CmdResult, Ctx};

const POLICY_PREFIX: &str = "x-account-storage-policy-";
const POLICY_QUOTA_PREFIX: &str = "x-account-quota-bytes-policy-";

/// The label/value pairs the reference prints (a value of `None` is a missing header).
type Items = Vec<(String, Option<String>)>;

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let args = &ctx.args;
    let version_id = ctx.ns.str("version_id").map(str::to_owned);
    if version_id.is_some() && args.len() < 2 {
        return Err(CliError::Exit(
            "--version-id option only allowed for object stats".into(),
        ));
    }
    let human = ctx.ns.truthy("human");
    let verbose = ctx.ns.int("verbose");
    let headers = split_headers(&ctx.ns.list("header"), "").map_err(CliError::Exit)?;
    let c = connect(&ctx)?;
    let conn = &c.conn;
    let req = RequestOptions::from(headers);
    let result = match args.len() {
        0 => {
            let resp = match conn.head_account_with(&req).await {
                Ok(r) => r,
                Err(e) if crate::errors::not_found(&e) => {
                    return Err(CliError::swift("Account not found", &e));
                }
                Err(e) => return Err(e.into()),
            };
            let url = conn.url().unwrap_or_default();
            let h = resp.headers();
            let mut items: Items = Vec::new();
            if verbose > 1 {
                items.push(("StorageURL".into(), Some(url.clone())));
                items.push((
                    "Auth Token".into(),
                    conn.token().map(|t| t.expose().to_owned()),
                ));
            }
            account_items(&mut items, &url, h, human);
            print_items(&ctx, items, false);
            Ok(())
        }
        _ => {
            let container = &args[0];
            if container.contains('/') {
                return slash_warning(&ctx, container);
            }
            match &args[1..] {
                [] => {
                    let resp = match conn.head_container_with(container, &req).await {
                        Ok(r) => r,
                        Err(e) if crate::errors::not_found(&e) => {
                            return Err(CliError::swift(
                                format!(
                                    "Container {} not found",
                                    crate::pyfmt::py_repr_str(container)
                                ),
                                &e,
                            ));
                        }
                        Err(e) => return Err(e.into()),
                    };
                    let url = conn.url().unwrap_or_default();
                    let mut items: Items = Vec::new();
                    if verbose > 1 {
                        items.push(("URL".into(), Some(format!("{url}/{container}"))));
                        items.push((
                            "Auth Token".into(),
                            conn.token().map(|t| t.expose().to_owned()),
                        ));
                    }
                    container_items(&mut items, &url, container, resp.headers(), human);
                    print_items(&ctx, items, false);
                    Ok(())
                }
                [object] => {
                    let mut req = req;
                    if let Some(v) = &version_id {
                        req.query_string = Some(format!("version-id={v}"));
                    }
                    let resp = conn.head_object_with(container, object, &req).await?;
                    let url = conn.url().unwrap_or_default();
                    let mut items: Items = Vec::new();
                    if verbose > 1 {
                        items.push(("URL".into(), Some(format!("{url}/{container}/{object}"))));
                        items.push((
                            "Auth Token".into(),
                            conn.token().map(|t| t.expose().to_owned()),
                        ));
                    }
                    object_items(&mut items, &url, container, object, resp.headers(), human);
                    print_items(&ctx, items, true);
                    Ok(())
                }
                _ => usage_error(&ctx),
            }
        }
    };
    c.save_token();
    result
}

fn account_name(url: &str) -> String {
    url.rsplit('/').next().unwrap_or("").to_owned()
}

fn get(h: &Headers, name: &str) -> Option<String> {
    h.get(name).map(str::to_owned)
}

fn size(h: &Headers, name: &str, human: bool) -> String {
    prt_bytes(h.get(name).unwrap_or("0"), human)
        .trim_start()
        .to_owned()
}

fn account_items(items: &mut Items, url: &str, h: &Headers, human: bool) {
    let containers = h
        .get("x-account-container-count")
        .and_then(crate::argparse::py_int)
        .unwrap_or(0);
    items.push(("Account".into(), Some(account_name(url))));
    items.push(("Containers".into(), Some(containers.to_string())));
    items.push((
        "Objects".into(),
        Some(size(h, "x-account-object-count", human)),
    ));
    items.push(("Bytes".into(), Some(size(h, "x-account-bytes-used", human))));
    if h.get("x-account-meta-quota-bytes")
        .is_some_and(|v| !v.is_empty())
    {
        items.push((
            "Quota Bytes".into(),
            Some(size(h, "x-account-meta-quota-bytes", human)),
        ));
    }
    // Policies: the reference visits them in set order (arbitrary); we sort them by name.
    let mut policies: Vec<String> = Vec::new();
    for (k, _) in h.iter() {
        if k.starts_with(POLICY_PREFIX) {
            let head = match k.rsplitn(3, '-').nth(2) {
                Some(head) => head,
                None => k,
            };
            let name = head.splitn(5, '-').last().unwrap_or(head).to_owned();
            if !policies.contains(&name) {
                policies.push(name);
            }
        }
    }
    policies.sort();
    for p in policies {
        let count_header = format!("{POLICY_PREFIX}{p}-container-count");
        if h.contains(&count_header) {
            items.push((
                format!("Containers in policy \"{p}\""),
                Some(size(h, &count_header, human)),
            ));
        }
        items.push((
            format!("Objects in policy \"{p}\""),
            Some(size(h, &format!("{POLICY_PREFIX}{p}-object-count"), human)),
        ));
        items.push((
            format!("Bytes in policy \"{p}\""),
            Some(size(h, &format!("{POLICY_PREFIX}{p}-bytes-used"), human)),
        ));
        let quota = format!("{POLICY_QUOTA_PREFIX}{p}");
        if h.get(&quota).is_some_and(|v| !v.is_empty()) {
            items.push((
                format!("Quota Bytes for policy \"{p}\""),
                Some(size(h, &quota, human)),
            ));
        }
    }
    let excluded = |k: &str| {
        matches!(
            k,
            "content-length"
                | "date"
                | "x-account-container-count"
                | "x-account-object-count"
                | "x-account-bytes-used"
                | "x-account-meta-quota-bytes"
        ) || k.starts_with(POLICY_PREFIX)
            || k.starts_with(POLICY_QUOTA_PREFIX)
    };
    headers_to_items(items, h, "x-account-meta-", &excluded);
}

fn container_items(items: &mut Items, url: &str, container: &str, h: &Headers, human: bool) {
    items.push(("Account".into(), Some(account_name(url))));
    items.push(("Container".into(), Some(container.to_owned())));
    items.push((
        "Objects".into(),
        Some(size(h, "x-container-object-count", human)),
    ));
    items.push((
        "Bytes".into(),
        Some(size(h, "x-container-bytes-used", human)),
    ));
    for (label, header) in [
        ("Read ACL", "x-container-read"),
        ("Write ACL", "x-container-write"),
        ("Sync To", "x-container-sync-to"),
        ("Sync Key", "x-container-sync-key"),
    ] {
        items.push((label.into(), Some(get(h, header).unwrap_or_default())));
    }
    let excluded = |k: &str| {
        matches!(
            k,
            "content-length"
                | "date"
                | "x-container-object-count"
                | "x-container-bytes-used"
                | "x-container-read"
                | "x-container-write"
                | "x-container-sync-to"
                | "x-container-sync-key"
        )
    };
    headers_to_items(items, h, "x-container-meta-", &excluded);
}

fn object_items(
    items: &mut Items,
    url: &str,
    container: &str,
    object: &str,
    h: &Headers,
    human: bool,
) {
    items.push(("Account".into(), Some(account_name(url))));
    items.push(("Container".into(), Some(container.to_owned())));
    items.push(("Object".into(), Some(object.to_owned())));
    items.push(("Content Type".into(), get(h, "content-type")));
    items.push((
        "Content Length".into(),
        Some(size(h, "content-length", human)),
    ));
    items.push(("Last Modified".into(), get(h, "last-modified")));
    items.push(("ETag".into(), get(h, "etag")));
    items.push(("Manifest".into(), get(h, "x-object-manifest")));
    let excluded = |k: &str| {
        matches!(
            k,
            "content-type"
                | "content-length"
                | "last-modified"
                | "etag"
                | "date"
                | "x-object-manifest"
        )
    };
    headers_to_items(items, h, "x-object-meta-", &excluded);
}

/// python-swiftclient's `headers_to_items`: metadata first (`Meta <Title>`), then the other
/// headers title-cased, without the excluded ones.
fn headers_to_items(
    items: &mut Items,
    h: &Headers,
    meta_prefix: &str,
    excluded: &dyn Fn(&str) -> bool,
) {
    let mut meta = Vec::new();
    let mut other = Vec::new();
    for (k, v) in h.iter() {
        if excluded(k) {
            continue;
        }
        match k.strip_prefix(meta_prefix) {
            Some(name) => meta.push((format!("Meta {}", py_title(name)), Some(v.to_owned()))),
            None => other.push((py_title(k), Some(v.to_owned()))),
        }
    }
    items.extend(meta);
    items.extend(other);
}

/// python's `print_items`: labels right-aligned to the longest, trailing spaces removed.
fn print_items(ctx: &Ctx<'_>, items: Items, skip_missing: bool) {
    let width = items
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in items {
        let v = match v {
            Some(v) => v,
            None if skip_missing => continue,
            None => "None".to_owned(),
        };
        if skip_missing && v.is_empty() {
            continue;
        }
        let line = format!("{}: {v}", rjust(&k, width));
        ctx.out.print(line.trim_end());
    }
}
