//! What a transfer reports: one typed [`TransferResult`] per object, segment, container or bulk
//! request, live byte counts ([`Progress`]), and cancellation ([`Job::cancel`]).

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::error::Error;
use crate::headers::RequestHeaders;
use crate::response::Response;

/// What a [`TransferResult`] is about: python-swiftclient's `action` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// A container was created (`PUT`) before uploading or copying into it.
    CreateContainer,
    /// A directory marker (zero-byte `application/directory` object) was uploaded.
    CreateDirMarker,
    /// An object was uploaded (plain, or the manifest of a large object).
    UploadObject,
    /// One segment of a large object was uploaded.
    UploadSegment,
    /// An object was downloaded.
    DownloadObject,
    /// An object was deleted.
    DeleteObject,
    /// A segment of a large object was deleted (with its manifest, or replaced by an upload).
    DeleteSegment,
    /// A container was deleted.
    DeleteContainer,
    /// One bulk-delete request (`POST ?bulk-delete`) for many objects.
    BulkDelete,
    /// An object was copied.
    CopyObject,
    /// An object's metadata was replaced (`POST`).
    PostObject,
    /// One archive was uploaded and extracted by the cluster (`PUT ?extract-archive=tar`).
    ExtractArchive,
    /// Listing a container failed (the objects in it could not be enumerated).
    ListContainer,
    /// Listing the account failed (its containers could not be enumerated).
    ListAccount,
}

impl Action {
    /// The name python-swiftclient uses for this action (`upload_object`, `bulk_delete`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::CreateContainer => "create_container",
            Action::CreateDirMarker => "create_dir_marker",
            Action::UploadObject => "upload_object",
            Action::UploadSegment => "upload_segment",
            Action::DownloadObject => "download_object",
            Action::DeleteObject => "delete_object",
            Action::DeleteSegment => "delete_segment",
            Action::DeleteContainer => "delete_container",
            Action::BulkDelete => "bulk_delete",
            Action::CopyObject => "copy_object",
            Action::PostObject => "post_object",
            Action::ExtractArchive => "extract_archive",
            Action::ListContainer => "list_container_part",
            Action::ListAccount => "list_account_part",
        }
    }
}

/// How an item ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Done: uploaded, downloaded, deleted, copied, ...
    Completed,
    /// Not transferred because the local and remote data are identical (`skip_identical`).
    SkippedIdentical,
    /// Not uploaded because size and mtime are unchanged (`changed`).
    SkippedChanged,
    /// Failed; [`TransferResult::error`] says why.
    Failed,
    /// Not started, or stopped, because the job was cancelled (or `fail_fast` tripped).
    Cancelled,
}

impl Status {
    /// A short name: `completed` (python-swiftclient says `uploaded` for uploads),
    /// `skipped-identical`, `skipped-changed`, `failed`, `cancelled`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::SkippedIdentical => "skipped-identical",
            Status::SkippedChanged => "skipped-changed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

/// One segment of a large object (uploaded, deleted, or verified on download).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SegmentInfo {
    /// The segment's position in the manifest, from 0.
    pub index: usize,
    /// The container holding the segment.
    pub container: String,
    /// The segment's object name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its ETag (MD5), when known.
    pub etag: Option<String>,
}

impl SegmentInfo {
    /// `/<container>/<name>`: python-swiftclient's `segment_location`.
    pub fn location(&self) -> String {
        format!("/{}/{}", self.container, self.name)
    }
}

/// The JSON report of a bulk request (bulk delete or extract-archive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkReport {
    /// `Response Status`, e.g. `200 OK` or `400 Bad Request`.
    pub response_status: String,
    /// `Response Body` (an explanation when the whole request failed).
    pub response_body: String,
    /// `Number Deleted` (bulk delete).
    pub deleted: u64,
    /// `Number Not Found` (bulk delete).
    pub not_found: u64,
    /// `Number Files Created` (extract-archive).
    pub created: u64,
    /// `Errors`: `(path, status)` pairs, e.g. `("/c/o", "409 Conflict")`.
    pub errors: Vec<(String, String)>,
    /// The object names the request covered (bulk delete: as given; extract-archive: the
    /// names in the archive, relative to the upload target).
    pub objects: Vec<String>,
}

impl BulkReport {
    /// True when the request as a whole succeeded (a 2xx `Response Status`) with no error.
    pub fn is_success(&self) -> bool {
        self.response_status.starts_with('2') && self.errors.is_empty()
    }
}

/// When an item was worked on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timing {
    /// When the work on the item started.
    pub started: SystemTime,
    /// When the response headers arrived (downloads).
    pub headers_received: Option<SystemTime>,
    /// When the item was finished.
    pub finished: SystemTime,
}

impl Timing {
    pub(crate) fn starting_now() -> Self {
        let now = SystemTime::now();
        Timing {
            started: now,
            headers_received: None,
            finished: now,
        }
    }
}

/// How a download was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// Nothing was checked (no checksum asked for, or nothing downloaded).
    None,
    /// Only the length (partial responses, or large objects without usable segment data).
    Length,
    /// The MD5 of the whole object matched its ETag.
    Md5,
    /// Every segment's MD5 matched the manifest (SLO) or segment listing (DLO).
    Segments(usize),
}

/// The outcome of one item of a transfer: python-swiftclient's result dictionary, typed.
///
/// The fields that apply depend on [`TransferResult::action`]; the others stay empty.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransferResult {
    /// What this result is about.
    pub action: Action,
    /// How it ended.
    pub status: Status,
    /// The container (for segments: the segment container; for bulk requests: the container
    /// the objects are in).
    pub container: Option<String>,
    /// The object (for segments: the segment name).
    pub object: Option<String>,
    /// The local file (uploads from a file, downloads to a file).
    pub path: Option<PathBuf>,
    /// Why it failed.
    pub error: Option<Error>,
    /// How many HTTP attempts the main request took (retries included).
    pub attempts: u32,
    /// The response of the main request (status, reason, headers): `response_dict`.
    pub response: Option<Response>,
    /// The headers sent (uploads: including `X-Object-Meta-Mtime`; copies and posts).
    pub headers: RequestHeaders,
    /// Bytes transferred for this item (uploads: sent; downloads: `read_length`).
    pub bytes: u64,
    /// True for a large object (segmented upload, SLO/DLO download or delete).
    pub large_object: bool,
    /// For [`Action::UploadSegment`] and [`Action::DeleteSegment`]: the segment.
    pub segment: Option<SegmentInfo>,
    /// For [`Action::UploadSegment`] and [`Action::DeleteSegment`]: the large object
    /// the segment belongs to, as `(container, object)` (python's `for_container`/`for_object`).
    pub for_object: Option<(String, String)>,
    /// For a large-object upload: its new segments, in order.
    pub segments: Vec<SegmentInfo>,
    /// For a large-object upload or delete: how many old segments were deleted.
    pub segments_deleted: u64,
    /// Downloads: the object is a pseudo-directory (its name ends in `/`): no file was written.
    pub pseudodir: bool,
    /// Downloads: how the data was checked.
    pub verification: Verification,
    /// Copies: the destination (`/container/object`).
    pub destination: Option<String>,
    /// Copies: whether `X-Fresh-Metadata: true` was sent.
    pub fresh_metadata: Option<bool>,
    /// Deletes of a DLO: whether all its segments were deleted.
    pub dlo_segments_deleted: Option<bool>,
    /// Bulk requests: the server's report.
    pub bulk: Option<BulkReport>,
    /// When the item was worked on.
    pub timing: Timing,
    /// What went wrong without failing the item (an unusable `X-Object-Meta-Mtime`, say).
    pub warnings: Vec<String>,
}

impl TransferResult {
    pub(crate) fn new(action: Action, container: Option<&str>, object: Option<&str>) -> Self {
        TransferResult {
            action,
            status: Status::Completed,
            container: container.map(str::to_owned),
            object: object.map(str::to_owned),
            path: None,
            error: None,
            attempts: 0,
            response: None,
            headers: RequestHeaders::new(),
            bytes: 0,
            large_object: false,
            segment: None,
            for_object: None,
            segments: Vec::new(),
            segments_deleted: 0,
            pseudodir: false,
            verification: Verification::None,
            destination: None,
            fresh_metadata: None,
            dlo_segments_deleted: None,
            bulk: None,
            timing: Timing::starting_now(),
            warnings: Vec::new(),
        }
    }

    /// True unless the item failed or was cancelled (skipped items are successes).
    pub fn is_success(&self) -> bool {
        matches!(
            self.status,
            Status::Completed | Status::SkippedIdentical | Status::SkippedChanged
        )
    }

    /// The error, when the item failed.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The transaction id of the failed or completed request, when known.
    pub fn trans_id(&self) -> Option<&str> {
        self.error
            .as_ref()
            .and_then(Error::trans_id)
            .or_else(|| self.response.as_ref().and_then(Response::trans_id))
    }

    /// Marks the result failed with `err` (its attempts are kept when larger).
    pub(crate) fn fail(mut self, err: Error) -> Self {
        self.attempts = self.attempts.max(err.attempts());
        self.status = Status::Failed;
        self.error = Some(err);
        self.timing.finished = SystemTime::now();
        self
    }

    pub(crate) fn cancelled(mut self) -> Self {
        self.status = Status::Cancelled;
        self.timing.finished = SystemTime::now();
        self
    }

    /// Records the response of the main request.
    pub(crate) fn respond(&mut self, resp: Response) {
        self.attempts = u32::try_from(resp.attempts().len())
            .unwrap_or(u32::MAX)
            .max(1);
        self.response = Some(resp);
    }

    pub(crate) fn finish(mut self, status: Status) -> Self {
        self.status = status;
        self.timing.finished = SystemTime::now();
        self
    }
}

/// A snapshot of a job's counters, for a progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Results delivered so far (all actions).
    pub results: u64,
    /// Of those, failures.
    pub failed: u64,
    /// Of those, skipped as identical or unchanged.
    pub skipped: u64,
    /// Bytes uploaded so far (counted when each object or segment is stored).
    pub bytes_sent: u64,
    /// Bytes downloaded so far (counted as they arrive).
    pub bytes_received: u64,
}

/// The live counters shared by a job's tasks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    results: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) bytes_received: AtomicU64,
}

impl Counters {
    pub(crate) fn record(&self, r: &TransferResult) {
        self.results.fetch_add(1, Ordering::Relaxed);
        match r.status {
            Status::Failed => {
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
            Status::SkippedChanged | Status::SkippedIdentical => {
                self.skipped.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    pub(crate) fn sent(&self, n: u64) {
        self.bytes_sent.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn received(&self, n: u64) {
        self.bytes_received.fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Progress {
        Progress {
            results: self.results.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
        }
    }
}

/// A running transfer: a [`Stream`] of [`TransferResult`]s in completion order.
///
/// The work runs in background tasks on the current Tokio runtime and is bounded by the
/// engine's concurrency limits; results wait in a bounded queue, so a consumer that stops
/// reading slows the transfer down rather than growing memory. The stream ends when every
/// item has been reported. [`Job::cancel`] (or dropping the job) stops it: items not yet
/// started are reported as [`Status::Cancelled`] (for explicit item lists) and requests in
/// flight are abandoned; a download never leaves a partial file under its final name.
#[derive(Debug)]
#[must_use = "dropping a Job cancels it: read its results (or call cancel)"]
pub struct Job {
    rx: mpsc::Receiver<TransferResult>,
    cancel: CancellationToken,
    counters: Arc<Counters>,
    _guard: DropGuard,
}

impl Job {
    pub(crate) fn new(
        rx: mpsc::Receiver<TransferResult>,
        cancel: CancellationToken,
        counters: Arc<Counters>,
    ) -> Self {
        let guard = cancel.clone().drop_guard();
        Job {
            rx,
            cancel,
            counters,
            _guard: guard,
        }
    }

    /// Stops the job: nothing new starts and requests in flight are abandoned.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A token that cancels this job when cancelled (e.g. from a Ctrl-C handler).
    pub fn cancellation_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// The counters so far (results, failures, bytes).
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }

    /// The next result, or `None` when the job is finished.
    pub async fn next_result(&mut self) -> Option<TransferResult> {
        self.rx.recv().await
    }

    /// Waits for the whole job and returns every result.
    pub async fn collect_all(mut self) -> Vec<TransferResult> {
        let mut out = Vec::new();
        while let Some(r) = self.rx.recv().await {
            out.push(r);
        }
        out
    }
}

impl Stream for Job {
    type Item = TransferResult;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TransferResult>> {
        self.rx.poll_recv(cx)
    }
}
