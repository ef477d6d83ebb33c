//! Token revocation in the middle of a 1,000-object upload and download on the real cluster
//! (tempauth checks every request against memcached, where the test deletes the token):
//! the engine re-authenticates, and nothing is lost or duplicated.

use crate::support as common;

use std::collections::BTreeMap;

use swiftclient::transfer::{
    Action, DownloadOptions, DownloadTarget, Transfer, TransferResult, UploadObject, UploadOptions,
};
use swiftclient::ListOptions;

const N: usize = 1000;

fn met_401(r: &TransferResult) -> bool {
    r.response
        .as_ref()
        .is_some_and(|resp| resp.attempts().iter().any(|a| a.status == Some(401)))
}

#[tokio::test]
async fn revocation_mid_transfer_loses_and_duplicates_nothing() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("revoke");
    let objects: Vec<UploadObject> = (0..N)
        .map(|i| UploadObject::bytes(format!("obj/{i:04}"), format!("payload {i}")))
        .collect();
    let mut job = transfer.upload(&c, objects, &UploadOptions::new()).unwrap();
    let mut uploaded = BTreeMap::new();
    let mut reauthenticated = false;
    while let Some(r) = job.next_result().await {
        if r.action != Action::UploadObject {
            continue;
        }
        assert!(r.is_success(), "{:?}", r.error());
        reauthenticated |= met_401(&r);
        *uploaded.entry(r.object.clone().unwrap()).or_insert(0) += 1;
        if uploaded.len() == N / 3 {
            common::revoke_tempauth_token(conn.get_auth().await.unwrap().1.expose());
        }
    }
    assert!(
        reauthenticated,
        "some upload met the revoked token and re-authenticated"
    );
    assert_eq!(uploaded.len(), N, "every object reported once");
    assert!(uploaded.values().all(|n| *n == 1));
    let listed = conn
        .get_container(&c, &ListOptions::new().full_listing(true))
        .await
        .unwrap();
    assert_eq!(listed.entries.len(), N, "exactly N objects on the server");

    let out = tempfile::tempdir().unwrap();
    let opts = DownloadOptions::new()
        .target(DownloadTarget::Files)
        .out_directory(out.path());
    let mut job = transfer.download_container(&c, &opts).unwrap();
    let mut downloaded = 0;
    let mut reauthenticated = false;
    while let Some(r) = job.next_result().await {
        if r.action != Action::DownloadObject {
            continue;
        }
        assert!(r.is_success(), "{:?}", r.error());
        reauthenticated |= met_401(&r);
        downloaded += 1;
        if downloaded == N / 3 {
            common::revoke_tempauth_token(conn.get_auth().await.unwrap().1.expose());
        }
    }
    assert!(
        reauthenticated,
        "some download met the revoked token and re-authenticated"
    );
    assert_eq!(downloaded, N);
    for i in 0..N {
        let got = std::fs::read_to_string(out.path().join(format!("obj/{i:04}"))).unwrap();
        assert_eq!(got, format!("payload {i}"));
    }
    assert_eq!(walk(out.path()), N, "no extra or temporary files left");
    common::cleanup(&conn, &c).await;
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}
