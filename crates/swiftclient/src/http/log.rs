//! Request logging in python-swiftclient's curl-like form, through `tracing` (target
//! `swiftclient`), with every sensitive header value redacted.
//!
//! Successful exchanges are logged at DEBUG, failed ones at INFO, as the reference does.

use std::fmt::Write as _;

use crate::headers::Headers;
use crate::quoting::unquote_lossless;
use crate::secret::{is_sensitive_header, redact};

/// Logs `REQ: curl -i <url> -X <method> -H "<name>: <value>" ...`.
pub(crate) fn request(method: &str, url: &str, headers: &reqwest::header::HeaderMap) {
    if !tracing::enabled!(target: "swiftclient", tracing::Level::DEBUG) {
        return;
    }
    let mut line = format!(
        "REQ: curl -i {}",
        unquote_lossless(&crate::error::scrub_url(url))
    );
    match method {
        "HEAD" => line.push_str(" -I"),
        m => {
            let _ = write!(line, " -X {m}");
        }
    }
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        let shown = if is_sensitive_header(name.as_str()) {
            redact(&value)
        } else {
            value.into_owned()
        };
        let _ = write!(line, " -H \"{}: {}\"", name.as_str(), shown);
    }
    tracing::debug!(target: "swiftclient", "{line}");
}

/// Logs `RESP STATUS`, `RESP HEADERS` and, when given, `RESP BODY`.
pub(crate) fn response(status: u16, reason: &str, headers: &Headers, body: Option<&[u8]>) {
    let ok = status < 300;
    let level_enabled = if ok {
        tracing::enabled!(target: "swiftclient", tracing::Level::DEBUG)
    } else {
        tracing::enabled!(target: "swiftclient", tracing::Level::INFO)
    };
    if !level_enabled {
        return;
    }
    let mut hdrs = String::from("{");
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 {
            hdrs.push_str(", ");
        }
        let shown = if is_sensitive_header(name) {
            redact(value)
        } else {
            value.to_owned()
        };
        let _ = write!(hdrs, "'{name}': '{shown}'");
    }
    hdrs.push('}');
    let body = body
        .filter(|b| !b.is_empty())
        .map(|b| String::from_utf8_lossy(&b[..b.len().min(4096)]).into_owned());
    if ok {
        tracing::debug!(target: "swiftclient", "RESP STATUS: {status} {reason}");
        tracing::debug!(target: "swiftclient", "RESP HEADERS: {hdrs}");
        if let Some(b) = body {
            tracing::debug!(target: "swiftclient", "RESP BODY: {b}");
        }
    } else {
        tracing::info!(target: "swiftclient", "RESP STATUS: {status} {reason}");
        tracing::info!(target: "swiftclient", "RESP HEADERS: {hdrs}");
        if let Some(b) = body {
            tracing::info!(target: "swiftclient", "RESP BODY: {b}");
        }
    }
}
