//! An OpenStack Swift object-storage client: every operation of python-swiftclient's
//! `Connection`, in async Rust, with a [`blocking`] facade and a [`transfer`] engine for many
//! objects and large ones.
//!
//! # Connecting
//!
//! A [`Connection`] authenticates on first use (v1/tempauth, Keystone v2.0 or v3, or a storage
//! URL and token you already have) and shares its token, pool and back-off with its clones.
//!
//! ```no_run
//! # async fn demo() -> swiftclient::Result<()> {
//! use swiftclient::Connection;
//!
//! // v1 (tempauth), python-swiftclient's default
//! let conn = Connection::v1("http://127.0.0.1:8080/auth/v1.0", "test:tester", "testing")?;
//! // or everything python-swiftclient's `swift` reads: ST_AUTH/ST_USER/ST_KEY, OS_*, clouds.yaml
//! let conn = swiftclient::ConnectionBuilder::from_env()?.retries(3).build()?;
//! // or a storage URL and token obtained elsewhere
//! let conn = Connection::preauth("http://127.0.0.1:8080/v1/AUTH_test", "AUTH_tk...")?;
//! # let _ = conn; Ok(()) }
//! ```
//!
//! # Objects
//!
//! Uploads take bytes, strings, files, readers and streams ([`Body`]); downloads are streamed
//! ([`ObjectBody`]), resumed with `Range` + `If-Match` when a connection breaks, and checked
//! against the ETag at the end.
//!
//! ```no_run
//! # async fn demo(conn: swiftclient::Connection) -> swiftclient::Result<()> {
//! use swiftclient::{PutOptions, RequestHeaders};
//!
//! conn.put_container("documents").await?;
//! conn.put_object_with("documents", "notes/today.txt", "Hello, Swift",
//!     &PutOptions::new().content_type("text/plain").header("X-Object-Meta-Author", "me")).await?;
//! let file = std::fs::File::open("report.pdf")?;
//! conn.put_object("documents", "report.pdf", swiftclient::Body::file(file)?).await?;
//!
//! let obj = conn.get_object("documents", "notes/today.txt").await?;
//! println!("{:?} bytes", obj.headers().content_length());
//! let text = obj.bytes().await?;                     // or into_stream(), into_async_read()
//!
//! conn.post_object("documents", "report.pdf",
//!     RequestHeaders::new().with("X-Object-Meta-Reviewed", "yes")).await?;
//! conn.copy_object("documents", "report.pdf", "/archive/report.pdf").await?;
//! conn.delete_object("documents", "notes/today.txt").await?;
//! # let _ = text; Ok(()) }
//! ```
//!
//! # Listings
//!
//! One page, every page ([`ListOptions::full_listing`]), or a lazy stream that holds one page
//! at a time.
//!
//! ```no_run
//! # async fn demo(conn: swiftclient::Connection) -> swiftclient::Result<()> {
//! use futures_util::TryStreamExt;
//! use swiftclient::ListOptions;
//!
//! let page = conn.get_container("documents", &ListOptions::new().prefix("notes/")).await?;
//! for e in &page.entries {
//!     println!("{} {} {}", e.name, e.bytes, e.last_modified);
//! }
//! let mut all = std::pin::pin!(conn.container_entries("documents", ListOptions::new()));
//! while let Some(e) = all.try_next().await? {
//!     println!("{}", e.name);
//! }
//! # Ok(()) }
//! ```
//!
//! # Large objects and many objects: [`transfer`]
//!
//! [`transfer::Transfer`] is python-swiftclient's `SwiftService`: trees up and down,
//! SLO/DLO segmenting, skip-identical, bulk delete, extract-archive, with bounded concurrency
//! over one connection. Each operation is a [`transfer::Job`], a stream of typed results.
//!
//! ```no_run
//! # async fn demo(conn: swiftclient::Connection) -> swiftclient::Result<()> {
//! use swiftclient::transfer::{DownloadOptions, Transfer, UploadObject, UploadOptions};
//!
//! let t = Transfer::new(conn);
//! let objects = UploadObject::tree("photos", None)?;
//! let mut job = t.upload("backup", objects, &UploadOptions::new().segment_size(100 << 20))?;
//! while let Some(r) = job.next_result().await {
//!     if let Some(e) = r.error() {
//!         eprintln!("{:?}: {e}", r.object);
//!     }
//! }
//! let job = t.download_container("backup", &DownloadOptions::new().out_directory("restore"))?;
//! let failed = job.collect_all().await.iter().filter(|r| !r.is_success()).count();
//! # let _ = failed; Ok(()) }
//! ```
//!
//! # Errors and retries
//!
//! Every failure is one opaque [`Error`], with what python-swiftclient's `ClientException`
//! carries (status, reason, headers, body excerpt, transaction id, attempts) and predicates
//! such as [`Error::is_not_found`], [`Error::is_rate_limited`], [`Error::is_timeout`]. Requests
//! are retried as python-swiftclient retries them ([`RetryConfig`]: 5xx, 408, 499,
//! transport errors, 498/429 with `Retry-After`, a 401 once after a new authentication);
//! object DELETEs only when they cannot have been carried out.
//!
//! ```no_run
//! # async fn demo(conn: swiftclient::Connection) -> swiftclient::Result<()> {
//! match conn.head_object("documents", "missing").await {
//!     Ok(r) => println!("{:?}", r.etag()),
//!     Err(e) if e.is_not_found() => println!("no such object (txn {:?})", e.trans_id()),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```
//!
//! # Blocking
//!
//! [`blocking::Connection`] and [`blocking::Transfer`] have the same methods without
//! `.await`; a downloaded [`blocking::Object`] is a [`std::io::Read`], a job an iterator.
//!
//! # Features and TLS
//!
//! Cargo features, all on by default: `transfer`, `blocking`, `keystone`, `clouds-yaml`,
//! `tempurl`. TLS is rustls: when no process-wide rustls `CryptoProvider` is installed by the
//! time the first connection is built, this crate installs *ring*'s as the process default;
//! install your own before that to use it instead. Requests are logged through `tracing`
//! (target `swiftclient`) in python-swiftclient's curl-like form, with every secret redacted.

#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod account;
pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod clock;
mod config;
mod connection;
mod container;
mod error;
#[cfg(test)]
mod fuzz;
mod headers;
mod http;
mod listing;
#[cfg(feature = "transfer")]
mod localfs;
mod numbers;
mod object;
mod object_body;
mod options;
pub mod path;
mod quoting;
mod response;
mod retry;
mod secret;
mod settings;
#[cfg(feature = "tempurl")]
pub mod tempurl;
#[cfg(feature = "transfer")]
pub mod transfer;
mod transport;

pub use auth::{AuthToken, Authenticator, V1Auth};
pub use clock::{BoxFuture, ManualClock, Sleeper, TokioSleeper};
pub use config::{ConnectionBuilder, OsOptions, TlsOptions};
pub use connection::{Capabilities, Connection};
pub use error::{Error, ErrorKind, Result};
pub use headers::{Headers, RequestHeaders};
pub use listing::{ContainerEntry, Entry, ListOptions, Listing, ObjectEntry};
pub use object_body::{Object, ObjectBody};
pub use options::{CopyOptions, PutOptions, RequestOptions};
pub use response::{Attempt, Response};
pub use retry::RetryConfig;
pub use secret::Secret;
pub use settings::Settings;
pub use transport::body::Body;
