//! What callers choose: [`DownloadOptions`], the [`DownloadTarget`] data goes to, and the
//! [`SharedWriter`] of a writer target.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::AsyncWrite;
use tokio::sync::Mutex;

use crate::headers::RequestHeaders;

type BoxedWriter = Box<dyn AsyncWrite + Send + Unpin>;

/// A writer shared by the tasks of a download: each object is written whole, one after the
/// other. [`DownloadTarget::writer`] hands out a second handle, to get the writer back with
/// [`SharedWriter::into_inner`] once the job is done.
#[derive(Clone)]
pub struct SharedWriter(pub(super) Arc<Mutex<BoxedWriter>>);

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
