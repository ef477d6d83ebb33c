//! A streamed object body for Python: `read(n)` and iteration over the library's
//! [`swiftclient::ObjectBody`] (which resumes a broken download and checks the MD5), each
//! read with the GIL released.

use std::sync::Mutex;

use bytes::Bytes;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use swiftclient::ObjectBody;

use crate::errors::to_py;
use crate::runtime::run;

struct State {
    /// `None` once the body has been read to its end or closed.
    body: Option<ObjectBody>,
    /// Part of a chunk that a `read(n)` did not hand out.
    leftover: Bytes,
    attempts: u32,
    bytes_read: u64,
}

/// The body of one GET (python-swiftclient's `_ObjectBody.resp`): `read(n)` returns exactly
/// `n` bytes unless the body ends first, and iterating yields the chunks as they arrive.
#[pyclass(module = "swiftclient._native", name = "Body", frozen)]
pub(crate) struct NativeBody {
    state: Mutex<State>,
    content_length: Option<u64>,
}

impl NativeBody {
    pub(crate) fn new(body: ObjectBody) -> Self {
        NativeBody {
            content_length: body.content_length(),
            state: Mutex::new(State {
                attempts: body.attempts(),
                bytes_read: 0,
                body: Some(body),
                leftover: Bytes::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the body out for a read, so that the lock is not held while waiting; another
    /// thread reading the same body meanwhile is an error.
    fn take(&self) -> PyResult<Option<(ObjectBody, Bytes)>> {
        let mut st = self.lock();
        let leftover = std::mem::take(&mut st.leftover);
        match st.body.take() {
            Some(b) => Ok(Some((b, leftover))),
            None if leftover.is_empty() => Ok(None),
            None => {
                st.leftover = leftover;
                Err(PyRuntimeError::new_err(
                    "this object body is being read by another thread",
                ))
            }
        }
    }

    fn put_back(&self, body: Option<ObjectBody>, leftover: Bytes, delivered: u64) {
        let mut st = self.lock();
        if let Some(b) = &body {
            st.attempts = b.attempts();
        }
        st.body = body;
        st.leftover = leftover;
        st.bytes_read += delivered;
    }
}

#[pymethods]
impl NativeBody {
    /// Reads `n` bytes (fewer only at the end); all that is left when `n` is None or negative.
    #[pyo3(signature = (n=None))]
    fn read<'py>(&self, py: Python<'py>, n: Option<i64>) -> PyResult<Bound<'py, PyBytes>> {
        let want = n.and_then(|n| usize::try_from(n).ok());
        let Some((mut body, leftover)) = self.take()? else {
            return Ok(PyBytes::new(py, b""));
        };
        if let Some(w) = want {
            if leftover.len() >= w {
                let mut rest = leftover;
                let out = rest.split_to(w);
                self.put_back(Some(body), rest, out.len() as u64);
                return Ok(PyBytes::new(py, &out));
            }
        }
        // The pieces (no copy: slices of the network's buffers) until `want` bytes are there;
        // they are copied once, into the bytes object handed to Python.
        let result = run(py, async {
            let mut pieces: Vec<Bytes> = Vec::new();
            let mut have = leftover.len();
            if !leftover.is_empty() {
                pieces.push(leftover);
            }
            let mut ended = false;
            loop {
                if want.is_some_and(|w| have >= w) {
                    break;
                }
                match body.chunk().await {
                    Ok(Some(c)) => {
                        have += c.len();
                        pieces.push(c);
                    }
                    Ok(None) => {
                        ended = true;
                        break;
                    }
                    Err(e) => return (body, Err(e)),
                }
            }
            (body, Ok((pieces, ended)))
        });
        let (body, out) = match result {
            Ok(r) => r,
            Err(interrupted) => {
                // Ctrl-C: the body is dropped (its connection closed).
                self.put_back(None, Bytes::new(), 0);
                return Err(interrupted);
            }
        };
        match out {
            Ok((mut pieces, ended)) => {
                let total: usize = pieces.iter().map(Bytes::len).sum();
                let take = want.map_or(total, |w| w.min(total));
                let rest = match pieces.last_mut() {
                    Some(last) if total > take => last.split_off(last.len() - (total - take)),
                    _ => Bytes::new(),
                };
                let data = PyBytes::new_with(py, take, |buf| {
                    let mut at = 0;
                    for p in &pieces {
                        buf[at..at + p.len()].copy_from_slice(p);
                        at += p.len();
                    }
                    Ok(())
                })?;
                self.put_back((!ended).then_some(body), rest, take as u64);
                Ok(data)
            }
            Err(e) => {
                self.put_back(None, Bytes::new(), 0);
                Err(to_py(py, e))
            }
        }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next chunk as it arrived from the network.
    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let Some((mut body, leftover)) = self.take()? else {
            return Ok(None);
        };
        if !leftover.is_empty() {
            let n = leftover.len() as u64;
            self.put_back(Some(body), Bytes::new(), n);
            return Ok(Some(PyBytes::new(py, &leftover)));
        }
        let result = run(py, async {
            let r = body.chunk().await;
            (body, r)
        });
        match result {
            Ok((body, Ok(Some(c)))) => {
                self.put_back(Some(body), Bytes::new(), c.len() as u64);
                Ok(Some(PyBytes::new(py, &c)))
            }
            Ok((_, Ok(None))) => {
                self.put_back(None, Bytes::new(), 0);
                Ok(None)
            }
            Ok((_, Err(e))) => {
                self.put_back(None, Bytes::new(), 0);
                Err(to_py(py, e))
            }
            Err(interrupted) => {
                self.put_back(None, Bytes::new(), 0);
                Err(interrupted)
            }
        }
    }

    /// Drops the rest of the body (its connection is closed, not reused).
    fn close(&self) {
        self.put_back(None, Bytes::new(), 0);
    }

    /// HTTP attempts spent on this body: the GET's, plus those of every resume.
    #[getter]
    fn attempts(&self) -> u32 {
        self.lock().attempts
    }

    /// Bytes handed out so far.
    #[getter]
    fn bytes_read(&self) -> u64 {
        self.lock().bytes_read
    }

    /// The `Content-Length` of the response, if it had one.
    #[getter]
    fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    fn __repr__(&self) -> String {
        let st = self.lock();
        format!(
            "<swiftclient._native.Body read={} length={:?} open={}>",
            st.bytes_read,
            self.content_length,
            st.body.is_some()
        )
    }
}
