//! Network faults between the client and the real cluster, injected by the fault proxy:
//! the proxy is killed and restarted in the middle of 100 MB transfers.
//! Guarantees: each operation retries and completes, or fails with a clear error; the object
//! on the server is always the old or the new version, whole; a download never delivers
//! bytes that do not match the object.

use crate::support as common;

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use md5::{Digest, Md5};
use swift_fake::{Fault, FaultProxy};
use swiftclient::{Body, Connection};

const SIZE: usize = 100 * 1024 * 1024;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A temp file of `SIZE` bytes with content depending on `seed`, and its MD5.
fn big_file(seed: u8) -> (tempfile::NamedTempFile, String) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let mut h = Md5::new();
    let block: Vec<u8> = (0..1024 * 1024)
        .map(|i| (i as u8).wrapping_mul(7) ^ seed)
        .collect();
    for _ in 0..SIZE / block.len() {
        f.write_all(&block).unwrap();
        h.update(&block);
    }
    f.flush().unwrap();
    (f, hex(&h.finalize()))
}

async fn proxy() -> FaultProxy {
    let upstream: SocketAddr = common::env("SWIFT_TESTBED_PROXY_URL")
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    FaultProxy::start(upstream).await
}

fn through(proxy: &FaultProxy, retries: u32) -> Connection {
    common::builder()
        .preauth_url(proxy.proxied(&common::env("SWIFT_TESTBED_STORAGE_URL")))
        .retries(retries)
        .starting_backoff(Duration::from_millis(200))
        .build()
        .unwrap()
}

/// Kills the proxy once `pred` holds, keeps it down for `down`, then restarts it.
fn kill_when(
    proxy: &std::sync::Arc<FaultProxy>,
    pred: impl Fn(&FaultProxy) -> bool + Send + 'static,
    down: Duration,
) -> tokio::task::JoinHandle<bool> {
    let p = std::sync::Arc::clone(proxy);
    tokio::spawn(async move {
        for _ in 0..3000 {
            if pred(&p) {
                p.kill();
                tokio::time::sleep(down).await;
                p.restart().await;
                return true;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        false
    })
}

#[tokio::test]
async fn upload_survives_a_proxy_restart_and_the_object_is_whole() {
    if common::skip() {
        return;
    }
    let proxy = std::sync::Arc::new(proxy().await);
    let conn = through(&proxy, 5);
    let c = common::unique("fault-up");
    conn.put_container(&c).await.unwrap();
    let (file, md5) = big_file(1);
    let killer = kill_when(
        &proxy,
        |p| p.bytes_up() > 30 * 1024 * 1024,
        Duration::from_millis(300),
    );
    let resp = conn
        .put_object(&c, "big", Body::from_path(file.path()).unwrap())
        .await
        .unwrap();
    assert!(killer.await.unwrap(), "the proxy was killed mid-upload");
    assert!(
        resp.attempts().len() >= 2,
        "the upload was retried: {:?}",
        resp.attempts()
    );
    assert_eq!(resp.etag(), Some(md5.as_str()));
    let head = common::connect().head_object(&c, "big").await.unwrap();
    assert_eq!(head.headers().content_length(), Some(SIZE as u64));
    assert_eq!(head.etag(), Some(md5.as_str()));
    common::cleanup(&common::connect(), &c).await;
}

#[tokio::test]
async fn a_failed_upload_leaves_the_old_version_whole() {
    if common::skip() {
        return;
    }
    let proxy = std::sync::Arc::new(proxy().await);
    let direct = common::connect();
    let c = common::unique("fault-old");
    direct.put_container(&c).await.unwrap();
    let old = direct
        .put_object(&c, "obj", "the old version")
        .await
        .unwrap();
    // no retries: the broken upload fails, and must not replace the old object
    let conn = through(&proxy, 0);
    let (file, _) = big_file(2);
    proxy.set_fault(Fault::ResetAfterUp(40 * 1024 * 1024));
    let err = conn
        .put_object(&c, "obj", Body::from_path(file.path()).unwrap())
        .await
        .unwrap_err();
    assert!(err.is_transport(), "{err}");
    assert!(err.to_string().starts_with("Object PUT failed"), "{err}");
    let head = direct.head_object(&c, "obj").await.unwrap();
    assert_eq!(head.etag(), old.etag(), "the old version is intact");
    assert_eq!(head.headers().content_length(), Some(15));
    common::cleanup(&direct, &c).await;
}

#[tokio::test]
async fn download_survives_a_proxy_restart_with_exact_bytes() {
    if common::skip() {
        return;
    }
    let proxy = std::sync::Arc::new(proxy().await);
    let direct = common::connect();
    let c = common::unique("fault-down");
    direct.put_container(&c).await.unwrap();
    let (file, md5) = big_file(3);
    direct
        .put_object(&c, "big", Body::from_path(file.path()).unwrap())
        .await
        .unwrap();
    let conn = through(&proxy, 5);
    let mut obj = conn.get_object(&c, "big").await.unwrap();
    let killer = kill_when(
        &proxy,
        |p| p.bytes_down() > 50 * 1024 * 1024,
        Duration::from_millis(300),
    );
    let mut h = Md5::new();
    let mut n = 0usize;
    while let Some(chunk) = obj.body.chunk().await.unwrap() {
        n += chunk.len();
        h.update(&chunk);
    }
    assert!(killer.await.unwrap(), "the proxy was killed mid-download");
    assert_eq!(n, SIZE);
    assert_eq!(hex(&h.finalize()), md5);
    common::cleanup(&direct, &c).await;
}

#[tokio::test]
async fn truncated_download_without_retries_is_an_error_not_short_data() {
    if common::skip() {
        return;
    }
    let proxy = proxy().await;
    let direct = common::connect();
    let c = common::unique("fault-trunc");
    direct.put_container(&c).await.unwrap();
    direct
        .put_object(&c, "o", vec![b'q'; 2_000_000])
        .await
        .unwrap();
    let conn = through(&proxy, 0);
    proxy.set_fault(Fault::TruncateDown(500_000));
    let err = conn
        .get_object(&c, "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_integrity() || err.is_transport(), "{err:?}");
    proxy.set_fault(Fault::None);
    common::cleanup(&direct, &c).await;
}

#[tokio::test]
async fn segmented_upload_and_download_survive_a_proxy_restart() {
    if common::skip() {
        return;
    }
    use swiftclient::transfer::{
        Action, DownloadOptions, DownloadTarget, Transfer, UploadObject, UploadOptions,
    };
    let proxy = std::sync::Arc::new(proxy().await);
    let conn = through(&proxy, 5);
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("fault-slo");
    let (file, md5) = big_file(4);
    let opts = UploadOptions::new()
        .use_slo(true)
        .segment_size(16 * 1024 * 1024);
    let killer = kill_when(
        &proxy,
        |p| p.bytes_up() > 50 * 1024 * 1024,
        Duration::from_millis(300),
    );
    let results = transfer
        .upload(&c, [UploadObject::file_as(file.path(), "big")], &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(killer.await.unwrap(), "the proxy was killed mid-upload");
    for r in &results {
        assert!(r.is_success(), "{:?} {:?}", r.action, r.error());
    }
    assert!(results.iter().any(|r| r.action == Action::UploadSegment));
    let head = common::connect().head_object(&c, "big").await.unwrap();
    assert!(head.headers().is_static_large_object());
    assert_eq!(head.headers().content_length(), Some(SIZE as u64));

    // download to a file through the proxy, killed again mid-way: exact bytes, no stray file
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("big.bin");
    let killer = kill_when(
        &proxy,
        {
            let start = proxy.bytes_down();
            move |p| p.bytes_down() > start + 50 * 1024 * 1024
        },
        Duration::from_millis(300),
    );
    let results = transfer
        .download_objects(
            &c,
            ["big"],
            &DownloadOptions::new().target(DownloadTarget::File(target.clone())),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(killer.await.unwrap(), "the proxy was killed mid-download");
    for r in &results {
        assert!(r.is_success(), "{:?} {:?}", r.action, r.error());
    }
    let mut h = Md5::new();
    h.update(std::fs::read(&target).unwrap());
    assert_eq!(hex(&h.finalize()), md5);
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        1,
        "no temporary file left"
    );

    let direct = Transfer::new(common::connect());
    let deleted = direct
        .delete_container(&c, &Default::default())
        .unwrap()
        .collect_all()
        .await;
    assert!(deleted.iter().all(|r| r.is_success()));
    let _ = direct
        .delete_container(&format!("{c}_segments"), &Default::default())
        .unwrap()
        .collect_all()
        .await;
}
