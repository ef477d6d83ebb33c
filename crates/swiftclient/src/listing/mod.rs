//! Account and container listings: typed entries, pages, full listings and lazy streams.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;

pub(crate) mod page;
pub(crate) mod scan;
use crate::path::{append_query, query_string};
use crate::response::Response;

/// A container in an account listing (or a `subdir` when a delimiter is used).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ContainerEntry {
    /// The container name (or the subdir prefix).
    pub name: String,
    /// Objects in the container.
    pub count: u64,
    /// Bytes used by the container.
    pub bytes: u64,
    /// Last modification (ISO 8601, as the server sends it), when listed.
    pub last_modified: Option<String>,
    /// True for a `subdir` entry.
    pub subdir: bool,
    /// The entry's JSON as received (see [`ContainerEntry::raw`]).
    raw: Box<RawValue>,
}

/// An object in a container listing (or a `subdir` when a delimiter is used).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ObjectEntry {
    /// The object name (or the subdir prefix).
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The ETag (MD5 for plain objects).
    pub hash: String,
    /// The content type.
    pub content_type: String,
    /// Last modification (ISO 8601, as the server sends it).
    pub last_modified: String,
    /// True for a `subdir` entry.
    pub subdir: bool,
    /// The version id (listings with `versions`).
    pub version_id: Option<String>,
    /// Whether this is the latest version (listings with `versions`).
    pub is_latest: Option<bool>,
    /// The entry's JSON as received (see [`ObjectEntry::raw`]).
    raw: Box<RawValue>,
}

// An entry keeps its JSON text (about 150 bytes), not a parsed tree (about 1 KiB of small
// allocations): a 10,000-entry page then holds ~3 MB, not ~12, and fields the typed struct
// does not name are still there for those who ask.
macro_rules! raw_accessors {
    ($t:ty) => {
        impl $t {
            /// The entry as received, parsed (every field, including those this type does
            /// not name, e.g. `slo_etag` or `symlink_path`). Parsed on each call.
            pub fn raw(&self) -> Value {
                serde_json::from_str(self.raw.get()).unwrap_or(Value::Null)
            }

            /// The entry's JSON text, exactly as the server sent it.
            pub fn raw_json(&self) -> &str {
                self.raw.get()
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.raw.get() == other.raw.get()
            }
        }
    };
}
raw_accessors!(ContainerEntry);
raw_accessors!(ObjectEntry);

/// Listing parameters for [`crate::Connection::get_account`] and
/// [`crate::Connection::get_container`] and their streaming forms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ListOptions {
    /// Start after this name.
    pub marker: Option<String>,
    /// Stop before this name.
    pub end_marker: Option<String>,
    /// At most this many entries per page (per request).
    pub limit: Option<u64>,
    /// Only names with this prefix.
    pub prefix: Option<String>,
    /// Roll names up to this delimiter into `subdir` entries.
    pub delimiter: Option<String>,
    /// Containers only: start after this version of `marker` (with the `versions` query).
    pub version_marker: Option<String>,
    /// Containers only: `path=` (like `prefix=<path>/` with `delimiter=/`).
    pub path: Option<String>,
    /// Fetch every page, not just the first.
    pub full_listing: bool,
    /// Extra headers.
    pub headers: RequestHeaders,
    /// A raw query string appended verbatim (e.g. `reverse=on`, `versions`). Unlike
    /// python-swiftclient, it is kept on every page of a full listing.
    pub query_string: Option<String>,
}

impl ListOptions {
    /// First page, no filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `marker`.
    pub fn marker(mut self, v: impl Into<String>) -> Self {
        self.marker = Some(v.into());
        self
    }

    /// Sets `end_marker`.
    pub fn end_marker(mut self, v: impl Into<String>) -> Self {
        self.end_marker = Some(v.into());
        self
    }

    /// Sets `limit`.
    pub fn limit(mut self, v: u64) -> Self {
        self.limit = Some(v);
        self
    }

    /// Sets `prefix`.
    pub fn prefix(mut self, v: impl Into<String>) -> Self {
        self.prefix = Some(v.into());
        self
    }

    /// Sets `delimiter`.
    pub fn delimiter(mut self, v: impl Into<String>) -> Self {
        self.delimiter = Some(v.into());
        self
    }

    /// Sets `version_marker`.
    pub fn version_marker(mut self, v: impl Into<String>) -> Self {
        self.version_marker = Some(v.into());
        self
    }

    /// Sets `path`.
    pub fn path(mut self, v: impl Into<String>) -> Self {
        self.path = Some(v.into());
        self
    }

    /// Fetch every page.
    pub fn full_listing(mut self, v: bool) -> Self {
        self.full_listing = v;
        self
    }

    /// Moves `marker` (and `version_marker`) past `last`, the last entry of a page, for the
    /// next page. A page must end strictly after the one before (before it with `reverse`):
    /// a server whose pages repeat or cycle gets an error here, never an endless loop.
    ///
    /// ```
    /// # fn page(conn: &swiftclient::blocking::Connection) -> swiftclient::Result<()> {
    /// let mut opts = swiftclient::ListOptions::new().limit(100);
    /// loop {
    ///     let page = conn.get_container("c", &opts)?.entries;
    ///     let Some(last) = page.last() else { break };
    ///     // ... use the page ...
    ///     opts.advance(last)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn advance<T: Entry>(&mut self, last: &T) -> crate::Result<()> {
        advance(self, last)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Sets the raw query string.
    pub fn query_string(mut self, q: impl Into<String>) -> Self {
        self.query_string = Some(q.into());
        self
    }
}

/// One listing: the response of the first page and the entries of every page fetched.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Listing<T> {
    /// The response (headers of the first page).
    pub response: Response,
    /// The entries.
    pub entries: Vec<T>,
}

#[derive(Deserialize)]
struct RawContainer {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subdir: Option<String>,
    #[serde(default)]
    count: u64,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    last_modified: Option<String>,
}

#[derive(Deserialize)]
struct RawObject {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subdir: Option<String>,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    hash: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    last_modified: String,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    is_latest: Option<bool>,
}

/// An entry type of a listing.
///
/// Sealed: implemented by [`ContainerEntry`] and [`ObjectEntry`] only.
pub trait Entry: private::Parse {
    /// The name the next page starts after.
    fn marker(&self) -> &str;
    /// The version id the next page starts after.
    fn version(&self) -> Option<&str> {
        None
    }
}

mod private {
    use serde_json::value::RawValue;

    /// How an entry is read from a listing page (not part of the public API).
    pub trait Parse: Sized + Send + 'static {
        /// Parses one JSON element, kept as received.
        fn from_json(raw: Box<RawValue>) -> Result<Self, String>;
    }
}
pub(crate) use private::Parse;

impl Parse for ContainerEntry {
    fn from_json(raw: Box<RawValue>) -> Result<Self, String> {
        let r: RawContainer = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        let (name, subdir) = match (r.name, r.subdir) {
            (Some(n), _) => (n, false),
            (None, Some(s)) => (s, true),
            (None, None) => return Err("entry has neither name nor subdir".into()),
        };
        Ok(ContainerEntry {
            name,
            count: r.count,
            bytes: r.bytes,
            last_modified: r.last_modified,
            subdir,
            raw,
        })
    }
}

impl Entry for ContainerEntry {
    fn marker(&self) -> &str {
        &self.name
    }
}

impl Parse for ObjectEntry {
    fn from_json(raw: Box<RawValue>) -> Result<Self, String> {
        let r: RawObject = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        let (name, subdir) = match (r.name, r.subdir) {
            (Some(n), _) => (n, false),
            (None, Some(s)) => (s, true),
            (None, None) => return Err("entry has neither name nor subdir".into()),
        };
        Ok(ObjectEntry {
            name,
            bytes: r.bytes,
            hash: r.hash,
            content_type: r.content_type,
            last_modified: r.last_modified,
            subdir,
            version_id: r.version_id,
            is_latest: r.is_latest,
            raw,
        })
    }
}

impl Entry for ObjectEntry {
    fn marker(&self) -> &str {
        &self.name
    }
    fn version(&self) -> Option<&str> {
        self.version_id.as_deref()
    }
}

/// Parses a whole listing body (a JSON array; empty is an empty page) with the same scanner
/// the streaming pages use.
#[cfg(test)]
pub(crate) fn parse_page<T: Parse>(body: &[u8], what: &str) -> crate::Result<Vec<T>> {
    let mut out = Vec::new();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(out);
    }
    let mut scanner = scan::ArrayScanner::with_limit(1 << 20);
    let bad = |m: &str| Error::new(ErrorKind::Decode, format!("bad {what} listing: {m}"));
    scanner
        .feed(body, |text| {
            out.push(page::parse_entry::<T>(text, what)?);
            Ok::<(), Error>(())
        })
        .map_err(|e| match e {
            scan::ScanOrElement::Scan(m) => bad(m),
            scan::ScanOrElement::Element(e) => e,
        })?;
    scanner.finish().map_err(bad)?;
    Ok(out)
}

/// The query string of one page (fixed order, as python-swiftclient sends it).
pub(crate) fn page_query(opts: &ListOptions, container: bool) -> String {
    let mut pairs: Vec<(&str, Option<String>)> = vec![
        ("format", Some("json".to_owned())),
        ("marker", opts.marker.clone().filter(|s| !s.is_empty())),
        (
            "limit",
            opts.limit.filter(|l| *l > 0).map(|l| l.to_string()),
        ),
        ("prefix", opts.prefix.clone().filter(|s| !s.is_empty())),
        (
            "delimiter",
            opts.delimiter.clone().filter(|s| !s.is_empty()),
        ),
        (
            "end_marker",
            opts.end_marker.clone().filter(|s| !s.is_empty()),
        ),
    ];
    if container {
        pairs.push((
            "version_marker",
            opts.version_marker.clone().filter(|s| !s.is_empty()),
        ));
        pairs.push(("path", opts.path.clone()));
    }
    let mut q = query_string(&pairs);
    append_query(&mut q, opts.query_string.as_deref());
    q
}

/// Moves `opts` past the last entry of a page. Each page must end strictly after the one
/// before in listing order (names in byte order; before it with `reverse`; versions of one
/// name may share it): a server whose pages repeat or cycle (A, B, A, B) gets an error, not
/// an endless loop.
pub(crate) fn advance<T: Entry>(opts: &mut ListOptions, last: &T) -> crate::Result<()> {
    let next = last.marker();
    let version = last.version().map(str::to_owned);
    if let Some(prev) = opts.marker.as_deref().filter(|m| !m.is_empty()) {
        let forward = if is_reverse(opts) {
            next < prev
        } else {
            next > prev
        };
        let same_name_new_version =
            next == prev && version.is_some() && opts.version_marker != version;
        if !forward && !same_name_new_version {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "the listing does not advance: the page after marker {prev:?} ends with {next:?}"
                ),
            ));
        }
    }
    opts.marker = Some(next.to_owned());
    opts.version_marker = version;
    Ok(())
}

/// True when the listing's extra query asks for `reverse` order.
fn is_reverse(opts: &ListOptions) -> bool {
    opts.query_string.as_deref().is_some_and(|q| {
        q.trim_start_matches('?').split('&').any(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            k == "reverse" && crate::settings::config_true_value(v)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_order_and_quoting() {
        let o = ListOptions::new().limit(5).prefix("p");
        assert_eq!(page_query(&o, true), "format=json&limit=5&prefix=p");
        let o = ListOptions::new()
            .marker("o \u{e9}")
            .delimiter("/")
            .end_marker("z")
            .query_string("versions");
        assert_eq!(
            page_query(&o, true),
            "format=json&marker=o%20%C3%A9&delimiter=/&end_marker=z&versions"
        );
        let o = ListOptions::new().path("a/b").version_marker("v1");
        assert_eq!(page_query(&o, false), "format=json");
        assert_eq!(
            page_query(&o, true),
            "format=json&version_marker=v1&path=a/b"
        );
    }

    #[test]
    fn entries_and_subdirs() {
        let body = br#"[{"name":"a","bytes":3,"hash":"h","content_type":"t","last_modified":"x"},{"subdir":"d/"}]"#;
        let v: Vec<ObjectEntry> = parse_page(body, "container").unwrap_or_default();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].bytes, 3);
        assert!(v[1].subdir && v[1].name == "d/");
        let bad: crate::Result<Vec<ObjectEntry>> = parse_page(b"{\"oops\":1}", "container");
        assert!(bad.is_err());
    }

    fn entry(name: &str, version: Option<&str>) -> ObjectEntry {
        let mut json = serde_json::json!({ "name": name });
        if let Some(v) = version {
            json["version_id"] = v.into();
        }
        let raw = RawValue::from_string(json.to_string()).map_err(|e| e.to_string());
        raw.and_then(ObjectEntry::from_json)
            .unwrap_or_else(|e| panic!("entry {name}: {e}"))
    }

    #[test]
    fn markers_must_advance() {
        let mut o = ListOptions::new();
        assert!(advance(&mut o, &entry("b", None)).is_ok());
        assert!(advance(&mut o, &entry("d", None)).is_ok());
        // a cycle back to an earlier name, and a page that ends where the last did
        assert!(advance(&mut o, &entry("b", None)).is_err());
        assert!(advance(&mut o, &entry("d", None)).is_err());
        assert_eq!(o.marker.as_deref(), Some("d"));
        // byte order: "é" (0xC3..) sorts after "z"
        assert!(advance(&mut o, &entry("z", None)).is_ok());
        assert!(advance(&mut o, &entry("\u{e9}", None)).is_ok());
        // reverse listings go down
        let mut r = ListOptions::new().query_string("reverse=on");
        assert!(advance(&mut r, &entry("m", None)).is_ok());
        assert!(advance(&mut r, &entry("c", None)).is_ok());
        assert!(advance(&mut r, &entry("x", None)).is_err());
        // versions of one name share it, each version once
        let mut v = ListOptions::new().query_string("versions");
        assert!(advance(&mut v, &entry("a", Some("3"))).is_ok());
        assert!(advance(&mut v, &entry("a", Some("2"))).is_ok());
        assert!(advance(&mut v, &entry("a", Some("2"))).is_err());
        assert!(advance(&mut v, &entry("b", Some("9"))).is_ok());
    }
}
