//! The error type: everything python-swiftclient's `ClientException` carries, behind predicates.

use std::fmt;

use crate::headers::Headers;
use crate::response::Attempt;

/// How many bytes of an error response body an [`Error`] keeps.
const BODY_EXCERPT_LIMIT: usize = Error::BODY_EXCERPT_LIMIT;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from a Swift operation.
///
/// Opaque, in the style of `reqwest::Error`: ask it with predicates such as
/// [`Error::is_not_found`] and accessors such as [`Error::status`]. Its `Display` form follows
/// python-swiftclient's `ClientException` (`Object GET failed: <url> 404 Not Found ... (txn: ...)`);
/// it never contains a token, key or password.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// e.g. "Object GET failed".
    msg: String,
    method: Option<String>,
    url: Option<String>,
    status: Option<u16>,
    reason: Option<String>,
    headers: Option<Headers>,
    body: Option<String>,
    attempts: u32,
    /// Every attempt of the operation that got this far (python-swiftclient's
    /// `response_dicts`), in order.
    attempt_log: Vec<Attempt>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// The failure happened while authenticating.
    during_auth: bool,
}

/// What sort of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with a status that is not a success.
    Status,
    /// The request could not be sent or the response not read (connect, reset, timeout, TLS).
    Transport,
    /// Authentication failed for a reason other than an HTTP status (bad answer, no endpoint).
    Auth,
    /// A container or object name the cluster would refuse.
    InvalidName,
    /// A bad argument or option (URL, header, configuration).
    InvalidInput,
    /// An upload failed and its body could not be rewound for a retry.
    BodyNotReplayable,
    /// Downloaded data does not match what the server announced (length, range, checksum).
    Integrity,
    /// A response body could not be parsed (listing JSON, auth reply).
    Decode,
    /// Local I/O (reading an upload file).
    Io,
    /// The overall retry deadline passed.
    Deadline,
    /// A bug of this library: a task panicked. Its item failed; the job goes on.
    Internal,
}

impl Error {
    /// How many bytes of an error response body an error keeps ([`Error::body`]).
    pub const BODY_EXCERPT_LIMIT: usize = 1024;

    pub(crate) fn new(kind: ErrorKind, msg: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                msg: msg.into(),
                method: None,
                url: None,
                status: None,
                reason: None,
                headers: None,
                body: None,
                attempts: 0,
                attempt_log: Vec::new(),
                source: None,
                during_auth: false,
            }),
        }
    }

    /// A panicked task, as the failure of its item.
    #[cfg(feature = "transfer")]
    pub(crate) fn panicked(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        tracing::error!(target: "swiftclient", "a transfer task panicked: {what}");
        Self::new(
            ErrorKind::Internal,
            format!("internal error (a bug of swiftclient, please report it): {what}"),
        )
    }

    pub(crate) fn invalid_name(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidName, msg)
    }

    pub(crate) fn invalid_input(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, msg)
    }

    /// An error for a non-success HTTP response.
    pub(crate) fn from_status(
        msg: impl Into<String>,
        method: &str,
        url: &str,
        status: u16,
        reason: &str,
        headers: Headers,
        body: &[u8],
    ) -> Self {
        let mut e = Self::new(ErrorKind::Status, msg);
        e.inner.method = Some(method.to_owned());
        e.inner.url = Some(scrub_url(url));
        e.inner.status = Some(status);
        e.inner.reason = Some(reason.to_owned());
        e.inner.headers = Some(headers);
        let excerpt = &body[..body.len().min(BODY_EXCERPT_LIMIT)];
        e.inner.body = Some(String::from_utf8_lossy(excerpt).into_owned());
        e
    }

    /// A transport failure. The HTTP client's error loses its copy of the URL (which would
    /// show a `user:password@` in full); the scrubbed one is ours.
    pub(crate) fn transport(
        msg: impl Into<String>,
        method: &str,
        url: &str,
        source: reqwest::Error,
    ) -> Self {
        let mut e = Self::new(ErrorKind::Transport, msg);
        e.inner.method = Some(method.to_owned());
        e.inner.url = Some(scrub_url(url));
        e.inner.source = Some(Box::new(source.without_url()));
        e
    }

    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_attempt_log(mut self, log: Vec<Attempt>) -> Self {
        self.inner.attempt_log = log;
        self
    }

    pub(crate) fn with_request(mut self, method: &str, url: &str) -> Self {
        self.inner.method = Some(method.to_owned());
        self.inner.url = Some(scrub_url(url));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message prefix, e.g. `Object GET failed`.
    pub fn message(&self) -> &str {
        &self.inner.msg
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The HTTP reason phrase, when the server answered.
    pub fn reason(&self) -> Option<&str> {
        self.inner.reason.as_deref()
    }

    /// The request method (`GET`, `PUT`, ...), when a request was involved.
    pub fn method(&self) -> Option<&str> {
        self.inner.method.as_deref()
    }

    /// The request URL (never carries a token; temp URL signatures are redacted).
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// The response headers, when the server answered.
    pub fn headers(&self) -> Option<&Headers> {
        self.inner.headers.as_ref()
    }

    /// The first [`Error::BODY_EXCERPT_LIMIT`] bytes of the response body, as text.
    pub fn body(&self) -> Option<&str> {
        self.inner.body.as_deref()
    }

    /// The transaction id (`X-Trans-Id`, else `X-Openstack-Request-Id`).
    pub fn trans_id(&self) -> Option<&str> {
        self.inner.headers.as_ref().and_then(Headers::trans_id)
    }

    /// How many attempts were made before giving up (0 when no request was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The attempts made before giving up, in order: each one's status, reason and headers,
    /// or no status for an attempt that got no response (python-swiftclient's
    /// `response_dicts`, which it fills on failure too). Empty when no request was answered or
    /// sent (a failed authentication, a refused name); the last entry is usually the failure
    /// this error describes.
    pub fn attempt_log(&self) -> &[Attempt] {
        &self.inner.attempt_log
    }

    /// 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 401 Unauthorized (after the one re-authentication, if any).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// 403 Forbidden.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403)
    }

    /// 409 Conflict (e.g. deleting a container that is not empty).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// 412 Precondition Failed (e.g. the object changed during a resumed download).
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// 498 or 429: the cluster rate-limited the request.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.status(), Some(498 | 429))
    }

    /// Any 5xx status.
    pub fn is_server_error(&self) -> bool {
        self.status().is_some_and(|s| (500..600).contains(&s))
    }

    /// The server answered with a non-success status.
    pub fn is_status(&self) -> bool {
        self.inner.kind == ErrorKind::Status
    }

    /// A transport failure: connect, reset, timeout or TLS.
    pub fn is_transport(&self) -> bool {
        self.inner.kind == ErrorKind::Transport
    }

    /// A connect or read timeout.
    pub fn is_timeout(&self) -> bool {
        self.find_reqwest().is_some_and(reqwest::Error::is_timeout)
            || self.sources().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
            })
    }

    /// The connection could not be established.
    pub fn is_connect(&self) -> bool {
        self.find_reqwest().is_some_and(reqwest::Error::is_connect)
    }

    /// A TLS failure such as an unknown certificate authority (a `rustls` error among the
    /// causes).
    pub fn is_tls(&self) -> bool {
        self.sources().any(|e| e.is::<rustls::Error>())
    }

    /// Authentication failed: wrong credentials, an unusable auth answer, or any failure of
    /// the authentication request itself.
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth || self.inner.during_auth
    }

    /// Marks this error as a failure of authentication (see [`Error::is_auth`]).
    pub(crate) fn during_auth(mut self) -> Self {
        self.inner.during_auth = true;
        self
    }

    /// A container or object name the cluster would refuse.
    pub fn is_invalid_name(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidName
    }

    /// A bad argument or option.
    pub fn is_invalid_input(&self) -> bool {
        self.inner.kind == ErrorKind::InvalidInput
    }

    /// An upload needed a retry but its body could not be rewound.
    pub fn is_body_not_replayable(&self) -> bool {
        self.inner.kind == ErrorKind::BodyNotReplayable
    }

    /// Data did not match what the server announced (length, range, ETag).
    pub fn is_integrity(&self) -> bool {
        self.inner.kind == ErrorKind::Integrity
    }

    /// The overall retry deadline passed.
    pub fn is_deadline(&self) -> bool {
        self.inner.kind == ErrorKind::Deadline
    }

    /// A task of the library panicked (a bug); its item failed.
    pub fn is_internal(&self) -> bool {
        self.inner.kind == ErrorKind::Internal
    }

    fn find_reqwest(&self) -> Option<&reqwest::Error> {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = self
            .inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(e) = cur {
            if let Some(r) = e.downcast_ref::<reqwest::Error>() {
                return Some(r);
            }
            cur = e.source();
        }
        None
    }

    /// Every cause of this error (see [`sources`]).
    fn sources(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| sources(e as &(dyn std::error::Error + 'static)))
            .into_iter()
            .flatten()
    }

    /// The chain of underlying causes, joined with `: `.
    fn causes(&self) -> String {
        let mut out = String::new();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = self
            .inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        let mut last = String::new();
        while let Some(e) = cur {
            let s = e.to_string();
            // reqwest and hyper often repeat their inner message; print each text once.
            if !last.contains(&s) {
                if !out.is_empty() {
                    out.push_str(": ");
                }
                out.push_str(&s);
            }
            last = s;
            // Our own error's Display already includes its causes.
            if e.downcast_ref::<Error>().is_some() {
                break;
            }
            cur = e.source();
        }
        out
    }
}

/// `first` and every error below it: its `source()` chain, and the error an `io::Error`
/// wraps (which `io::Error::source` skips: a TLS failure arrives as an `io::Error` holding a
/// `rustls::Error`). Classification looks at these types, never at message text.
pub(crate) fn sources<'a>(
    first: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut out: Vec<&'a (dyn std::error::Error + 'static)> = Vec::new();
    let mut cur = Some(first);
    while let Some(e) = cur {
        if out.len() > 64 {
            break;
        }
        out.push(e);
        cur = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    out.into_iter()
}

/// Removes secrets from a URL before it goes into an error or a log line: `user:password@`
/// and temp URL signatures.
pub(crate) fn scrub_url(url: &str) -> String {
    let stripped;
    let mut url = url;
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            stripped = format!("{scheme}://{}", &rest[at + 1..]);
            url = &stripped;
        }
    }
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("temp_url_sig") => format!("{k}=..."),
            _ => kv.to_owned(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.write_str(&i.msg)?;
        let mut http = String::new();
        if let Some(url) = &i.url {
            http.push_str(url);
        }
        if let Some(status) = i.status {
            if !http.is_empty() {
                http.push(' ');
            }
            http.push_str(&status.to_string());
            if let Some(reason) = i.reason.as_deref().filter(|r| !r.is_empty()) {
                http.push(' ');
                http.push_str(reason);
            }
        }
        if !http.is_empty() {
            write!(f, ": {http}")?;
        }
        if let Some(body) = i.body.as_deref().filter(|b| !b.is_empty()) {
            let chars: Vec<char> = body.chars().collect();
            if chars.len() <= 60 {
                write!(f, "   {body}")?;
            } else {
                let head: String = chars[..60].iter().collect();
                write!(f, "  [first 60 chars of response] {head}")?;
            }
        }
        if let Some(txn) = self.trans_id() {
            write!(f, " (txn: {txn})")?;
        }
        if i.status.is_none() {
            let causes = self.causes();
            if !causes.is_empty() {
                write!(f, ": {causes}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("msg", &i.msg);
        if let Some(m) = &i.method {
            d.field("method", m);
        }
        if let Some(u) = &i.url {
            d.field("url", u);
        }
        if let Some(s) = i.status {
            d.field("status", &s);
        }
        if let Some(r) = &i.reason {
            d.field("reason", r);
        }
        if let Some(t) = self.trans_id() {
            d.field("trans_id", &t);
        }
        if i.attempts > 0 {
            d.field("attempts", &i.attempts);
        }
        if let Some(s) = &i.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, "I/O error").with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            scrub_url("https://alice:s3cret@h.example:8080/v1/A/c/o@x?temp_url_sig=abc&a=1"),
            "https://h.example:8080/v1/A/c/o@x?temp_url_sig=...&a=1"
        );
        assert_eq!(scrub_url("http://tok@h/x"), "http://h/x");
        assert_eq!(scrub_url("http://h/a@b"), "http://h/a@b");
        assert_eq!(scrub_url("not a url"), "not a url");
    }

    #[test]
    fn display_like_client_exception() {
        let mut h = Headers::new();
        h.append_raw("X-Trans-Id", "tx123");
        let e = Error::from_status(
            "Object GET failed",
            "GET",
            "https://h.example/v1/AUTH_a/c/o?x=1",
            404,
            "Not Found",
            h,
            b"<html>nope</html>",
        );
        assert_eq!(
            e.to_string(),
            "Object GET failed: https://h.example/v1/AUTH_a/c/o?x=1 404 Not Found   <html>nope</html> (txn: tx123)"
        );
        assert!(e.is_not_found());
        assert_eq!(e.trans_id(), Some("tx123"));
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(100);
        let e = Error::from_status(
            "Object GET failed",
            "GET",
            "http://h/c/o",
            500,
            "Internal Error",
            Headers::new(),
            body.as_bytes(),
        );
        assert!(e.to_string().ends_with(&format!(
            "  [first 60 chars of response] {}",
            "x".repeat(60)
        )));
        assert!(e.is_server_error());
    }

    #[test]
    fn temp_url_signatures_are_scrubbed() {
        assert_eq!(
            scrub_url("http://h/v1/a/c/o?temp_url_sig=abc&temp_url_expires=1"),
            "http://h/v1/a/c/o?temp_url_sig=...&temp_url_expires=1"
        );
    }
}
