//! Optional parameters of the operations, as plain structs with `Default` and builder methods.

use crate::headers::RequestHeaders;

/// Extra headers and a raw query string for any operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct RequestOptions {
    /// Headers sent with the request (names lower-cased).
    pub headers: RequestHeaders,
    /// A query string appended verbatim (already encoded by the caller; a leading `?` is dropped).
    pub query_string: Option<String>,
}

impl RequestOptions {
    /// No headers, no query string.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Sets all headers.
    pub fn headers(mut self, headers: impl Into<RequestHeaders>) -> Self {
        self.headers = headers.into();
        self
    }

    /// Sets the raw query string.
    pub fn query_string(mut self, q: impl Into<String>) -> Self {
        self.query_string = Some(q.into());
        self
    }
}

impl From<RequestHeaders> for RequestOptions {
    fn from(headers: RequestHeaders) -> Self {
        RequestOptions {
            headers,
            query_string: None,
        }
    }
}

/// Parameters of [`crate::Connection::put_object_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct PutOptions {
    /// `Content-Type`; when unset (and not in `headers`) none is sent and the server picks one.
    pub content_type: Option<String>,
    /// Expected MD5 (sent as `ETag`; the server refuses a mismatch with 422).
    pub etag: Option<String>,
    /// `Content-Length` when the body's own length is unknown.
    pub content_length: Option<u64>,
    /// Extra headers (metadata as `X-Object-Meta-*`).
    pub headers: RequestHeaders,
    /// A raw query string (e.g. `multipart-manifest=put`).
    pub query_string: Option<String>,
    /// Do not compare the returned ETag with the MD5 of what was sent (on by default for plain
    /// objects; never done for manifests).
    pub skip_etag_check: bool,
}

impl PutOptions {
    /// Defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the content type.
    pub fn content_type(mut self, v: impl Into<String>) -> Self {
        self.content_type = Some(v.into());
        self
    }

    /// Sets the expected MD5.
    pub fn etag(mut self, v: impl Into<String>) -> Self {
        self.etag = Some(v.into());
        self
    }

    /// Sets the content length.
    pub fn content_length(mut self, v: u64) -> Self {
        self.content_length = Some(v);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Sets the raw query string.
    pub fn query_string(mut self, q: impl Into<String>) -> Self {
        self.query_string = Some(q.into());
        self
    }

    /// Replaces the extra headers.
    pub fn headers(mut self, headers: impl Into<RequestHeaders>) -> Self {
        self.headers = headers.into();
        self
    }

    /// Sets [`PutOptions::skip_etag_check`].
    pub fn skip_etag_check(mut self, on: bool) -> Self {
        self.skip_etag_check = on;
        self
    }
}

/// Parameters of [`crate::Connection::copy_object_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct CopyOptions {
    /// `/container/object`; `None` copies the object onto itself (to change its metadata).
    pub destination: Option<String>,
    /// `Some(true)`: the copy gets only the metadata in `headers`; `Some(false)`: existing
    /// metadata is kept; `None`: no `X-Fresh-Metadata` header is sent.
    pub fresh_metadata: Option<bool>,
    /// Extra headers.
    pub headers: RequestHeaders,
}

impl CopyOptions {
    /// Defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the destination.
    pub fn destination(mut self, v: impl Into<String>) -> Self {
        self.destination = Some(v.into());
        self
    }

    /// Sets `fresh_metadata`.
    pub fn fresh_metadata(mut self, v: bool) -> Self {
        self.fresh_metadata = Some(v);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }
}
