//! What callers build: [`UploadOptions`] and the [`UploadObject`]s (with their sources and
//! how their object names are resolved).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::Stream;
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

use crate::error::Error;
use crate::headers::RequestHeaders;

use super::stream::ByteStream;

/// Options of [`Transfer::upload`](crate::transfer::Transfer::upload)
/// (python-swiftclient's upload options).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct UploadOptions {
    /// Headers for every object (python's `header` and `meta`). An `X-Storage-Policy` here is
    /// also used when creating the container and the segment container.
    pub headers: RequestHeaders,
    /// Upload files larger than this as large objects with segments of this size. Streams
    /// are segmented on the fly with it. `None`: only what exceeds the cluster's
    /// `max_file_size` is segmented.
    pub segment_size: Option<u64>,
    /// SLO (`true`) or DLO (`false`) for large objects; `None`: SLO when the cluster's `/info`
    /// lists `slo`.
    pub use_slo: Option<bool>,
    /// The container for segments; default `<container>_segments`.
    pub segment_container: Option<String>,
    /// Keep the segments of a large object that an upload replaces (and skip the HEAD that
    /// finds them).
    pub leave_segments: bool,
    /// Skip files whose size and mtime equal the remote object's (`X-Object-Meta-Mtime`).
    pub changed: bool,
    /// Skip files whose content equals the remote object's (MD5 against the ETag, segment by
    /// segment for large objects).
    pub skip_identical: bool,
    /// Do not create the container (and segment container) first.
    pub skip_container_put: bool,
    /// Stream segments up to this size are held in memory (replayable on retry); larger ones
    /// are spooled to an unlinked temporary file. Default 8 MiB.
    pub stream_buffer: usize,
    /// How many segments of one stream are in memory or in flight at once. Default 2.
    pub stream_segments_in_flight: usize,
    /// Where stream segments are spooled; default the system's temporary directory.
    pub spool_dir: Option<PathBuf>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            headers: RequestHeaders::new(),
            segment_size: None,
            use_slo: None,
            segment_container: None,
            leave_segments: false,
            changed: false,
            skip_identical: false,
            skip_container_put: false,
            stream_buffer: 8 << 20,
            stream_segments_in_flight: 2,
            spool_dir: None,
        }
    }
}

impl UploadOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header for every object.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Adds metadata (`X-Object-Meta-<key>`) for every object.
    pub fn meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.set(format!("X-Object-Meta-{key}"), value);
        self
    }

    /// Sets [`UploadOptions::segment_size`].
    pub fn segment_size(mut self, size: u64) -> Self {
        self.segment_size = Some(size);
        self
    }

    /// Sets [`UploadOptions::use_slo`].
    pub fn use_slo(mut self, slo: bool) -> Self {
        self.use_slo = Some(slo);
        self
    }

    /// Sets [`UploadOptions::segment_container`].
    pub fn segment_container(mut self, c: impl Into<String>) -> Self {
        self.segment_container = Some(c.into());
        self
    }

    /// Sets [`UploadOptions::leave_segments`].
    pub fn leave_segments(mut self, on: bool) -> Self {
        self.leave_segments = on;
        self
    }

    /// Sets [`UploadOptions::changed`].
    pub fn changed(mut self, on: bool) -> Self {
        self.changed = on;
        self
    }

    /// Sets [`UploadOptions::skip_identical`].
    pub fn skip_identical(mut self, on: bool) -> Self {
        self.skip_identical = on;
        self
    }

    /// Sets [`UploadOptions::skip_container_put`].
    pub fn skip_container_put(mut self, on: bool) -> Self {
        self.skip_container_put = on;
        self
    }

    /// Sets [`UploadOptions::stream_buffer`].
    pub fn stream_buffer(mut self, bytes: usize) -> Self {
        self.stream_buffer = bytes;
        self
    }

    /// Sets [`UploadOptions::stream_segments_in_flight`] (at least 1).
    pub fn stream_segments_in_flight(mut self, n: usize) -> Self {
        self.stream_segments_in_flight = n.max(1);
        self
    }

    /// Sets [`UploadOptions::spool_dir`].
    pub fn spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }
}

pub(super) enum Source {
    File(PathBuf),
    DirMarker(Option<PathBuf>),
    Bytes(Bytes),
    Stream(ByteStream, Option<u64>),
}

/// One object to upload: its source, its name, and headers of its own
/// (python-swiftclient's `SwiftUploadObject`).
pub struct UploadObject {
    pub(super) source: Source,
    pub(super) name: Option<String>,
    pub(super) headers: RequestHeaders,
}

impl fmt::Debug for UploadObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::File(p) => format!("file {}", p.display()),
            Source::DirMarker(p) => format!("directory marker {p:?}"),
            Source::Bytes(b) => format!("{} bytes", b.len()),
            Source::Stream(_, len) => format!("stream of {len:?} bytes"),
        };
        f.debug_struct("UploadObject")
            .field("source", &source)
            .field("name", &self.name)
            .field("headers", &self.headers)
            .finish()
    }
}

impl UploadObject {
    fn from_source(source: Source, name: Option<String>) -> Self {
        UploadObject {
            source,
            name,
            headers: RequestHeaders::new(),
        }
    }

    /// A local file, named after its path (leading `/` and `./` removed), as python-swiftclient
    /// names it.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::from_source(Source::File(path.into()), None)
    }

    /// A local file under another name.
    pub fn file_as(path: impl Into<PathBuf>, name: impl Into<String>) -> Self {
        Self::from_source(Source::File(path.into()), Some(name.into()))
    }

    /// An object from bytes in memory.
    pub fn bytes(name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Self::from_source(Source::Bytes(data.into()), Some(name.into()))
    }

    /// An empty object.
    pub fn empty(name: impl Into<String>) -> Self {
        Self::bytes(name, Bytes::new())
    }

    /// A directory marker: a zero-byte `application/directory` object with the current time
    /// as its mtime.
    pub fn dir_marker(name: impl Into<String>) -> Self {
        Self::from_source(Source::DirMarker(None), Some(name.into()))
    }

    /// A directory marker for a local directory (its mtime is recorded).
    pub fn dir_marker_for(dir: impl Into<PathBuf>, name: impl Into<String>) -> Self {
        Self::from_source(Source::DirMarker(Some(dir.into())), Some(name.into()))
    }

    /// An object read from `reader`; `len` when known. With a segment size the data is
    /// uploaded in segments as it arrives (memory stays bounded); otherwise small data is
    /// buffered (and replayable) and larger data is streamed once.
    pub fn reader(
        name: impl Into<String>,
        reader: impl AsyncRead + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        let stream = ReaderStream::with_capacity(Box::pin(reader), 256 * 1024);
        Self::stream(name, stream, len)
    }

    /// An object from a stream of chunks; `len` when known (see [`UploadObject::reader`]).
    pub fn stream(
        name: impl Into<String>,
        stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        Self::from_source(Source::Stream(Box::pin(stream), len), Some(name.into()))
    }

    /// Sets the object name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a header for this object only.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Adds metadata (`X-Object-Meta-<key>`) for this object only.
    pub fn meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.set(format!("X-Object-Meta-{key}"), value);
        self
    }

    /// Every file under `root`, and a directory marker for every empty directory, as the
    /// `swift upload` command collects them: named after their path (`root` as given, then
    /// the path below it), or with `root` replaced by `object_name` when given. Symbolic links
    /// to files are followed; links to directories are not entered. Sorted by name.
    pub fn tree(root: impl AsRef<Path>, object_name: Option<&str>) -> io::Result<Vec<Self>> {
        let root = root.as_ref();
        let root_name = match object_name {
            Some(n) => n.trim_end_matches('/').to_owned(),
            None => path_text(root)?.trim_end_matches('/').to_owned(),
        };
        let mut out = Vec::new();
        let mut stack = vec![(root.to_path_buf(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<io::Result<_>>()?;
            entries.sort_by_key(|e| e.file_name());
            let join = |base: &str, name: &str| {
                if base.is_empty() {
                    name.to_owned()
                } else {
                    format!("{base}/{name}")
                }
            };
            if entries.is_empty() {
                let name = join(&root_name, &rel);
                out.push(Self::dir_marker_for(&dir, name));
                continue;
            }
            for e in entries.into_iter().rev() {
                let fname = e.file_name();
                let fname = fname.to_str().ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("file name {:?} is not UTF-8", e.path()),
                    )
                })?;
                let path = e.path();
                let child_rel = join(&rel, fname);
                let link = e.file_type()?.is_symlink();
                let meta = match std::fs::metadata(&path) {
                    Ok(m) => m,
                    Err(_) if link => continue, // a dangling link
                    Err(err) => return Err(err),
                };
                if meta.is_dir() {
                    if !link {
                        stack.push((path, child_rel));
                    }
                } else {
                    out.push(Self::file_as(path, join(&root_name, &child_rel)));
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

fn path_text(p: &Path) -> io::Result<&str> {
    p.to_str().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("path {p:?} is not UTF-8"),
        )
    })
}

/// The object name: given, or the path; leading `./` and `/` removed; under the pseudo-folder.
pub(super) fn resolve_name(obj: &UploadObject, folder: &str) -> crate::Result<String> {
    let raw = match (&obj.name, &obj.source) {
        (Some(n), _) => n.clone(),
        (None, Source::File(p)) | (None, Source::DirMarker(Some(p))) => path_text(p)
            .map_err(|e| Error::invalid_name(e.to_string()))?
            .trim_start_matches('/')
            .to_owned(),
        (None, _) => {
            return Err(Error::invalid_name(
                "Object names must be specified for uploads from memory or streams",
            ))
        }
    };
    let mut n = raw.as_str();
    n = n
        .strip_prefix("./")
        .or_else(|| n.strip_prefix(".\\"))
        .unwrap_or(n);
    n = n.strip_prefix('/').unwrap_or(n);
    if n.is_empty() {
        return Err(Error::invalid_name(
            "Object names must not be empty strings",
        ));
    }
    if folder.is_empty() {
        Ok(n.to_owned())
    } else {
        Ok(format!("{folder}/{n}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolved_like_python() {
        let o = UploadObject::file("/tmp/x/a b.txt");
        assert_eq!(resolve_name(&o, "").unwrap(), "tmp/x/a b.txt");
        let o = UploadObject::file("./dir/f");
        assert_eq!(resolve_name(&o, "").unwrap(), "dir/f");
        assert_eq!(
            resolve_name(&o, "pseudo/folder").unwrap(),
            "pseudo/folder/dir/f"
        );
        let o = UploadObject::bytes("", "x");
        assert!(resolve_name(&o, "").is_err());
        let o = UploadObject::stream("s", futures_util::stream::empty(), None).name("/n");
        assert_eq!(resolve_name(&o, "").unwrap(), "n");
    }

    #[test]
    fn trees_like_swift_upload() {
        let dir = std::env::temp_dir().join(format!("swiftclient-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/empty")).unwrap();
        std::fs::create_dir_all(dir.join("b c")).unwrap();
        std::fs::write(dir.join("a/ü.txt"), b"1").unwrap();
        std::fs::write(dir.join("b c/f"), b"2").unwrap();
        std::fs::write(dir.join("top"), b"3").unwrap();
        let objs = UploadObject::tree(&dir, Some("up")).unwrap();
        let names: Vec<_> = objs.iter().map(|o| o.name.clone().unwrap()).collect();
        assert_eq!(names, ["up/a/empty", "up/a/ü.txt", "up/b c/f", "up/top"]);
        assert!(matches!(objs[0].source, Source::DirMarker(Some(_))));
        let objs = UploadObject::tree(&dir, None).unwrap();
        let root = dir.to_str().unwrap().trim_end_matches('/').to_owned();
        assert_eq!(
            objs[3].name.as_deref(),
            Some(format!("{root}/top").as_str())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
