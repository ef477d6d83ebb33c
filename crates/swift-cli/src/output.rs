//! python-swiftclient's `OutputManager`: lines to stdout, errors to stderr (counted: any
//! error makes the exit status 1), warnings to stderr (not counted), raw bytes to stdout.
//!
//! Writes never panic: a closed pipe just drops the output. When a progress bar is showing
//! on the terminal, it is cleared before a line is written and drawn again after.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::progress::Bar;

/// `text` with the control characters that could rewrite the terminal (escape sequences,
/// carriage returns, backspaces, ...) escaped as `\u{1b}`; newlines and tabs, which our own
/// lines use, stay. Names and server replies end up in these lines: a planted object name
/// must not clear the screen or fake a line.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if unsafe_char(c) {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

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
        let msg = terminal_safe(msg);
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
        let msg = terminal_safe(msg);
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

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn escapes_what_rewrites_a_terminal() {
        assert_eq!(terminal_safe("a b\tc\nd"), "a b\tc\nd");
        assert_eq!(terminal_safe("x\u{1b}[2J\ry"), "x\\u{1b}[2J\\u{d}y");
        assert_eq!(terminal_safe("\u{9b}31m"), "\\u{9b}31m");
    }
}
