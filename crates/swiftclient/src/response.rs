//! What python-swiftclient puts in `response_dict`: status, reason, headers, one entry per attempt.

use crate::headers::Headers;

/// One attempt of an operation, as recorded for [`Response::attempts`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The status, or `None` when the attempt failed before a response (connect, reset).
    pub status: Option<u16>,
    /// The reason phrase (empty when there was no response).
    pub reason: String,
    /// The response headers (empty when there was no response).
    pub headers: Headers,
}

impl Attempt {
    pub(crate) fn new(status: u16, reason: &str, headers: Headers) -> Self {
        Attempt {
            status: Some(status),
            reason: reason.to_owned(),
            headers,
        }
    }

    pub(crate) fn failed_before_response() -> Self {
        Attempt {
            status: None,
            reason: String::new(),
            headers: Headers::new(),
        }
    }
}

/// The successful response of an operation, with the log of every attempt it took.
#[derive(Clone, Debug)]
pub struct Response {
    status: u16,
    reason: String,
    headers: Headers,
    attempts: Vec<Attempt>,
}

impl Response {
    pub(crate) fn new(
        status: u16,
        reason: String,
        headers: Headers,
        attempts: Vec<Attempt>,
    ) -> Self {
        Response {
            status,
            reason,
            headers,
            attempts,
        }
    }

    /// The HTTP status of the final attempt.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase of the final attempt.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The response headers (lower-cased names; see [`Headers`]).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// Every attempt, in order; the last is this response.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// The `ETag` without quotes (for `put_object`: the MD5 of what was stored).
    pub fn etag(&self) -> Option<&str> {
        self.headers.etag()
    }

    /// The transaction id.
    pub fn trans_id(&self) -> Option<&str> {
        self.headers.trans_id()
    }
}
