//! HTTP helpers shared by authentication and the request path: reason phrases, bounded body
//! reads, and the request log.

pub(crate) mod client;
pub(crate) mod log;

use bytes::Bytes;

use crate::error::{Error, ErrorKind};

/// The reason phrase: the server's own when hyper kept it, else the canonical one.
pub(crate) fn reason_of(resp: &reqwest::Response) -> String {
    match resp.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(r) => String::from_utf8_lossy(r.as_bytes()).into_owned(),
        None => resp.status().canonical_reason().unwrap_or("").to_owned(),
    }
}

/// The most of a successful response that is read whole: listing pages, bulk-delete and
/// extract-archive reports, auth replies. A body past it (an endless chunked page) is an
/// error, never memory exhaustion.
pub(crate) const BODY_LIMIT: usize = 64 << 20;

/// Reads a whole body of at most `limit` bytes into one buffer sized by its
/// `Content-Length`, letting go of each chunk as it is copied (collecting the chunks first
/// would keep the HTTP client's read buffers alive). `what` names the request for errors
/// ("Container GET failed").
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
    what: &str,
    method: &str,
    url: &str,
) -> crate::Result<Bytes> {
    let announced = response.content_length().unwrap_or(0).min(16 << 20);
    let mut buf = Vec::with_capacity(usize::try_from(announced).unwrap_or(0).min(limit));
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limit {
                    return Err(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "{what}: the response body is larger than {} MiB; not read further",
                            limit >> 20
                        ),
                    )
                    .with_request(method, url));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(Bytes::from(buf)),
            Err(e) => {
                return Err(Error::transport(
                    "reading the response failed",
                    method,
                    url,
                    e,
                ))
            }
        }
    }
}

/// Reads at most `limit` bytes of a body (the rest is dropped with the connection).
pub(crate) async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Bytes {
    let mut buf = Vec::new();
    while buf.len() < limit {
        match resp.chunk().await {
            Ok(Some(c)) => buf.extend_from_slice(&c[..c.len().min(limit - buf.len())]),
            _ => break,
        }
    }
    Bytes::from(buf)
}
