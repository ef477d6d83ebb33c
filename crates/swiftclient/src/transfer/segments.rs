//! Large objects: segment names as python-swiftclient writes them, SLO manifests, reading
//! manifests and DLO segment listings back, comparing local data with them, and segment sizes.

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::TryStreamExt;
use md5::{Digest, Md5};
use serde_json::Value;

use crate::connection::Connection;
use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::listing::ListOptions;
use crate::listing::ObjectEntry;
use crate::numbers::hex;
use crate::options::RequestOptions;
use crate::path::quote;
use crate::transfer::common::run_blocking;
use crate::transfer::progress::SegmentInfo;

/// The content type of segments (python-swiftclient's).
pub(crate) const SEGMENT_CONTENT_TYPE: &str = "application/swiftclient-segment";
/// The MD5 of nothing: the ETag of every empty object.
pub(crate) const EMPTY_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";
/// Content types that mark a directory.
pub(crate) const DIR_MARKER_TYPES: [&str; 2] = ["application/directory", "text/directory"];
/// How deep nested SLOs are followed.
const MAX_SLO_DEPTH: usize = 10;
/// Largest manifest read back (Swift's own limit is 8 MiB by default).
const MAX_MANIFEST_BYTES: usize = 64 << 20;
/// Segment size chosen when a file must be segmented but no size was given.
pub(crate) const AUTO_SEGMENT_SIZE: u64 = 1 << 30;

/// A segment name for a file (python-swiftclient's scheme): SLO
/// `<obj>/slo/<mtime>/<size>/<segment size>/<index:08>`, DLO the same without `slo/`.
pub(crate) fn file_segment_name(
    obj: &str,
    mtime: &str,
    size: u64,
    segment_size: u64,
    index: usize,
    slo: bool,
) -> String {
    if slo {
        format!("{obj}/slo/{mtime}/{size}/{segment_size}/{index:08}")
    } else {
        format!("{obj}/{mtime}/{size}/{segment_size}/{index:08}")
    }
}

/// A segment name for a stream of unknown length: SLO `<obj>/slo/<upload id>/<segment
/// size>/<index:08>`, DLO the same without `slo/`. python-swiftclient puts the whole-second
/// time where the upload id is: two uploads of one name within a second then share their
/// segment names, and a DLO would splice both. The id is the time and a [`unique_token`].
pub(crate) fn stream_segment_name(
    obj: &str,
    upload_id: &str,
    segment_size: u64,
    index: usize,
    slo: bool,
) -> String {
    if slo {
        format!("{obj}/slo/{upload_id}/{segment_size}/{index:08}")
    } else {
        format!("{obj}/{upload_id}/{segment_size}/{index:08}")
    }
}

/// 64 bits no other upload will pick, as 16 hex digits: the standard library's per-process
/// random hash keys over the time, the process id and a counter.
pub(crate) fn unique_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    h.write_u64(N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    format!("{:016x}", h.finish())
}

/// The prefix shared by all segments of one upload: the segment name without its index.
pub(crate) fn segment_prefix(first_segment_name: &str) -> String {
    match first_segment_name.rfind('/') {
        Some(i) => first_segment_name[..=i].to_owned(),
        None => String::new(),
    }
}

/// The `X-Object-Manifest` value of a DLO: `<quoted container>/<quoted prefix>`.
pub(crate) fn dlo_manifest_value(segment_container: &str, prefix: &str) -> String {
    format!("{}/{}", quote(segment_container), quote(prefix))
}

/// The SLO manifest body, as python-swiftclient's `json.dumps` writes it.
pub(crate) fn slo_manifest(segments: &[SegmentInfo]) -> String {
    let mut out = String::from("[");
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let path = serde_json::to_string(&s.location()).unwrap_or_default();
        let etag = serde_json::to_string(s.etag.as_deref().unwrap_or("")).unwrap_or_default();
        out.push_str(&format!(
            "{{\"path\": {path}, \"etag\": {etag}, \"size_bytes\": {}}}",
            s.size
        ));
    }
    out.push(']');
    out
}

/// The ETag Swift gives an SLO (or DLO): the MD5 of its segments' ETags, concatenated.
pub(crate) fn large_object_etag<'a>(etags: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Md5::new();
    for e in etags {
        h.update(e.trim_matches('"').as_bytes());
    }
    hex(&h.finalize())
}

/// The segment size for an object of `size` bytes, or `None` when it is uploaded whole.
///
/// `requested` wins when the object is larger than it. An object larger than the cluster's
/// `max_file_size` is segmented even without a requested size: into segments of
/// [`AUTO_SEGMENT_SIZE`] (or `max_file_size` when smaller), grown so that the count stays
/// within `max_segments`.
pub(crate) fn segment_size_for(
    size: u64,
    requested: Option<u64>,
    max_file_size: Option<u64>,
    max_segments: Option<u64>,
) -> Option<u64> {
    if let Some(s) = requested.filter(|s| *s > 0) {
        if size > s {
            return Some(s);
        }
    }
    let max = max_file_size?;
    if size <= max {
        return None;
    }
    let mut seg = AUTO_SEGMENT_SIZE.min(max).max(1);
    if let Some(n) = max_segments.filter(|n| *n > 0) {
        seg = seg.max(size.div_ceil(n));
    }
    Some(seg.min(max))
}

/// One segment of a large object, as its manifest or DLO listing describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// The container holding the segment (for a plain object: the object's own).
    pub container: String,
    /// The segment's object name.
    pub name: String,
    /// Its MD5 (the segment's ETag).
    pub hash: String,
    /// Its size in bytes (of the whole segment object).
    pub bytes: u64,
    /// The byte range of the segment used (inclusive), when the manifest gives one.
    pub range: Option<(u64, u64)>,
}

impl Chunk {
    /// The bytes this chunk contributes to the large object.
    pub(crate) fn len(&self) -> u64 {
        match self.range {
            Some((a, b)) => b.saturating_sub(a) + 1,
            None => self.bytes,
        }
    }
}

/// True when a listed object may be a large-object manifest (or a symlink to one), so that
/// only a HEAD tells: SLOs are listed with `slo_etag`; a DLO manifest is an empty object.
pub(crate) fn maybe_large(e: &ObjectEntry) -> bool {
    let raw = e.raw();
    raw.get("slo_etag").is_some()
        || raw.get("symlink_path").is_some()
        || (e.bytes == 0 && e.hash.trim_matches('"') == EMPTY_MD5)
}

/// Splits `/container/object` or `container/object`.
pub(crate) fn split_path(p: &str) -> Option<(String, String)> {
    let p = p.strip_prefix('/').unwrap_or(p);
    let (c, o) = p.split_once('/')?;
    if c.is_empty() || o.is_empty() {
        return None;
    }
    Some((c.to_owned(), o.to_owned()))
}

/// One entry of a manifest fetched with `?multipart-manifest=get`.
#[derive(Clone, Debug)]
pub(crate) struct ManifestEntry {
    pub chunk: Chunk,
    pub sub_slo: bool,
}

fn decode_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Decode, msg)
}

/// Parses an SLO manifest as returned by `?multipart-manifest=get`.
pub(crate) fn parse_manifest(body: &[u8]) -> crate::Result<Vec<ManifestEntry>> {
    let values: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| decode_err("the SLO manifest is not a JSON list").with_source(e))?;
    values
        .into_iter()
        .map(|v| {
            if v.get("data").is_some() {
                return Err(decode_err(
                    "the SLO manifest has inline data segments (not supported here)",
                ));
            }
            let name = v
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| decode_err("an SLO manifest entry has no name"))?;
            let (container, object) = split_path(name)
                .ok_or_else(|| decode_err(format!("bad SLO segment name {name:?}")))?;
            let hash = v
                .get("hash")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim_matches('"')
                .to_owned();
            let bytes = v.get("bytes").and_then(Value::as_u64).unwrap_or(0);
            let range = match v.get("range").and_then(Value::as_str) {
                Some(r) => Some(parse_range(r, bytes).ok_or_else(|| {
                    decode_err(format!("bad SLO segment range {r:?} for {name}"))
                })?),
                None => None,
            };
            let sub_slo = v.get("sub_slo").and_then(Value::as_bool).unwrap_or(false);
            Ok(ManifestEntry {
                chunk: Chunk {
                    container,
                    name: object,
                    hash,
                    bytes,
                    range,
                },
                sub_slo,
            })
        })
        .collect()
}

/// Parses an SLO range (`a-b`, `a-`, `-n`) against a segment of `size` bytes.
fn parse_range(r: &str, size: u64) -> Option<(u64, u64)> {
    let (a, b) = r.trim().split_once('-')?;
    let last = size.checked_sub(1)?;
    match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            Some((size.saturating_sub(n), last))
        }
        (a, "") => Some((a.parse().ok()?, last)),
        (a, b) => Some((a.parse().ok()?, b.parse::<u64>().ok()?.min(last))),
    }
}

/// Reads the body of a `?multipart-manifest=get` response.
pub(crate) async fn read_manifest(mut obj: crate::object_body::Object) -> crate::Result<Bytes> {
    let mut buf = Vec::new();
    while let Some(c) = obj.body.chunk().await? {
        if buf.len() + c.len() > MAX_MANIFEST_BYTES {
            return Err(decode_err("the SLO manifest is too large"));
        }
        buf.extend_from_slice(&c);
    }
    Ok(Bytes::from(buf))
}

/// The leaf segments of an SLO manifest, nested SLOs expanded (with further
/// `multipart-manifest=get` requests). `Ok(None)` when the manifest uses a range on a nested
/// SLO, which this does not resolve.
pub(crate) async fn slo_leaves(
    conn: &Connection,
    manifest: &[u8],
) -> crate::Result<Option<Vec<Chunk>>> {
    let mut out = Vec::new();
    let mut stack: Vec<(Vec<ManifestEntry>, usize)> = vec![(parse_manifest(manifest)?, 0)];
    // Depth-first, in order: a stack of (entries, next index).
    while let Some((entries, i)) = stack.pop() {
        let Some(entry) = entries.get(i).cloned() else {
            continue;
        };
        stack.push((entries, i + 1));
        if !entry.sub_slo {
            out.push(entry.chunk);
            continue;
        }
        if entry.chunk.range.is_some() {
            return Ok(None);
        }
        if stack.len() > MAX_SLO_DEPTH {
            return Err(decode_err("SLOs are nested too deeply"));
        }
        let opts = RequestOptions::new().query_string("multipart-manifest=get");
        let obj = conn
            .get_object_with(&entry.chunk.container, &entry.chunk.name, &opts)
            .await?;
        let body = read_manifest(obj).await?;
        stack.push((parse_manifest(&body)?, 0));
    }
    Ok(Some(out))
}

/// The segments of a DLO whose `X-Object-Manifest` is `manifest` (decoded:
/// `container/prefix`), listed as python-swiftclient lists them (the prefix as given).
pub(crate) async fn dlo_segments(conn: &Connection, manifest: &str) -> crate::Result<Vec<Chunk>> {
    let Some((container, prefix)) = manifest.split_once('/') else {
        return Err(decode_err(format!("bad X-Object-Manifest {manifest:?}")));
    };
    let entries: Vec<_> = conn
        .container_entries(container, ListOptions::new().prefix(prefix))
        .try_collect()
        .await?;
    Ok(entries
        .into_iter()
        .filter(|e| !e.subdir)
        .map(|e| Chunk {
            container: container.to_owned(),
            name: e.name,
            hash: e.hash.trim_matches('"').to_owned(),
            bytes: e.bytes,
            range: None,
        })
        .collect())
}

/// What the remote object consists of, for comparing with local data (python-swiftclient's
/// `_get_chunk_data`): the segments of an SLO or DLO, else the object itself.
/// `Ok(None)` when it cannot be determined (then nothing counts as identical).
pub(crate) async fn chunk_data(
    conn: &Connection,
    container: &str,
    obj: &str,
    headers: &Headers,
) -> crate::Result<Option<Vec<Chunk>>> {
    if let Some(m) = headers.object_manifest() {
        return dlo_segments(conn, m).await.map(Some);
    }
    if headers.is_static_large_object() {
        let opts = RequestOptions::new().query_string("multipart-manifest=get");
        let resp = conn.get_object_with(container, obj, &opts).await?;
        let body = read_manifest(resp).await?;
        return slo_leaves(conn, &body).await;
    }
    let (Some(etag), Some(len)) = (headers.etag(), headers.content_length()) else {
        return Ok(None);
    };
    Ok(Some(vec![Chunk {
        container: container.to_owned(),
        name: obj.to_owned(),
        hash: etag.to_owned(),
        bytes: len,
        range: None,
    }]))
}

/// True when the data of `local` matches `chunks` exactly: each chunk's MD5 over its length,
/// then the end of the data (python-swiftclient's `_is_identical`).
pub(crate) fn data_matches(mut local: impl Read, chunks: &[Chunk]) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 256 * 1024];
    for chunk in chunks {
        if chunk.range.is_some() {
            return Ok(false);
        }
        let mut left = chunk.bytes;
        let mut h = Md5::new();
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
            let n = local.read(&mut buf[..want])?;
            if n == 0 {
                return Ok(false);
            }
            h.update(&buf[..n]);
            left -= n as u64;
        }
        if !hex(&h.finalize()).eq_ignore_ascii_case(&chunk.hash) {
            return Ok(false);
        }
    }
    Ok(local.read(&mut [0u8; 1])? == 0)
}

/// [`data_matches`] for a local file, off the async threads. A missing file never matches.
pub(crate) async fn file_matches(path: &Path, chunks: Vec<Chunk>) -> std::io::Result<bool> {
    let path = path.to_owned();
    run_blocking(move || match std::fs::File::open(&path) {
        Ok(f) => data_matches(std::io::BufReader::with_capacity(256 * 1024, f), &chunks),
        Err(_) => Ok(false),
    })
    .await
}

/// The MD5 of a local file, or `None` when it cannot be read.
pub(crate) async fn file_md5(path: PathBuf) -> Option<String> {
    run_blocking(move || {
        let mut f = std::fs::File::open(&path)?;
        let mut h = Md5::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(hex(&h.finalize()))
    })
    .await
    .ok()
}

/// Verifies a byte stream piece by piece against segment sizes and MD5s.
#[derive(Debug)]
pub(crate) struct PieceVerifier {
    pieces: Vec<(u64, String)>,
    index: usize,
    left: u64,
    md5: Md5,
}

impl PieceVerifier {
    pub(crate) fn new(pieces: Vec<(u64, String)>) -> Self {
        let left = pieces.first().map_or(0, |p| p.0);
        let mut v = PieceVerifier {
            pieces,
            index: 0,
            left,
            md5: Md5::new(),
        };
        v.skip_empty();
        v
    }

    fn skip_empty(&mut self) {
        while self.index < self.pieces.len() && self.pieces[self.index].0 == 0 {
            self.index += 1;
            self.left = self.pieces.get(self.index).map_or(0, |p| p.0);
        }
    }

    /// Feeds data; an error names the first piece whose MD5 does not match.
    pub(crate) fn update(&mut self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            if self.index >= self.pieces.len() {
                return Err("more data than the segments add up to".into());
            }
            let n = usize::try_from(self.left)
                .unwrap_or(usize::MAX)
                .min(data.len());
            self.md5.update(&data[..n]);
            self.left -= n as u64;
            data = &data[n..];
            if self.left == 0 {
                let got = hex(&std::mem::take(&mut self.md5).finalize());
                let want = &self.pieces[self.index].1;
                if !got.eq_ignore_ascii_case(want) {
                    return Err(format!(
                        "segment {} has MD5 {got} but the listing says {want}",
                        self.index
                    ));
                }
                self.index += 1;
                self.left = self.pieces.get(self.index).map_or(0, |p| p.0);
                self.skip_empty();
            }
        }
        Ok(())
    }

    /// Checks that every piece was seen; returns how many pieces were verified.
    pub(crate) fn finish(&self) -> Result<usize, String> {
        if self.index < self.pieces.len() {
            return Err(format!(
                "the data ended in segment {} of {}",
                self.index,
                self.pieces.len()
            ));
        }
        Ok(self.pieces.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_python_writes_them() {
        assert_eq!(
            file_segment_name("a b/ü.dat", "1400000000.123456", 30, 10, 2, true),
            "a b/ü.dat/slo/1400000000.123456/30/10/00000002"
        );
        assert_eq!(
            file_segment_name("o", "1.000000", 20, 10, 0, false),
            "o/1.000000/20/10/00000000"
        );
        assert_eq!(
            stream_segment_name("o", "5.000000-ab", 10, 12, true),
            "o/slo/5.000000-ab/10/00000012"
        );
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| unique_token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 16));
        assert_eq!(
            segment_prefix("o/1.000000/20/10/00000000"),
            "o/1.000000/20/10/"
        );
        assert_eq!(
            dlo_manifest_value("c_segments", "テスト/dummy.dat/1.0/30/10/"),
            "c_segments/%E3%83%86%E3%82%B9%E3%83%88/dummy.dat/1.0/30/10/"
        );
    }

    #[test]
    fn manifest_like_python_json_dumps() {
        let segs = vec![
            SegmentInfo {
                index: 0,
                container: "c_segments".into(),
                name: "o/ü/0".into(),
                size: 10,
                etag: Some("abc".into()),
            },
            SegmentInfo {
                index: 1,
                container: "c_segments".into(),
                name: "o/ü/1".into(),
                size: 5,
                etag: Some("def".into()),
            },
        ];
        assert_eq!(
            slo_manifest(&segs),
            "[{\"path\": \"/c_segments/o/ü/0\", \"etag\": \"abc\", \"size_bytes\": 10}, \
             {\"path\": \"/c_segments/o/ü/1\", \"etag\": \"def\", \"size_bytes\": 5}]"
        );
    }

    #[test]
    fn segment_sizes() {
        assert_eq!(segment_size_for(100, Some(10), None, None), Some(10));
        assert_eq!(segment_size_for(10, Some(10), None, None), None);
        assert_eq!(segment_size_for(100, None, None, None), None);
        assert_eq!(
            segment_size_for(2500, None, Some(1000), Some(1000)),
            Some(1000)
        );
        let five_gib = 5 << 30;
        assert_eq!(
            segment_size_for(6 << 30, None, Some(five_gib), Some(1000)),
            Some(1 << 30)
        );
        // 2000 GiB in at most 1000 segments: 2 GiB each.
        assert_eq!(
            segment_size_for(2000 << 30, None, Some(five_gib), Some(1000)),
            Some(2 << 30)
        );
    }

    #[test]
    fn manifests_parse_with_ranges_and_nesting() {
        let body = br#"[{"name": "/s/a", "hash": "h1", "bytes": 10},
                        {"name": "/s/b/c", "hash": "h2", "bytes": 10, "range": "2-5"},
                        {"name": "/s/d", "hash": "h3", "bytes": 7, "sub_slo": true}]"#;
        let m = parse_manifest(body).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].chunk.name, "b/c");
        assert_eq!(m[1].chunk.range, Some((2, 5)));
        assert_eq!(m[1].chunk.len(), 4);
        assert!(m[2].sub_slo);
        assert_eq!(parse_range("-3", 10), Some((7, 9)));
        assert_eq!(parse_range("4-", 10), Some((4, 9)));
        assert!(parse_manifest(br#"[{"data": "AAAA"}]"#).is_err());
    }

    #[test]
    fn local_data_comparison() {
        let data = b"hello world";
        let chunks = vec![
            Chunk {
                container: "c".into(),
                name: "1".into(),
                hash: hex(&Md5::digest(b"hello")),
                bytes: 5,
                range: None,
            },
            Chunk {
                container: "c".into(),
                name: "2".into(),
                hash: hex(&Md5::digest(b" world")),
                bytes: 6,
                range: None,
            },
        ];
        assert!(data_matches(&data[..], &chunks).unwrap());
        assert!(!data_matches(&b"hello world!"[..], &chunks).unwrap());
        assert!(!data_matches(&b"hello"[..], &chunks).unwrap());
        assert!(!data_matches(&b"hellO world"[..], &chunks).unwrap());
    }

    #[test]
    fn pieces_verified_across_chunk_boundaries() {
        let pieces = vec![
            (5, hex(&Md5::digest(b"hello"))),
            (0, EMPTY_MD5.to_owned()),
            (6, hex(&Md5::digest(b" world"))),
        ];
        let mut v = PieceVerifier::new(pieces.clone());
        v.update(b"hel").unwrap();
        v.update(b"lo wo").unwrap();
        v.update(b"rld").unwrap();
        assert_eq!(v.finish(), Ok(3));
        let mut v = PieceVerifier::new(pieces.clone());
        assert!(v.update(b"hellO").is_err());
        let mut v = PieceVerifier::new(pieces);
        v.update(b"hello w").unwrap();
        assert!(v.finish().is_err());
        assert_eq!(large_object_etag(["\"a\"", "b"]), hex(&Md5::digest(b"ab")));
    }
}
