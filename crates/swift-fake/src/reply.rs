//! [`Reply`]: one scripted response, including fault injection options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::RecordedRequest;

/// A function computing a reply from the request it answers.
pub(crate) type ReplyFn = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// One scripted response of a [`FakeServer`](crate::FakeServer).
///
/// Built with [`Reply::status`] (or [`Reply::with`]) and refined with the
/// builder methods. Unless told otherwise the body is sent with
/// `Content-Length` equal to its length (`Content-Length: 0` when empty).
#[derive(Clone)]
pub struct Reply {
    pub(crate) status: u16,
    pub(crate) reason: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) chunked: bool,
    pub(crate) delay: Option<Duration>,
    pub(crate) truncate_after: Option<usize>,
    pub(crate) stall: Option<(usize, Duration)>,
    pub(crate) drop_connection: bool,
    pub(crate) dynamic: Option<ReplyFn>,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dynamic.is_some() {
            return f.write_str("Reply::with(<fn>)");
        }
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("chunked", &self.chunked)
            .field("delay", &self.delay)
            .field("truncate_after", &self.truncate_after)
            .field("stall", &self.stall)
            .field("drop_connection", &self.drop_connection)
            .finish()
    }
}

impl Reply {
    /// A reply with the given status code, no extra headers and an empty body
    /// (sent with `Content-Length: 0`). Any code from 100 to 999 is accepted.
    pub fn status(code: u16) -> Reply {
        Reply {
            status: code,
            reason: None,
            headers: Vec::new(),
            body: Bytes::new(),
            chunked: false,
            delay: None,
            truncate_after: None,
            stall: None,
            drop_connection: false,
            dynamic: None,
        }
    }

    /// A reply computed from the request it answers, when that request arrives.
    ///
    /// Useful in a script, e.g. to echo a header back or to branch on the path.
    /// The returned reply may itself be another `Reply::with`.
    pub fn with(f: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Reply {
        Reply {
            dynamic: Some(Arc::new(f)),
            ..Reply::status(500)
        }
    }

    /// Sets a custom reason phrase for the status line (e.g. `"Gateway Timeout"`).
    pub fn reason(mut self, reason: &str) -> Reply {
        self.reason = Some(reason.to_owned());
        self
    }

    /// Adds a response header. May be called repeatedly, also with the same name:
    /// every call produces its own header line, in call order.
    ///
    /// Setting `Content-Length` yourself replaces the automatic one (handy for a
    /// `HEAD` reply announcing an object size with an empty body).
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the response body. It is sent with `Content-Length` equal to its
    /// length unless [`chunked`](Reply::chunked) or an explicit header says otherwise.
    pub fn body(mut self, body: impl Into<Bytes>) -> Reply {
        self.body = body.into();
        self
    }

    /// Sets `value` as the body and adds `Content-Type: application/json; charset=utf-8`.
    pub fn json(self, value: &str) -> Reply {
        self.header("Content-Type", "application/json; charset=utf-8")
            .body(value.to_owned())
    }

    /// Sends the body with `Transfer-Encoding: chunked` and no `Content-Length`.
    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }

    /// Waits `d` (after the request body has been read) before sending the response head.
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = Some(d);
        self
    }

    /// Announces the full body length but sends only the first `n` body bytes,
    /// then closes the connection abruptly (no further bytes, no response end).
    pub fn truncate_after(mut self, n: usize) -> Reply {
        self.truncate_after = Some(n);
        self
    }

    /// Sends the first `n` body bytes, then sleeps `d` before sending the rest.
    pub fn stall_after(mut self, n: usize, d: Duration) -> Reply {
        self.stall = Some((n, d));
        self
    }

    /// Reads the request (including its body), then closes the connection
    /// without sending any response bytes.
    pub fn drop_connection(mut self) -> Reply {
        self.drop_connection = true;
        self
    }
}
