//! Tests against the real local Swift cluster, one module per concern: object_store's own
//! conformance suite, faults and revoked tokens, large objects, secrets. They skip themselves
//! unless `TEST_INTEGRATION` is set (`scripts/test` sets it). The 20k listing, which measures
//! the process's peak memory, is a binary of its own (`tests/listing_20k.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod conformance;
mod faults;
mod large_objects;
mod secrets;
