//! Shared helpers for the tests that run against the real local Swift cluster.
//!
//! The cluster is started by `scripts/test` (or `eval "$(bash testbed/swift/start)"`), which
//! exports `ST_AUTH`, `ST_USER`, `ST_KEY` and the `SWIFT_TESTBED_*` variables read here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use swiftclient::{Connection, ConnectionBuilder};

/// An environment variable the test bed exports; a clear failure when the cluster is not set up.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the local Swift cluster; run scripts/test, \
             or eval \"$(bash testbed/swift/start)\" first"
        )
    })
}

/// A builder for the main test account (`test:tester`).
pub fn builder() -> ConnectionBuilder {
    Connection::builder()
        .auth_url(env("ST_AUTH"))
        .user(env("ST_USER"))
        .key(env("ST_KEY"))
}

/// A connection to the main test account.
pub fn connect() -> Connection {
    builder().build().expect("connection")
}

/// A name unique to this test run, so tests never collide.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Deletes every object of a container, then the container (ignores a missing container).
pub async fn cleanup(conn: &Connection, container: &str) {
    use futures_util::TryStreamExt;
    let entries: Vec<_> = match conn
        .container_entries(container, swiftclient::ListOptions::new())
        .try_collect::<Vec<_>>()
        .await
    {
        Ok(e) => e,
        Err(e) if e.is_not_found() => return,
        Err(e) => panic!("listing {container} for cleanup: {e}"),
    };
    for e in entries {
        if let Err(err) = conn.delete_object(container, &e.name).await {
            assert!(err.is_not_found(), "cleanup delete {}: {err}", e.name);
        }
    }
    if let Err(err) = conn.delete_container(container).await {
        assert!(err.is_not_found(), "cleanup delete {container}: {err}");
    }
}

/// Peak resident memory of this process (VmHWM), in bytes.
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("VmHWM value");
    kb * 1024
}

/// A setting of the Keystone test bed (`testbed/keystone`), read from the export file it
/// keeps (`$KEYSTONE_TESTBED_HOME/state/env.sh`) so that its `OS_*` variables do not leak
/// into the environment of the other tests.
pub fn keystone(name: &str) -> String {
    let home =
        std::env::var("KEYSTONE_TESTBED_HOME").unwrap_or_else(|_| "/tmp/keystone-testbed".into());
    let path = format!("{home}/state/env.sh");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("{path} is missing: start Keystone with scripts/test or testbed/keystone/start-swift-proxy")
    });
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches(['\'', '"']).to_owned())
        .unwrap_or_else(|| panic!("{name} not in {path}"))
}
