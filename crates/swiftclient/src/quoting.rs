//! Percent-encoding as python-swiftclient does it, and escaping for display: pure functions
//! on strings, below everything else.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What Python's `quote(s, safe='/')` leaves alone.
const PATH_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes `s` as python-swiftclient does for names and listing parameters.
pub fn quote(s: &str) -> String {
    utf8_percent_encode(s, PATH_SAFE).to_string()
}

/// `s` with control characters (C0, DEL, C1) escaped as `\u{..}`: for names from the
/// cluster shown on a terminal or in a log, where a planted `\x1b]...` or `\r` would
/// otherwise rewrite what the user sees. Everything else (backslashes too) is left as is.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Percent-decodes `s` when the result is valid UTF-8; otherwise returns `s` unchanged.
pub fn unquote_lossless(s: &str) -> String {
    match percent_decode_str(s).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => s.to_owned(),
    }
}
