//! A one-line progress bar on stderr for uploads and downloads, shown only when stderr is a
//! terminal (never in pipes or files, and never on stdout).

use std::io::{IsTerminal, Write};
use std::time::Instant;

#[allow(dead_code)] // used by upload and download
/// Whether a progress bar may be shown: stderr is a terminal and `TERM` is not `dumb`.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
        && std::env::var_os("SWIFTCLIENT_NO_PROGRESS").is_none()
}

/// The state of the bar.
pub struct Bar {
    verb: &'static str,
    /// Items finished.
    pub done: u64,
    /// Items expected, when known.
    pub total: Option<u64>,
    /// Bytes moved.
    pub bytes: u64,
    /// Bytes expected, when known.
    pub total_bytes: Option<u64>,
    started: Instant,
    shown: bool,
    last_draw: Option<Instant>,
}

impl Bar {
    /// A bar for `verb` ("uploading", "downloading").
    pub fn new(verb: &'static str) -> Self {
        Bar {
            verb,
            done: 0,
            total: None,
            bytes: 0,
            total_bytes: None,
            started: Instant::now(),
            shown: false,
            last_draw: None,
        }
    }

    /// The text of the bar.
    pub fn render(&self, width: usize) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.bytes as f64 / secs;
        let counts = match self.total {
            Some(t) => format!("{}/{} objects", self.done, t),
            None => format!("{} objects", self.done),
        };
        let size = match self.total_bytes {
            Some(t) => format!("{} / {}", human(self.bytes as f64), human(t as f64)),
            None => human(self.bytes as f64),
        };
        let tail = format!(" {counts}  {size}  {}/s", human(rate));
        let fraction = match (self.total_bytes, self.total) {
            (Some(tb), _) if tb > 0 => Some(self.bytes as f64 / tb as f64),
            (_, Some(t)) if t > 0 => Some(self.done as f64 / t as f64),
            _ => None,
        };
        let head = format!("{} ", self.verb);
        let room = width.saturating_sub(head.len() + tail.len() + 2).min(40);
        let bar = match fraction {
            Some(f) if room >= 5 => {
                let f = f.clamp(0.0, 1.0);
                let filled = (f * room as f64).round() as usize;
                format!(
                    "[{}{}]",
                    "#".repeat(filled),
                    "-".repeat(room.saturating_sub(filled))
                )
            }
            _ => String::new(),
        };
        let mut line = format!("{head}{bar}{tail}");
        if line.chars().count() > width {
            line = line.chars().take(width).collect();
        }
        line
    }

    /// Draws the bar again (at most every 100 ms, unless forced by a clear before).
    pub fn redraw(&mut self) {
        let now = Instant::now();
        if self.shown
            && self
                .last_draw
                .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .unwrap_or(80)
            .saturating_sub(1)
            .max(20);
        let line = self.render(width);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{line}");
        let _ = err.flush();
        self.shown = true;
        self.last_draw = Some(now);
    }

    /// Removes the bar from the screen.
    pub fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.shown = false;
            self.last_draw = None;
        }
    }
}

fn human(n: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{} {}", v as u64, UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_bar() {
        let mut b = Bar::new("uploading");
        b.total = Some(4);
        b.done = 2;
        b.bytes = 2048;
        let line = b.render(80);
        assert!(line.starts_with("uploading ["), "{line}");
        assert!(line.contains("2/4 objects"), "{line}");
        assert!(line.contains("2.0 KiB"), "{line}");
        assert!(line.chars().count() <= 80);
    }
}
