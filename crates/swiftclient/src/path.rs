//! Names, paths and quoting (spec §1.4).
//!
//! Container and object names are percent-encoded like Python's `quote(name, safe='/')`: UTF-8
//! first, then everything except ASCII letters, digits, `_ . - ~` and `/` is escaped (a space
//! becomes `%20`). Names the cluster must refuse get an error before any request is made.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::Error;

/// What Python's `quote(s, safe='/')` leaves alone.
const PATH_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Longest container name Swift accepts by default (bytes of UTF-8).
pub const MAX_CONTAINER_NAME_LENGTH: usize = 256;
/// Longest object name Swift accepts by default (bytes of UTF-8).
pub const MAX_OBJECT_NAME_LENGTH: usize = 1024;

/// Percent-encodes `s` as python-swiftclient does for names and listing parameters.
pub fn quote(s: &str) -> String {
    utf8_percent_encode(s, PATH_SAFE).to_string()
}

/// Percent-decodes `s` when the result is valid UTF-8; otherwise returns `s` unchanged.
pub fn unquote_lossless(s: &str) -> String {
    match percent_decode_str(s).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => s.to_owned(),
    }
}

/// Checks a container name against the cluster's default constraints.
pub fn check_container(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid_name("container name must not be empty"));
    }
    if name.contains('/') {
        return Err(Error::invalid_name(format!(
            "container name {name:?} must not contain '/'"
        )));
    }
    if name.len() > MAX_CONTAINER_NAME_LENGTH {
        return Err(Error::invalid_name(format!(
            "container name is {} bytes long; the limit is {MAX_CONTAINER_NAME_LENGTH}",
            name.len()
        )));
    }
    Ok(())
}

/// Checks an object name against the cluster's default constraints.
pub fn check_object(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::invalid_name("object name must not be empty"));
    }
    if name.len() > MAX_OBJECT_NAME_LENGTH {
        return Err(Error::invalid_name(format!(
            "object name is {} bytes long; the limit is {MAX_OBJECT_NAME_LENGTH}",
            name.len()
        )));
    }
    Ok(())
}

/// Where a request goes, relative to the storage URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Account,
    Container(String),
    Object(String, String),
}

impl Target {
    /// Validates the names and builds the target.
    pub(crate) fn container(container: &str) -> Result<Self, Error> {
        check_container(container)?;
        Ok(Target::Container(container.to_owned()))
    }

    pub(crate) fn object(container: &str, object: &str) -> Result<Self, Error> {
        check_container(container)?;
        check_object(object)?;
        Ok(Target::Object(container.to_owned(), object.to_owned()))
    }

    /// The full URL for this target under `storage_url`, with an optional raw query string.
    pub(crate) fn url(&self, storage_url: &str, query: &str) -> String {
        let base = storage_url.trim_end_matches('/');
        let mut url = match self {
            Target::Account => base.to_owned(),
            Target::Container(c) => format!("{base}/{}", quote(c)),
            Target::Object(c, o) => format!("{base}/{}/{}", quote(c), quote(o)),
        };
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    /// "container/object" for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Target::Account => "account".to_owned(),
            Target::Container(c) => c.clone(),
            Target::Object(c, o) => format!("{c}/{o}"),
        }
    }
}

/// Builds a query string from `(key, value)` pairs, quoting values with [`quote`].
pub(crate) fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        let Some(v) = v else { continue };
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&quote(v));
    }
    out
}

/// Appends a caller-supplied raw query string (a leading `?` is dropped).
pub(crate) fn append_query(base: &mut String, extra: Option<&str>) {
    if let Some(extra) = extra.map(|q| q.trim_start_matches('?')) {
        if extra.is_empty() {
            return;
        }
        if !base.is_empty() {
            base.push('&');
        }
        base.push_str(extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_python() {
        assert_eq!(quote("unicode:\u{e9}\u{20ac}"), "unicode%3A%C3%A9%E2%82%AC");
        assert_eq!(quote("a b/c"), "a%20b/c");
        assert_eq!(quote("-_.~"), "-_.~");
        assert_eq!(
            quote("!$&'()*+,;=:@%?#"),
            "%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40%25%3F%23"
        );
    }

    #[test]
    fn unquote_keeps_invalid_utf8() {
        assert_eq!(unquote_lossless("t%c3%a9st"), "t\u{e9}st");
        assert_eq!(unquote_lossless("%ff"), "%ff");
        assert_eq!(unquote_lossless("plain"), "plain");
    }

    #[test]
    fn names_checked_before_requests() {
        assert!(check_container("").is_err());
        assert!(check_container("a/b").is_err());
        assert!(check_container(&"c".repeat(257)).is_err());
        assert!(check_container(&"c".repeat(256)).is_ok());
        assert!(check_object("").is_err());
        assert!(check_object(&"o".repeat(1025)).is_err());
        assert!(check_object("dir/sub/o b").is_ok());
    }

    #[test]
    fn urls() {
        let t = Target::object("c d", "o/\u{e9}").unwrap_or(Target::Account);
        assert_eq!(
            t.url("http://h/v1/AUTH_t/", "x=1"),
            "http://h/v1/AUTH_t/c%20d/o/%C3%A9?x=1"
        );
        assert_eq!(Target::Account.url("http://h/v1/A", ""), "http://h/v1/A");
    }

    #[test]
    fn query_building() {
        let mut q = query_string(&[
            ("format", Some("json".into())),
            ("marker", None),
            ("prefix", Some("a b/".into())),
        ]);
        assert_eq!(q, "format=json&prefix=a%20b/");
        append_query(&mut q, Some("?versions"));
        assert_eq!(q, "format=json&prefix=a%20b/&versions");
    }
}
