//! The transfer engine: python-swiftclient's `SwiftService`, for many objects and large ones.
//!
//! A [`Transfer`] wraps one [`Connection`](crate::Connection) (cloned into every task, so all requests share one
//! connection pool and one token) and runs uploads, downloads, deletes, copies, metadata
//! posts and archive extractions with bounded concurrency. Each operation returns a [`Job`]:
//! a [`Stream`](futures_util::Stream) of typed [`TransferResult`]s, one per object, segment,
//! container or bulk request, in completion order, carrying what python-swiftclient's result
//! dictionaries carry (action, container, object, path, status, error, attempts, response,
//! segment information, large-object flag, timings).
//!
//! ```no_run
//! # async fn demo() -> swiftclient::Result<()> {
//! use futures_util::StreamExt;
//! use swiftclient::transfer::{DownloadOptions, Transfer, UploadObject, UploadOptions};
//! use swiftclient::Connection;
//!
//! let conn = Connection::v1("http://127.0.0.1:8080/auth/v1.0", "test:tester", "testing")?;
//! let transfer = Transfer::new(conn);
//!
//! // Upload a directory tree; files over 100 MiB become SLOs with 100 MiB segments.
//! let objects = UploadObject::tree("photos", None)?;
//! let opts = UploadOptions::new().segment_size(100 << 20).changed(true);
//! let mut job = transfer.upload("backup", objects, &opts)?;
//! while let Some(r) = job.next().await {
//!     match r.error() {
//!         None => println!("{}", r.object.as_deref().unwrap_or_default()),
//!         Some(e) => eprintln!("{e}"),
//!     }
//! }
//!
//! // Download the container into ./restore, verifying every object (SLOs segment by segment).
//! let opts = DownloadOptions::new().out_directory("restore");
//! let results = transfer.download_container("backup", &opts)?.collect_all().await;
//! assert!(results.iter().all(|r| r.is_success()));
//! # Ok(()) }
//! ```
//!
//! How it differs from python-swiftclient (on purpose):
//! - one authenticated connection pool for all workers instead of one connection per thread;
//! - downloads go to a temporary file in the target directory, are fsync'd, and are renamed
//!   only when verified; SLOs are verified segment by segment against their manifest, DLOs
//!   against their segment listing;
//! - uploads from streams are segmented with bounded memory (large segments are spooled to
//!   an unlinked temporary file) and every segment and manifest body can be replayed on retry;
//! - files larger than the cluster's `max_file_size` are segmented automatically;
//! - replacing a large object never deletes the segments the new upload wrote;
//! - bulk deletes do not orphan large-object segments (manifests are deleted one by one);
//! - `upload("c/folder", ...)` always puts objects under `folder/` (python's `urljoin` drops
//!   the folder unless it ends in `/`).

mod bulk;
mod common;
mod copy;
mod delete;
mod download;
mod engine;
mod post;
mod progress;
mod segments;
#[cfg(test)]
pub(crate) use segments::parse_manifest;
mod tar;
mod upload;

pub use bulk::{ArchiveOptions, ArchiveSource};
pub use copy::{CopyJobOptions, CopyObject};
pub use delete::DeleteOptions;
pub use download::{DownloadOptions, DownloadTarget, SharedWriter};
pub use engine::{Transfer, TransferOptions};
pub use post::{PostObject, PostOptions};
pub use progress::{
    Action, BulkReport, Job, Progress, SegmentInfo, Status, Timing, TransferResult, Verification,
};
pub use upload::{UploadObject, UploadOptions};
