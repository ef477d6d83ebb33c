//! The HTTP client an [`Authenticator`](crate::Authenticator) is given: the connection's own
//! pool and TLS settings, behind a type of this crate (so that a new major version of the
//! HTTP library underneath is not a breaking change for those who write authenticators).

use std::fmt;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::Error;
use crate::headers::{Headers, RequestHeaders};
use crate::http::{log, read_capped, reason_of};

/// How much of a reply [`HttpClient::send`] reads.
const REPLY_LIMIT: usize = 16 << 20;

/// The connection's HTTP client, as given to
/// [`Authenticator::authenticate`](crate::Authenticator::authenticate): the connection's
/// pool, TLS settings and timeouts. Requests are logged with secrets redacted, and never
/// retried or redirected (the retry loop around authentication is the connection's).
#[derive(Clone)]
pub struct HttpClient {
    pub(crate) inner: reqwest::Client,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HttpClient")
    }
}

/// A reply to [`HttpClient::send`]: status, headers and the whole body (at most 16 MiB).
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpReply {
    /// The HTTP status.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The headers (names lower-cased).
    pub headers: Headers,
    /// The body. Its `Debug` form shows only the length: an auth reply may hold a token.
    pub body: Bytes,
}

impl fmt::Debug for HttpReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpReply")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl HttpClient {
    pub(crate) fn new(inner: reqwest::Client) -> Self {
        HttpClient { inner }
    }

    /// Sends one request and reads the reply. `what` names it in errors and logs
    /// (`"Auth POST"`: errors read `Auth POST failed: ...`). A status that is not a success
    /// is returned as a reply, not an error: the authenticator decides what it means.
    ///
    /// ```no_run
    /// # async fn demo(http: &swiftclient::auth::HttpClient) -> swiftclient::Result<()> {
    /// use swiftclient::RequestHeaders;
    /// let headers = RequestHeaders::new().with("X-Auth-User", "me").with("X-Auth-Key", "secret");
    /// let reply = http
    ///     .send("Auth GET", "GET", "https://auth.example/v1.0", &headers, None)
    ///     .await?;
    /// let token = reply.headers.get("x-auth-token");
    /// # let _ = token; Ok(()) }
    /// ```
    pub async fn send(
        &self,
        what: &str,
        method: &str,
        url: &str,
        headers: &RequestHeaders,
        body: Option<Bytes>,
    ) -> crate::Result<HttpReply> {
        let failed = format!("{what} failed");
        let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| {
            Error::invalid_input(format!("invalid method {method:?}")).with_source(e)
        })?;
        let mut req = self.inner.request(m, url).build().map_err(|e| {
            Error::invalid_input(format!("invalid URL {:?}", crate::error::scrub_url(url)))
                .with_source(e)
        })?;
        for (name, value) in headers.iter() {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                Error::invalid_input(format!("invalid header name {name:?}")).with_source(e)
            })?;
            let mut value = HeaderValue::from_bytes(value.as_bytes()).map_err(|e| {
                Error::invalid_input(format!("invalid value for header {name}")).with_source(e)
            })?;
            if crate::secret::is_sensitive_header(name.as_str()) {
                value.set_sensitive(true);
            }
            req.headers_mut().append(name, value);
        }
        if let Some(b) = body {
            *req.body_mut() = Some(b.into());
        }
        log::request(method, url, req.headers());
        let resp = self
            .inner
            .execute(req)
            .await
            .map_err(|e| Error::transport(failed.clone(), method, url, e))?;
        let status = resp.status().as_u16();
        let reason = reason_of(&resp);
        let headers = Headers::from_http(resp.headers());
        let body = read_capped(resp, REPLY_LIMIT, &failed, method, url).await?;
        log::response(status, &reason, &headers, None);
        Ok(HttpReply {
            status,
            reason,
            headers,
            body,
        })
    }
}
