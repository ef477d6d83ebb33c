//! Downloads to a path that is not a regular file: a symbolic link stays a link (the file it
//! points to gets the data), and a device is never replaced by a file.

use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use md5::{Digest, Md5};
use swift_fake::{FakeServer, Reply};
use swiftclient::transfer::{DownloadOptions, DownloadTarget, Transfer, TransferResult};
use swiftclient::Connection;

async fn serve(data: &'static [u8]) -> (FakeServer, Transfer) {
    let server = FakeServer::start().await;
    let etag: String = Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    server.set_handler(move |_| {
        Reply::status(200)
            .header("ETag", &format!("\"{etag}\""))
            .header("Content-Type", "application/octet-stream")
            .body(data)
    });
    let conn = Connection::preauth(format!("{}/v1/AUTH_t", server.url()), "tok").unwrap();
    (server, Transfer::new(conn))
}

/// Downloads c/o to `path` as a single file.
async fn download_to(transfer: &Transfer, path: &Path) -> Vec<TransferResult> {
    transfer
        .download_objects(
            "c",
            ["o"],
            &DownloadOptions::new().target(DownloadTarget::File(path.to_owned())),
        )
        .unwrap()
        .collect_all()
        .await
}

#[tokio::test]
async fn a_symlink_target_stays_a_link() {
    let (_server, transfer) = serve(b"linked data").await;
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.bin");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.bin");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let results = download_to(&transfer, &link).await;
    assert!(
        results.iter().all(|r| r.is_success()),
        "{:?}",
        results[0].error()
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), b"linked data");
}

#[tokio::test]
async fn a_device_is_never_replaced() {
    let (_server, transfer) = serve(b"data").await;
    let null = std::path::PathBuf::from("/dev/null");
    let results = download_to(&transfer, &null).await;
    let err = results[0].error().expect("an error, not a replaced device");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert!(std::fs::metadata(&null)
        .unwrap()
        .file_type()
        .is_char_device());
}
