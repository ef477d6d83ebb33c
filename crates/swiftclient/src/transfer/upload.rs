//! Uploads: files, directory trees, bytes, readers and streams; large objects (SLO/DLO) with
//! parallel segments; skip-identical and changed; replacement of old segments.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncWriteExt};
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinSet;
use tokio_util::io::ReaderStream;

use crate::error::{Error, ErrorKind};
use crate::headers::{Headers, RequestHeaders};
use crate::listing::ListOptions;
use crate::listing::ObjectEntry;
use crate::numbers::hex;
use crate::options::PutOptions;
use crate::transfer::common::{create_container, delete_segments, list_names, mtime_string};
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, SegmentInfo, Status, TransferResult};
use crate::transfer::segments::{
    chunk_data, data_matches, dlo_manifest_value, file_matches, file_segment_name,
    large_object_etag, maybe_large, segment_prefix, segment_size_for, slo_manifest,
    stream_segment_name, unique_token, Chunk, DIR_MARKER_TYPES, EMPTY_MD5, SEGMENT_CONTENT_TYPE,
};
use crate::transport::body::Body;

type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// The chunk size of file segments uploaded in parallel (a plain upload reads 256 KiB at a
/// time): 8 segments in flight hold 8 x 3 x 64 KiB of data, not 8 x 6 x 256 KiB.
const SEGMENT_CHUNK_SIZE: usize = 64 * 1024;

/// Options of [`Transfer::upload`] (python-swiftclient's upload options).
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

enum Source {
    File(PathBuf),
    DirMarker(Option<PathBuf>),
    Bytes(Bytes),
    Stream(ByteStream, Option<u64>),
}

/// One object to upload: its source, its name, and headers of its own
/// (python-swiftclient's `SwiftUploadObject`).
pub struct UploadObject {
    source: Source,
    name: Option<String>,
    headers: RequestHeaders,
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
fn resolve_name(obj: &UploadObject, folder: &str) -> crate::Result<String> {
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

/// The mtime of data without a file: now, in whole seconds (python-swiftclient's `round(time())`).
fn now_mtime() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64().round())
        .unwrap_or(0.0);
    format!("{secs:.6}")
}

/// What one `upload` call shares between its objects.
#[derive(Debug)]
struct Plan {
    container: String,
    opts: UploadOptions,
    use_slo: bool,
    max_file_size: Option<u64>,
    max_segments: Option<u64>,
    seg_container: String,
    seg_container_ready: OnceCell<()>,
    /// The container's objects under the upload's common prefix, when listed up front.
    listed: Option<HashMap<String, ObjectEntry>>,
}

impl Transfer {
    /// Uploads `objects` into `container` (python-swiftclient's `SwiftService.upload`).
    ///
    /// `container` may carry a pseudo-folder, `"container/folder/sub"`: the objects then go
    /// under `folder/sub/`. Unless `skip_container_put`, the container is created first (a
    /// failure is reported and the upload goes on, as the objects may still be writable).
    /// Results: [`Action::CreateContainer`], then per object [`Action::UploadObject`] or
    /// [`Action::CreateDirMarker`], per segment [`Action::UploadSegment`], per replaced old
    /// segment [`Action::DeleteSegment`].
    pub fn upload(
        &self,
        container: &str,
        objects: impl IntoIterator<Item = UploadObject>,
        opts: &UploadOptions,
    ) -> crate::Result<Job> {
        let (container, folder) = match container.split_once('/') {
            Some((c, f)) => (c.to_owned(), f.trim_matches('/').to_owned()),
            None => (container.to_owned(), String::new()),
        };
        crate::path::check_container(&container)?;
        if opts.segment_size == Some(0) {
            return Err(Error::invalid_input("the segment size must be positive"));
        }
        if let Some(sc) = &opts.segment_container {
            crate::path::check_container(sc)?;
        }
        let objects: Vec<UploadObject> = objects.into_iter().collect();
        let (ctx, job) = self.start()?;
        let opts = opts.clone();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::UploadObject,
            Some(container.clone()),
            async move {
                drive(ctx, container, folder, objects, opts).await;
            },
        );
        Ok(job)
    }
}

async fn drive(
    ctx: Ctx,
    container: String,
    folder: String,
    objects: Vec<UploadObject>,
    opts: UploadOptions,
) {
    let caps = ctx.engine.capabilities().await;
    let use_slo = opts
        .use_slo
        .unwrap_or_else(|| caps.as_ref().is_some_and(|c| c.has("slo")));
    let max_file_size = caps
        .as_ref()
        .and_then(|c| c.limit("swift", "max_file_size"));
    let max_segments = caps
        .as_ref()
        .and_then(|c| c.limit("slo", "max_manifest_segments"));
    if !opts.skip_container_put {
        let mut headers = RequestHeaders::new();
        if let Some(p) = opts.headers.get("x-storage-policy") {
            headers.set("X-Storage-Policy", p);
        }
        let r = create_container(&ctx, &container, headers, None).await;
        ctx.emit(r).await;
    }
    let seg_container = opts
        .segment_container
        .clone()
        .unwrap_or_else(|| format!("{container}_segments"));
    let mut resolved = Vec::with_capacity(objects.len());
    for obj in objects {
        let action = match obj.source {
            Source::DirMarker(_) => Action::CreateDirMarker,
            _ => Action::UploadObject,
        };
        match resolve_name(&obj, &folder) {
            Ok(name) => resolved.push((obj, name, action)),
            Err(e) => {
                let mut r = TransferResult::new(action, Some(&container), obj.name.as_deref());
                r.path = local_path(&obj);
                ctx.emit(r.fail(e)).await;
            }
        }
    }
    let names: Vec<String> = resolved.iter().map(|(_, n, _)| n.clone()).collect();
    let listed = pre_list(&ctx, &container, &opts, &names).await;
    let plan = Arc::new(Plan {
        container,
        opts,
        use_slo,
        max_file_size,
        max_segments,
        seg_container,
        seg_container_ready: OnceCell::new(),
        listed,
    });
    let mut set = JoinSet::new();
    let mut objects = resolved.into_iter();
    while let Some((obj, name, action)) = objects.next() {
        let mut skeleton = TransferResult::new(action, Some(&plan.container), Some(&name));
        skeleton.path = local_path(&obj);
        let work = upload_one(ctx.clone(), Arc::clone(&plan), obj, name);
        if !ctx
            .schedule(&mut set, &ctx.engine.objects, skeleton, work)
            .await
        {
            for (obj, name, action) in objects.by_ref() {
                let mut r = TransferResult::new(action, Some(&plan.container), Some(&name));
                r.path = local_path(&obj);
                ctx.emit(r.cancelled()).await;
            }
            break;
        }
    }
    join_all(&mut set).await;
}

/// The longest prefix all `names` share (on a character boundary).
fn common_prefix(names: &[String]) -> &str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = first
            .bytes()
            .zip(n.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    &first[..len]
}

/// For many objects, one listing instead of a HEAD per object (python-swiftclient HEADs
/// every object unless `leave_segments`): the objects under the names' common prefix, unless
/// there are far more of them than objects to upload. `None`: not listed.
async fn pre_list(
    ctx: &Ctx,
    container: &str,
    opts: &UploadOptions,
    names: &[String],
) -> Option<HashMap<String, ObjectEntry>> {
    let heads_needed = opts.changed || opts.skip_identical || !opts.leave_segments;
    if !heads_needed || names.len() <= 2 * ctx.engine.opts.object_concurrency {
        return None;
    }
    let prefix = common_prefix(names);
    let cap = 2 * names.len() + 10_000;
    let mut out = HashMap::new();
    let mut entries = std::pin::pin!(ctx
        .conn()
        .container_entries(container, ListOptions::new().prefix(prefix)));
    while let Some(e) = entries.next().await {
        match e {
            Ok(e) => {
                if out.len() >= cap {
                    return None;
                }
                out.insert(e.name.clone(), e);
            }
            Err(e) if e.is_not_found() => return Some(HashMap::new()),
            Err(_) => return None,
        }
    }
    Some(out)
}

fn local_path(obj: &UploadObject) -> Option<PathBuf> {
    match &obj.source {
        Source::File(p) | Source::DirMarker(Some(p)) => Some(p.clone()),
        _ => None,
    }
}

impl Plan {
    /// Creates the segment container once, before the first segment (a failure is reported
    /// and the segments are tried anyway, as they may be writable).
    async fn ensure_segment_container(&self, ctx: &Ctx) {
        if self.opts.skip_container_put || self.seg_container == self.container {
            return;
        }
        self.seg_container_ready
            .get_or_init(|| async {
                let mut headers = RequestHeaders::new();
                let source = match self.opts.headers.get("x-storage-policy") {
                    Some(p) => {
                        headers.set("X-Storage-Policy", p);
                        None
                    }
                    None => Some(self.container.as_str()),
                };
                let r = create_container(ctx, &self.seg_container, headers, source).await;
                ctx.emit(r).await;
            })
            .await;
    }
}

async fn upload_one(ctx: Ctx, plan: Arc<Plan>, obj: UploadObject, name: String) -> TransferResult {
    let UploadObject {
        source, headers, ..
    } = obj;
    match source {
        Source::DirMarker(path) => dir_marker(&ctx, &plan, name, path).await,
        // A directory given as a file becomes a directory marker, as in python-swiftclient.
        Source::File(path) if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) => {
            dir_marker(&ctx, &plan, name, Some(path)).await
        }
        source => {
            let mut res =
                TransferResult::new(Action::UploadObject, Some(&plan.container), Some(&name));
            let outcome = match source {
                Source::File(path) => {
                    res.path = Some(path.clone());
                    upload_file(&ctx, &plan, &name, &path, headers, &mut res).await
                }
                Source::Bytes(b) => upload_bytes(&ctx, &plan, &name, b, headers, &mut res).await,
                Source::Stream(s, len) => {
                    upload_stream(&ctx, &plan, &name, s, len, headers, &mut res).await
                }
                Source::DirMarker(_) => Ok(Status::Completed),
            };
            match outcome {
                Ok(status) => res.finish(status),
                Err(e) => res.fail(e),
            }
        }
    }
}

/// The remote object an upload replaces.
struct Existing {
    headers: Headers,
    chunks: Option<Vec<Chunk>>,
}

/// HEADs the object when an option needs it (python-swiftclient does so unless
/// `leave_segments`), and reads its segment list when needed.
async fn inspect(ctx: &Ctx, plan: &Plan, name: &str) -> crate::Result<Option<Existing>> {
    let o = &plan.opts;
    if !(o.changed || o.skip_identical || !o.leave_segments) {
        return Ok(None);
    }
    if let Some(listed) = &plan.listed {
        match listed.get(name) {
            None => return Ok(None),
            Some(e) if !o.changed && !maybe_large(e) => {
                // A plain object: the listing has all a comparison needs.
                return Ok(Some(Existing {
                    headers: Headers::new(),
                    chunks: Some(vec![Chunk {
                        container: plan.container.clone(),
                        name: name.to_owned(),
                        hash: e.hash.trim_matches('"').to_owned(),
                        bytes: e.bytes,
                        range: None,
                    }]),
                }));
            }
            Some(_) => {}
        }
    }
    let headers = match ctx.conn().head_object(&plan.container, name).await {
        Ok(r) => r.headers().clone(),
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let large = headers.is_static_large_object() || headers.object_manifest().is_some();
    let chunks = if o.skip_identical || (large && !o.leave_segments) {
        chunk_data(ctx.conn(), &plan.container, name, &headers).await?
    } else {
        None
    };
    Ok(Some(Existing { headers, chunks }))
}

/// Segments of the replaced object to delete after the upload.
#[derive(Debug, Default)]
struct OldSegments {
    /// A DLO's segment container and prefix (with a trailing `/`).
    dlo: Option<(String, String)>,
    /// An SLO's segments.
    slo: Vec<(String, String)>,
}

fn old_segments(plan: &Plan, existing: Option<&Existing>) -> OldSegments {
    let mut old = OldSegments::default();
    let Some(ex) = existing else { return old };
    if plan.opts.leave_segments || ex.headers.contains("content-location") {
        return old;
    }
    if let Some(m) = ex.headers.object_manifest() {
        if let Some((c, p)) = m.split_once('/') {
            old.dlo = Some((c.to_owned(), format!("{}/", p.trim_end_matches('/'))));
        }
    }
    if ex.headers.is_static_large_object() {
        if let Some(chunks) = &ex.chunks {
            old.slo = chunks
                .iter()
                .map(|c| (c.container.clone(), c.name.clone()))
                .collect();
        }
    }
    old
}

/// What a new upload wrote, so that cleaning up never deletes it.
#[derive(Debug, Default)]
struct NewSegments {
    names: HashSet<(String, String)>,
    prefix: Option<(String, String)>,
}

impl NewSegments {
    fn of(segs: &[SegmentInfo]) -> Self {
        NewSegments {
            names: segs
                .iter()
                .map(|s| (s.container.clone(), s.name.clone()))
                .collect(),
            prefix: segs
                .first()
                .map(|s| (s.container.clone(), segment_prefix(&s.name))),
        }
    }

    fn contains(&self, c: &str, o: &str) -> bool {
        self.names.contains(&(c.to_owned(), o.to_owned()))
            || self
                .prefix
                .as_ref()
                .is_some_and(|(pc, pp)| pc == c && !pp.is_empty() && o.starts_with(pp.as_str()))
    }
}

/// Deletes the old segments of a replaced large object, never the new ones.
async fn clean_up(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    old: OldSegments,
    new: &NewSegments,
) -> crate::Result<u64> {
    let mut doomed: Vec<(String, String)> = Vec::new();
    if let Some((c, prefix)) = old.dlo {
        let same = new.prefix.as_ref().is_some_and(|(nc, np)| {
            *nc == c && np.trim_end_matches('/') == prefix.trim_end_matches('/')
        });
        if !same {
            for n in list_names(ctx.conn(), &c, &prefix).await? {
                doomed.push((c.clone(), n));
            }
        }
    }
    doomed.extend(old.slo);
    doomed.retain(|(c, o)| !new.contains(c, o));
    let mut seen = HashSet::new();
    doomed.retain(|p| seen.insert(p.clone()));
    if doomed.is_empty() {
        return Ok(0);
    }
    let (deleted, _) =
        delete_segments(ctx, doomed, (plan.container.clone(), name.to_owned())).await;
    Ok(deleted)
}

/// The PUT headers: the mtime, then the options' headers, then the object's own.
fn put_headers(plan: &Plan, mtime: &str, own: &RequestHeaders) -> RequestHeaders {
    let mut h = RequestHeaders::new();
    h.set("x-object-meta-mtime", mtime);
    for (k, v) in plan.opts.headers.iter().chain(own.iter()) {
        h.set(k, v);
    }
    h
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Error {
    let msg = if e.kind() == io::ErrorKind::NotFound {
        format!("Local file {:?} not found", path.display().to_string())
    } else {
        format!("{what} {}: {e}", path.display())
    };
    Error::new(ErrorKind::Io, msg).with_source(e)
}

async fn upload_file(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    path: &Path,
    own_headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    // Local metadata and opens are quick system calls, made in place: a hand-off to the
    // blocking pool per call costs more than the call (500 small files: 3 hand-offs each).
    let meta = std::fs::metadata(path).map_err(|e| io_error("cannot read", path, e))?;
    let size = meta.len();
    let mtime = mtime_string(meta.modified().unwrap_or(UNIX_EPOCH));
    let headers = put_headers(plan, &mtime, &own_headers);
    res.headers = headers.clone();

    let existing = inspect(ctx, plan, name).await?;
    if let Some(ex) = &existing {
        if plan.opts.skip_identical {
            if let Some(chunks) = ex.chunks.clone() {
                if file_matches(path, chunks)
                    .await
                    .map_err(|e| io_error("cannot read", path, e))?
                {
                    return Ok(Status::SkippedIdentical);
                }
            }
        }
        if plan.opts.changed
            && ex.headers.content_length() == Some(size)
            && ex.headers.get("x-object-meta-mtime") == Some(mtime.as_str())
        {
            return Ok(Status::SkippedChanged);
        }
    }
    let old = old_segments(plan, existing.as_ref());
    let source = SegSource::File(path.to_owned());
    store_sized(ctx, plan, name, &mtime, size, headers, source, old, res).await
}

/// Stores an object of known size, whole or as a large object, then deletes the segments
/// of the object it replaced.
#[allow(clippy::too_many_arguments)]
async fn store_sized(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    mtime: &str,
    size: u64,
    headers: RequestHeaders,
    source: SegSource,
    old: OldSegments,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let seg = segment_size_for(
        size,
        plan.opts.segment_size,
        plan.max_file_size,
        plan.max_segments,
    );
    let new = match seg {
        None => {
            let body = match source {
                SegSource::File(p) => Body::file_range(open_std(&p)?, 0, size),
                SegSource::Bytes(b) => Body::from(b),
            };
            let resp = put(ctx, &plan.container, name, body, headers, None).await?;
            res.respond(resp);
            ctx.counters.sent(size);
            res.bytes = size;
            NewSegments::default()
        }
        Some(seg) => {
            let segs = upload_fixed_segments(ctx, plan, name, mtime, size, seg, source).await?;
            res.bytes = size;
            finish_large(ctx, plan, name, headers, segs, res).await?
        }
    };
    res.segments_deleted = clean_up(ctx, plan, name, old, &new).await?;
    Ok(Status::Completed)
}

/// Writes the manifest of a large object whose segments are stored.
async fn finish_large(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    headers: RequestHeaders,
    segs: Vec<SegmentInfo>,
    res: &mut TransferResult,
) -> crate::Result<NewSegments> {
    res.large_object = true;
    put_manifest(ctx, plan, name, headers, &segs, res).await?;
    let new = NewSegments::of(&segs);
    res.segments = segs;
    Ok(new)
}

/// Opens a local file in place (a quick system call: see `upload_file`).
fn open_std(path: &Path) -> crate::Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| io_error("cannot open", path, e))
}

/// One PUT through the connection, checking the ETag unless checksums are off.
async fn put(
    ctx: &Ctx,
    container: &str,
    name: &str,
    body: Body,
    headers: RequestHeaders,
    etag: Option<String>,
) -> crate::Result<crate::Response> {
    let opts = PutOptions {
        headers,
        etag,
        skip_etag_check: !ctx.checksum(),
        ..PutOptions::default()
    };
    ctx.conn()
        .put_object_with(container, name, body, &opts)
        .await
}

async fn upload_bytes(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    data: Bytes,
    own_headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let size = data.len() as u64;
    let mtime = now_mtime();
    let headers = put_headers(plan, &mtime, &own_headers);
    res.headers = headers.clone();
    let existing = inspect(ctx, plan, name).await?;
    if let (
        true,
        Some(Existing {
            chunks: Some(chunks),
            ..
        }),
    ) = (plan.opts.skip_identical, existing.as_ref())
    {
        if data_matches(&data[..], chunks).unwrap_or(false) {
            return Ok(Status::SkippedIdentical);
        }
    }
    let old = old_segments(plan, existing.as_ref());
    let source = SegSource::Bytes(data);
    store_sized(ctx, plan, name, &mtime, size, headers, source, old, res).await
}

/// Where the segments of a fixed-size upload come from.
#[derive(Clone)]
enum SegSource {
    File(PathBuf),
    Bytes(Bytes),
}

/// Uploads the segments of an object of known size in parallel (bounded by the engine's
/// segment concurrency); stops starting new ones after a failure.
async fn upload_fixed_segments(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    mtime: &str,
    size: u64,
    seg_size: u64,
    source: SegSource,
) -> crate::Result<Vec<SegmentInfo>> {
    let count = usize::try_from(size.div_ceil(seg_size)).unwrap_or(usize::MAX);
    check_segment_count(plan, name, count as u64)?;
    plan.ensure_segment_container(ctx).await;
    let failed = Arc::new(AtomicBool::new(false));
    let mut set: JoinSet<SegmentOutcome> = JoinSet::new();
    let sem = Arc::clone(&ctx.engine.segments);
    for index in 0..count {
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let Ok(permit) = Arc::clone(&sem).acquire_owned().await else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let start = index as u64 * seg_size;
        let len = seg_size.min(size - start);
        let seg_name = file_segment_name(name, mtime, size, seg_size, index, plan.use_slo);
        let info = SegmentInfo {
            index,
            container: plan.seg_container.clone(),
            name: seg_name,
            size: len,
            etag: None,
        };
        let ctx = ctx.clone();
        let source = source.clone();
        let for_object = (plan.container.clone(), name.to_owned());
        let failed = Arc::clone(&failed);
        set.spawn(async move {
            let _permit = permit;
            let body = match source {
                // Segments go up side by side: smaller chunks keep the memory of their
                // read-ahead (two chunks each) small in total.
                SegSource::File(path) => open_std(&path)
                    .map(|f| Body::file_range(f, start, len).with_chunk_size(SEGMENT_CHUNK_SIZE)),
                SegSource::Bytes(b) => {
                    let (a, z) = (
                        usize::try_from(start).unwrap_or(usize::MAX),
                        usize::try_from(start + len).unwrap_or(usize::MAX),
                    );
                    Ok(Body::from(b.slice(a.min(b.len())..z.min(b.len()))))
                }
            };
            let out = put_segment(&ctx, info, for_object, body, None).await;
            if out.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            out
        });
    }
    collect_segments(set, plan, name).await
}

type SegmentOutcome = Result<SegmentInfo, (ErrorKind, String)>;

fn check_segment_count(plan: &Plan, name: &str, count: u64) -> crate::Result<()> {
    if let (true, Some(max)) = (plan.use_slo, plan.max_segments) {
        if count > max {
            return Err(Error::invalid_input(format!(
                "{}/{name}: {count} segments exceed the cluster's max_manifest_segments ({max}); use a larger segment size",
                plan.container
            )));
        }
    }
    Ok(())
}

/// Uploads one segment and reports it; returns the segment with its ETag.
async fn put_segment(
    ctx: &Ctx,
    mut info: SegmentInfo,
    for_object: (String, String),
    body: crate::Result<Body>,
    etag: Option<String>,
) -> SegmentOutcome {
    let mut res = TransferResult::new(
        Action::UploadSegment,
        Some(&info.container),
        Some(&info.name),
    );
    res.for_object = Some(for_object);
    res.bytes = info.size;
    res.segment = Some(info.clone());
    let result = match body {
        Ok(body) => {
            let mut h = RequestHeaders::new();
            h.set("content-type", SEGMENT_CONTENT_TYPE);
            put(ctx, &info.container, &info.name, body, h, etag).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(resp) => {
            info.etag = resp.etag().map(str::to_owned);
            res.segment = Some(info.clone());
            res.respond(resp);
            ctx.counters.sent(info.size);
            ctx.emit(res.finish(Status::Completed)).await;
            Ok(info)
        }
        Err(e) => {
            let msg = format!("segment {}: {e}", info.index);
            let kind = e.kind();
            ctx.emit(res.fail(e)).await;
            Err((kind, msg))
        }
    }
}

/// Waits for the segment tasks; the segments in order, or the first failure.
async fn collect_segments(
    mut set: JoinSet<SegmentOutcome>,
    plan: &Plan,
    name: &str,
) -> crate::Result<Vec<SegmentInfo>> {
    let mut segs = Vec::new();
    let mut first_err: Option<(ErrorKind, String)> = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(info)) => segs.push(info),
            Ok(Err(e)) => {
                if first_err.is_none() {
                    first_err = Some(e);
                }
            }
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some((ErrorKind::Io, format!("a segment task failed: {e}")));
                }
            }
        }
    }
    if let Some((kind, msg)) = first_err {
        return Err(Error::new(
            kind,
            format!(
                "Aborting manifest creation because not all segments could be uploaded. {}/{name}: {msg}",
                plan.container
            ),
        ));
    }
    segs.sort_by_key(|s| s.index);
    Ok(segs)
}

/// Uploads the manifest of a large object: SLO JSON, or a DLO's `X-Object-Manifest`.
async fn put_manifest(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    mut headers: RequestHeaders,
    segs: &[SegmentInfo],
    res: &mut TransferResult,
) -> crate::Result<()> {
    let resp = if plan.use_slo {
        let body = slo_manifest(segs);
        let opts = PutOptions {
            headers,
            query_string: Some("multipart-manifest=put".into()),
            ..PutOptions::default()
        };
        let resp = ctx
            .conn()
            .put_object_with(&plan.container, name, body, &opts)
            .await?;
        if ctx.checksum() {
            let want = large_object_etag(segs.iter().map(|s| s.etag.as_deref().unwrap_or("")));
            if let Some(got) = resp.etag() {
                if !got.eq_ignore_ascii_case(&want) {
                    return Err(Error::new(
                        ErrorKind::Integrity,
                        format!(
                            "{}/{name}: the SLO was stored with ETag {got}, but its segments add up to {want}",
                            plan.container
                        ),
                    ));
                }
            }
        }
        resp
    } else {
        let prefix = segs
            .first()
            .map(|s| segment_prefix(&s.name))
            .unwrap_or_default();
        headers.set(
            "x-object-manifest",
            dlo_manifest_value(&plan.seg_container, &prefix),
        );
        res.headers = headers.clone();
        put(ctx, &plan.container, name, Body::empty(), headers, None).await?
    };
    res.respond(resp);
    Ok(())
}

/// A segment of a stream, read ahead: in memory or spooled to an unlinked file.
struct SegData {
    body: Body,
    len: u64,
    md5: String,
    /// The memory of an in-memory segment, to hand back to the pool after its upload.
    memory: Option<Bytes>,
}

/// Reads a stream segment by segment.
struct SegmentReader {
    stream: ByteStream,
    pending: Option<Bytes>,
    /// Segment buffers whose uploads are done, reused for the next segments: allocating a
    /// fresh multi-megabyte buffer per segment lets the allocator keep freed ones resident.
    pool: Arc<std::sync::Mutex<Vec<BytesMut>>>,
}

impl SegmentReader {
    fn new(stream: ByteStream) -> Self {
        SegmentReader {
            stream,
            pending: None,
            pool: Arc::default(),
        }
    }
}

/// Hands a segment's memory back to the pool once nothing else holds it.
fn recycle(pool: &std::sync::Mutex<Vec<BytesMut>>, memory: Option<Bytes>) {
    if let Some(Ok(mut buf)) = memory.map(Bytes::try_into_mut) {
        buf.clear();
        if let Ok(mut p) = pool.lock() {
            p.push(buf);
        }
    }
}

impl SegmentReader {
    async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        loop {
            match self.stream.next().await {
                Some(Ok(c)) if c.is_empty() => continue,
                Some(Ok(c)) => return Ok(Some(c)),
                Some(Err(e)) => return Err(e),
                None => return Ok(None),
            }
        }
    }

    /// Up to `limit` bytes: in memory when `limit <= mem_limit`, else spooled.
    async fn read_segment(
        &mut self,
        limit: u64,
        mem_limit: usize,
        spool_dir: Option<&Path>,
    ) -> io::Result<SegData> {
        let mut md5 = Md5::new();
        let mut len = 0u64;
        enum Sink {
            Mem(BytesMut),
            Spool(tokio::fs::File),
        }
        let mut sink = if limit <= mem_limit as u64 {
            let want = usize::try_from(limit).unwrap_or(0);
            let reused = self.pool.lock().ok().and_then(|mut p| p.pop());
            let mut buf = reused.unwrap_or_default();
            buf.reserve(want);
            Sink::Mem(buf)
        } else {
            Sink::Spool(spool_file(spool_dir).await?)
        };
        while len < limit {
            let Some(mut chunk) = self.next_chunk().await? else {
                break;
            };
            let room = limit - len;
            if chunk.len() as u64 > room {
                let rest = chunk.split_off(usize::try_from(room).unwrap_or(usize::MAX));
                self.pending = Some(rest);
            }
            md5.update(&chunk);
            len += chunk.len() as u64;
            match &mut sink {
                Sink::Mem(b) => b.extend_from_slice(&chunk),
                Sink::Spool(f) => f.write_all(&chunk).await?,
            }
        }
        let (body, memory) = match sink {
            Sink::Mem(b) => {
                let b = b.freeze();
                (Body::from(b.clone()), Some(b))
            }
            Sink::Spool(mut f) => {
                f.flush().await?;
                (Body::file_range(f.into_std().await, 0, len), None)
            }
        };
        Ok(SegData {
            body,
            len,
            md5: hex(&md5.finalize()),
            memory,
        })
    }

    /// Up to `limit` bytes in memory; the flag says whether the stream ended within them.
    async fn read_prefix(&mut self, limit: usize) -> io::Result<(Vec<Bytes>, bool)> {
        let mut out = Vec::new();
        let mut total = 0usize;
        while total <= limit {
            match self.next_chunk().await? {
                Some(c) => {
                    total += c.len();
                    out.push(c);
                }
                None => return Ok((out, true)),
            }
        }
        Ok((out, false))
    }
}

/// A new temporary file for spooling, already unlinked where the platform allows.
async fn spool_file(dir: Option<&Path>) -> io::Result<tokio::fs::File> {
    let dir = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let path = dir.join(format!(
        ".swiftclient-spool-{}-{}",
        std::process::id(),
        unique_token()
    ));
    // A new file (never one planted under the name, never through a link), readable by
    // this user only: the data may be anything piped in.
    let mut o = tokio::fs::OpenOptions::new();
    o.read(true).write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    let f = o.open(&path).await?;
    // Unlinked at once: the data lives as long as the open file, and nothing is left behind.
    let _ = tokio::fs::remove_file(&path).await;
    Ok(f)
}

async fn upload_stream(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    stream: ByteStream,
    len: Option<u64>,
    own_headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let mtime = now_mtime();
    let headers = put_headers(plan, &mtime, &own_headers);
    res.headers = headers.clone();
    let existing = inspect(ctx, plan, name).await?;
    let old = old_segments(plan, existing.as_ref());
    let mut reader = SegmentReader::new(stream);
    let seg = match plan.opts.segment_size {
        Some(s) => Some(s),
        None => len.and_then(|l| segment_size_for(l, None, plan.max_file_size, plan.max_segments)),
    };
    let stream_err = |e: io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("reading the data for {name} failed: {e}"),
        )
        .with_source(e)
    };
    let new = match seg {
        None => {
            let mut sent_counter = None;
            let (prefix, ended) = reader
                .read_prefix(plan.opts.stream_buffer)
                .await
                .map_err(stream_err)?;
            let body = if ended {
                let mut buf = BytesMut::with_capacity(prefix.iter().map(Bytes::len).sum());
                for c in prefix {
                    buf.extend_from_slice(&c);
                }
                Body::from(buf.freeze())
            } else {
                let counted = Arc::new(std::sync::atomic::AtomicU64::new(0));
                let c2 = Arc::clone(&counted);
                let rest = futures_util::stream::iter(prefix.into_iter().map(Ok))
                    .chain(reader.stream)
                    .inspect(move |c| {
                        if let Ok(c) = c {
                            c2.fetch_add(c.len() as u64, Ordering::Relaxed);
                        }
                    });
                sent_counter = Some(counted);
                Body::stream(rest, len)
            };
            let n = body.len();
            let resp = put(ctx, &plan.container, name, body, headers, None).await?;
            res.respond(resp);
            let n = match (n, sent_counter) {
                (Some(n), _) => n,
                (None, Some(c)) => c.load(Ordering::Relaxed),
                (None, None) => 0,
            };
            ctx.counters.sent(n);
            res.bytes = n;
            NewSegments::default()
        }
        Some(seg_size) => {
            match upload_stream_segments(
                ctx,
                plan,
                name,
                &mtime,
                seg_size,
                &mut reader,
                headers.clone(),
                res,
            )
            .await?
            {
                Some(segs) => {
                    res.bytes = segs.iter().map(|s| s.size).sum();
                    finish_large(ctx, plan, name, headers, segs, res).await?
                }
                None => NewSegments::default(),
            }
        }
    };
    res.segments_deleted = clean_up(ctx, plan, name, old, &new).await?;
    Ok(Status::Completed)
}

/// Segments a stream on the fly. `Ok(None)` when it fitted in one segment and was uploaded
/// as a plain object.
#[allow(clippy::too_many_arguments)]
async fn upload_stream_segments(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    mtime: &str,
    seg_size: u64,
    reader: &mut SegmentReader,
    headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Option<Vec<SegmentInfo>>> {
    let in_flight = Arc::new(Semaphore::new(plan.opts.stream_segments_in_flight.max(1)));
    let failed = Arc::new(AtomicBool::new(false));
    let mut set: JoinSet<SegmentOutcome> = JoinSet::new();
    let stream_err = |e: io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("reading the data for {name} failed: {e}"),
        )
        .with_source(e)
    };
    let upload_id = format!("{mtime}-{}", unique_token());
    let mut index = 0usize;
    loop {
        // Holding a permit while reading bounds the buffers: in flight plus the one filling.
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let data = reader
            .read_segment(
                seg_size,
                plan.opts.stream_buffer,
                plan.opts.spool_dir.as_deref(),
            )
            .await
            .map_err(stream_err)?;
        if index == 0 && data.len < seg_size {
            // It fits in one segment: a plain object.
            let resp = put(
                ctx,
                &plan.container,
                name,
                data.body,
                headers,
                Some(data.md5),
            )
            .await?;
            res.respond(resp);
            ctx.counters.sent(data.len);
            res.bytes = data.len;
            return Ok(None);
        }
        if data.len == 0 {
            break;
        }
        check_segment_count(plan, name, index as u64 + 1)?;
        if index == 0 {
            plan.ensure_segment_container(ctx).await;
            // The id is new, so nothing should be listed under it; if something is (a clash,
            // or a planted object), a DLO would take it in: refuse rather than splice.
            let first = stream_segment_name(name, &upload_id, seg_size, 0, plan.use_slo);
            let prefix = segment_prefix(&first);
            let found = list_names(ctx.conn(), &plan.seg_container, &prefix).await?;
            if !found.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "refusing to upload the segments of {name}: {}/{prefix} already lists objects",
                        plan.seg_container
                    ),
                ));
            }
        }
        let info = SegmentInfo {
            index,
            container: plan.seg_container.clone(),
            name: stream_segment_name(name, &upload_id, seg_size, index, plan.use_slo),
            size: data.len,
            etag: None,
        };
        let last = data.len < seg_size;
        let seg_permit = Arc::clone(&ctx.engine.segments).acquire_owned().await.ok();
        let ctx2 = ctx.clone();
        let for_object = (plan.container.clone(), name.to_owned());
        let failed2 = Arc::clone(&failed);
        let pool = Arc::clone(&reader.pool);
        set.spawn(async move {
            let SegData {
                body, md5, memory, ..
            } = data;
            let out = put_segment(&ctx2, info, for_object, Ok(body), Some(md5)).await;
            recycle(&pool, memory);
            drop((permit, seg_permit));
            if out.is_err() {
                failed2.store(true, Ordering::Relaxed);
            }
            out
        });
        if last {
            break;
        }
        index += 1;
    }
    collect_segments(set, plan, name).await.map(Some)
}

async fn dir_marker(ctx: &Ctx, plan: &Plan, name: String, path: Option<PathBuf>) -> TransferResult {
    let mut res = TransferResult::new(Action::CreateDirMarker, Some(&plan.container), Some(&name));
    res.path = path.clone();
    let mtime = match &path {
        Some(p) => match std::fs::metadata(p) {
            Ok(m) => mtime_string(m.modified().unwrap_or(UNIX_EPOCH)),
            Err(e) => return res.fail(io_error("cannot read", p, e)),
        },
        None => now_mtime(),
    };
    let mut headers = RequestHeaders::new();
    headers.set("x-object-meta-mtime", mtime.clone());
    res.headers = headers.clone();
    if plan.opts.changed {
        match ctx.conn().head_object(&plan.container, &name).await {
            Ok(h) => {
                let ct = h
                    .headers()
                    .content_type()
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim();
                if DIR_MARKER_TYPES.contains(&ct)
                    && h.headers().content_length() == Some(0)
                    && h.etag() == Some(EMPTY_MD5)
                    && h.headers().get("x-object-meta-mtime") == Some(mtime.as_str())
                {
                    return res.finish(Status::SkippedChanged);
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return res.fail(e),
        }
    }
    headers.set("content-type", DIR_MARKER_TYPES[0]);
    match put(ctx, &plan.container, &name, Body::empty(), headers, None).await {
        Ok(resp) => {
            res.respond(resp);
            res.finish(Status::Completed)
        }
        Err(e) => res.fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtime_like_python() {
        let t = UNIX_EPOCH + std::time::Duration::new(1_400_000_000, 123_456_789);
        assert_eq!(mtime_string(t), "1400000000.123457");
        let t = UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 0);
        assert_eq!(mtime_string(t), "1700000000.000000");
        assert!(now_mtime().ends_with(".000000"));
    }

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
    fn common_prefixes() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&v(&["a/b/c", "a/b/d", "a/bx"])), "a/b");
        assert_eq!(common_prefix(&v(&["dü", "dü/x"])), "dü");
        assert_eq!(common_prefix(&v(&["dé", "dè"])), "d");
        assert_eq!(common_prefix(&v(&["x", "y"])), "");
        assert_eq!(common_prefix(&[]), "");
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
