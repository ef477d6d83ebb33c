//! The blocking transfer engine: [`crate::transfer::Transfer`] with jobs that are iterators.

use std::sync::Arc;

use crate::transfer::{
    ArchiveOptions, ArchiveSource, CopyJobOptions, CopyObject, DeleteOptions, DownloadOptions,
    PostObject, PostOptions, Progress, TransferOptions, TransferResult, UploadObject,
    UploadOptions,
};
use crate::Capabilities;

use super::Connection;

/// The blocking counterpart of [`crate::transfer::Transfer`]: the same operations, each
/// returning a [`Job`] whose results are read as an iterator.
///
/// ```no_run
/// use swiftclient::blocking::{Connection, Transfer};
/// use swiftclient::transfer::{UploadObject, UploadOptions};
///
/// let conn = Connection::v1("http://127.0.0.1:8080/auth/v1.0", "test:tester", "testing")?;
/// let t = Transfer::new(&conn);
/// let job = t.upload("backup", UploadObject::tree("photos", None)?, &UploadOptions::new())?;
/// for r in job {
///     if let Some(e) = r.error() {
///         eprintln!("{}: {e}", r.object.as_deref().unwrap_or(""));
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Transfer {
    inner: crate::transfer::Transfer,
    rt: Arc<tokio::runtime::Runtime>,
}

/// The blocking counterpart of [`crate::transfer::Job`]: an iterator of results in completion
/// order. Dropping it cancels what has not run yet.
#[derive(Debug)]
#[must_use = "dropping a Job cancels it: iterate over its results (or call cancel)"]
pub struct Job {
    inner: crate::transfer::Job,
    rt: Arc<tokio::runtime::Runtime>,
}

impl Iterator for Job {
    type Item = TransferResult;

    fn next(&mut self) -> Option<TransferResult> {
        self.rt.block_on(self.inner.next_result())
    }
}

impl Job {
    /// Stops the job: nothing new starts, work in flight is abandoned.
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Live byte and item counts.
    pub fn progress(&self) -> Progress {
        self.inner.progress()
    }
}

impl Transfer {
    /// An engine with the default options over `conn` (sharing its pool and token).
    pub fn new(conn: &Connection) -> Self {
        Self::with_options(conn, TransferOptions::default())
    }

    /// An engine with the given options.
    pub fn with_options(conn: &Connection, opts: TransferOptions) -> Self {
        Transfer {
            inner: crate::transfer::Transfer::with_options(conn.as_async().clone(), opts),
            rt: Arc::clone(&conn.rt),
        }
    }

    /// The async engine underneath.
    pub fn as_async(&self) -> &crate::transfer::Transfer {
        &self.inner
    }

    /// The engine's options.
    pub fn options(&self) -> &TransferOptions {
        self.inner.options()
    }

    /// See [`crate::transfer::Transfer::capabilities`].
    pub fn capabilities(&self) -> Option<Capabilities> {
        self.rt.block_on(self.inner.capabilities())
    }

    fn job(
        &self,
        start: impl FnOnce(&crate::transfer::Transfer) -> crate::Result<crate::transfer::Job>,
    ) -> crate::Result<Job> {
        // A job is started inside the runtime, whose tasks then run it.
        let _guard = self.rt.enter();
        start(&self.inner).map(|inner| Job {
            inner,
            rt: Arc::clone(&self.rt),
        })
    }

    /// See [`crate::transfer::Transfer::upload`].
    pub fn upload(
        &self,
        container: &str,
        objects: impl IntoIterator<Item = UploadObject>,
        opts: &UploadOptions,
    ) -> crate::Result<Job> {
        self.job(|t| t.upload(container, objects, opts))
    }

    /// See [`crate::transfer::Transfer::download_objects`].
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
        self.job(|t| t.download_objects(container, objects, opts))
    }

    /// See [`crate::transfer::Transfer::download_container`].
    pub fn download_container(
        &self,
        container: &str,
        opts: &DownloadOptions,
    ) -> crate::Result<Job> {
        self.job(|t| t.download_container(container, opts))
    }

    /// See [`crate::transfer::Transfer::download_account`].
    pub fn download_account(&self, opts: &DownloadOptions) -> crate::Result<Job> {
        self.job(|t| t.download_account(opts))
    }

    /// See [`crate::transfer::Transfer::delete_objects`].
    pub fn delete_objects<I, S>(
        &self,
        container: &str,
        objects: I,
        opts: &DeleteOptions,
    ) -> crate::Result<Job>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.job(|t| t.delete_objects(container, objects, opts))
    }

    /// See [`crate::transfer::Transfer::delete_container`].
    pub fn delete_container(&self, container: &str, opts: &DeleteOptions) -> crate::Result<Job> {
        self.job(|t| t.delete_container(container, opts))
    }

    /// See [`crate::transfer::Transfer::delete_account`].
    pub fn delete_account(&self, opts: &DeleteOptions) -> crate::Result<Job> {
        self.job(|t| t.delete_account(opts))
    }

    /// See [`crate::transfer::Transfer::copy`].
    pub fn copy<I, O>(
        &self,
        container: &str,
        objects: I,
        opts: &CopyJobOptions,
    ) -> crate::Result<Job>
    where
        I: IntoIterator<Item = O>,
        O: Into<CopyObject>,
    {
        self.job(|t| t.copy(container, objects, opts))
    }

    /// See [`crate::transfer::Transfer::post`].
    pub fn post<I, O>(&self, container: &str, objects: I, opts: &PostOptions) -> crate::Result<Job>
    where
        I: IntoIterator<Item = O>,
        O: Into<PostObject>,
    {
        self.job(|t| t.post(container, objects, opts))
    }

    /// See [`crate::transfer::Transfer::extract_archive`].
    pub fn extract_archive(
        &self,
        target: &str,
        source: ArchiveSource,
        opts: &ArchiveOptions,
    ) -> crate::Result<Job> {
        self.job(|t| t.extract_archive(target, source, opts))
    }
}
