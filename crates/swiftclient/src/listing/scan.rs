//! A listing page read as it arrives: the elements of a JSON array are cut out of the body
//! chunk by chunk and handed on one at a time, so a page of 10,000 entries never sits in
//! memory whole (neither as its 1.7 MB of text nor as 10,000 parsed entries).

/// Cuts a JSON array into the texts of its elements, fed in chunks of any size.
///
/// Only the array's structure is followed (strings, escapes, nesting); each element is then
/// parsed on its own by the caller, so anything malformed is still an error there. Memory is
/// one element's text plus the chunk being fed.
#[derive(Debug, Default)]
pub(crate) struct ArrayScanner {
    state: State,
    /// The text of the element being read.
    element: Vec<u8>,
    /// Nesting depth inside the current element.
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The longest element accepted (0: no limit).
    limit: usize,
}

#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
enum State {
    /// Before the opening `[`.
    #[default]
    Start,
    /// Between elements (after `[` or a `,`), or right after an element.
    Between,
    /// Inside an element.
    Element,
    /// After the closing `]`.
    Done,
}

/// What is wrong with the text's structure.
pub(crate) type ScanError = &'static str;

impl ArrayScanner {
    /// A scanner before the array's first byte.
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A scanner refusing elements longer than `limit` bytes (an element that never closes
    /// must not grow without bound).
    pub(crate) fn with_limit(limit: usize) -> Self {
        ArrayScanner {
            limit,
            ..Self::default()
        }
    }

    /// Feeds the next chunk; `element` is called with the text of every element completed in
    /// it. Its error ends the scan.
    pub(crate) fn feed<E>(
        &mut self,
        chunk: &[u8],
        mut element: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), ScanOrElement<E>> {
        for &b in chunk {
            match self.state {
                State::Start => match b {
                    b'[' => self.state = State::Between,
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    _ => return Err(ScanOrElement::Scan("the listing is not a JSON array")),
                },
                State::Done => {
                    if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                        return Err(ScanOrElement::Scan("text after the listing's closing ]"));
                    }
                }
                State::Between => match b {
                    b' ' | b'\t' | b'\n' | b'\r' | b',' => {}
                    b']' => self.state = State::Done,
                    _ => {
                        self.state = State::Element;
                        self.start_element(b);
                        if self.element_complete() {
                            self.emit(&mut element)?;
                        }
                    }
                },
                State::Element => {
                    if !self.in_string && self.depth == 0 && matches!(b, b',' | b']') {
                        // the end of a scalar element
                        self.emit(&mut element)?;
                        self.state = if b == b']' {
                            State::Done
                        } else {
                            State::Between
                        };
                        continue;
                    }
                    self.element.push(b);
                    if self.limit > 0 && self.element.len() > self.limit {
                        return Err(ScanOrElement::Scan("a listing entry is too long"));
                    }
                    self.track(b);
                    if self.element_complete() {
                        self.emit(&mut element)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Ends the scan: the array must have been closed.
    pub(crate) fn finish(&self) -> Result<(), ScanError> {
        match self.state {
            State::Done => Ok(()),
            State::Start => Err("the listing is empty"),
            _ => Err("the listing ends before its closing ]"),
        }
    }

    fn start_element(&mut self, b: u8) {
        self.element.clear();
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.element.push(b);
        self.track(b);
    }

    /// Follows strings and nesting for byte `b` (already appended).
    fn track(&mut self, b: u8) {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }

    /// An object, array or string element is complete once its nesting closes.
    fn element_complete(&self) -> bool {
        let first = self.element.first().copied();
        !self.in_string
            && self.depth == 0
            && match first {
                Some(b'{') | Some(b'[') => self.element.len() > 1,
                Some(b'"') => self.element.len() > 1,
                _ => false,
            }
    }

    fn emit<E>(
        &mut self,
        element: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), ScanOrElement<E>> {
        self.state = State::Between;
        let r = element(&self.element).map_err(ScanOrElement::Element);
        self.element.clear();
        r
    }
}

/// A failure of [`ArrayScanner::feed`]: the structure, or the element callback's own error.
#[derive(Debug)]
pub(crate) enum ScanOrElement<E> {
    Scan(ScanError),
    Element(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(text: &str, split: usize) -> Result<Vec<String>, String> {
        let mut s = ArrayScanner::new();
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let (a, b) = bytes.split_at(split.min(bytes.len()));
        for part in [a, b] {
            s.feed(part, |e| {
                out.push(String::from_utf8_lossy(e).into_owned());
                Ok::<(), ()>(())
            })
            .map_err(|e| format!("{e:?}"))?;
        }
        s.finish()?;
        Ok(out)
    }

    #[test]
    fn cuts_elements_wherever_the_chunks_split() {
        let text = r#" [ {"name": "a,]}\"x", "bytes": 1}, {"subdir": "d/"} ,{"n":[1,{"x":"]"}]}] "#;
        for split in 0..=text.len() {
            let got = elements(text, split).unwrap_or_else(|e| panic!("split {split}: {e}"));
            assert_eq!(
                got,
                vec![
                    r#"{"name": "a,]}\"x", "bytes": 1}"#,
                    r#"{"subdir": "d/"}"#,
                    r#"{"n":[1,{"x":"]"}]}"#
                ],
                "split {split}"
            );
        }
        assert_eq!(elements("[]", 1).unwrap_or_default(), Vec::<String>::new());
        assert_eq!(
            elements("[1, \"s\"]", 3).unwrap_or_default(),
            vec!["1", "\"s\""]
        );
    }

    #[test]
    fn an_element_that_never_closes_is_cut_off() {
        let mut s = ArrayScanner::with_limit(100);
        let chunk = format!("[{{\"name\": \"{}", "x".repeat(1000));
        let r = s.feed(chunk.as_bytes(), |_| Ok::<(), ()>(()));
        assert!(matches!(r, Err(ScanOrElement::Scan(_))));
    }

    #[test]
    fn malformed_structure_is_an_error() {
        for bad in ["", "{\"a\": 1}", "[{\"a\": 1}", "[{\"a\": 1}] x", "oops"] {
            assert!(elements(bad, 2).is_err(), "{bad:?}");
        }
    }
}
