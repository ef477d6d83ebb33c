//! Container operations and listings against the real local Swift cluster.

use crate::support as common;

use futures_util::{StreamExt, TryStreamExt};
use swiftclient::{ListOptions, RequestHeaders, RequestOptions};

#[tokio::test]
async fn put_head_post_delete_container_with_unicode_name() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("cöntainer with spaces €");
    let created = conn
        .put_container_with(
            &c,
            &RequestOptions::new()
                .header("X-Container-Meta-Colour", "blå")
                .header("X-Storage-Policy", "silver"),
        )
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let h = conn.head_container(&c).await.unwrap();
    assert_eq!(h.headers().get("x-container-meta-colour"), Some("blå"));
    assert_eq!(h.headers().get("x-storage-policy"), Some("silver"));
    assert_eq!(h.headers().object_count(), Some(0));
    conn.post_container(
        &c,
        RequestHeaders::new()
            .with("X-Container-Meta-Colour", "")
            .with("X-Container-Meta-Shape", "rund"),
    )
    .await
    .unwrap();
    let h = conn.head_container(&c).await.unwrap();
    assert_eq!(h.headers().get("x-container-meta-colour"), None);
    assert_eq!(
        h.headers().metadata().get("shape").map(String::as_str),
        Some("rund")
    );
    assert!(conn
        .get_account(&ListOptions::new().prefix(&c))
        .await
        .unwrap()
        .entries
        .iter()
        .any(|e| e.name == c));
    conn.delete_container(&c).await.unwrap();
    let err = conn.head_container(&c).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.to_string().starts_with("Container HEAD failed: "),
        "{err}"
    );
}

#[tokio::test]
async fn delete_non_empty_container_conflicts() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("nonempty");
    conn.put_container(&c).await.unwrap();
    conn.put_object(&c, "o", "x").await.unwrap();
    let err = conn.delete_container(&c).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(err.attempts(), 1, "409 is not retried");
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn listings_over_pages_full_and_streamed() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("pages");
    conn.put_container(&c).await.unwrap();
    let names: Vec<String> = (0..25).map(|i| format!("obj {i:03} é")).collect();
    for n in &names {
        conn.put_object(&c, n, n.clone()).await.unwrap();
    }
    let first = conn
        .get_container(&c, &ListOptions::new().limit(10))
        .await
        .unwrap();
    assert_eq!(first.entries.len(), 10);
    assert_eq!(first.response.headers().object_count(), Some(25));
    let full = conn
        .get_container(&c, &ListOptions::new().limit(10).full_listing(true))
        .await
        .unwrap();
    let got: Vec<String> = full.entries.iter().map(|e| e.name.clone()).collect();
    assert_eq!(got, names);
    assert_eq!(full.entries[3].bytes, names[3].len() as u64);
    assert_eq!(full.entries[3].hash.len(), 32);
    let streamed: Vec<String> = conn
        .container_entries(&c, ListOptions::new().limit(7))
        .map_ok(|e| e.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, names);
    // marker/end_marker/prefix
    let sub = conn
        .get_container(
            &c,
            &ListOptions::new()
                .marker(&names[4])
                .end_marker(&names[8])
                .prefix("obj 00"),
        )
        .await
        .unwrap();
    let got: Vec<&str> = sub.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, vec!["obj 005 é", "obj 006 é", "obj 007 é"]);
    // reverse through the raw query string, kept on every page of a full listing
    let rev = conn
        .get_container(
            &c,
            &ListOptions::new()
                .limit(10)
                .full_listing(true)
                .query_string("reverse=on"),
        )
        .await
        .unwrap();
    let mut expected = names.clone();
    expected.reverse();
    assert_eq!(
        rev.entries
            .iter()
            .map(|e| e.name.clone())
            .collect::<Vec<_>>(),
        expected
    );
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn delimiter_prefix_and_path_listings() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("tree");
    conn.put_container(&c).await.unwrap();
    for n in ["a/1", "a/2", "a/b/3", "top"] {
        conn.put_object(&c, n, "x").await.unwrap();
    }
    let l = conn
        .get_container(&c, &ListOptions::new().delimiter("/"))
        .await
        .unwrap();
    let got: Vec<(String, bool)> = l
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.subdir))
        .collect();
    assert_eq!(got, vec![("a/".into(), true), ("top".into(), false)]);
    let l = conn
        .get_container(&c, &ListOptions::new().prefix("a/").delimiter("/"))
        .await
        .unwrap();
    let got: Vec<&str> = l.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, vec!["a/1", "a/2", "a/b/"]);
    // full listing with a delimiter continues after a subdir entry
    let l = conn
        .get_container(
            &c,
            &ListOptions::new()
                .delimiter("/")
                .limit(1)
                .full_listing(true),
        )
        .await
        .unwrap();
    assert_eq!(l.entries.len(), 2);
    let p = conn
        .get_container(&c, &ListOptions::new().path("a"))
        .await
        .unwrap();
    let got: Vec<&str> = p.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, vec!["a/1", "a/2"]);
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn versioned_listing_with_version_marker() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("versions");
    conn.put_container_with(
        &c,
        &RequestOptions::new().header("X-Versions-Enabled", "true"),
    )
    .await
    .unwrap();
    for body in ["one", "two", "three"] {
        conn.put_object(&c, "obj", body).await.unwrap();
    }
    let all = conn
        .get_container(&c, &ListOptions::new().query_string("versions"))
        .await
        .unwrap();
    assert_eq!(all.entries.len(), 3);
    let ids: Vec<String> = all
        .entries
        .iter()
        .map(|e| e.version_id.clone().unwrap())
        .collect();
    assert_eq!(
        all.entries
            .iter()
            .filter(|e| e.is_latest == Some(true))
            .count(),
        1
    );
    // page through versions one at a time: marker + version_marker
    let paged = conn
        .get_container(
            &c,
            &ListOptions::new()
                .limit(1)
                .full_listing(true)
                .query_string("versions"),
        )
        .await
        .unwrap();
    let paged_ids: Vec<String> = paged
        .entries
        .iter()
        .map(|e| e.version_id.clone().unwrap())
        .collect();
    assert_eq!(paged_ids, ids);
    let after_first = conn
        .get_container(
            &c,
            &ListOptions::new()
                .marker("obj")
                .version_marker(&ids[0])
                .query_string("versions"),
        )
        .await
        .unwrap();
    assert_eq!(after_first.entries.len(), 2);
    // clean up every version, then the container
    for id in &ids {
        conn.delete_object_with(
            &c,
            "obj",
            &RequestOptions::new().query_string(format!("version-id={id}")),
        )
        .await
        .unwrap();
    }
    conn.post_container(
        &c,
        RequestHeaders::new().with("X-Versions-Enabled", "false"),
    )
    .await
    .unwrap();
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn listing_a_missing_container_is_not_found_and_stream_reports_it() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("missing");
    let err = conn
        .get_container(&c, &ListOptions::new())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let mut s = Box::pin(conn.container_entries(&c, ListOptions::new()));
    let first = s.next().await.unwrap();
    assert!(first.unwrap_err().is_not_found());
}
