//! Test support for the Swift client library.
//!
//! This crate provides two things a real Swift cluster cannot provide on demand:
//!
//! * [`FakeServer`]: a scripted, in-process HTTP/1.1 server bound to `127.0.0.1`
//!   on an ephemeral port. Each incoming request pops the next [`Reply`] from a
//!   FIFO script (falling back to a handler when the script is empty), and every
//!   request is recorded verbatim as a [`RecordedRequest`] for exact assertions.
//!   Replies can inject faults: delays, truncated bodies, stalls, dropped
//!   connections, chunked encoding, custom reason phrases and duplicate headers.
//! * [`FaultProxy`]: a TCP proxy in front of a real server (the local Swift cluster) that
//!   resets, truncates, stalls or delays connections at chosen byte offsets, and can be
//!   killed and restarted in the middle of a transfer.
//! * [`TlsFixture`]: a freshly generated CA, a server certificate valid for
//!   `localhost` and `127.0.0.1`, and a client certificate, written as PEM files
//!   into a temporary directory. [`FakeServer::start_tls`] serves HTTPS with it,
//!   optionally requiring client certificates.
//!
//! ```no_run
//! # async fn demo() {
//! use swift_fake::{FakeServer, Reply};
//!
//! let server = FakeServer::start().await;
//! server.push(Reply::status(401));
//! server.push(Reply::status(200).json("[]"));
//! // ... point the client at server.url() and run it ...
//! assert_eq!(server.request_count(), 2);
//! assert_eq!(server.requests()[1].method, "GET");
//! # }
//! ```
#![deny(missing_docs)]
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod proxy;
mod reply;
mod server;
mod tls;

pub use proxy::{Fault, FaultProxy};
pub use reply::Reply;
pub use server::{FakeServer, RecordedRequest};
pub use tls::TlsFixture;
