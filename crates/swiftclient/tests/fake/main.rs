//! Tests against the in-process fake server (`swift-fake`): what a real cluster cannot do on
//! demand (faults, exact request assertions, Keystone v2.0), one module per concern.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../support/mod.rs"]
mod support;

mod download;
mod hostile;
mod keystone;
mod malformed;
mod reauth;
mod requests;
mod retry;
mod shared_backoff;
mod special_paths;
mod timeouts;
mod tls;
mod transfer;
mod upload;
