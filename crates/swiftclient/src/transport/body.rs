//! Upload bodies, and whether they can be replayed when a request is retried.

use std::fmt;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::error::{Error, ErrorKind};

/// Default size of the chunks read from files and readers (python-swiftclient's 64 KiB is too
/// small to saturate a fast link; 256 KiB keeps the per-chunk cost low and memory bounded).
pub const DEFAULT_CHUNK_SIZE: usize = 256 * 1024;

type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// The body of an upload (`put_object`, `post_account`).
///
/// Bodies made from bytes, files and seekable readers are replayed when a request is retried;
/// a body made from a plain reader or a stream can be sent once: if that attempt fails, the
/// error says so and names the original failure. Without a known length the upload is sent with
/// `Transfer-Encoding: chunked`.
pub struct Body {
    kind: BodyKind,
    chunk_size: usize,
    /// Whether what is sent is MD5-hashed (off when nobody compares the result).
    pub(crate) hashed: bool,
}

enum BodyKind {
    Bytes(Bytes),
    /// Several buffers sent one after the other (shared, so replaying copies no data).
    Chunks {
        chunks: Arc<[Bytes]>,
        len: u64,
    },
    File {
        file: std::fs::File,
        offset: u64,
        len: u64,
    },
    Once {
        stream: Option<ByteStream>,
        len: Option<u64>,
    },
    Seekable {
        reader: Arc<tokio::sync::Mutex<Pin<Box<dyn SeekRead>>>>,
        offset: u64,
        len: Option<u64>,
    },
}

/// A reader that can seek back: what [`Body::seekable`] takes.
pub(crate) trait SeekRead: AsyncRead + AsyncSeek + Send {}
impl<T: AsyncRead + AsyncSeek + Send> SeekRead for T {}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body::from(Bytes::new())
    }

    /// A file, from its current position to its end. Replayed on retry by seeking back.
    pub fn file(mut file: std::fs::File) -> std::io::Result<Self> {
        let offset = file.stream_position()?;
        let size = file.metadata()?.len();
        Ok(Self::file_range(file, offset, size.saturating_sub(offset)))
    }

    /// `len` bytes of a file from `offset`. Replayed on retry by seeking back.
    pub fn file_range(file: std::fs::File, offset: u64, len: u64) -> Self {
        Body {
            kind: BodyKind::File { file, offset, len },
            chunk_size: DEFAULT_CHUNK_SIZE,
            hashed: true,
        }
    }

    /// Opens the file at `path`.
    pub fn from_path(path: impl AsRef<Path>) -> std::io::Result<Self> {
        Self::file(std::fs::File::open(path)?)
    }

    /// Any async reader; `len` is sent as `Content-Length` when known, else the upload is
    /// chunked. It can be sent only once: a retry needs a replayable body.
    pub fn reader(reader: impl AsyncRead + Send + 'static, len: Option<u64>) -> Self {
        let stream: ByteStream = match len {
            Some(n) => Box::pin(ReaderStream::with_capacity(
                Box::pin(reader).take(n),
                DEFAULT_CHUNK_SIZE,
            )),
            None => Box::pin(ReaderStream::with_capacity(
                Box::pin(reader),
                DEFAULT_CHUNK_SIZE,
            )),
        };
        Body {
            kind: BodyKind::Once {
                stream: Some(stream),
                len,
            },
            chunk_size: DEFAULT_CHUNK_SIZE,
            hashed: true,
        }
    }

    /// A reader that can seek, read from `offset` (its start: 0); `len` as for [`Body::reader`].
    /// Replayed on retry by seeking back to `offset`.
    pub fn seekable(
        reader: impl AsyncRead + AsyncSeek + Send + 'static,
        offset: u64,
        len: Option<u64>,
    ) -> Self {
        Body {
            kind: BodyKind::Seekable {
                reader: Arc::new(tokio::sync::Mutex::new(Box::pin(reader))),
                offset,
                len,
            },
            chunk_size: DEFAULT_CHUNK_SIZE,
            hashed: true,
        }
    }

    /// A stream of chunks; `len` as for [`Body::reader`]. Empty chunks are skipped (an empty
    /// chunk would end a chunked upload early). It can be sent only once.
    pub fn stream<S>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let stream = stream.filter(|c| std::future::ready(!matches!(c, Ok(b) if b.is_empty())));
        Body {
            kind: BodyKind::Once {
                stream: Some(Box::pin(stream)),
                len,
            },
            chunk_size: DEFAULT_CHUNK_SIZE,
            hashed: true,
        }
    }

    /// Buffers sent one after the other as one body, without joining them first (for
    /// data that arrives in pieces, such as `object_store`'s `PutPayload`). Empty buffers
    /// are skipped. The length is known and the body is replayed on retry; no data is
    /// copied either time.
    ///
    /// ```
    /// use bytes::Bytes;
    /// let body = swiftclient::Body::chunks([Bytes::from_static(b"hello, "), Bytes::from_static(b"world")]);
    /// assert_eq!(body.len(), Some(12));
    /// assert!(body.is_replayable());
    /// ```
    pub fn chunks(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        let chunks: Arc<[Bytes]> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        let len = chunks.iter().map(|c| c.len() as u64).sum();
        Body {
            kind: BodyKind::Chunks { chunks, len },
            chunk_size: DEFAULT_CHUNK_SIZE,
            hashed: true,
        }
    }

    /// Sets the size of the chunks read from files (python-swiftclient's `chunk_size`).
    pub fn with_chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size.max(1);
        self
    }

    /// The length, when known in advance.
    pub fn len(&self) -> Option<u64> {
        match &self.kind {
            BodyKind::Bytes(b) => Some(b.len() as u64),
            BodyKind::Chunks { len, .. } => Some(*len),
            BodyKind::File { len, .. } => Some(*len),
            BodyKind::Once { len, .. } | BodyKind::Seekable { len, .. } => *len,
        }
    }

    /// True for a body of known length 0.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// True when the body can be sent again after a failed attempt.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.kind, BodyKind::Once { .. })
    }

    /// The body for one attempt, hashing what is sent into `md5`.
    pub(crate) fn for_attempt(&mut self, md5: Arc<Mutex<Md5>>) -> Result<reqwest::Body, Error> {
        if let Ok(mut h) = md5.lock() {
            *h = Md5::new();
        }
        let md5 = self.hashed.then_some(md5);
        let stream: ByteStream = match &mut self.kind {
            BodyKind::Bytes(b) => {
                hash(md5.as_ref(), b);
                return Ok(reqwest::Body::from(b.clone()));
            }
            BodyKind::Chunks { chunks, .. } => {
                if chunks.len() <= 1 {
                    let b = chunks.first().cloned().unwrap_or_default();
                    hash(md5.as_ref(), &b);
                    return Ok(reqwest::Body::from(b));
                }
                let chunks = Arc::clone(chunks);
                Box::pin(futures_util::stream::iter(
                    (0..chunks.len()).map(move |i| Ok(chunks[i].clone())),
                ))
            }
            BodyKind::File { file, offset, len } => {
                // Positional reads: a duplicated handle shares the file offset, and the reader
                // of a failed attempt may still be finishing a read when the retry starts.
                let f = file.try_clone()?;
                if *len <= INLINE_FILE_MAX {
                    // A small file is read at once: a thread hand-off would cost more.
                    let data = read_exactly(&f, *offset, *len)?;
                    hash(md5.as_ref(), &data);
                    return Ok(reqwest::Body::from(data));
                }
                return Ok(reqwest::Body::wrap_stream(read_ahead(
                    f,
                    *offset,
                    *len,
                    self.chunk_size,
                    md5,
                )));
            }
            BodyKind::Seekable {
                reader,
                offset,
                len,
            } => seekable_stream(Arc::clone(reader), *offset, *len, self.chunk_size),
            BodyKind::Once { stream, .. } => stream.take().ok_or_else(|| {
                Error::new(
                    ErrorKind::BodyNotReplayable,
                    "the upload body was already sent once and cannot be replayed",
                )
            })?,
        };
        if md5.is_none() {
            return Ok(reqwest::Body::wrap_stream(stream));
        }
        let hashed = stream.map(move |chunk| {
            if let Ok(c) = &chunk {
                hash(md5.as_ref(), c);
            }
            chunk
        });
        Ok(reqwest::Body::wrap_stream(hashed))
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            BodyKind::Bytes(_) => "bytes",
            BodyKind::Chunks { .. } => "chunks",
            BodyKind::File { .. } => "file",
            BodyKind::Once { .. } => "stream",
            BodyKind::Seekable { .. } => "seekable reader",
        };
        f.debug_struct("Body")
            .field("kind", &kind)
            .field("len", &self.len())
            .finish()
    }
}

/// A tokio file becomes a [`Body::file`] (its length known, replayed on retry by reading
/// at positions) when it is idle and its position and size can be read; otherwise it is
/// read once as a stream of unknown length.
impl From<tokio::fs::File> for Body {
    fn from(file: tokio::fs::File) -> Self {
        match file.try_into_std() {
            Ok(std) => match std.try_clone().and_then(Body::file) {
                Ok(body) => body,
                Err(_) => Body::reader(tokio::fs::File::from_std(std), None),
            },
            Err(file) => Body::reader(file, None),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Body {
            kind: BodyKind::Bytes(b),
            chunk_size: DEFAULT_CHUNK_SIZE,
            hashed: true,
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::from(Bytes::from(b))
    }
}

impl From<&'static [u8]> for Body {
    fn from(b: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(b))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::from(Bytes::from_static(s.as_bytes()))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::from(Bytes::from(s))
    }
}

/// Adds `data` to the hash of what was sent, if it is kept.
fn hash(md5: Option<&Arc<Mutex<Md5>>>, data: &[u8]) {
    if let Some(Ok(mut h)) = md5.map(|m| m.lock()) {
        h.update(data);
    }
}

/// Files up to this size are read in one go when the request is made.
const INLINE_FILE_MAX: u64 = 64 * 1024;

/// Chunks a file body reads ahead of the connection (one more is being read).
const READ_AHEAD_CHUNKS: usize = 2;

/// Reads exactly `len` bytes of `f` from `offset`; a file that ends sooner is an error (it
/// shrank since its length was taken, and a short body would not match its `Content-Length`).
fn read_exactly(f: &std::fs::File, offset: u64, len: u64) -> std::io::Result<Bytes> {
    let mut buf = Vec::new();
    fill(f, &mut buf, offset, len, 0, len)?;
    Ok(Bytes::from(buf))
}

/// Sends `len` bytes of `f` from `offset` as a stream of chunks read and MD5-hashed on a
/// blocking thread that stays a few chunks ahead of the connection, so that reading the disk
/// and hashing run while the previous chunks are being sent (not in turn with them). The
/// chunks' buffers come back to the thread once sent and are reused, so that memory stays warm
/// and the allocator does not map and unmap them. Dropping the stream (a failed attempt) stops
/// the thread.
fn read_ahead(
    f: std::fs::File,
    offset: u64,
    len: u64,
    chunk_size: usize,
    md5: Option<Arc<Mutex<Md5>>>,
) -> ByteStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(READ_AHEAD_CHUNKS);
    tokio::task::spawn_blocking(move || {
        let (back, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let mut done = 0;
        while done < len {
            let want = u64::try_from(chunk_size)
                .unwrap_or(u64::MAX)
                .min(len - done);
            let mut buf = returned.try_recv().unwrap_or_default();
            let chunk = fill(&f, &mut buf, offset + done, want, done, len).map(|()| {
                hash(md5.as_ref(), &buf);
                Bytes::from_owner(Pooled {
                    buf,
                    back: back.clone(),
                })
            });
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
            done += want;
        }
    });
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|c| (c, rx))
    }))
}

/// Makes `buf` exactly the `len` bytes of `f` at `pos`; `done` and `total` (bytes of the body
/// before this chunk, and in all) only word the error when the file ends sooner.
fn fill(
    f: &std::fs::File,
    buf: &mut Vec<u8>,
    pos: u64,
    len: u64,
    done: u64,
    total: u64,
) -> std::io::Result<()> {
    buf.resize(usize::try_from(len).map_err(std::io::Error::other)?, 0);
    let mut got = 0;
    while got < buf.len() {
        match read_at(f, &mut buf[got..], pos + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if got != buf.len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!(
                "the file ended after {} of {total} bytes: it changed while being sent",
                done + got as u64
            ),
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn read_at(f: &std::fs::File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, pos)
}

#[cfg(windows)]
fn read_at(f: &std::fs::File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, pos)
}

/// A chunk's buffer, handed back to its reader when the chunk has been sent.
struct Pooled {
    buf: Vec<u8>,
    back: std::sync::mpsc::Sender<Vec<u8>>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        // The reader may be gone (the upload ended): then the buffer is simply freed.
        let _ = self.back.send(std::mem::take(&mut self.buf));
    }
}

/// Reads a shared seekable reader from `offset`, `len` bytes (or to its end).
fn seekable_stream(
    reader: Arc<tokio::sync::Mutex<Pin<Box<dyn SeekRead>>>>,
    offset: u64,
    len: Option<u64>,
    chunk_size: usize,
) -> ByteStream {
    struct State {
        guard: Option<tokio::sync::OwnedMutexGuard<Pin<Box<dyn SeekRead>>>>,
        lock: Arc<tokio::sync::Mutex<Pin<Box<dyn SeekRead>>>>,
        left: Option<u64>,
    }
    let state = State {
        guard: None,
        lock: reader,
        left: len,
    };
    Box::pin(futures_util::stream::try_unfold(
        state,
        move |mut st| async move {
            if st.guard.is_none() {
                let mut g = Arc::clone(&st.lock).lock_owned().await;
                g.as_mut().seek(SeekFrom::Start(offset)).await?;
                st.guard = Some(g);
            }
            let want = match st.left {
                Some(0) => return Ok(None),
                Some(n) => chunk_size.min(usize::try_from(n).unwrap_or(usize::MAX)),
                None => chunk_size,
            };
            let mut buf = vec![0u8; want];
            let Some(g) = st.guard.as_mut() else {
                return Ok(None);
            };
            let n = g.as_mut().read(&mut buf).await?;
            if n == 0 {
                if st.left.is_some_and(|l| l > 0) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the reader ended before the announced length",
                    ));
                }
                return Ok(None);
            }
            buf.truncate(n);
            if let Some(l) = st.left.as_mut() {
                *l -= n as u64;
            }
            Ok(Some((Bytes::from(buf), st)))
        },
    ))
}
