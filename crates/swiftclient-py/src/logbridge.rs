//! The library's `tracing` events (target `swiftclient...`: the curl-like `REQ:`/`RESP` lines,
//! retries, resumes; secrets already redacted by the library) as records of Python's
//! `logging.getLogger("swiftclient")`.
//!
//! Whether a level is wanted is decided without the GIL, from the logger's effective level,
//! which every call into this module refreshes ([`sync_level`]); only an event that is wanted
//! takes the GIL, to hand its message to `Logger.log`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// Python's numeric level below which records are dropped (WARNING until told otherwise).
static THRESHOLD: AtomicU32 = AtomicU32::new(30);

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn logger(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    LOGGER.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("logging")?
            .call_method1("getLogger", ("swiftclient",))?
            .unbind())
    })
}

/// Reads the `swiftclient` logger's effective level (and `logging.disable`) into the
/// threshold the bridge filters on. Called at the start of every operation.
pub(crate) fn sync_level(py: Python<'_>) {
    let level = (|| -> PyResult<u32> {
        let lg = logger(py)?.bind(py);
        let level: u32 = lg.call_method0("getEffectiveLevel")?.extract()?;
        let disabled: u32 = lg
            .getattr("manager")?
            .getattr("disable")?
            .extract()
            .unwrap_or(0);
        Ok(level.max(disabled.saturating_add(1)))
    })();
    if let Ok(level) = level {
        THRESHOLD.store(level, Ordering::Relaxed);
    }
}

fn py_level(level: &Level) -> u32 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn ours(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("swiftclient")
}

/// The subscriber: events of the library only, no spans.
struct Bridge;

impl Subscriber for Bridge {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        // Events, and the hints `tracing::enabled!` asks about before formatting a line.
        if ours(meta) && !meta.is_span() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ours(meta) && py_level(meta.level()) >= THRESHOLD.load(Ordering::Relaxed)
    }

    fn new_span(&self, _span: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _span: &span::Id, _values: &span::Record<'_>) {}

    fn record_follows_from(&self, _span: &span::Id, _follows: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let level = py_level(meta.level());
        let mut text = Message(String::new());
        event.record(&mut text);
        let message = text.0;
        // Not during interpreter shutdown (a worker thread may still be finishing a request).
        Python::try_attach(|py| {
            if let Ok(lg) = logger(py) {
                // A failing handler is logging's business (it reports its own errors);
                // nothing is raised into the request.
                let _ = lg.bind(py).call_method1("log", (level, message));
            }
        });
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}

/// The event's message, then any other fields as `name=value`.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

/// Installs the bridge as the process's `tracing` subscriber (once; an application that set
/// its own first keeps it).
pub(crate) fn install() {
    let _ = tracing::subscriber::set_global_default(Bridge);
}
