//! Shared helpers for the tests that run against the real local Swift cluster.
//!
//! The cluster is started by `scripts/test` (or `eval "$(bash testbed/swift/start)"`), which
//! exports `ST_AUTH`, `ST_USER`, `ST_KEY` and the `SWIFT_TESTBED_*` variables read here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use swiftclient::{Connection, ConnectionBuilder};

/// True (with a one-line notice) when the tests that need the local Swift cluster are to be
/// skipped: unless `TEST_INTEGRATION` is set, as `scripts/test` does (object_store's
/// pattern), so that a plain `cargo test` on a fresh checkout passes. With it set, nothing is
/// skipped: a missing cluster is then a failure, never a silent pass.
pub fn skip() -> bool {
    if std::env::var_os("TEST_INTEGRATION").is_some() {
        return false;
    }
    eprintln!(
        "skipping: this test needs the local Swift cluster (TEST_INTEGRATION=1, as scripts/test sets)"
    );
    true
}

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

/// A connection builder for the fake server: its storage URL `/v1/AUTH_t`, token `tok`, and
/// `clock` as the connection's clock (so retries and pauses cost no real time).
pub fn fake(
    server: &swift_fake::FakeServer,
    clock: &swiftclient::ManualClock,
) -> ConnectionBuilder {
    Connection::builder()
        .preauth_url(format!("{}/v1/AUTH_t", server.url()))
        .preauth_token("tok")
        .sleeper(std::sync::Arc::new(clock.clone()))
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

/// Deterministic pseudo-random bytes (xorshift64*), fast enough for hundreds of megabytes.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    fill_random(seed, &mut out);
    out
}

/// Fills `buf` with the pseudo-random stream of `seed`.
pub fn fill_random(seed: u64, buf: &mut [u8]) {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

/// Writes `len` pseudo-random bytes to `path` in 1 MiB pieces (each piece seeded from
/// `seed` and its index); returns their MD5.
pub fn write_random_file(path: &std::path::Path, len: u64, seed: u64) -> String {
    use md5::{Digest, Md5};
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    let mut i = 0u64;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        fill_random(seed.wrapping_add(i), &mut buf[..n]);
        h.update(&buf[..n]);
        f.write_all(&buf[..n]).unwrap();
        left -= n as u64;
        i += 1;
    }
    f.flush().unwrap();
    hex(&h.finalize())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The MD5 of `data` in hex.
pub fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    hex(&Md5::digest(data))
}

/// The MD5 of a file in hex.
pub fn md5_file(path: &std::path::Path) -> String {
    use md5::{Digest, Md5};
    use std::io::Read;
    let mut f = std::fs::File::open(path).unwrap();
    let mut h = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    hex(&h.finalize())
}

/// Every object name in a container (empty when the container does not exist).
pub async fn object_names(conn: &Connection, container: &str) -> Vec<String> {
    use futures_util::TryStreamExt;
    match conn
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

/// Deletes a tempauth token from the cluster's memcached (Swift md5-hashes the keys), which
/// invalidates it exactly as its expiry would: tempauth checks memcached on every request.
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
