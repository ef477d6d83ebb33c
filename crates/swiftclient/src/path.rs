//! Names, paths and quoting.
//!
//! Container and object names are percent-encoded like Python's `quote(name, safe='/')`: UTF-8
//! first, then everything except ASCII letters, digits, `_ . - ~` and `/` is escaped (a space
//! becomes `%20`). Names the cluster must refuse get an error before any request is made.

pub use crate::quoting::{escape_controls, quote, unquote_lossless};

use crate::error::Error;

/// Longest container name Swift accepts by default (bytes of UTF-8).
pub const MAX_CONTAINER_NAME_LENGTH: usize = 256;
/// Longest object name Swift accepts by default (bytes of UTF-8).
pub const MAX_OBJECT_NAME_LENGTH: usize = 1024;

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
    if name == "." || name == ".." {
        // A URL path segment of dots means "this" or "the parent" to every URL parser: no
        // request could reach such a container, only the account or another path.
        return Err(Error::invalid_name(format!(
            "container name {name:?} cannot be addressed in a URL"
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
        let mut url = storage_url.trim_end_matches('/').to_owned();
        url.push_str(&self.path_suffix());
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    /// What follows the storage URL's path: `/container` or `/container/object`, quoted.
    ///
    /// An object name with a `.` or `..` segment (`x/../../other/o`) would be folded away by
    /// any URL parser (reqwest's included, and `%2E%2E` too), sending the request to another
    /// object. Swift decodes `%2F` to `/` before it splits the path, so for such names the
    /// slashes after the account are sent as `%2F`: the URL has no dot segment left, and
    /// the server still sees the exact name.
    pub(crate) fn path_suffix(&self) -> String {
        match self {
            Target::Account => String::new(),
            Target::Container(c) => format!("/{}", quote(c)),
            Target::Object(c, o) if has_dot_segment(o) => {
                format!("/{}%2F{}", quote(c), quote(o).replace('/', "%2F"))
            }
            Target::Object(c, o) => format!("/{}/{}", quote(c), quote(o)),
        }
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

/// True when a `/`-separated segment of `name` is `.` or `..`.
pub(crate) fn has_dot_segment(name: &str) -> bool {
    name.split('/').any(|seg| seg == "." || seg == "..")
}

/// The last guard before a request leaves: `sent_path` (the path of the URL as the HTTP
/// client parsed it) must be the storage URL's path followed by the target's own suffix,
/// byte for byte. Whatever a URL parser might normalise, no request reaches another path.
pub(crate) fn check_sent_path(storage_path: &str, target: &Target, sent_path: &str) -> bool {
    let suffix = target.path_suffix();
    let base = storage_path.trim_end_matches('/');
    if suffix.is_empty() {
        return sent_path.trim_end_matches('/') == base;
    }
    sent_path.strip_prefix(base) == Some(suffix.as_str())
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
    fn controls_are_escaped() {
        assert_eq!(escape_controls("plain/ü"), "plain/ü");
        assert_eq!(escape_controls("a\rb\x1b[2Jc"), "a\\u{d}b\\u{1b}[2Jc");
        assert_eq!(escape_controls("x\u{85}\u{7f}\\"), "x\\u{85}\\u{7f}\\");
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
        assert!(check_container("..").is_err());
        assert!(check_container(".").is_err());
        assert!(check_container("...").is_ok());
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
    fn dot_segments_are_sent_as_one_segment() {
        let url = |o: &str| {
            Target::object("shared", o)
                .map(|t| t.url("http://h/v1/A", ""))
                .unwrap_or_default()
        };
        assert_eq!(
            url("x/../../other/precious"),
            "http://h/v1/A/shared%2Fx%2F..%2F..%2Fother%2Fprecious"
        );
        assert_eq!(url(".."), "http://h/v1/A/shared%2F..");
        assert_eq!(url("./a"), "http://h/v1/A/shared%2F.%2Fa");
        assert_eq!(url("a/b."), "http://h/v1/A/shared/a/b.");
        assert_eq!(url("a/.../b"), "http://h/v1/A/shared/a/.../b");
        for name in [
            "x/../../other/precious",
            "..",
            ".",
            "a/./b",
            "a/..",
            "../x",
            "a//../b",
        ] {
            let u = url(name);
            let parsed = reqwest::Url::parse(&u).map(|u| u.path().to_owned());
            let t = Target::object("shared", name).unwrap_or(Target::Account);
            assert!(
                parsed
                    .as_deref()
                    .is_ok_and(|p| check_sent_path("/v1/A", &t, p)),
                "{name}: {u} parsed as {parsed:?}"
            );
        }
    }

    #[test]
    fn the_sent_path_guard_catches_folding() {
        let t = Target::Object("shared".into(), "x/../../other/precious".into());
        // What a URL parser makes of the unprotected form:
        assert!(!check_sent_path("/v1/A", &t, "/v1/A/other/precious"));
        assert!(check_sent_path(
            "/v1/A/",
            &t,
            "/v1/A/shared%2Fx%2F..%2F..%2Fother%2Fprecious"
        ));
        assert!(check_sent_path("/v1/A", &Target::Account, "/v1/A/"));
        assert!(!check_sent_path("/v1/A", &Target::Account, "/v1"));
        let c = Target::Container("c".into());
        assert!(!check_sent_path("/v1/A", &c, "/v1/A/c/"));
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
