//! Downloads: objects, containers, prefixes, the whole account; to files (temporary name,
//! fsync, rename when verified, mtime restored), to a writer, to stdout, or nowhere; SLOs
//! verified segment by segment, DLOs against their segment listing.

use std::fmt;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use tokio::io::{AsyncSeekExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::task::JoinSet;

use crate::download::{Object, ObjectBody};
use crate::error::{Error, ErrorKind};
use crate::headers::{Headers, RequestHeaders};
use crate::listing::ListOptions;
use crate::numbers::hex;
use crate::options::RequestOptions;
use crate::transfer::common::run_blocking;
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, Status, TransferResult, Verification};
use crate::transfer::segments::{
    dlo_segments, file_matches, file_md5, large_object_etag, read_manifest, slo_leaves, Chunk,
    PieceVerifier, DIR_MARKER_TYPES,
};

type BoxedWriter = Box<dyn AsyncWrite + Send + Unpin>;

/// A writer shared by the tasks of a download: each object is written whole, one after the
/// other. [`DownloadTarget::writer`] hands out a second handle, to get the writer back with
/// [`SharedWriter::into_inner`] once the job is done.
#[derive(Clone)]
pub struct SharedWriter(Arc<Mutex<BoxedWriter>>);

impl fmt::Debug for SharedWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedWriter")
    }
}

impl SharedWriter {
    /// The writer, once no job holds it any more (`None` while a download still does).
    pub fn into_inner(self) -> Option<Box<dyn AsyncWrite + Send + Unpin>> {
        Arc::try_unwrap(self.0).ok().map(Mutex::into_inner)
    }
}

/// Where downloaded data goes.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum DownloadTarget {
    /// Files named after the objects, under `out_directory` (default): python-swiftclient's
    /// behaviour, with pseudo-directories and directory markers created as directories.
    #[default]
    Files,
    /// This file (python's `out_file`); only when exactly one object is downloaded,
    /// otherwise objects go to their own files.
    File(PathBuf),
    /// A writer; objects are written whole, one after the other.
    Writer(SharedWriter),
    /// Standard output (python's `out_file='-'`).
    Stdout,
    /// Nowhere: the data is fetched and verified only (python's `no_download`).
    Discard,
}

impl fmt::Debug for DownloadTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownloadTarget::Files => f.write_str("Files"),
            DownloadTarget::File(p) => write!(f, "File({})", p.display()),
            DownloadTarget::Writer(_) => f.write_str("Writer"),
            DownloadTarget::Stdout => f.write_str("Stdout"),
            DownloadTarget::Discard => f.write_str("Discard"),
        }
    }
}

impl DownloadTarget {
    /// A [`DownloadTarget::Writer`] for `w`, and the shared handle to get it back.
    pub fn writer(w: impl AsyncWrite + Send + Unpin + 'static) -> (Self, SharedWriter) {
        let shared = SharedWriter(Arc::new(Mutex::new(Box::new(w))));
        (DownloadTarget::Writer(shared.clone()), shared)
    }
}

/// Options of the downloads (python-swiftclient's download options).
#[derive(Clone, Debug)]
#[non_exhaustive]
#[must_use]
pub struct DownloadOptions {
    /// Where the data goes.
    pub target: DownloadTarget,
    /// The directory files are written under (default: the current directory).
    pub out_directory: Option<PathBuf>,
    /// Only objects whose names start with this (container downloads).
    pub prefix: Option<String>,
    /// Strip `prefix` from the local file names.
    pub remove_prefix: bool,
    /// Start the listing after this name (container downloads).
    pub marker: Option<String>,
    /// Skip objects whose local file is identical (MD5 against the ETag; segment by segment
    /// for large objects). Only with file targets.
    pub skip_identical: bool,
    /// Headers sent with every GET (e.g. `Range`, which turns off MD5 checks).
    pub headers: RequestHeaders,
    /// Download this version (`version-id=`).
    pub version_id: Option<String>,
    /// Do not set the files' mtime from `X-Object-Meta-Mtime`.
    pub ignore_mtime: bool,
    /// Fetch SLOs segment by segment, checking each against its manifest entry, and check DLOs
    /// against their segment listing. Default true.
    pub verify_segments: bool,
    /// fsync each file (and its directory) before it gets its final name. Default true.
    pub fsync: bool,
    /// Follow symbolic links inside the output directory that lead out of it (a link
    /// `out/dir -> /etc` would put object `dir/passwd` in `/etc`). Default false: such an
    /// object fails with an error and nothing outside is touched. A single
    /// [`DownloadTarget::File`] the caller named is always followed.
    pub follow_symlinks: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            target: DownloadTarget::Files,
            out_directory: None,
            prefix: None,
            remove_prefix: false,
            marker: None,
            skip_identical: false,
            headers: RequestHeaders::new(),
            version_id: None,
            ignore_mtime: false,
            verify_segments: true,
            fsync: true,
            follow_symlinks: false,
        }
    }
}

impl DownloadOptions {
    /// The defaults: files under the current directory, everything verified.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`DownloadOptions::target`].
    pub fn target(mut self, t: DownloadTarget) -> Self {
        self.target = t;
        self
    }

    /// Sets [`DownloadOptions::out_directory`].
    pub fn out_directory(mut self, d: impl Into<PathBuf>) -> Self {
        self.out_directory = Some(d.into());
        self
    }

    /// Downloads the one object to this file ([`DownloadTarget::File`]).
    pub fn out_file(mut self, f: impl Into<PathBuf>) -> Self {
        self.target = DownloadTarget::File(f.into());
        self
    }

    /// Sets [`DownloadOptions::prefix`].
    pub fn prefix(mut self, p: impl Into<String>) -> Self {
        self.prefix = Some(p.into());
        self
    }

    /// Sets [`DownloadOptions::remove_prefix`].
    pub fn remove_prefix(mut self, on: bool) -> Self {
        self.remove_prefix = on;
        self
    }

    /// Sets [`DownloadOptions::marker`].
    pub fn marker(mut self, m: impl Into<String>) -> Self {
        self.marker = Some(m.into());
        self
    }

    /// Sets [`DownloadOptions::skip_identical`].
    pub fn skip_identical(mut self, on: bool) -> Self {
        self.skip_identical = on;
        self
    }

    /// Adds a header to every GET.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Sets [`DownloadOptions::version_id`].
    pub fn version_id(mut self, v: impl Into<String>) -> Self {
        self.version_id = Some(v.into());
        self
    }

    /// Sets [`DownloadOptions::ignore_mtime`].
    pub fn ignore_mtime(mut self, on: bool) -> Self {
        self.ignore_mtime = on;
        self
    }

    /// Sets [`DownloadOptions::verify_segments`].
    pub fn verify_segments(mut self, on: bool) -> Self {
        self.verify_segments = on;
        self
    }

    /// Sets [`DownloadOptions::fsync`].
    pub fn fsync(mut self, on: bool) -> Self {
        self.fsync = on;
        self
    }

    /// Sets [`DownloadOptions::follow_symlinks`].
    pub fn follow_symlinks(mut self, on: bool) -> Self {
        self.follow_symlinks = on;
        self
    }
}

/// What one download operation shares.
#[derive(Debug)]
struct Plan {
    opts: DownloadOptions,
    /// Local names are `<container>/<object>` (whole-account downloads).
    account_mode: bool,
    /// `target` is `File` and applies (exactly one object).
    single_file: bool,
}

impl Plan {
    fn to_files(&self) -> bool {
        matches!(
            self.opts.target,
            DownloadTarget::Files | DownloadTarget::File(_)
        )
    }
}

impl Transfer {
    /// Downloads the named objects of `container`.
    /// Results: one [`Action::DownloadObject`] per object.
    pub fn download_objects<I, S>(
        &self,
        container: &str,
        objects: I,
        opts: &DownloadOptions,
    ) -> crate::Result<Job>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        crate::path::check_container(container)?;
        let names: Vec<String> = objects.into_iter().map(Into::into).collect();
        let plan = Arc::new(Plan {
            single_file: names.len() == 1,
            opts: opts.clone(),
            account_mode: false,
        });
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::DownloadObject,
            Some(container.clone()),
            async move {
                let mut set = JoinSet::new();
                let mut names = names.into_iter();
                while let Some(n) = names.next() {
                    if !schedule(&ctx, &mut set, &plan, &container, n).await {
                        for n in names.by_ref() {
                            let r = TransferResult::new(
                                Action::DownloadObject,
                                Some(&container),
                                Some(&n),
                            );
                            ctx.emit(r.cancelled()).await;
                        }
                        break;
                    }
                }
                join_all(&mut set).await;
            },
        );
        Ok(job)
    }

    /// Downloads every object of `container` (from `marker`, under `prefix`), listing it page
    /// by page as the downloads go. A listing failure (such as a missing container) is
    /// reported as a failed [`Action::ListContainer`] result.
    pub fn download_container(
        &self,
        container: &str,
        opts: &DownloadOptions,
    ) -> crate::Result<Job> {
        crate::path::check_container(container)?;
        let plan = Arc::new(Plan {
            opts: opts.clone(),
            account_mode: false,
            single_file: false,
        });
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::ListContainer,
            Some(container.clone()),
            async move {
                let mut set = JoinSet::new();
                download_listing(&ctx, &mut set, &plan, &container).await;
                join_all(&mut set).await;
            },
        );
        Ok(job)
    }

    /// Downloads every container of the account, each into `<out_directory>/<container>/`.
    pub fn download_account(&self, opts: &DownloadOptions) -> crate::Result<Job> {
        let plan = Arc::new(Plan {
            opts: opts.clone(),
            account_mode: true,
            single_file: false,
        });
        let (ctx, job) = self.start()?;
        Ctx::spawn_driver(ctx.clone(), Action::ListAccount, None, async move {
            let mut set = JoinSet::new();
            let mut containers = std::pin::pin!(ctx.conn().account_entries(ListOptions::new()));
            while let Some(c) = containers.next().await {
                if ctx.stopped() {
                    break;
                }
                match c {
                    Ok(c) => download_listing(&ctx, &mut set, &plan, &c.name).await,
                    Err(e) => {
                        let r = TransferResult::new(Action::ListAccount, None, None);
                        ctx.emit(r.fail(e)).await;
                        break;
                    }
                }
            }
            join_all(&mut set).await;
        });
        Ok(job)
    }
}

async fn download_listing(ctx: &Ctx, set: &mut JoinSet<()>, plan: &Arc<Plan>, container: &str) {
    let mut list = ListOptions::new();
    list.prefix = plan.opts.prefix.clone();
    list.marker = plan.opts.marker.clone();
    list.headers = plan.opts.headers.clone();
    list.headers.remove("range");
    let mut entries = std::pin::pin!(ctx.conn().container_entries(container, list));
    while let Some(e) = entries.next().await {
        match e {
            Ok(e) if e.subdir => {}
            Ok(e) => {
                if !schedule(ctx, set, plan, container, e.name).await {
                    return;
                }
            }
            Err(e) => {
                let r = TransferResult::new(Action::ListContainer, Some(container), None);
                ctx.emit(r.fail(e)).await;
                return;
            }
        }
    }
}

async fn schedule(
    ctx: &Ctx,
    set: &mut JoinSet<()>,
    plan: &Arc<Plan>,
    container: &str,
    name: String,
) -> bool {
    let mut skeleton = TransferResult::new(Action::DownloadObject, Some(container), Some(&name));
    let path = local_path(plan, container, &name);
    skeleton.path = path.as_ref().ok().cloned().flatten();
    let work = download_one(
        ctx.clone(),
        Arc::clone(plan),
        container.to_owned(),
        name,
        path,
    );
    ctx.schedule(set, &ctx.engine.objects, skeleton, work).await
}

/// The local file of an object (python-swiftclient's rules), or `None` for non-file targets.
/// Names that would leave the output directory (`..`, absolute after stripping) are refused.
fn local_path(plan: &Plan, container: &str, name: &str) -> crate::Result<Option<PathBuf>> {
    if !plan.to_files() {
        return Ok(None);
    }
    if let (true, DownloadTarget::File(f)) = (plan.single_file, &plan.opts.target) {
        return Ok(Some(f.clone()));
    }
    let mut obj = name;
    if let (Some(p), true) = (plan.opts.prefix.as_deref(), plan.opts.remove_prefix) {
        obj = obj.strip_prefix(p).unwrap_or(obj).trim_start_matches('/');
    }
    let rel = if plan.account_mode {
        format!("{container}/{obj}")
    } else {
        obj.to_owned()
    };
    let rel = rel.trim_start_matches('/');
    let rel_path = Path::new(rel);
    if rel.is_empty()
        || rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::invalid_name(format!(
            "refusing to write object {container}/{name} outside the output directory"
        )));
    }
    let mut path = match &plan.opts.out_directory {
        Some(d) => d.join(rel_path),
        None => rel_path.to_path_buf(),
    };
    if rel.ends_with('/') {
        // Keep the trailing slash visible: a pseudo-directory.
        path.push("");
    }
    Ok(Some(path))
}

async fn download_one(
    ctx: Ctx,
    plan: Arc<Plan>,
    container: String,
    name: String,
    path: crate::Result<Option<PathBuf>>,
) -> TransferResult {
    let mut res = TransferResult::new(Action::DownloadObject, Some(&container), Some(&name));
    let path = match path {
        Ok(p) => p,
        Err(e) => return res.fail(e),
    };
    res.path = path.clone();
    match fetch(&ctx, &plan, &container, &name, path.as_deref(), &mut res).await {
        Ok(status) => res.finish(status),
        Err(e) => res.fail(e),
    }
}

/// How the data of one object will be checked while it streams.
enum Check {
    /// MD5 of everything against this ETag.
    Md5(String),
    /// Piece by piece against a DLO's segment listing.
    Pieces(PieceVerifier),
    /// Only the length (the core checks it).
    Length,
    /// Nothing.
    None,
}

fn query(plan: &Plan, manifest: bool) -> Option<String> {
    let mut q = Vec::new();
    if manifest {
        q.push("multipart-manifest=get".to_owned());
    }
    if let Some(v) = &plan.opts.version_id {
        q.push(format!("version-id={}", crate::path::quote(v)));
    }
    (!q.is_empty()).then(|| q.join("&"))
}

fn get_opts(plan: &Plan, manifest: bool, if_none_match: Option<&str>) -> RequestOptions {
    let mut o = RequestOptions::new().headers(plan.opts.headers.clone());
    o.query_string = query(plan, manifest);
    if let Some(m) = if_none_match {
        o.headers.set("If-None-Match", m);
    }
    o
}

fn looks_like_md5(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn fetch(
    ctx: &Ctx,
    plan: &Plan,
    container: &str,
    name: &str,
    path: Option<&Path>,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let conn = ctx.conn();
    let ranged = plan.opts.headers.contains("range");
    let skip_identical = plan.opts.skip_identical && path.is_some();
    let local_md5 = match (skip_identical, path) {
        (true, Some(p)) => file_md5(p.to_owned()).await,
        _ => None,
    };
    let manifest = (plan.opts.verify_segments && !ranged) || local_md5.is_some();
    let first = conn
        .get_object_with(
            container,
            name,
            &get_opts(plan, manifest, local_md5.as_deref()),
        )
        .await;
    let obj = match first {
        Ok(o) => o,
        Err(e) if e.status() == Some(304) => {
            let headers = e.headers().cloned().unwrap_or_default();
            res.attempts = e.attempts();
            if let (Some(m), Some(p)) = (headers.object_manifest(), path) {
                // An empty local file against a DLO manifest: compare with the segments.
                let chunks = dlo_segments(conn, m).await?;
                if file_matches(p, chunks).await.unwrap_or(false) {
                    return Ok(Status::SkippedIdentical);
                }
                let obj = conn
                    .get_object_with(container, name, &get_opts(plan, false, None))
                    .await?;
                return stream_object(ctx, plan, name, path, obj, Check::Length, res).await;
            }
            if headers.is_static_large_object() {
                let obj = conn
                    .get_object_with(container, name, &get_opts(plan, false, None))
                    .await?;
                return stream_object(ctx, plan, name, path, obj, Check::Length, res).await;
            }
            return Ok(Status::SkippedIdentical);
        }
        Err(e) => return Err(e),
    };
    res.timing.headers_received = Some(SystemTime::now());
    let headers = obj.headers().clone();
    if manifest && headers.is_static_large_object() {
        res.large_object = true;
        res.attempts = attempts_of(&obj);
        let body = read_manifest(obj).await?;
        let leaves = slo_leaves(conn, &body).await?;
        if let (Some(leaves), Some(p), true) = (&leaves, path, skip_identical) {
            if file_matches(p, leaves.clone()).await.unwrap_or(false) {
                return Ok(Status::SkippedIdentical);
            }
        }
        return match leaves {
            Some(leaves) if plan.opts.verify_segments => {
                download_segments(ctx, plan, name, path, &headers, leaves, res).await
            }
            _ => {
                let obj = conn
                    .get_object_with(container, name, &get_opts(plan, false, None))
                    .await?;
                stream_object(ctx, plan, name, path, obj, Check::Length, res).await
            }
        };
    }
    if let (true, Some(m)) = (manifest, headers.object_manifest()) {
        res.large_object = true;
        let chunks = dlo_segments(conn, m).await?;
        if let (Some(p), true) = (path, skip_identical) {
            if file_matches(p, chunks.clone()).await.unwrap_or(false) {
                return Ok(Status::SkippedIdentical);
            }
        }
        drop(obj);
        let listed = large_object_etag(chunks.iter().map(|c| c.hash.as_str()));
        let to_file = matches!(
            plan.opts.target,
            DownloadTarget::Files | DownloadTarget::File(_)
        ) && path.is_some();
        if to_file && plan.opts.verify_segments && ctx.checksum() && chunks.len() > 1 {
            // Into a file, the segments are fetched in parallel when the listing is the one
            // the cluster serves (its ETag is the MD5 of the listed segments' ETags).
            let head = conn
                .head_object_with(container, name, &get_opts(plan, false, None))
                .await?;
            if head.etag() == Some(listed.as_str()) {
                let headers = head.headers().clone();
                return download_segments(ctx, plan, name, path, &headers, chunks, res).await;
            }
        }
        let obj = conn
            .get_object_with(container, name, &get_opts(plan, false, None))
            .await?;
        let check = match obj.headers().etag() {
            Some(e) if plan.opts.verify_segments && ctx.checksum() && e == listed => Check::Pieces(
                PieceVerifier::new(chunks.iter().map(|c| (c.bytes, c.hash.clone())).collect()),
            ),
            _ => Check::Length,
        };
        return stream_object(ctx, plan, name, path, obj, check, res).await;
    }
    let large = headers.is_static_large_object() || headers.object_manifest().is_some();
    res.large_object = large;
    let check = match headers.etag() {
        _ if !ctx.checksum() => Check::None,
        Some(e) if !large && !headers.contains("content-range") && !ranged && looks_like_md5(e) => {
            Check::Md5(e.to_owned())
        }
        _ => Check::Length,
    };
    stream_object(ctx, plan, name, path, obj, check, res).await
}

fn attempts_of(obj: &Object) -> u32 {
    u32::try_from(obj.response.attempts().len())
        .unwrap_or(u32::MAX)
        .max(obj.body.attempts())
        .max(1)
}

/// Objects up to this size are gathered in memory and written, fsync'd and renamed in one
/// blocking call: a file of a few KiB is not worth a thread hand-off per operation.
const SMALL_FILE_MAX: u64 = 256 * 1024;

/// Where the bytes of one object go.
enum Sink {
    File {
        tmp: TempFile,
        file: BufWriter<tokio::fs::File>,
        dest: PathBuf,
    },
    /// A small file, created under its temporary name only when complete (see
    /// [`SMALL_FILE_MAX`]).
    SmallFile {
        tmp: TempFile,
        data: Vec<u8>,
        dest: PathBuf,
    },
    Writer(OwnedMutexGuard<Box<dyn AsyncWrite + Send + Unpin>>),
    Stdout {
        _lock: OwnedMutexGuard<()>,
    },
    Nothing,
}

/// A temporary file that is removed unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

static STDOUT: std::sync::OnceLock<Arc<Mutex<()>>> = std::sync::OnceLock::new();

fn temp_name(dest: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let base = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // NAME_MAX is 255 bytes: keep at most 100 bytes of the name (on a character boundary),
    // so that ".<base>.<pid>-<n>.swiftdl" always fits, whatever the script.
    let mut cut = base.len().min(100);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut base = base[..cut].to_owned();
    if base.is_empty() {
        base.push_str("download");
    }
    let n = N.fetch_add(1, Ordering::Relaxed);
    dest.with_file_name(format!(".{base}.{}-{n}.swiftdl", std::process::id()))
}

/// Where a verified download may be renamed to: the path itself, or the file a symbolic link
/// points to (the link stays a link). A device, FIFO or socket is never replaced by a file:
/// that is an error (write to it with [`DownloadTarget::Writer`] instead).
fn regular_destination(path: &Path) -> crate::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => {
                check_regular(&target)?;
                Ok(target)
            }
            // a dangling link: create the file it names, relative to the link's directory
            Err(_) => match std::fs::read_link(path) {
                Ok(t) if t.is_absolute() => Ok(t),
                Ok(t) => Ok(path.parent().map(|d| d.join(&t)).unwrap_or(t)),
                Err(e) => Err(io_err("cannot read the link", path, e)),
            },
        },
        Ok(_) => {
            check_regular(path)?;
            Ok(path.to_owned())
        }
        Err(_) => Ok(path.to_owned()),
    }
}

/// Checks that writing `path` (and creating its directories) stays under `root` once every
/// symbolic link on the way is resolved: a link planted in the output tree must not lead the
/// download elsewhere. A dangling link is refused too (where it points is not known).
fn stays_inside(root: &Path, path: &Path) -> crate::Result<()> {
    let Ok(root) = std::fs::canonicalize(root) else {
        // No output directory yet: nothing under it can be a link.
        return Ok(());
    };
    let mut probe = path;
    let existing = loop {
        if std::fs::symlink_metadata(probe).is_ok() {
            break Some(probe);
        }
        match probe.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe = p,
            _ => break None,
        }
    };
    let Some(existing) = existing else {
        return Ok(());
    };
    let outside = |why: &str| {
        Error::new(
            ErrorKind::Io,
            format!(
                "refusing to write {}: {why} (allow it with follow_symlinks)",
                path.display()
            ),
        )
    };
    match std::fs::canonicalize(existing) {
        Ok(real) if real.starts_with(&root) => Ok(()),
        Ok(real) => Err(outside(&format!(
            "a symbolic link leads out of the output directory, to {}",
            real.display()
        ))),
        Err(_) => Err(outside("a symbolic link on the way points nowhere")),
    }
}

fn check_regular(path: &Path) -> crate::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(Error::new(
            ErrorKind::Io,
            format!(
                "{} is not a regular file (a device, FIFO or socket): it is not replaced; \
                 download to a writer instead",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{what} {}: {e}", path.display())).with_source(e)
}

/// Opens the sink for an object whose response headers are `headers`; `size` is the length
/// of the data to come, when known.
async fn open_sink(
    plan: &Plan,
    name: &str,
    path: Option<&Path>,
    headers: &Headers,
    size: Option<u64>,
    res: &mut TransferResult,
) -> crate::Result<Sink> {
    match &plan.opts.target {
        DownloadTarget::Writer(w) => Ok(Sink::Writer(Arc::clone(&w.0).lock_owned().await)),
        DownloadTarget::Stdout => {
            let lock = STDOUT.get_or_init(|| Arc::new(Mutex::new(())));
            Ok(Sink::Stdout {
                _lock: Arc::clone(lock).lock_owned().await,
            })
        }
        DownloadTarget::Discard => Ok(Sink::Nothing),
        DownloadTarget::Files | DownloadTarget::File(_) => {
            let Some(path) = path else {
                return Ok(Sink::Nothing);
            };
            let ct = headers
                .content_type()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim();
            let single = plan.single_file && matches!(plan.opts.target, DownloadTarget::File(_));
            if !single && !plan.opts.follow_symlinks {
                let root = plan.opts.out_directory.as_deref().unwrap_or(Path::new("."));
                stays_inside(root, path)?;
            }
            if DIR_MARKER_TYPES.contains(&ct) && !single {
                tokio::fs::create_dir_all(path)
                    .await
                    .map_err(|e| io_err("cannot create the directory", path, e))?;
                return Ok(Sink::Nothing);
            }
            if name.ends_with('/') && !single {
                res.pseudodir = true;
                tokio::fs::create_dir_all(path)
                    .await
                    .map_err(|e| io_err("cannot create the directory", path, e))?;
                return Ok(Sink::Nothing);
            }
            if let Some(small) = size.filter(|&n| n <= SMALL_FILE_MAX) {
                let path = regular_destination(path)?;
                return Ok(Sink::SmallFile {
                    tmp: TempFile {
                        path: temp_name(&path),
                        armed: false,
                    },
                    data: Vec::with_capacity(usize::try_from(small).unwrap_or(0)),
                    dest: path,
                });
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| io_err("cannot create the directory", dir, e))?;
            }
            let path = &regular_destination(path)?;
            let tmp_path = temp_name(path);
            let file = tokio::fs::OpenOptions::from(temp_options())
                .open(&tmp_path)
                .await
                .map_err(|e| io_err("cannot create", &tmp_path, e))?;
            Ok(Sink::File {
                tmp: TempFile {
                    path: tmp_path,
                    armed: true,
                },
                file: BufWriter::with_capacity(256 * 1024, file),
                dest: path.to_owned(),
            })
        }
    }
}

impl Sink {
    async fn write(&mut self, data: Bytes) -> crate::Result<()> {
        match self {
            Sink::File { file, tmp, .. } => file
                .write_all(&data)
                .await
                .map_err(|e| io_err("cannot write", &tmp.path, e)),
            Sink::SmallFile { data: buf, .. } => {
                buf.extend_from_slice(&data);
                Ok(())
            }
            Sink::Writer(w) => w.write_all(&data).await.map_err(Error::from),
            Sink::Stdout { .. } => run_blocking(move || {
                let mut out = std::io::stdout().lock();
                out.write_all(&data)
            })
            .await
            .map_err(Error::from),
            Sink::Nothing => Ok(()),
        }
    }

    /// Completes the object: flush; for a file: fsync, mode, mtime, rename into place. An
    /// mtime that cannot be used is a warning in `res`, not a failure.
    async fn finish(
        self,
        plan: &Plan,
        name: &str,
        headers: &Headers,
        res: &mut TransferResult,
    ) -> crate::Result<()> {
        let mtime = if plan.opts.ignore_mtime {
            None
        } else {
            mtime_of(name, headers, &mut res.warnings)
        };
        let fsync = plan.opts.fsync;
        match self {
            Sink::File {
                mut tmp,
                mut file,
                dest,
            } => {
                file.flush()
                    .await
                    .map_err(|e| io_err("cannot write", &tmp.path, e))?;
                let file = file.into_inner().into_std().await;
                let (tmp_path, dest2) = (tmp.path.clone(), dest.clone());
                let warning =
                    run_blocking(move || complete_file(file, &tmp_path, &dest2, fsync, mtime))
                        .await
                        .map_err(|e| io_err("cannot complete", &dest, e))?;
                tmp.armed = false;
                res.warnings.extend(warning);
                Ok(())
            }
            Sink::SmallFile {
                mut tmp,
                data,
                dest,
            } => {
                let (tmp_path, dest2) = (tmp.path.clone(), dest.clone());
                // Armed before the file exists, so that a failure part-way removes it.
                tmp.armed = true;
                let warning = run_blocking(move || {
                    Ok(write_small_file(&data, &tmp_path, &dest2, fsync, mtime))
                })
                .await
                .map_err(|e| io_err("cannot complete", &dest, e))??;
                tmp.armed = false;
                res.warnings.extend(warning);
                Ok(())
            }
            Sink::Writer(mut w) => w.flush().await.map_err(Error::from),
            Sink::Stdout { .. } => run_blocking(|| std::io::stdout().lock().flush())
                .await
                .map_err(Error::from),
            Sink::Nothing => Ok(()),
        }
    }
}

/// Creates the temporary file of a small download whole and makes it the download; each
/// step's error names the path it concerns, as the steps of a large download do.
fn write_small_file(
    data: &[u8],
    tmp_path: &Path,
    dest: &Path,
    fsync: bool,
    mtime: Option<SystemTime>,
) -> crate::Result<Option<String>> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create the directory", dir, e))?;
    }
    let mut file = temp_options()
        .open(tmp_path)
        .map_err(|e| io_err("cannot create", tmp_path, e))?;
    std::io::Write::write_all(&mut file, data).map_err(|e| io_err("cannot write", tmp_path, e))?;
    complete_file(file, tmp_path, dest, fsync, mtime)
        .map_err(|e| io_err("cannot complete", dest, e))
}

/// How temporary download files are opened: a new file (never an existing one, never
/// through a link), readable by the owner only until it is complete.
fn temp_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// The mode a completed download gets: the replaced file's, or for a new file what the
/// process's umask leaves of 0666 (as `open()` would have made it).
#[cfg(unix)]
fn final_mode(dest: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(dest) {
        Ok(m) if m.is_file() => m.permissions().mode() & 0o777,
        _ => 0o666 & !crate::localfs::umask(),
    }
}

/// Makes a written temporary file the download: fsync (when asked), mode, mtime, rename,
/// and the directory's fsync. Returns a warning when the mtime could not be set.
fn complete_file(
    file: std::fs::File,
    tmp_path: &Path,
    dest: &Path,
    fsync: bool,
    mtime: Option<SystemTime>,
) -> std::io::Result<Option<String>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(final_mode(dest)))?;
    }
    if fsync {
        file.sync_all()?;
    }
    let mut warning = None;
    if let Some(t) = mtime {
        let times = std::fs::FileTimes::new().set_accessed(t).set_modified(t);
        if let Err(e) = file.set_times(times) {
            warning = Some(format!(
                "{}: the modification time could not be set: {e}",
                dest.display()
            ));
        }
    }
    drop(file);
    std::fs::rename(tmp_path, dest)?;
    if fsync {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(warning)
}

/// `X-Object-Meta-Mtime` as a time. Anyone who can write the object sets it, so a value
/// that is no usable time (`1e20`, `nan`, `-1`, text) is ignored with a warning.
fn mtime_of(name: &str, headers: &Headers, warnings: &mut Vec<String>) -> Option<SystemTime> {
    let text = headers.get("x-object-meta-mtime")?;
    let t = crate::numbers::parse_epoch_secs(text);
    if t.is_none() {
        warnings.push(format!(
            "{}: ignoring the unusable X-Object-Meta-Mtime {:?}",
            crate::path::escape_controls(name),
            crate::path::escape_controls(&text.chars().take(64).collect::<String>())
        ));
    }
    t
}

fn integrity(path_or_name: &str, msg: String, headers: &Headers) -> Error {
    let txn = headers.trans_id().unwrap_or("unknown");
    Error::new(
        ErrorKind::Integrity,
        format!("Error downloading {path_or_name}: {msg} (txn: {txn})"),
    )
}

fn shown(path: Option<&Path>, name: &str) -> String {
    path.map_or_else(|| name.to_owned(), |p| p.display().to_string())
}

/// Streams one response into the sink, checking it as asked.
async fn stream_object(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    path: Option<&Path>,
    obj: Object,
    mut check: Check,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let Object { response, body } = obj;
    let headers = response.headers().clone();
    if res.timing.headers_received.is_none() {
        res.timing.headers_received = Some(SystemTime::now());
    }
    let mut body: ObjectBody = body;
    if matches!(check, Check::None) {
        body.skip_md5_check();
    }
    let size = headers
        .content_length()
        .filter(|_| !headers.contains("transfer-encoding"));
    let mut sink = open_sink(plan, name, path, &headers, size, res).await?;
    // A plain object's body checks its own MD5 when read whole; hash here only if it does not.
    let mut md5 = (matches!(check, Check::Md5(_)) && !body.verifies_md5()).then(Md5::new);
    let mut n = 0u64;
    let outcome: crate::Result<()> = async {
        while let Some(c) = body.chunk().await? {
            n += c.len() as u64;
            ctx.counters.received(c.len() as u64);
            if let Some(h) = md5.as_mut() {
                h.update(&c);
            }
            if let Check::Pieces(v) = &mut check {
                v.update(&c)
                    .map_err(|m| integrity(&shown(path, name), m, &headers))?;
            }
            sink.write(c).await?;
        }
        Ok(())
    }
    .await;
    res.bytes = n;
    res.attempts = res
        .attempts
        .max(u32::try_from(response.attempts().len()).unwrap_or(u32::MAX))
        .max(body.attempts());
    res.response = Some(response);
    outcome?;
    if let Some(len) = headers.content_length() {
        if !headers.contains("transfer-encoding") && n != len {
            return Err(integrity(
                &shown(path, name),
                format!("read_length != content_length, {n} != {len}"),
                &headers,
            ));
        }
    }
    res.verification = match check {
        Check::Md5(etag) => {
            // Without our own hasher the body compared the MD5 already (an error otherwise).
            if let Some(got) = md5.map(|h| hex(&h.finalize())) {
                if !got.eq_ignore_ascii_case(&etag) {
                    return Err(integrity(
                        &shown(path, name),
                        format!("md5sum != etag, {got} != {etag}"),
                        &headers,
                    ));
                }
            }
            Verification::Md5
        }
        Check::Pieces(v) => Verification::Segments(
            v.finish()
                .map_err(|m| integrity(&shown(path, name), m, &headers))?,
        ),
        Check::Length => Verification::Length,
        Check::None => Verification::None,
    };
    sink.finish(plan, name, &headers, res).await?;
    Ok(Status::Completed)
}

/// Downloads an SLO segment by segment (each GET resumable), checking each segment's ETag
/// and MD5 against the manifest. Into a file, the segments are fetched in parallel (bounded
/// by the engine's segment concurrency), each written at its offset through its own handle;
/// into a writer or stdout, one after the other.
async fn download_segments(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    path: Option<&Path>,
    headers: &Headers,
    leaves: Vec<Chunk>,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let shown_name = shown(path, name);
    let mut sink = open_sink(plan, name, path, headers, None, res).await?;
    let total: u64 = leaves.iter().map(Chunk::len).sum();
    let mut retries = res.attempts.saturating_sub(1);
    let parallel = match &sink {
        Sink::File { tmp, .. } if leaves.len() > 1 && ctx.engine.opts.segment_concurrency > 1 => {
            Some(tmp.path.clone())
        }
        _ => None,
    };
    if let Some(tmp_path) = parallel {
        if let Sink::File { file, .. } = &mut sink {
            file.get_mut()
                .set_len(total)
                .await
                .map_err(|e| io_err("cannot write", &tmp_path, e))?;
        }
        let mut set: JoinSet<crate::Result<u32>> = JoinSet::new();
        let mut offset = 0u64;
        for (i, leaf) in leaves.iter().cloned().enumerate() {
            let Ok(permit) = Arc::clone(&ctx.engine.segments).acquire_owned().await else {
                break;
            };
            // A failure already reported by a finished task stops the rest early.
            while let Some(done) = set.try_join_next() {
                retries += joined(done)?;
            }
            let (ctx2, shown2, tmp2) = (ctx.clone(), shown_name.clone(), tmp_path.clone());
            let at = offset;
            offset += leaf.len();
            set.spawn(async move {
                let _permit = permit;
                let mut f = tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(&tmp2)
                    .await
                    .map_err(|e| io_err("cannot write", &tmp2, e))?;
                f.seek(std::io::SeekFrom::Start(at))
                    .await
                    .map_err(|e| io_err("cannot write", &tmp2, e))?;
                let mut out = SegmentOut::File(BufWriter::with_capacity(64 * 1024, f), tmp2);
                let attempts = fetch_segment(&ctx2, i, &leaf, &shown2, &mut out).await?;
                out.flush().await?;
                Ok(attempts.saturating_sub(1))
            });
        }
        while let Some(done) = set.join_next().await {
            retries += joined(done)?;
        }
    } else {
        for (i, leaf) in leaves.iter().enumerate() {
            let mut out = SegmentOut::Sink(&mut sink);
            let attempts = fetch_segment(ctx, i, leaf, &shown_name, &mut out).await?;
            retries += attempts.saturating_sub(1);
        }
    }
    res.bytes = total;
    res.attempts = retries + 1;
    res.verification = if ctx.checksum() {
        Verification::Segments(leaves.len())
    } else {
        Verification::Length
    };
    sink.finish(plan, name, headers, res).await?;
    Ok(Status::Completed)
}

fn joined(r: Result<crate::Result<u32>, tokio::task::JoinError>) -> crate::Result<u32> {
    match r {
        Ok(r) => r,
        Err(e) => Err(Error::new(
            ErrorKind::Io,
            format!("a segment download task failed: {e}"),
        )),
    }
}

/// Where the bytes of one segment go.
enum SegmentOut<'a> {
    /// The object's sink, in order.
    Sink(&'a mut Sink),
    /// A handle of its own on the temporary file, positioned at the segment's offset.
    File(BufWriter<tokio::fs::File>, PathBuf),
}

impl SegmentOut<'_> {
    async fn write(&mut self, data: Bytes) -> crate::Result<()> {
        match self {
            SegmentOut::Sink(s) => s.write(data).await,
            SegmentOut::File(f, p) => f
                .write_all(&data)
                .await
                .map_err(|e| io_err("cannot write", p, e)),
        }
    }

    async fn flush(&mut self) -> crate::Result<()> {
        match self {
            SegmentOut::Sink(_) => Ok(()),
            SegmentOut::File(f, p) => f.flush().await.map_err(|e| io_err("cannot write", p, e)),
        }
    }
}

/// GETs one segment (a range of it, when the manifest says so) into `out`, checking it
/// against its manifest entry; returns the attempts it took.
async fn fetch_segment(
    ctx: &Ctx,
    i: usize,
    leaf: &Chunk,
    shown_name: &str,
    out: &mut SegmentOut<'_>,
) -> crate::Result<u32> {
    let mut ro = RequestOptions::new();
    if let Some((a, b)) = leaf.range {
        ro = ro.header("Range", format!("bytes={a}-{b}"));
    }
    let seg = ctx
        .conn()
        .get_object_with(&leaf.container, &leaf.name, &ro)
        .await?;
    let seg_headers = seg.headers().clone();
    let whole = leaf.range.is_none();
    if whole && ctx.checksum() {
        if let Some(e) = seg_headers.etag() {
            if !e.eq_ignore_ascii_case(&leaf.hash) {
                return Err(integrity(
                    shown_name,
                    format!(
                        "segment {i} ({}/{}) has ETag {e} but the manifest says {}",
                        leaf.container, leaf.name, leaf.hash
                    ),
                    &seg_headers,
                ));
            }
        }
    }
    let Object { response, mut body } = seg;
    if !ctx.checksum() {
        body.skip_md5_check();
    }
    // A whole segment whose ETag matched the manifest is MD5-checked by the body itself;
    // hash here only when it is not (one pass over the data, not two).
    let mut h = (whole && ctx.checksum() && !body.verifies_md5()).then(Md5::new);
    let mut got = 0u64;
    while let Some(c) = body.chunk().await? {
        got += c.len() as u64;
        ctx.counters.received(c.len() as u64);
        if let Some(h) = h.as_mut() {
            h.update(&c);
        }
        out.write(c).await?;
    }
    if got != leaf.len() {
        return Err(integrity(
            shown_name,
            format!(
                "segment {i} ({}/{}): read {got} bytes, the manifest says {}",
                leaf.container,
                leaf.name,
                leaf.len()
            ),
            &seg_headers,
        ));
    }
    if let Some(h) = h {
        let md5 = hex(&h.finalize());
        if !md5.eq_ignore_ascii_case(&leaf.hash) {
            return Err(integrity(
                shown_name,
                format!(
                    "segment {i} ({}/{}): md5sum != etag, {md5} != {}",
                    leaf.container, leaf.name, leaf.hash
                ),
                &seg_headers,
            ));
        }
    }
    Ok(u32::try_from(response.attempts().len())
        .unwrap_or(u32::MAX)
        .max(body.attempts()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(opts: DownloadOptions, account_mode: bool) -> Plan {
        Plan {
            opts,
            account_mode,
            single_file: false,
        }
    }

    #[test]
    fn local_paths_like_python() {
        let p = plan(DownloadOptions::new().out_directory("out"), false);
        assert_eq!(
            local_path(&p, "c", "a/b c.txt").unwrap(),
            Some(PathBuf::from("out/a/b c.txt"))
        );
        assert_eq!(
            local_path(&p, "c", "/abs/x").unwrap(),
            Some(PathBuf::from("out/abs/x"))
        );
        assert!(local_path(&p, "c", "a/../../etc/passwd").is_err());
        let p = plan(
            DownloadOptions::new().prefix("example").remove_prefix(true),
            false,
        );
        assert_eq!(
            local_path(&p, "c", "example/test").unwrap(),
            Some(PathBuf::from("test"))
        );
        let p = plan(DownloadOptions::new(), true);
        assert_eq!(
            local_path(&p, "c", "o").unwrap(),
            Some(PathBuf::from("c/o"))
        );
        let p = plan(
            DownloadOptions::new().target(DownloadTarget::Discard),
            false,
        );
        assert_eq!(local_path(&p, "c", "o").unwrap(), None);
        let p = plan(DownloadOptions::new(), false);
        assert!(local_path(&p, "c", "dir/")
            .unwrap()
            .is_some_and(|p| p.to_string_lossy().ends_with('/')));
    }

    #[test]
    fn mtimes_parse_and_hostile_ones_warn() {
        use std::time::{Duration, UNIX_EPOCH};
        let mtime = |v: &str| {
            let mut h = Headers::new();
            h.append_raw("X-Object-Meta-Mtime", v);
            let mut warnings = Vec::new();
            let t = mtime_of("o", &h, &mut warnings);
            (t, warnings.len())
        };
        assert_eq!(
            mtime("1400000000.500000"),
            (
                Some(UNIX_EPOCH + Duration::from_millis(1_400_000_000_500)),
                0
            )
        );
        for bad in [
            "yesterday",
            "1e20",
            "-1",
            "nan",
            "inf",
            "1e400",
            "\u{1b}[2J",
        ] {
            assert_eq!(mtime(bad), (None, 1), "{bad:?}");
        }
        let mut warnings = Vec::new();
        assert_eq!(mtime_of("o", &Headers::new(), &mut warnings), None);
        assert!(warnings.is_empty(), "no header, no warning");
    }

    #[test]
    fn temporary_names_fit_name_max() {
        for base in [
            "a".repeat(255),
            "ü".repeat(127),
            "😀".repeat(63),
            "x".into(),
        ] {
            let t = temp_name(&Path::new("d").join(&base));
            let n = t.file_name().map_or(0, |n| n.len());
            assert!(n <= 255, "{} bytes for a {}-byte name", n, base.len());
        }
    }
}
