//! Account operations and capabilities against the real local Swift cluster.

use crate::support as common;

use futures_util::TryStreamExt;
use swiftclient::{ListOptions, RequestHeaders, RequestOptions};

#[tokio::test]
async fn head_account_reports_counts_with_lower_case_names() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let resp = conn.head_account().await.unwrap();
    assert!(matches!(resp.status(), 200 | 204));
    assert!(resp.headers().container_count().is_some());
    assert!(resp.headers().bytes_used().is_some());
    assert!(resp.trans_id().is_some());
    assert!(resp.headers().iter().all(|(k, _)| k == k.to_lowercase()));
    // case-insensitive lookups
    assert_eq!(
        resp.headers().get("X-Account-Container-Count"),
        resp.headers().get("x-account-container-count")
    );
}

#[tokio::test]
async fn post_account_metadata_round_trip_with_unicode() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let key = format!("x-account-meta-{}", common::unique("k"));
    conn.post_account(RequestHeaders::new().with(key.clone(), "värde ✓"))
        .await
        .unwrap();
    let resp = conn.head_account().await.unwrap();
    assert_eq!(resp.headers().get(&key), Some("värde ✓"));
    // an empty value removes it
    conn.post_account(RequestHeaders::new().with(key.clone(), ""))
        .await
        .unwrap();
    assert_eq!(conn.head_account().await.unwrap().headers().get(&key), None);
}

#[tokio::test]
async fn get_account_lists_pages_prefixes_and_streams() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let prefix = common::unique("acct");
    let names: Vec<String> = (0..5).map(|i| format!("{prefix}-{i}")).collect();
    for n in &names {
        conn.put_container(n).await.unwrap();
    }
    // one page of 2
    let page = conn
        .get_account(&ListOptions::new().prefix(&prefix).limit(2))
        .await
        .unwrap();
    assert_eq!(
        page.entries
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
        names[..2]
    );
    // full listing over pages of 2
    let all = conn
        .get_account(
            &ListOptions::new()
                .prefix(&prefix)
                .limit(2)
                .full_listing(true),
        )
        .await
        .unwrap();
    assert_eq!(
        all.entries
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
        names
    );
    // marker and end_marker
    let mid = conn
        .get_account(
            &ListOptions::new()
                .prefix(&prefix)
                .marker(&names[0])
                .end_marker(&names[3]),
        )
        .await
        .unwrap();
    assert_eq!(
        mid.entries
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
        names[1..3]
    );
    // the lazy stream pages through markers
    let streamed: Vec<String> = conn
        .account_entries(ListOptions::new().prefix(&prefix).limit(2))
        .map_ok(|e| e.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, names);
    // raw JSON stays reachable
    assert!(all.entries[0].raw().get("count").is_some());
    for n in &names {
        conn.delete_container(n).await.unwrap();
    }
}

#[tokio::test]
async fn get_account_with_delimiter_gives_subdirs() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let prefix = common::unique("dlm");
    let a = format!("{prefix}-x_1");
    let b = format!("{prefix}-x_2");
    conn.put_container(&a).await.unwrap();
    conn.put_container(&b).await.unwrap();
    let l = conn
        .get_account(&ListOptions::new().prefix(&prefix).delimiter("_"))
        .await
        .unwrap();
    assert_eq!(l.entries.len(), 1);
    assert!(l.entries[0].subdir);
    assert_eq!(l.entries[0].name, format!("{prefix}-x_"));
    conn.delete_container(&a).await.unwrap();
    conn.delete_container(&b).await.unwrap();
}

#[tokio::test]
async fn capabilities_from_the_storage_url() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let caps = conn.get_capabilities().await.unwrap();
    for section in ["swift", "slo", "bulk_delete", "tempurl", "versioned_writes"] {
        assert!(caps.has(section), "/info lacks {section}");
    }
    assert!(caps.limit("swift", "max_file_size").unwrap() > 0);
    let explicit = conn
        .get_capabilities_at(&format!("{}/info", common::env("SWIFT_TESTBED_PROXY_URL")))
        .await
        .unwrap();
    assert_eq!(caps, explicit);
}

#[tokio::test]
async fn head_account_with_extra_headers_and_bad_query() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let resp = conn
        .head_account_with(&RequestOptions::new().header("X-Trans-Id-Extra", "mytest"))
        .await
        .unwrap();
    assert!(resp.trans_id().unwrap().ends_with("mytest"));
}
