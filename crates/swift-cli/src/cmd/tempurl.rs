//! `swift tempurl [--absolute] [--prefix-based] [--iso8601] [--ip-range R] [--digest D]
//! <method> <time> <path> <key>`.

use swiftclient::tempurl::{generate_temp_url, Digest, TempUrlOptions};

use crate::errors::CliError;
use crate::{CmdResult, Ctx};

/// What Python's `urlparse` makes of the path argument: (scheme, netloc, path).
fn url_parts(s: &str) -> (String, String, String) {
    let mut rest = s;
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let cand = &rest[..i];
        if !cand.is_empty()
            && cand.starts_with(|c: char| c.is_ascii_alphabetic())
            && cand
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            scheme = cand.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = String::new();
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = after[..end].to_owned();
        rest = &after[end..];
    }
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let mut path = &rest[..end];
    // urlparse splits ";params" off the last path segment.
    let seg_start = path.rfind('/').unwrap_or(0);
    if let Some(i) = path[seg_start..].find(';') {
        path = &path[..seg_start + i];
    } else if !path.contains('/') {
        if let Some(i) = path.find(';') {
            path = &path[..i];
        }
    }
    (scheme, netloc, path.to_owned())
}

pub fn run(ctx: Ctx<'_>) -> CmdResult {
    let [method, time, path, key, ..] = ctx.args.as_slice() else {
        if let Some(text) = crate::opts::command_usage("tempurl") {
            ctx.out.error(&text);
        }
        return Err(CliError::Reported);
    };
    let (scheme, netloc, url_path) = url_parts(path);
    let upper = method.to_uppercase();
    if !["GET", "PUT", "HEAD", "POST", "DELETE"].contains(&upper.as_str()) {
        ctx.out.print(&format!(
            "WARNING: Non default HTTP method {upper} for tempurl specified, possibly an error"
        ));
    }
    let mut opts = TempUrlOptions::default();
    opts.absolute = ctx.ns.truthy("absolute_expiry");
    opts.prefix = ctx.ns.truthy("prefix_based");
    opts.iso8601 = ctx.ns.truthy("iso8601");
    opts.ip_range = ctx.ns.str("ip_range").map(str::to_owned);
    opts.digest = match ctx.ns.str("digest") {
        Some("sha1") => Digest::Sha1,
        Some("sha512") => Digest::Sha512,
        _ => Digest::Sha256,
    };
    let signed = match generate_temp_url(&url_path, time, key, method, &opts) {
        Ok(s) => s,
        Err(e) => {
            ctx.out.error(e.message());
            return Err(CliError::Reported);
        }
    };
    if !scheme.is_empty() && !netloc.is_empty() {
        ctx.out.print(&format!("{scheme}://{netloc}{signed}"));
    } else {
        ctx.out.print(&signed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlparse_like() {
        assert_eq!(
            url_parts("http://h:8080/v1/a/c/o?x=1"),
            ("http".into(), "h:8080".into(), "/v1/a/c/o".into())
        );
        assert_eq!(
            url_parts("/v1/a/c/o;p"),
            (String::new(), String::new(), "/v1/a/c/o".into())
        );
        assert_eq!(
            url_parts("/v1/a/c/o"),
            (String::new(), String::new(), "/v1/a/c/o".into())
        );
    }
}
