//! Optional parameters of the operations, as plain structs with `Default` and builder methods.

use crate::headers::RequestHeaders;

/// Extra headers and a raw query string for any operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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

/// Listing parameters for [`crate::Connection::get_account`] and
/// [`crate::Connection::get_container`] and their streaming forms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Start after this name.
    pub marker: Option<String>,
    /// Stop before this name.
    pub end_marker: Option<String>,
    /// At most this many entries per page (per request).
    pub limit: Option<u64>,
    /// Only names with this prefix.
    pub prefix: Option<String>,
    /// Roll names up to this delimiter into `subdir` entries.
    pub delimiter: Option<String>,
    /// Containers only: start after this version of `marker` (with the `versions` query).
    pub version_marker: Option<String>,
    /// Containers only: `path=` (like `prefix=<path>/` with `delimiter=/`).
    pub path: Option<String>,
    /// Fetch every page, not just the first.
    pub full_listing: bool,
    /// Extra headers.
    pub headers: RequestHeaders,
    /// A raw query string appended verbatim (e.g. `reverse=on`, `versions`). Unlike
    /// python-swiftclient, it is kept on every page of a full listing.
    pub query_string: Option<String>,
}

impl ListOptions {
    /// First page, no filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `marker`.
    pub fn marker(mut self, v: impl Into<String>) -> Self {
        self.marker = Some(v.into());
        self
    }

    /// Sets `end_marker`.
    pub fn end_marker(mut self, v: impl Into<String>) -> Self {
        self.end_marker = Some(v.into());
        self
    }

    /// Sets `limit`.
    pub fn limit(mut self, v: u64) -> Self {
        self.limit = Some(v);
        self
    }

    /// Sets `prefix`.
    pub fn prefix(mut self, v: impl Into<String>) -> Self {
        self.prefix = Some(v.into());
        self
    }

    /// Sets `delimiter`.
    pub fn delimiter(mut self, v: impl Into<String>) -> Self {
        self.delimiter = Some(v.into());
        self
    }

    /// Sets `version_marker`.
    pub fn version_marker(mut self, v: impl Into<String>) -> Self {
        self.version_marker = Some(v.into());
        self
    }

    /// Sets `path`.
    pub fn path(mut self, v: impl Into<String>) -> Self {
        self.path = Some(v.into());
        self
    }

    /// Fetch every page.
    pub fn full_listing(mut self, v: bool) -> Self {
        self.full_listing = v;
        self
    }

    /// Moves `marker` (and `version_marker`) past `last`, the last entry of a page, for the
    /// next page. A page must end strictly after the one before (before it with `reverse`):
    /// a server whose pages repeat or cycle gets an error here, never an endless loop.
    ///
    /// ```
    /// # fn page(conn: &swiftclient::blocking::Connection) -> swiftclient::Result<()> {
    /// let mut opts = swiftclient::ListOptions::new().limit(100);
    /// loop {
    ///     let page = conn.get_container("c", &opts)?.entries;
    ///     let Some(last) = page.last() else { break };
    ///     // ... use the page ...
    ///     opts.advance(last)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn advance<T: crate::Entry>(&mut self, last: &T) -> crate::Result<()> {
        crate::listing::advance(self, last)
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
}

/// Parameters of [`crate::Connection::put_object_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
}

/// Parameters of [`crate::Connection::copy_object_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
