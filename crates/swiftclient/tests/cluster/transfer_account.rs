//! Whole-account transfers against the real cluster, in a private account made for the test
//! (the reseller admin's token works on any `AUTH_<name>`, and the cluster creates accounts on
//! first write): download every container, then delete every container. Also rate limiting
//! in the middle of a job, on the testbed's rate-limited account.

use crate::support as common;

use std::time::Duration;

use swiftclient::transfer::{
    Action, DeleteOptions, DownloadOptions, Status, Transfer, TransferOptions, TransferResult,
    UploadObject, UploadOptions,
};
use swiftclient::{Connection, ListOptions};

fn failures(results: &[TransferResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !r.is_success())
        .map(|r| format!("{:?} {:?}: {:?}", r.action, r.object, r.error))
        .collect()
}

/// A connection to a fresh account of its own, through the reseller admin.
async fn private_account() -> Connection {
    let admin = Connection::builder()
        .auth_url(common::env("ST_AUTH"))
        .user(common::env("SWIFT_TESTBED_RESELLER_USER"))
        .key(common::env("SWIFT_TESTBED_RESELLER_KEY"))
        .build()
        .unwrap();
    let (_, token) = admin.get_auth().await.unwrap();
    let account = common::unique("AUTH_xfer").replace('-', "_");
    let url = format!("{}/v1/{account}", common::env("SWIFT_TESTBED_PROXY_URL"));
    Connection::preauth(url, token).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_and_delete_a_whole_account() {
    if common::skip() {
        return;
    }
    let conn = private_account().await;
    let transfer = Transfer::new(conn.clone());
    for (c, n) in [("alpha", 3), ("beta ü", 2)] {
        let objects: Vec<UploadObject> = (0..n)
            .map(|i| UploadObject::bytes(format!("d/o{i}"), format!("{c} {i}")))
            .collect();
        let r = transfer
            .upload(c, objects, &UploadOptions::new())
            .unwrap()
            .collect_all()
            .await;
        assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    }
    // A large object too: its segments container is part of the account.
    let big = UploadObject::bytes("big", common::random_bytes(1, 2_500_000));
    let r = transfer
        .upload("alpha", [big], &UploadOptions::new().segment_size(1 << 20))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));

    let tmp = tempfile::tempdir().unwrap();
    let r = transfer
        .download_account(&DownloadOptions::new().out_directory(tmp.path()))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r.len(), 3 + 2 + 1 + 3, "objects, the SLO, its 3 segments");
    assert_eq!(
        std::fs::read(tmp.path().join("alpha/d/o2")).unwrap(),
        b"alpha 2"
    );
    assert_eq!(
        std::fs::read(tmp.path().join("beta ü/d/o1")).unwrap(),
        b"beta \xc3\xbc 1"
    );
    assert_eq!(
        std::fs::read(tmp.path().join("alpha/big")).unwrap(),
        common::random_bytes(1, 2_500_000)
    );
    assert!(tmp.path().join("alpha_segments").is_dir());

    let r = transfer
        .delete_account(&DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let deleted: Vec<String> = r
        .iter()
        .filter(|x| x.action == Action::DeleteContainer)
        .map(|x| x.container.clone().unwrap())
        .collect();
    assert_eq!(deleted, ["alpha", "alpha_segments", "beta ü"]);
    let left = conn.get_account(&ListOptions::new()).await.unwrap();
    assert!(left.entries.is_empty(), "{:?}", left.entries);
}

// The rate-limited account accepts one write per second and answers 498 to the rest: an
// upload of several objects at once still stores each of them, once, with its content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_uploads_and_deletes_complete() {
    if common::skip() {
        return;
    }
    let conn = Connection::builder()
        .auth_url(common::env("ST_AUTH"))
        .user(common::env("SWIFT_TESTBED_RATELIMIT_USER"))
        .key(common::env("SWIFT_TESTBED_RATELIMIT_KEY"))
        .starting_backoff(Duration::from_millis(1100))
        .retries(10)
        .build()
        .unwrap();
    let c = common::env("SWIFT_TESTBED_RATELIMIT_CONTAINER");
    let transfer =
        Transfer::with_options(conn.clone(), TransferOptions::new().object_concurrency(5));
    let prefix = common::unique("rl-xfer");
    let names: Vec<String> = (0..5).map(|i| format!("{prefix}/o{i}")).collect();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let objects: Vec<UploadObject> = names
        .iter()
        .map(|n| UploadObject::bytes(n.clone(), n.clone()))
        .collect();
    let r = transfer
        .upload(&c, objects, &UploadOptions::new().skip_container_put(true))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert!(
        r.iter().any(|x| x.attempts > 1),
        "some writes were rate-limited and retried"
    );
    let listed = conn
        .get_container(&c, &ListOptions::new().prefix(prefix.as_str()))
        .await
        .unwrap();
    let mut got: Vec<String> = listed.entries.iter().map(|e| e.name.clone()).collect();
    got.sort();
    assert_eq!(got, names);
    for n in &names {
        let body = conn.get_object(&c, n).await.unwrap().bytes().await.unwrap();
        assert_eq!(&body[..], n.as_bytes());
    }
    let r = transfer
        .delete_objects(&c, names.clone(), &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert!(r.iter().all(|x| x.status == Status::Completed));
    let listed = conn
        .get_container(&c, &ListOptions::new().prefix(prefix.as_str()))
        .await
        .unwrap();
    assert!(listed.entries.is_empty());
}
