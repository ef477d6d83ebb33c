//! Errors: the library's [`swiftclient::Error`] becomes python-swiftclient's `ClientException`
//! (built in Python by `swiftclient.exceptions._from_native`), and an exception raised by a
//! Python callback (an upload body's `read()`, a keystoneauth session) travels through the
//! library unchanged and is raised again as itself.

use std::fmt;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict};

use swiftclient::{Attempt, Headers};

/// A Python exception raised inside a callback the library called (carried through the
/// library's error chain as the source of an `io::Error`).
pub(crate) struct PyCallbackError {
    err: PyErr,
    /// The exception's text, taken when it was caught (formatting later needs no GIL).
    text: String,
}

impl PyCallbackError {
    pub(crate) fn new(py: Python<'_>, err: PyErr) -> Self {
        let text = err
            .value(py)
            .str()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let name = err
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "exception".to_owned());
        PyCallbackError {
            err,
            text: format!("{name}: {text}"),
        }
    }

    /// As an `io::Error`, the form the library's readers and authenticators report.
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl fmt::Debug for PyCallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PyCallbackError").field(&self.text).finish()
    }
}

impl fmt::Display for PyCallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a Python callback raised {}", self.text)
    }
}

impl std::error::Error for PyCallbackError {}

/// The Python exception in `err`'s chain of causes, if a callback raised one.
fn callback_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a PyCallbackError> {
    let mut cur = Some(err);
    for _ in 0..64 {
        let e = cur?;
        if let Some(p) = e.downcast_ref::<PyCallbackError>() {
            return Some(p);
        }
        cur = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// `(name, value)` pairs of response headers: lower-cased names, decoded values.
pub(crate) type HeaderList = Vec<(String, String)>;

/// One attempt as Python sees it: `(status or None, reason, headers)`.
pub(crate) type AttemptTuple = (Option<u16>, String, HeaderList);

pub(crate) fn header_list(h: &Headers) -> HeaderList {
    h.iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

pub(crate) fn attempt_list(log: &[Attempt]) -> Vec<AttemptTuple> {
    log.iter()
        .map(|a| (a.status, a.reason.clone(), header_list(&a.headers)))
        .collect()
}

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for a library error.
pub(crate) fn to_py(py: Python<'_>, err: swiftclient::Error) -> PyErr {
    if let Some(p) = callback_error(&err) {
        return p.err.clone_ref(py);
    }
    match build(py, &err) {
        Ok(e) => e,
        Err(e) => e,
    }
}

fn build(py: Python<'_>, err: &swiftclient::Error) -> PyResult<PyErr> {
    let factory = FROM_NATIVE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("swiftclient.exceptions")?
            .getattr("_from_native")?
            .unbind())
    })?;
    let info = PyDict::new(py);
    info.set_item("msg", err.message())?;
    info.set_item("text", err.to_string())?;
    info.set_item("kind", format!("{:?}", err.kind()).to_lowercase())?;
    info.set_item("method", err.method())?;
    info.set_item("url", err.url())?;
    info.set_item("status", err.status())?;
    info.set_item("reason", err.reason())?;
    info.set_item("body", err.body().map(|b| PyBytes::new(py, b.as_bytes())))?;
    info.set_item("headers", err.headers().map(header_list))?;
    info.set_item("attempts", err.attempts())?;
    info.set_item("attempt_log", attempt_list(err.attempt_log()))?;
    info.set_item("is_timeout", err.is_timeout())?;
    info.set_item("is_connect", err.is_connect())?;
    info.set_item("is_transport", err.is_transport())?;
    let exc = factory.bind(py).call1((info,))?;
    Ok(PyErr::from_value(exc))
}
