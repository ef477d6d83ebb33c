//! python-swiftclient's `OutputManager`: lines to stdout, errors to stderr (counted: any
//! error makes the exit status 1), warnings to stderr (not counted), raw bytes to stdout.
//!
//! Writes never panic: a closed pipe just drops the output. When a progress bar is showing
//! on the terminal, it is cleared before a line is written and drawn again after.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::progress::Bar;

/// The output channels of one command.
#[derive(Default)]
pub struct Output {
    errors: AtomicUsize,
    bar: Mutex<Option<Bar>>,
}

impl Output {
    /// A new output manager.
    pub fn new() -> Self {
        Self::default()
    }

    fn with_bar_cleared(&self, f: impl FnOnce()) {
        let mut guard = match self.bar.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(bar) = guard.as_mut() {
            bar.clear();
        }
        f();
        if let Some(bar) = guard.as_mut() {
            bar.redraw();
        }
    }

    /// Prints a line on stdout.
    pub fn print(&self, msg: &str) {
        self.with_bar_cleared(|| {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(msg.as_bytes());
            let _ = out.write_all(b"\n");
            let _ = out.flush();
        });
    }

    /// Writes bytes to stdout as they are.
    pub fn raw(&self, data: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(data)
    }

    /// Writes text to stdout without a line end (output errors are ignored).
    pub fn raw_text(&self, text: &str) {
        self.with_bar_cleared(|| {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
        });
    }

    /// Flushes stdout.
    pub fn flush(&self) {
        let _ = std::io::stdout().lock().flush();
    }

    /// Prints an error on stderr and counts it.
    pub fn error(&self, msg: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.stderr_line(msg);
    }

    /// Prints a warning on stderr (not counted).
    pub fn warning(&self, msg: &str) {
        self.stderr_line(msg);
    }

    fn stderr_line(&self, msg: &str) {
        self.with_bar_cleared(|| {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(msg.as_bytes());
            let _ = err.write_all(b"\n");
            let _ = err.flush();
        });
    }

    /// `<value>\nFailed Transaction ID: <id|unknown>` (python's `error_with_txn_id`).
    pub fn error_with_txn(&self, value: &str, txn: Option<&str>) {
        self.error(&format!(
            "{value}\nFailed Transaction ID: {}",
            txn.unwrap_or("unknown")
        ));
    }

    /// How many errors were printed.
    pub fn error_count(&self) -> usize {
        self.errors.load(Ordering::Relaxed)
    }

    /// Shows a progress bar (on stderr, which must be a terminal).
    pub fn set_bar(&self, bar: Option<Bar>) {
        let mut guard = match self.bar.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(old) = guard.as_mut() {
            old.clear();
        }
        *guard = bar;
        if let Some(b) = guard.as_mut() {
            b.redraw();
        }
    }

    /// Updates the progress bar, if one is showing.
    pub fn update_bar(&self, f: impl FnOnce(&mut Bar)) {
        let mut guard = match self.bar.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(b) = guard.as_mut() {
            f(b);
            b.redraw();
        }
    }
}
