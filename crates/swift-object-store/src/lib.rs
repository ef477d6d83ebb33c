//! An [`object_store::ObjectStore`] (object_store 0.14) for OpenStack Swift, backed by
//! [`swiftclient::Connection`]: the engines built on Apache Arrow's `object_store` crate
//! (DataFusion, delta-rs, Lance, iceberg-rust, ...; each from its release on object_store
//! 0.14) read and write Swift natively, with swiftclient's retries, re-authentication,
//! resumable downloads and checksums underneath.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::TryStreamExt;
//! use object_store::{path::Path, ObjectStore, ObjectStoreExt, PutPayload};
//! use swift_object_store::SwiftStore;
//!
//! let conn = swiftclient::Connection::v1("http://127.0.0.1:8080/auth/v1.0", "test:tester", "testing")?;
//! conn.put_container("lake").await?; // the container must exist
//! let store = SwiftStore::new(conn, "lake");
//! // or, from ST_*/OS_* variables or clouds.yaml, as the `swift` command reads them:
//! // let store = SwiftStore::builder().from_env()?.with_container("lake").build()?;
//!
//! let path = Path::from("events/2024/part-0.csv");
//! store.put(&path, PutPayload::from("id,name\n1,swift\n")).await?;
//! let data = store.get(&path).await?.bytes().await?;
//! let listed: Vec<_> = store.list(Some(&Path::from("events"))).try_collect().await?;
//! assert_eq!(listed[0].size, data.len() as u64);
//! # Ok(()) }
//! ```
//!
//! How Swift's features map onto `object_store`'s:
//! - **Writes**: `put` is one `PUT` (payloads larger than the segment size, or than the
//!   cluster's `max_file_size`, become a static large object written from segments in
//!   parallel); [`PutMode::Create`](object_store::PutMode::Create) is `If-None-Match: *`;
//!   `PutMode::Update` is [`NotImplemented`](object_store::Error::NotImplemented), since Swift
//!   has no conditional PUT on an ETag. Attributes are the content type, disposition,
//!   encoding, language and cache control headers, and user metadata as `X-Object-Meta-*`
//!   (keys come back lower-case).
//! - **Multipart uploads** ([`MultipartStore`] and
//!   `put_multipart`): each part is a segment in the segment container (by default
//!   `<container>_segments`, created with the container's storage policy when missing), of
//!   any size; completion writes a static large object manifest (a dynamic one when the
//!   cluster has no SLO, or [`SwiftStoreBuilder::with_slo`] says so); abort deletes the
//!   segments. Replacing or deleting a large object written this way deletes its segments.
//! - **Reads**: ranges (bounded, offset, suffix), `If-Match`, `If-None-Match`,
//!   `If-(Un)Modified-Since`, `head`, and `version` (Swift's `version-id`). A whole-object
//!   read resumes after a broken connection and is checked against the ETag (swiftclient);
//!   a ranged read resumes too, with `If-Match` so that a replaced object is an error rather
//!   than spliced data.
//! - **Listings** are Swift's marker listings, fetched lazily one page at a time, also as
//!   [`PaginatedListStore`]; `list_with_offset` is a
//!   marker, so nothing before the offset is fetched.
//! - **Copies** are server-side `COPY`s. `copy_if_not_exists` cannot be server-side on Swift
//!   (the copy middleware evaluates `If-None-Match` against the *source*), so it reads the
//!   source and writes it with `If-None-Match: *`: exclusive and atomic, but the data goes
//!   through the client.
//! - **Deletes** go through swiftclient's transfer engine: bulk deletes when the cluster
//!   offers them, large objects with their segments.
//! - **Errors**: 404 is `NotFound`, 412 `Precondition` (`AlreadyExists` for a write with
//!   `If-None-Match: *`), 304 `NotModified`, 401 `Unauthenticated`, 403 `PermissionDenied`;
//!   anything else `Generic`, whose source is the [`swiftclient::Error`] with the URL, status
//!   and transaction id.

#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod builder;
mod delete;
mod error;
mod get;
mod list;
mod meta;
mod multipart;
mod write;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::stream::BoxStream;
use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartId, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use swiftclient::transfer::{Transfer, TransferOptions};
use swiftclient::Connection;

pub use builder::SwiftStoreBuilder;

/// Default concurrency: segments of one large `put`, deletes of one `delete_stream` batch.
const DEFAULT_CONCURRENCY: usize = 8;

/// Default number of attempts a ranged read makes to resume after a broken connection.
const DEFAULT_RESUME_ATTEMPTS: u32 = 5;

/// An [`ObjectStore`] over one Swift container.
///
/// Cheap to clone: clones share the connection (one pool, one token), the cached cluster
/// capabilities and the segment container check. `Debug` shows the container, the options
/// and the storage URL, never a token or key; `Display` is `SwiftStore(<container>)`.
#[derive(Clone)]
pub struct SwiftStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    transfer: Transfer,
    container: String,
    segment_container: String,
    config: Config,
    /// Set once the segment container is known to exist.
    segments_ready: tokio::sync::OnceCell<()>,
}

/// What a [`SwiftStoreBuilder`] configures besides the connection and the containers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Config {
    /// `put` payloads larger than this are written as SLOs of segments this size.
    segment_size: Option<u64>,
    /// Requests in flight for one operation (segments of a `put`, deletes).
    concurrency: usize,
    /// Entries per listing request (`None`: the cluster's maximum, usually 10,000).
    list_page_size: Option<u64>,
    /// How often a ranged read resumes after a broken connection.
    resume_attempts: u32,
    /// Delete the segments of a large object this store wrote when it is replaced.
    segment_cleanup: bool,
    /// Static large objects (`Some(true)`), dynamic ones (`Some(false)`), or what the
    /// cluster's `/info` offers (`None`).
    slo: Option<bool>,
    /// Segments per SLO manifest (at most the cluster's `max_manifest_segments`).
    max_manifest_segments: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            segment_size: None,
            concurrency: DEFAULT_CONCURRENCY,
            list_page_size: None,
            resume_attempts: DEFAULT_RESUME_ATTEMPTS,
            segment_cleanup: true,
            slo: None,
            max_manifest_segments: None,
        }
    }
}

impl SwiftStore {
    /// A store over `container` (which must exist), with the default options. No request
    /// is made here.
    pub fn new(conn: Connection, container: impl Into<String>) -> SwiftStore {
        let container = container.into();
        let segment_container = format!("{container}_segments");
        Self::from_parts(conn, container, segment_container, Config::default())
    }

    /// A builder: connection settings from the environment or `clouds.yaml`, segment size,
    /// segment container, concurrency.
    pub fn builder() -> SwiftStoreBuilder {
        SwiftStoreBuilder::new()
    }

    pub(crate) fn from_parts(
        conn: Connection,
        container: String,
        segment_container: String,
        config: Config,
    ) -> SwiftStore {
        let transfer = Transfer::with_options(
            conn.clone(),
            TransferOptions::new()
                .object_concurrency(config.concurrency)
                .segment_concurrency(config.concurrency)
                .container_concurrency(1),
        );
        SwiftStore {
            inner: Arc::new(Inner {
                conn,
                transfer,
                container,
                segment_container,
                config,
                segments_ready: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// The container this store reads and writes.
    pub fn container(&self) -> &str {
        &self.inner.container
    }

    /// The container that holds the segments of multipart uploads and large `put`s.
    pub fn segment_container(&self) -> &str {
        &self.inner.segment_container
    }

    /// The connection every request goes through.
    pub fn connection(&self) -> &Connection {
        &self.inner.conn
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.inner.conn
    }

    pub(crate) fn transfer(&self) -> &Transfer {
        &self.inner.transfer
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether large objects are written as SLOs (else DLOs).
    pub(crate) async fn use_slo(&self) -> bool {
        match self.inner.config.slo {
            Some(v) => v,
            None => self
                .inner
                .transfer
                .capabilities()
                .await
                .is_some_and(|c| c.has("slo")),
        }
    }

    /// A numeric setting of the cluster's `/info` (cached for the store's lifetime).
    pub(crate) async fn limit(&self, section: &str, key: &str) -> Option<u64> {
        self.inner
            .transfer
            .capabilities()
            .await
            .and_then(|c| c.limit(section, key))
    }
}

impl fmt::Display for SwiftStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SwiftStore({})", self.inner.container)
    }
}

impl fmt::Debug for SwiftStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("SwiftStore")
            .field("container", &self.inner.container)
            .field("segment_container", &self.inner.segment_container)
            .field("storage_url", &self.inner.conn.url())
            .field("segment_size", &c.segment_size)
            .field("concurrency", &c.concurrency)
            .field("list_page_size", &c.list_page_size)
            .field("resume_attempts", &c.resume_attempts)
            .field("segment_cleanup", &c.segment_cleanup)
            .field("slo", &c.slo)
            .field("max_manifest_segments", &c.max_manifest_segments)
            .finish()
    }
}

#[async_trait]
impl ObjectStore for SwiftStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        write::put(self, location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        multipart::start_upload(self, location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        get::get_opts(self, location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        delete::delete_stream(self.clone(), locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        list::list(self, prefix, None)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        list::list(self, prefix, Some(offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        list::list_with_delimiter(self, prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        write::copy(self, from, to, options).await
    }
}

#[async_trait]
impl MultipartStore for SwiftStore {
    async fn create_multipart(&self, path: &Path) -> Result<MultipartId> {
        multipart::create(self, path, PutMultipartOptions::default()).await
    }

    async fn create_multipart_opts(
        &self,
        path: &Path,
        opts: PutMultipartOptions,
    ) -> Result<MultipartId> {
        multipart::create(self, path, opts).await
    }

    async fn put_part(
        &self,
        path: &Path,
        id: &MultipartId,
        part_idx: usize,
        data: PutPayload,
    ) -> Result<PartId> {
        multipart::put_part(self, path, id, part_idx, data).await
    }

    async fn complete_multipart(
        &self,
        path: &Path,
        id: &MultipartId,
        parts: Vec<PartId>,
    ) -> Result<PutResult> {
        multipart::complete(self, path, id, parts).await
    }

    async fn abort_multipart(&self, path: &Path, id: &MultipartId) -> Result<()> {
        multipart::abort(self, path, id).await
    }
}

#[async_trait]
impl PaginatedListStore for SwiftStore {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> Result<PaginatedListResult> {
        list::list_paginated(self, prefix, opts).await
    }
}
