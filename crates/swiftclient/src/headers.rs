//! Response headers: a case-insensitive map with lower-cased names and typed accessors.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use crate::quoting::unquote_lossless;
use crate::secret::{is_sensitive_header, redact};

/// Response headers as python-swiftclient returns them.
///
/// Names are lower-cased; lookups are case-insensitive. Names and values are percent-decoded
/// when that yields valid UTF-8 (so metadata written by other Swift clients reads back as text);
/// [`Headers::raw`] gives the value exactly as received. Repeated header lines are joined with
/// `", "`, as Python's HTTP stack does.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<Entry>,
}

#[derive(Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    value: String,
    raw: String,
}

impl Headers {
    /// An empty header map.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn from_http(map: &reqwest::header::HeaderMap) -> Self {
        let mut out = Headers::new();
        for (name, value) in map {
            out.append_raw(name.as_str(), &bytes_to_text(value.as_bytes()));
        }
        out
    }

    /// Adds a header line as received (name and value still percent-encoded).
    pub fn append_raw(&mut self, name: &str, raw_value: &str) {
        let name = unquote_lossless(&name.to_ascii_lowercase()).to_lowercase();
        let value = unquote_lossless(raw_value);
        if let Some(existing) = self.entries.iter_mut().find(|e| e.name == name) {
            existing.value.push_str(", ");
            existing.value.push_str(&value);
            existing.raw.push_str(", ");
            existing.raw.push_str(raw_value);
        } else {
            self.entries.push(Entry {
                name,
                value,
                raw: raw_value.to_owned(),
            });
        }
    }

    /// The decoded value of a header, looked up case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.find(name).map(|e| e.value.as_str())
    }

    /// The value exactly as received (not percent-decoded).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.find(name).map(|e| e.raw.as_str())
    }

    /// True when the header is present.
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Number of distinct header names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(lower-cased name, decoded value)` pairs in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str()))
    }

    fn find(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    fn parse<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// `Content-Length`.
    pub fn content_length(&self) -> Option<u64> {
        self.parse("content-length")
    }

    /// `Content-Type`.
    pub fn content_type(&self) -> Option<&str> {
        self.get("content-type")
    }

    /// `ETag` with surrounding quotes removed.
    pub fn etag(&self) -> Option<&str> {
        self.get("etag").map(|v| v.trim_matches('"'))
    }

    /// `Last-Modified` as a time.
    pub fn last_modified(&self) -> Option<SystemTime> {
        self.get("last-modified")
            .and_then(|v| httpdate::parse_http_date(v).ok())
    }

    /// `X-Timestamp` (seconds since the epoch, as Swift records the write).
    pub fn timestamp(&self) -> Option<SystemTime> {
        crate::numbers::parse_epoch_secs(self.get("x-timestamp")?)
    }

    /// `X-Trans-Id`, else `X-Openstack-Request-Id`.
    pub fn trans_id(&self) -> Option<&str> {
        self.get("x-trans-id")
            .or_else(|| self.get("x-openstack-request-id"))
    }

    /// `X-Account-Container-Count`.
    pub fn container_count(&self) -> Option<u64> {
        self.parse("x-account-container-count")
    }

    /// `X-Account-Object-Count` or `X-Container-Object-Count`.
    pub fn object_count(&self) -> Option<u64> {
        self.parse("x-account-object-count")
            .or_else(|| self.parse("x-container-object-count"))
    }

    /// `X-Account-Bytes-Used` or `X-Container-Bytes-Used`.
    pub fn bytes_used(&self) -> Option<u64> {
        self.parse("x-account-bytes-used")
            .or_else(|| self.parse("x-container-bytes-used"))
    }

    /// `X-Static-Large-Object: True`.
    pub fn is_static_large_object(&self) -> bool {
        self.get("x-static-large-object")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `X-Object-Manifest` (a DLO's segment prefix, `container/prefix`).
    pub fn object_manifest(&self) -> Option<&str> {
        self.get("x-object-manifest")
    }

    /// User metadata: every header `x-{account,container,object}-meta-<key>`, keyed by `<key>`.
    pub fn metadata(&self) -> BTreeMap<String, String> {
        const PREFIXES: [&str; 3] = ["x-account-meta-", "x-container-meta-", "x-object-meta-"];
        self.iter()
            .filter_map(|(k, v)| {
                PREFIXES
                    .iter()
                    .find_map(|p| k.strip_prefix(p))
                    .map(|key| (key.to_owned(), v.to_owned()))
            })
            .collect()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for e in &self.entries {
            if is_sensitive_header(&e.name) {
                m.entry(&e.name, &redact(&e.value));
            } else {
                m.entry(&e.name, &e.value);
            }
        }
        m.finish()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Header bytes as text: UTF-8 when valid, else non-ASCII bytes percent-encoded (`%FF`).
fn bytes_to_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() * 3);
            for &b in bytes {
                if b.is_ascii() {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        }
    }
}

/// Request headers given by a caller: `(name, value)` pairs, sent in order.
///
/// Names are sent lower-cased, as python-swiftclient does. Values that are not valid in an
/// HTTP header (non-ASCII metadata) are sent as raw UTF-8 bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestHeaders(Vec<(String, String)>);

impl RequestHeaders {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a header.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into().to_ascii_lowercase();
        let value = value.into();
        if let Some(e) = self.0.iter_mut().find(|(n, _)| *n == name) {
            e.1 = value;
        } else {
            self.0.push((name, value));
        }
    }

    /// Builder form of [`RequestHeaders::set`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Removes a header (case-insensitive).
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The value of a header (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when a header of this name is set.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for RequestHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (n, v) in &self.0 {
            if is_sensitive_header(n) {
                m.entry(n, &redact(v));
            } else {
                m.entry(n, v);
            }
        }
        m.finish()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for RequestHeaders {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut h = RequestHeaders::new();
        for (k, v) in iter {
            h.set(k, v);
        }
        h
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for RequestHeaders {
    fn from(pairs: [(K, V); N]) -> Self {
        pairs.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_and_decoded() {
        let mut h = Headers::new();
        h.append_raw("X-Object-Meta-Color", "t%c3%a9st");
        h.append_raw("X-Object-Meta-Bad", "%ff");
        h.append_raw("Content-Type", "a");
        h.append_raw("content-type", "b");
        assert_eq!(h.get("x-object-meta-color"), Some("t\u{e9}st"));
        assert_eq!(h.get("X-OBJECT-META-COLOR"), Some("t\u{e9}st"));
        assert_eq!(h.raw("x-object-meta-color"), Some("t%c3%a9st"));
        assert_eq!(h.get("x-object-meta-bad"), Some("%ff"));
        assert_eq!(h.get("content-type"), Some("a, b"));
        assert_eq!(
            h.metadata().get("color").map(String::as_str),
            Some("t\u{e9}st")
        );
        assert!(h.iter().all(|(k, _)| k == k.to_lowercase()));
    }

    #[test]
    fn non_utf8_bytes_are_escaped() {
        assert_eq!(bytes_to_text(b"a\xffb"), "a%FFb");
    }

    #[test]
    fn typed_accessors() {
        let mut h = Headers::new();
        h.append_raw("ETag", "\"abc\"");
        h.append_raw("X-Container-Object-Count", "12");
        h.append_raw("X-Timestamp", "1700000000.12345");
        h.append_raw("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
        h.append_raw("X-Auth-Token", "AUTH_tk_secret_value");
        assert_eq!(h.etag(), Some("abc"));
        assert_eq!(h.object_count(), Some(12));
        assert!(h.timestamp().is_some());
        assert!(h.last_modified().is_some());
        assert!(!format!("{h:?}").contains("secret"));
    }
}
