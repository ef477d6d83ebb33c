//! Object downloads as a stream with bounded memory, resumed with `Range` + `If-Match` when the
//! connection breaks part-way, and checked against the ETag at the end.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, ErrorKind};
use crate::headers::{Headers, RequestHeaders};
use crate::numbers::hex;
use crate::path::Target;
use crate::response::Response;
use crate::transport::{Call, Session};

/// A downloaded object: its response (headers) and its body.
#[derive(Debug)]
pub struct Object {
    /// The response of the GET (headers, status, attempts).
    pub response: Response,
    /// The body, read as a stream.
    pub body: ObjectBody,
}

impl Object {
    /// The response headers.
    pub fn headers(&self) -> &Headers {
        self.response.headers()
    }

    /// Reads the whole body into memory (checked like [`ObjectBody::chunk`]).
    pub async fn bytes(self) -> crate::Result<Bytes> {
        self.body.bytes().await
    }

    /// The body as a stream of chunks (see [`ObjectBody::into_stream`]).
    pub fn into_stream(self) -> impl Stream<Item = crate::Result<Bytes>> + Send + Unpin + 'static {
        self.body.into_stream()
    }

    /// The body as an [`AsyncRead`] (see [`ObjectBody::into_async_read`]).
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin + 'static {
        self.body.into_async_read()
    }
}

/// The body of a downloaded object.
///
/// Read it chunk by chunk with [`ObjectBody::chunk`], as a [`Stream`], or into a writer. Memory
/// stays bounded by the chunk size. If the connection breaks before the announced length, the
/// download resumes from where it stopped with `Range: bytes=N-` and `If-Match: <etag>` (using
/// the connection's remaining retries); if the object changed meanwhile the server answers 412
/// and the read fails rather than splicing two versions. When the whole of a plain object was
/// read, its MD5 is compared with the ETag and a mismatch is an error.
pub struct ObjectBody {
    session: Arc<Session>,
    target: Target,
    query: String,
    headers: RequestHeaders,
    resp: Option<reqwest::Response>,
    expected_len: Option<u64>,
    read: u64,
    etag: Option<String>,
    resumable: bool,
    attempts: u32,
    md5: Option<Md5>,
    /// Data already accounted for, to hand out before reading on.
    pending: Option<Bytes>,
    done: bool,
}

impl fmt::Debug for ObjectBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectBody")
            .field("target", &self.target)
            .field("expected_len", &self.expected_len)
            .field("read", &self.read)
            .field("resumable", &self.resumable)
            .finish_non_exhaustive()
    }
}

fn looks_like_md5(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ObjectBody {
    pub(crate) fn new(
        session: Arc<Session>,
        target: Target,
        query: String,
        headers: RequestHeaders,
        resp: reqwest::Response,
        resp_headers: &Headers,
        attempts: u32,
    ) -> Self {
        let ranged = headers.contains("range");
        let chunked = resp_headers.contains("transfer-encoding");
        let expected_len = if chunked {
            None
        } else {
            resp_headers.content_length()
        };
        let etag = resp_headers.etag().map(str::to_owned);
        let large =
            resp_headers.is_static_large_object() || resp_headers.object_manifest().is_some();
        let verify = !ranged
            && !large
            && !query.contains("multipart-manifest")
            && etag.as_deref().is_some_and(looks_like_md5);
        ObjectBody {
            session,
            target,
            query,
            resumable: !ranged && expected_len.is_some() && etag.is_some(),
            headers,
            resp: Some(resp),
            expected_len,
            read: 0,
            etag,
            attempts,
            md5: verify.then(Md5::new),
            pending: None,
            done: false,
        }
    }

    /// The length the server announced, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.expected_len
    }

    /// Bytes delivered so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// True when the body's MD5 is checked against the ETag once it has all been read (a
    /// whole, plain object whose ETag is an MD5).
    pub fn verifies_md5(&self) -> bool {
        self.md5.is_some()
    }

    /// Turns off the MD5 check of this body (python-swiftclient's `checksum=False`): its bytes
    /// are not hashed at all. Only the length is still checked.
    pub fn skip_md5_check(&mut self) {
        self.md5 = None;
    }

    /// HTTP attempts spent on this download so far: the GET's, plus those of every resume.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next chunk, or `None` at the end of a complete, verified body.
    pub async fn chunk(&mut self) -> crate::Result<Option<Bytes>> {
        loop {
            // Data a resume already accounted for (a server that ignored Range) comes first.
            if let Some(p) = self.pending.take() {
                return Ok(Some(p));
            }
            if self.done {
                return Ok(None);
            }
            let Some(resp) = self.resp.as_mut() else {
                return Ok(None);
            };
            match resp.chunk().await {
                Ok(Some(c)) => {
                    if c.is_empty() {
                        continue;
                    }
                    self.read += c.len() as u64;
                    if let Some(exp) = self.expected_len {
                        if self.read > exp {
                            return Err(self.integrity(format!(
                                "the server sent more than the announced {exp} bytes"
                            )));
                        }
                    }
                    if let Some(h) = self.md5.as_mut() {
                        h.update(&c);
                    }
                    return Ok(Some(c));
                }
                Ok(None) => {
                    if let Some(exp) = self.expected_len {
                        if self.read < exp {
                            let msg = format!("the body ended after {} of {exp} bytes", self.read);
                            self.resume(Error::new(ErrorKind::Integrity, msg)).await?;
                            continue;
                        }
                    }
                    self.finish()?;
                    return Ok(None);
                }
                Err(e) => {
                    let err = Error::transport("Object GET failed", "GET", resp.url().as_str(), e);
                    self.resume(err).await?;
                }
            }
        }
    }

    fn integrity(&self, msg: String) -> Error {
        Error::new(
            ErrorKind::Integrity,
            format!("Object GET failed: {}: {msg}", self.target.describe()),
        )
    }

    fn finish(&mut self) -> crate::Result<()> {
        self.done = true;
        self.resp = None;
        if let (Some(h), Some(etag)) = (self.md5.take(), self.etag.as_deref()) {
            let got = hex(&h.finalize());
            if !got.eq_ignore_ascii_case(etag) {
                return Err(self.integrity(format!(
                    "the MD5 of the data ({got}) does not match the ETag ({etag})"
                )));
            }
        }
        Ok(())
    }

    /// Re-issues the GET from the current offset, or fails with `cause`.
    async fn resume(&mut self, cause: Error) -> crate::Result<()> {
        self.resp = None;
        let (Some(etag), Some(len)) = (self.etag.clone(), self.expected_len) else {
            self.done = true;
            return Err(cause);
        };
        if !self.resumable || self.attempts > self.session.retry.retries {
            self.done = true;
            return Err(cause.with_attempts(self.attempts));
        }
        tracing::info!(target: "swiftclient", "resuming {} at byte {} after: {}", self.target.describe(), self.read, cause);
        let mut call = Call::new("Object GET", reqwest::Method::GET, self.target.clone());
        call.query = self.query.clone();
        call.headers = self.headers.clone();
        call.headers.set("range", format!("bytes={}-", self.read));
        call.headers.set("if-match", format!("\"{etag}\""));
        call.attempts_before = self.attempts;
        let out = match self.session.execute(call).await {
            Ok(o) => o,
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        self.attempts = out.attempt_count;
        let mut resp = out.response;
        let headers = out.headers;
        match headers.get("content-range") {
            Some(range) => {
                let want = format!("bytes {}-{}/{}", self.read, len.saturating_sub(1), len);
                if range != want {
                    self.done = true;
                    return Err(self.integrity(format!(
                        "expected range \"{want}\" while resuming but got \"{range}\""
                    )));
                }
            }
            None => {
                // The server ignored Range: skip what was already delivered.
                tracing::warn!(target: "swiftclient", "received 200 while resuming {}; skipping {} bytes", self.target.describe(), self.read);
                let mut skip = self.read;
                while skip > 0 {
                    match resp.chunk().await {
                        Ok(Some(c)) => {
                            let n = (c.len() as u64).min(skip);
                            skip -= n;
                            if (n as usize) < c.len() {
                                // The rest of this chunk is new data.
                                let rest = c.slice(n as usize..);
                                self.read += rest.len() as u64;
                                if let Some(h) = self.md5.as_mut() {
                                    h.update(&rest);
                                }
                                self.pending = Some(rest);
                            }
                        }
                        Ok(None) => {
                            self.done = true;
                            return Err(self.integrity(
                                "the body ended while skipping the part already read".into(),
                            ));
                        }
                        Err(e) => {
                            self.done = true;
                            return Err(Error::transport(
                                "Object GET failed",
                                "GET",
                                resp.url().as_str(),
                                e,
                            ));
                        }
                    }
                }
            }
        }
        self.resp = Some(resp);
        Ok(())
    }

    /// Reads the whole body into memory.
    pub async fn bytes(mut self) -> crate::Result<Bytes> {
        let mut buf = Vec::with_capacity(
            self.expected_len
                .and_then(|l| usize::try_from(l).ok())
                .unwrap_or(0)
                .min(64 << 20),
        );
        while let Some(c) = self.chunk().await? {
            buf.extend_from_slice(&c);
        }
        Ok(Bytes::from(buf))
    }

    /// Copies the body into `w`; returns the number of bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin>(mut self, w: &mut W) -> crate::Result<u64> {
        let mut n = 0;
        while let Some(c) = self.chunk().await? {
            w.write_all(&c).await?;
            n += c.len() as u64;
        }
        w.flush().await?;
        Ok(n)
    }

    /// The body as a stream of chunks.
    /// It is `Unpin`: `.next()` works on it directly.
    pub fn into_stream(self) -> impl Stream<Item = crate::Result<Bytes>> + Send + Unpin + 'static {
        Box::pin(futures_util::stream::try_unfold(
            self,
            |mut body| async move { Ok(body.chunk().await?.map(|c| (c, body))) },
        ))
    }

    /// The body as an [`AsyncRead`] (for `tokio::io::copy` and the like). An error of the
    /// download (a broken connection that could not be resumed, a checksum mismatch) is an
    /// `io::Error` wrapping this crate's [`Error`](crate::Error).
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin + 'static {
        use futures_util::TryStreamExt;
        tokio_util::io::StreamReader::new(self.into_stream().map_err(std::io::Error::other))
    }
}
