//! Upload bodies from Python objects: bytes, a regular file (read by the library itself,
//! without the GIL), a file-like object's `read()`, an iterator of chunks.
//!
//! The Python side classifies the object and hands over a tagged tuple (see
//! `swiftclient.client._body_spec`); the readers here call back into Python, taking the GIL
//! for each chunk, from whichever runtime thread sends the body.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use swiftclient::Body;
use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};

use crate::errors::PyCallbackError;

/// The bytes of a chunk a Python callback returned: `bytes`, `bytearray`, `str` (sent as
/// UTF-8, as python-swiftclient's HTTP stack does) or anything `bytes()` accepts.
fn chunk_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    let py = obj.py();
    let b = py.import("builtins")?.getattr("bytes")?.call1((obj,))?;
    Ok(b.cast::<PyBytes>()?.as_bytes().to_vec())
}

fn shutting_down() -> io::Error {
    io::Error::other("the Python interpreter is shutting down")
}

/// A file-like object read through its `read(n)` (and `seek` when the body is replayed).
struct PyReader {
    obj: Py<PyAny>,
    chunk: usize,
    /// Bytes a `read()` returned beyond what the buffer could take.
    leftover: Vec<u8>,
    seek_to: Option<SeekFrom>,
}

impl AsyncRead for PyReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if self.leftover.is_empty() {
            let want = self.chunk.min(buf.remaining()).max(1);
            let got = Python::try_attach(|py| {
                self.obj
                    .bind(py)
                    .call_method1("read", (want,))
                    .and_then(|c| chunk_bytes(&c))
                    .map_err(|e| PyCallbackError::new(py, e).into_io())
            });
            match got {
                Some(Ok(data)) => self.leftover = data,
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => return Poll::Ready(Err(shutting_down())),
            }
        }
        let n = self.leftover.len().min(buf.remaining());
        buf.put_slice(&self.leftover[..n]);
        self.leftover.drain(..n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncSeek for PyReader {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.seek_to = Some(position);
        Ok(())
    }

    fn poll_complete(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let target = self.seek_to.take();
        self.leftover.clear();
        let (offset, whence) = match target {
            Some(SeekFrom::Start(n)) => (i64::try_from(n).unwrap_or(i64::MAX), 0),
            Some(SeekFrom::Current(n)) => (n, 1),
            Some(SeekFrom::End(n)) => (n, 2),
            None => (0, 1),
        };
        let got = Python::try_attach(|py| {
            self.obj
                .bind(py)
                .call_method1("seek", (offset, whence))
                .and_then(|r| r.extract::<u64>())
                .map_err(|e| PyCallbackError::new(py, e).into_io())
        });
        Poll::Ready(got.unwrap_or_else(|| Err(shutting_down())))
    }
}

/// An iterator of chunks, pulled with `next()`.
fn iter_stream(
    it: Py<PyAny>,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
    futures_util::stream::unfold(Some(it), |state| async move {
        let it = state?;
        let got = Python::try_attach(|py| {
            let bound = it.bind(py);
            match bound.call_method0("__next__") {
                Ok(c) => chunk_bytes(&c)
                    .map(|b| Some(Bytes::from(b)))
                    .map_err(|e| PyCallbackError::new(py, e).into_io()),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => Ok(None),
                Err(e) => Err(PyCallbackError::new(py, e).into_io()),
            }
        });
        match got {
            Some(Ok(Some(b))) => Some((Ok(b), Some(it))),
            Some(Ok(None)) => None,
            Some(Err(e)) => Some((Err(e), None)),
            None => Some((Err(shutting_down()), None)),
        }
    })
}

/// Builds the body from the Python side's tagged tuple:
///
/// * `("bytes", data)`
/// * `("file", path, offset, length)`: a regular file opened again by `path`
///   (`/proc/self/fd/N`), read at positions without the GIL
/// * `("reader", obj, length or None, offset or None, chunk_size)`: `obj.read(chunk_size)`;
///   replayed from `offset` with `obj.seek` when an offset is given
/// * `("iter", iterator, length or None)`
pub(crate) fn from_spec(spec: &Bound<'_, PyAny>) -> PyResult<Body> {
    let tag: String = spec.get_item(0)?.extract()?;
    match tag.as_str() {
        "bytes" => {
            let data = chunk_bytes(&spec.get_item(1)?)?;
            Ok(Body::from(Bytes::from(data)))
        }
        "file" => {
            let path: String = spec.get_item(1)?.extract()?;
            let offset: u64 = spec.get_item(2)?.extract()?;
            let len: u64 = spec.get_item(3)?.extract()?;
            let file = std::fs::File::open(&path)?;
            Ok(Body::file_range(file, offset, len))
        }
        "reader" => {
            let obj = spec.get_item(1)?.unbind();
            let len: Option<u64> = spec.get_item(2)?.extract()?;
            let offset: Option<u64> = spec.get_item(3)?.extract()?;
            let chunk: usize = spec.get_item(4)?.extract()?;
            let reader = PyReader {
                obj,
                chunk: chunk.max(1),
                leftover: Vec::new(),
                seek_to: None,
            };
            let body = match offset {
                Some(off) => Body::seekable(reader, off, len),
                None => Body::reader(reader, len),
            };
            Ok(body.with_chunk_size(chunk.max(1)))
        }
        "iter" => {
            let it = spec.get_item(1)?.unbind();
            let len: Option<u64> = spec.get_item(2)?.extract()?;
            Ok(Body::stream(iter_stream(it), len))
        }
        other => Err(PyValueError::new_err(format!(
            "unknown upload body kind {other:?}"
        ))),
    }
}
