//! Tests against the real local Swift cluster (and the Keystone test bed), one module per
//! concern. They skip themselves unless `TEST_INTEGRATION` is set (`scripts/test` sets it).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../support/mod.rs"]
mod support;

mod account;
mod auth;
mod blocking;
mod container;
mod faults;
mod keystone;
mod object;
mod revocation;
mod streaming;
mod tempurl_oracle;
mod transfer_account;
mod transfer_bulk;
mod transfer_large;
mod transfer_tree;
