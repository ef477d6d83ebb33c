//! `swiftclient._native`: the Rust half of the `swiftclient` Python package, a drop-in for
//! python-swiftclient's `swiftclient.client.Connection` built on the `swiftclient` crate.
//!
//! The Python package (`python/swiftclient`) keeps python-swiftclient's signatures, defaults
//! and return shapes; this module does the work: one [`NativeConnection`](conn::NativeConnection)
//! per Python `Connection`, every request on one shared tokio runtime with the GIL released,
//! `KeyboardInterrupt` honoured while waiting, and the library's `tracing` request log
//! forwarded to Python's `logging` (logger `swiftclient`).

mod auth;
mod body;
mod conn;
mod download;
mod errors;
mod logbridge;
mod runtime;

use pyo3::prelude::*;

/// The module: `swiftclient._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logbridge::install();
    m.add_class::<conn::NativeConnection>()?;
    m.add_class::<download::NativeBody>()?;
    m.add_function(wrap_pyfunction!(runtime::set_tick, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
