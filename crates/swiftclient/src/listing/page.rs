//! One listing page read from its response as the body arrives ([`PageReader`]), entry by
//! entry: memory stays at one entry and one chunk however long the page.

use std::collections::VecDeque;

use serde_json::value::RawValue;

use crate::error::{Error, ErrorKind};
use crate::listing::scan::{ArrayScanner, ScanOrElement};
use crate::listing::Parse;

/// The longest single entry accepted (a real one is a few hundred bytes; an element that
/// never closes must not grow without bound).
const ENTRY_LIMIT: usize = 1 << 20;

/// The entries of one page, parsed from the response body as its chunks arrive.
pub(crate) struct PageReader<T> {
    response: Option<reqwest::Response>,
    scanner: ArrayScanner,
    queue: VecDeque<T>,
    /// "container" or "account", for messages.
    what: &'static str,
    /// Whether the body held anything but whitespace.
    started: bool,
    /// Entries handed out so far.
    pub(crate) count: usize,
    /// Body bytes read so far, and the most allowed (for pages read whole).
    read: usize,
    limit: Option<usize>,
    method: String,
    url: String,
}

/// Why a page could not be read to its end.
pub(crate) enum PageError {
    /// The connection broke part-way: the page can be asked for again from the last entry.
    Transport(Error),
    /// The body is not a listing: final.
    Decode(Error),
}

impl From<PageError> for Error {
    fn from(e: PageError) -> Error {
        match e {
            PageError::Transport(e) | PageError::Decode(e) => e,
        }
    }
}

fn decode(what: &str, msg: impl std::fmt::Display) -> PageError {
    PageError::Decode(Error::new(
        ErrorKind::Decode,
        format!("bad {what} listing: {msg}"),
    ))
}

/// Parses one element's text as an entry.
pub(crate) fn parse_entry<T: Parse>(text: &[u8], what: &str) -> crate::Result<T> {
    let bad = |e: String| Error::new(ErrorKind::Decode, format!("bad {what} listing entry: {e}"));
    let text = std::str::from_utf8(text).map_err(|e| bad(e.to_string()))?;
    let raw = RawValue::from_string(text.to_owned()).map_err(|e| bad(e.to_string()))?;
    T::from_json(raw).map_err(bad)
}

impl<T: Parse> PageReader<T> {
    /// Reads the page of `response` (an empty body or a 204 is an empty page).
    pub(crate) fn new(
        response: reqwest::Response,
        status: u16,
        what: &'static str,
        method: &str,
        url: &str,
    ) -> Self {
        PageReader {
            response: (status != 204).then_some(response),
            scanner: ArrayScanner::with_limit(ENTRY_LIMIT),
            queue: VecDeque::new(),
            what,
            started: false,
            count: 0,
            read: 0,
            limit: None,
            method: method.to_owned(),
            url: url.to_owned(),
        }
    }

    /// Caps the body at `limit` bytes: for a page kept whole in memory, an endless body is an
    /// error instead of memory exhaustion.
    pub(crate) fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The next entry of the page, `None` at its (well-formed) end.
    pub(crate) async fn next(&mut self) -> Result<Option<T>, PageError> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                self.count += 1;
                return Ok(Some(e));
            }
            let Some(resp) = self.response.as_mut() else {
                return Ok(None);
            };
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    self.read = self.read.saturating_add(chunk.len());
                    if let Some(limit) = self.limit.filter(|l| self.read > *l) {
                        self.response = None;
                        return Err(PageError::Decode(
                            Error::new(
                                ErrorKind::Decode,
                                format!(
                                    "the {} listing page is larger than {} MiB; not read further",
                                    self.what,
                                    limit >> 20
                                ),
                            )
                            .with_request(&self.method, &self.url),
                        ));
                    }
                    if !self.started {
                        self.started = chunk.iter().any(|b| !b.is_ascii_whitespace());
                    }
                    let (what, queue) = (self.what, &mut self.queue);
                    self.scanner
                        .feed(&chunk, |text| {
                            queue.push_back(parse_entry::<T>(text, what)?);
                            Ok(())
                        })
                        .map_err(|e| match e {
                            ScanOrElement::Scan(msg) => decode(what, msg),
                            ScanOrElement::Element(e) => PageError::Decode(e),
                        })?;
                }
                Ok(None) => {
                    self.response = None;
                    if self.started {
                        self.scanner.finish().map_err(|m| decode(self.what, m))?;
                    }
                }
                Err(e) => {
                    self.response = None;
                    return Err(PageError::Transport(Error::transport(
                        "reading the listing failed",
                        &self.method,
                        &self.url,
                        e,
                    )));
                }
            }
        }
    }
}
