//! One tokio runtime for every Python thread, and the loop that waits on it with the GIL
//! released while still letting Ctrl-C through.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The runtime of this process and the process id it was started in: after `os.fork()` the
/// child has none of the parent's worker threads, so it starts a runtime of its own (the
/// parent's is leaked there, never dropped: dropping it would wait for threads that do not
/// exist in the child).
static RUNTIME: Mutex<Option<(u32, &'static tokio::runtime::Runtime)>> = Mutex::new(None);

/// How often a waiting call looks for a pending signal (Ctrl-C), in milliseconds.
static TICK_MS: AtomicU64 = AtomicU64::new(100);

/// The runtime of this process, started on first use.
pub(crate) fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((p, rt)) = *slot {
        if p == pid {
            return Ok(rt);
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("swiftclient-py")
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the tokio runtime: {e}")))?;
    let rt: &'static tokio::runtime::Runtime = Box::leak(Box::new(rt));
    *slot = Some((pid, rt));
    Ok(rt)
}

/// Runs `fut` to completion on the shared runtime, with the GIL released. Every tick the
/// thread takes the GIL back for a moment to run pending signal handlers: a
/// `KeyboardInterrupt` (or any exception a handler raises) drops the future, which cancels
/// the request, and is raised to the caller.
pub(crate) fn run<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "swiftclient was called back from inside one of its own requests (for example \
             from an upload body's read()); make that call from another thread",
        ));
    }
    let tick = Duration::from_millis(TICK_MS.load(Ordering::Relaxed).max(1));
    let mut fut = std::pin::pin!(fut);
    // One poll first, in the runtime's context but without giving up the GIL: a read whose
    // data has already arrived completes here, for the cost of a function call (a streamed
    // download is thousands of such reads). Nothing in these futures blocks.
    {
        let _context = rt.enter();
        if let Some(out) = futures_util::FutureExt::now_or_never(fut.as_mut()) {
            return Ok(out);
        }
    }
    loop {
        let step =
            py.detach(|| rt.block_on(async { tokio::time::timeout(tick, fut.as_mut()).await }));
        match step {
            Ok(out) => return Ok(out),
            Err(_elapsed) => py.check_signals()?,
        }
    }
}

/// Sets how often (in seconds) a waiting call checks for Ctrl-C; for tests.
#[pyfunction]
pub(crate) fn set_tick(seconds: f64) {
    let ms = (seconds * 1000.0).clamp(1.0, 60_000.0) as u64;
    TICK_MS.store(ms, Ordering::Relaxed);
}
