//! Shared helpers for the tests against the real local Swift cluster (started by
//! `scripts/test`, or `eval "$(bash testbed/swift/start)"`, which exports `ST_AUTH`,
//! `ST_USER`, `ST_KEY` and the `SWIFT_TESTBED_*` variables read here).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use swift_object_store::{SwiftStore, SwiftStoreBuilder};
use swiftclient::transfer::{DeleteOptions, Transfer};
use swiftclient::{Connection, ConnectionBuilder};

/// True when the tests that need the cluster are to be skipped: unless `TEST_INTEGRATION`
/// is set, as `scripts/test` does, so that a plain `cargo test` on a fresh checkout passes.
/// With it set, nothing is skipped: a missing cluster is then a failure.
pub fn skip() -> bool {
    if std::env::var_os("TEST_INTEGRATION").is_some() {
        return false;
    }
    eprintln!(
        "skipping: this test needs the local Swift cluster (TEST_INTEGRATION=1, as scripts/test sets)"
    );
    true
}

/// An environment variable the test bed exports; a clear failure when the cluster is not up.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the local Swift cluster; run scripts/test, \
             or eval \"$(bash testbed/swift/start)\" first"
        )
    })
}

/// A builder for the main test account.
pub fn builder() -> ConnectionBuilder {
    Connection::builder()
        .auth_url(env("ST_AUTH"))
        .user(env("ST_USER"))
        .key(env("ST_KEY"))
}

pub fn connect() -> Connection {
    builder().build().expect("connection")
}

/// A name unique to this test run.
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

/// A fresh container with a store over it.
pub struct Fixture {
    pub conn: Connection,
    pub container: String,
    pub store: SwiftStore,
}

impl Fixture {
    pub async fn new(name: &str) -> Fixture {
        Self::with(name, |b| b).await
    }

    /// A fresh container, with a store configured by `f`.
    pub async fn with(
        name: &str,
        f: impl FnOnce(SwiftStoreBuilder) -> SwiftStoreBuilder,
    ) -> Fixture {
        let conn = connect();
        let container = unique(&format!("os-{name}"));
        conn.put_container(&container).await.unwrap();
        let store = f(SwiftStore::builder()
            .with_connection(conn.clone())
            .with_container(&container))
        .build()
        .unwrap();
        Fixture {
            conn,
            container,
            store,
        }
    }

    /// Deletes the container and the segment container with everything in them.
    pub async fn cleanup(self) {
        let t = Transfer::new(self.conn.clone());
        for c in [
            self.container.clone(),
            self.store.segment_container().to_owned(),
        ] {
            let results = t
                .delete_container(&c, &DeleteOptions::new())
                .unwrap()
                .collect_all()
                .await;
            for r in results {
                if let Some(e) = r.error() {
                    assert!(e.is_not_found(), "cleanup of {c}: {e}");
                }
            }
        }
    }

    /// Every object name in `container`.
    pub async fn names(&self, container: &str) -> Vec<String> {
        use futures_util::TryStreamExt;
        match self
            .conn
            .container_entries(container, swiftclient::ListOptions::new())
            .map_ok(|e| e.name)
            .try_collect::<Vec<_>>()
            .await
        {
            Ok(v) => v,
            Err(e) if e.is_not_found() => Vec::new(),
            Err(e) => panic!("listing {container}: {e}"),
        }
    }
}

/// Revokes a tempauth token by deleting it from memcached (tempauth checks every request
/// there), so the next request with it gets a 401.
pub fn revoke_tempauth_token(token: &str) {
    use md5::{Digest, Md5};
    use std::io::{Read, Write};
    let key: String = Md5::digest(format!("AUTH_/token/{token}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut s = std::net::TcpStream::connect(env("SWIFT_TESTBED_MEMCACHED")).unwrap();
    s.write_all(format!("delete {key}\r\n").as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"DELETED\r\n", "the token was not in memcached");
}

/// Peak resident memory of this process (VmHWM), in bytes.
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}
