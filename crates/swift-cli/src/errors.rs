//! Errors printed the way the reference prints them: `str(ClientException)` (with the body
//! excerpt as a Python bytes literal), `SwiftError` values, and the requests-style text of
//! connection failures.

use swiftclient::Error;

use crate::pyfmt::py_repr_bytes;

/// What a command failed with.
#[derive(Debug)]
pub enum CliError {
    /// A request failed (python's `ClientException` or a network error).
    Client(Error),
    /// python's `SwiftError(value, exc=...)`: printed as the value, then the transaction id
    /// of the underlying error (or `unknown`).
    Swift {
        /// The message.
        value: String,
        /// The transaction id of the failed request.
        txn: Option<String>,
    },
    /// python's `exit(msg)`: the message on stderr, exit status 1.
    Exit(String),
    /// A usage or validation error already printed through the output manager.
    Reported,
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Client(e)
    }
}

impl CliError {
    /// A `SwiftError` wrapping a failed request.
    pub fn swift(value: impl Into<String>, err: &Error) -> Self {
        CliError::Swift {
            value: value.into(),
            txn: err.trans_id().map(str::to_owned),
        }
    }
}

/// `scheme://host[:port]/path[?query]` as python-swiftclient rebuilds it from `urlparse`
/// (lower-cased host, no user info, no IPv6 brackets).
fn python_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (netloc, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let netloc = netloc.rsplit_once('@').map(|(_, h)| h).unwrap_or(netloc);
    let (host, port) = if let Some(stripped) = netloc.strip_prefix('[') {
        match stripped.split_once(']') {
            Some((h, p)) => (h.to_owned(), p.strip_prefix(':').unwrap_or("").to_owned()),
            None => (stripped.to_owned(), String::new()),
        }
    } else {
        match netloc.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.to_owned()),
            None => (netloc.to_owned(), String::new()),
        }
    };
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, q.split('#').next().unwrap_or("")),
        None => (path.split('#').next().unwrap_or(""), ""),
    };
    let mut out = String::new();
    if !scheme.is_empty() {
        out.push_str(scheme);
        out.push_str("://");
    }
    out.push_str(&host.to_lowercase());
    let port = port.trim_start_matches('0');
    if !port.is_empty() {
        out.push(':');
        out.push_str(port);
    }
    out.push_str(path);
    if !query.is_empty() {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// `str(ClientException)` for an error that carries an HTTP status; `with_txn` adds the
/// ` (txn: ...)` suffix.
pub fn client_exception(e: &Error, with_txn: bool) -> String {
    let a = e.message();
    let mut b = String::new();
    if let Some(url) = e.url() {
        b.push_str(&python_url(url));
    }
    if let Some(status) = e.status() {
        if b.is_empty() {
            b = status.to_string();
        } else {
            b = format!("{b} {status}");
        }
    }
    if let Some(reason) = e.reason().filter(|r| !r.is_empty()) {
        if b.is_empty() {
            b = format!("- {reason}");
        } else {
            b = format!("{b} {reason}");
        }
    }
    if let Some(body) = e.body().filter(|b| !b.is_empty()) {
        let bytes = body.as_bytes();
        if bytes.len() <= 60 {
            b.push_str(&format!("   {}", py_repr_bytes(bytes)));
        } else {
            b.push_str(&format!(
                "  [first 60 chars of response] {}",
                py_repr_bytes(&bytes[..60])
            ));
        }
    }
    let c = match e.trans_id() {
        Some(t) if with_txn => format!(" (txn: {t})"),
        _ => String::new(),
    };
    if b.is_empty() {
        format!("{a}{c}")
    } else {
        format!("{a}: {b}{c}")
    }
}

/// The text of a connection failure, in the form python's `requests` gives it when the
/// cause is one we can name (refused connection, unknown host); our own text otherwise.
pub fn network_error(e: &Error) -> String {
    let chain = error_chain(e);
    let url = e.url().unwrap_or("");
    let Some((scheme, rest)) = url.split_once("://") else {
        return e.to_string();
    };
    let (netloc, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let (host, port) = match netloc.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']).to_owned(), p.to_owned()),
        None => (
            netloc.to_owned(),
            if scheme == "https" { "443" } else { "80" }.to_owned(),
        ),
    };
    let pool = if scheme == "https" {
        "HTTPSConnectionPool"
    } else {
        "HTTPConnectionPool"
    };
    let conn = if scheme == "https" {
        "HTTPSConnection"
    } else {
        "HTTPConnection"
    };
    let lower = chain.to_ascii_lowercase();
    if lower.contains("connection refused") {
        return format!(
            "{pool}(host='{host}', port={port}): Max retries exceeded with url: {path} (Caused by NewConnectionError(\"{conn}(host='{host}', port={port}): Failed to establish a new connection: [Errno 111] Connection refused\"))"
        );
    }
    if lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("dns error")
    {
        return format!(
            "{pool}(host='{host}', port={port}): Max retries exceeded with url: {path} (Caused by NameResolutionError(\"{conn}(host='{host}', port={port}): Failed to resolve '{host}' ([Errno -2] Name or service not known)\"))"
        );
    }
    e.to_string()
}

fn error_chain(e: &Error) -> String {
    let mut out = e.to_string();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// Prints an uncaught error of a subcommand as the reference's `main()` does.
pub fn report(out: &crate::output::Output, err: CliError) {
    match err {
        CliError::Client(e) => report_client(out, &e),
        CliError::Swift { value, txn } => out.error_with_txn(&value, txn.as_deref()),
        CliError::Exit(msg) => out.error(&msg),
        CliError::Reported => {}
    }
}

/// `str(err)` without the transaction id, then `Failed Transaction ID: <id>` when there is
/// one; network errors as their text alone.
pub fn report_client(out: &crate::output::Output, e: &Error) {
    if let Some(text) = keystone_error(e) {
        out.error(&text);
        return;
    }
    if e.status().is_some() {
        out.error(&client_exception(e, false));
        if let Some(t) = e.trans_id() {
            out.error(&format!("Failed Transaction ID: {t}"));
        }
    } else if e.is_transport() {
        out.error(&network_error(e));
    } else {
        out.error(&plain_error(e));
    }
}

/// Keystone failures, as python-swiftclient reports them (through keystoneclient): a 401 is
/// `Unauthorized. Check ...`, other statuses `Authorization Failure. Authorization failed:
/// <reason> (HTTP <status>) (Request-ID: <id>)`, a missing endpoint
/// `Endpoint for <type> not found - have you specified a region?`.
fn keystone_error(e: &Error) -> Option<String> {
    let msg = e.message();
    if let Some(rest) = msg.strip_prefix("Endpoint for ") {
        let service = rest.split(" not found").next().unwrap_or(rest);
        return Some(format!(
            "Endpoint for {service} not found - have you specified a region?"
        ));
    }
    let rest = msg.strip_prefix("Auth POST failed")?;
    let status = e.status()?;
    if let Some(inner) = rest.strip_prefix(" (").and_then(|r| r.strip_suffix(')')) {
        return Some(inner.to_owned());
    }
    let v2 = e
        .url()
        .is_some_and(|u| u.ends_with("/tokens") && !u.ends_with("/auth/tokens"));
    let req_id = e
        .headers()
        .and_then(|h| h.get("x-openstack-request-id"))
        .map(|id| format!(" (Request-ID: {id})"))
        .unwrap_or_default();
    Some(format!(
        "Authorization Failure. Authorization {}: {} (HTTP {status}){req_id}",
        if v2 { "Failed" } else { "failed" },
        reason_phrase(status).unwrap_or_else(|| e.reason().unwrap_or("HTTP Error"))
    ))
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// True for a 404 of the request itself (not of authentication).
pub fn not_found(e: &Error) -> bool {
    e.is_not_found() && !e.is_auth()
}

/// The text of an error that is not an HTTP failure (auth answers, names, local I/O).
pub fn plain_error(e: &Error) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_like_urlparse() {
        assert_eq!(
            python_url("http://LocalHost:8080/v1/a/c?format=json"),
            "http://localhost:8080/v1/a/c?format=json"
        );
        assert_eq!(python_url("https://u:p@[::1]:443/x"), "https://::1:443/x");
        assert_eq!(python_url("http://h/x#frag"), "http://h/x");
    }
}
