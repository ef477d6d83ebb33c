//! An OpenStack Swift object-storage client: python-swiftclient's `Connection`, in async Rust,
//! with a [`blocking`] facade.
//!
//! ```no_run
//! # async fn demo() -> swiftclient::Result<()> {
//! use swiftclient::{Connection, ListOptions};
//!
//! let conn = Connection::v1("http://127.0.0.1:8080/auth/v1.0", "test:tester", "testing")?;
//! let account = conn.head_account().await?;
//! println!("{} containers", account.headers().container_count().unwrap_or(0));
//!
//! conn.put_container("documents").await?;
//! conn.put_object("documents", "readme.txt", "Hello, World!").await?;
//! let text = conn.get_object("documents", "readme.txt").await?.bytes().await?;
//! assert_eq!(&text[..], b"Hello, World!");
//!
//! let listing = conn.get_container("documents", &ListOptions::new().full_listing(true)).await?;
//! for obj in &listing.entries {
//!     println!("{} {}", obj.name, obj.bytes);
//! }
//! conn.delete_object("documents", "readme.txt").await?;
//! conn.delete_container("documents").await?;
//! # Ok(()) }
//! ```
//!
//! What the connection does for you:
//! - authentication (v1/tempauth, or a preauthenticated storage URL and token), once per
//!   connection and its clones, again when a token expires or a request gets 401;
//! - retries with exponential back-off (python-swiftclient's rules: 5xx, 408, 499, transport
//!   errors, and 498/429 rate limiting with `Retry-After`), replaying upload bodies that can be
//!   rewound;
//! - streamed downloads that resume with `Range` + `If-Match` and are checked against the ETag;
//! - name checks and percent-encoding as python-swiftclient does;
//! - request logging through `tracing` (target `swiftclient`) with secrets redacted.

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
mod download;
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
pub use clock::{BoxFuture, Sleeper, TokioSleeper};
pub use config::{ConnectionBuilder, OsOptions, TlsOptions};
pub use connection::{Capabilities, Connection};
pub use download::{Object, ObjectBody};
pub use error::{Error, ErrorKind, Result};
pub use headers::{Headers, RequestHeaders};
pub use listing::{ContainerEntry, Entry, ListOptions, Listing, ObjectEntry};
pub use options::{CopyOptions, PutOptions, RequestOptions};
pub use response::{Attempt, Response};
pub use retry::RetryConfig;
pub use secret::Secret;
pub use settings::Settings;
pub use transport::body::Body;
