//! Object operations against the real local Swift cluster.

use crate::support as common;
use crate::support::md5_hex;

use bytes::Bytes;
use swiftclient::{Body, CopyOptions, ListOptions, PutOptions, RequestHeaders, RequestOptions};

#[tokio::test]
async fn put_get_head_delete_with_unicode_and_space_names() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("objects ü");
    conn.put_container(&c).await.unwrap();
    let name = "dir/sub dir/naïve €:?#%.txt";
    let data = Bytes::from_static(b"Hello, World!");
    let put = conn
        .put_object_with(
            &c,
            name,
            data.clone(),
            &PutOptions::new()
                .content_type("text/plain")
                .header("X-Object-Meta-Author", "Jöhn Doe"),
        )
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    assert_eq!(put.etag(), Some(md5_hex(&data).as_str()));

    let head = conn.head_object(&c, name).await.unwrap();
    assert_eq!(head.headers().content_length(), Some(13));
    assert_eq!(head.headers().content_type(), Some("text/plain"));
    assert_eq!(head.headers().get("x-object-meta-author"), Some("Jöhn Doe"));
    assert!(head.headers().last_modified().is_some());
    assert!(head.headers().timestamp().is_some());

    let obj = conn.get_object(&c, name).await.unwrap();
    assert_eq!(obj.headers().etag(), Some(md5_hex(&data).as_str()));
    assert_eq!(obj.bytes().await.unwrap(), data);

    let listed = conn.get_container(&c, &ListOptions::new()).await.unwrap();
    assert_eq!(listed.entries[0].name, name);
    assert_eq!(listed.entries[0].content_type, "text/plain");

    conn.delete_object(&c, name).await.unwrap();
    let err = conn.get_object(&c, name).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.status(), Some(404));
    assert!(err.to_string().contains("Object GET failed"), "{err}");
    assert!(err.trans_id().is_some());
    conn.delete_container(&c).await.unwrap();
}

#[tokio::test]
async fn post_object_replaces_metadata() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("meta");
    conn.put_container(&c).await.unwrap();
    conn.put_object_with(
        &c,
        "o",
        "data",
        &PutOptions::new().header("X-Object-Meta-Old", "1"),
    )
    .await
    .unwrap();
    conn.post_object(
        &c,
        "o",
        RequestHeaders::new()
            .with("X-Object-Meta-New", "ünï")
            .with("Content-Type", "application/x-test"),
    )
    .await
    .unwrap();
    let h = conn.head_object(&c, "o").await.unwrap();
    let meta = h.headers().metadata();
    assert_eq!(meta.get("new").map(String::as_str), Some("ünï"));
    assert!(!meta.contains_key("old"), "POST replaces all metadata");
    assert_eq!(h.headers().content_type(), Some("application/x-test"));
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn copy_with_and_without_fresh_metadata() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let src = common::unique("copy-src");
    let dst = common::unique("copy dst");
    conn.put_container(&src).await.unwrap();
    conn.put_container(&dst).await.unwrap();
    conn.put_object_with(
        &src,
        "ö src",
        "copy me",
        &PutOptions::new().header("X-Object-Meta-Keep", "yes"),
    )
    .await
    .unwrap();

    // metadata kept, new metadata added
    conn.copy_object_with(
        &src,
        "ö src",
        &CopyOptions::new()
            .destination(format!("/{dst}/kept é"))
            .header("X-Object-Meta-Extra", "added"),
    )
    .await
    .unwrap();
    let h = conn.head_object(&dst, "kept é").await.unwrap();
    assert_eq!(h.headers().get("x-object-meta-keep"), Some("yes"));
    assert_eq!(h.headers().get("x-object-meta-extra"), Some("added"));
    assert_eq!(
        conn.get_object(&dst, "kept é")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
        Bytes::from_static(b"copy me")
    );

    // fresh metadata: only what the copy request sets
    conn.copy_object_with(
        &src,
        "ö src",
        &CopyOptions::new()
            .destination(format!("/{dst}/fresh"))
            .fresh_metadata(true)
            .header("X-Object-Meta-Only", "this"),
    )
    .await
    .unwrap();
    let h = conn.head_object(&dst, "fresh").await.unwrap();
    assert_eq!(h.headers().get("x-object-meta-keep"), None);
    assert_eq!(h.headers().get("x-object-meta-only"), Some("this"));

    // plain copy
    conn.copy_object(&src, "ö src", &format!("/{dst}/plain"))
        .await
        .unwrap();
    assert_eq!(
        conn.head_object(&dst, "plain")
            .await
            .unwrap()
            .headers()
            .get("x-object-meta-keep"),
        Some("yes")
    );

    // copy onto itself (no destination) changes metadata in place
    conn.copy_object_with(
        &src,
        "ö src",
        &CopyOptions::new()
            .fresh_metadata(false)
            .header("X-Object-Meta-Self", "1"),
    )
    .await
    .unwrap();
    let h = conn.head_object(&src, "ö src").await.unwrap();
    assert_eq!(h.headers().get("x-object-meta-self"), Some("1"));
    assert_eq!(h.headers().get("x-object-meta-keep"), Some("yes"));

    common::cleanup(&conn, &src).await;
    common::cleanup(&conn, &dst).await;
}

#[tokio::test]
async fn chunked_upload_of_unknown_length() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("chunked");
    conn.put_container(&c).await.unwrap();
    let chunks: Vec<std::io::Result<Bytes>> = (0..50)
        .map(|i| Ok(Bytes::from(vec![b'a' + (i % 26) as u8; 10_000])))
        .collect();
    let expected: Vec<u8> = chunks
        .iter()
        .flat_map(|c| c.as_ref().unwrap().to_vec())
        .collect();
    let body = Body::stream(futures_util::stream::iter(chunks), None);
    assert_eq!(body.len(), None);
    let put = conn.put_object(&c, "streamed", body).await.unwrap();
    assert_eq!(put.etag(), Some(md5_hex(&expected).as_str()));
    let got = conn
        .get_object(&c, "streamed")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), 500_000);
    assert_eq!(&got[..], &expected[..]);
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn file_and_reader_bodies() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("files");
    conn.put_container(&c).await.unwrap();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::io::Write::write_all(&mut f, &data).unwrap();
    let put = conn
        .put_object(&c, "from-file", Body::from_path(f.path()).unwrap())
        .await
        .unwrap();
    assert_eq!(put.etag(), Some(md5_hex(&data).as_str()));
    let reader = tokio::fs::File::open(f.path()).await.unwrap();
    conn.put_object(
        &c,
        "from-reader",
        Body::reader(reader, Some(data.len() as u64)),
    )
    .await
    .unwrap();
    for name in ["from-file", "from-reader"] {
        let got = conn
            .get_object(&c, name)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&got[..], &data[..], "{name}");
    }
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn wrong_etag_is_refused_and_leaves_no_object() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("etag");
    conn.put_container(&c).await.unwrap();
    let err = conn
        .put_object_with(
            &c,
            "o",
            "content",
            &PutOptions::new().etag("\"00000000000000000000000000000000\""),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");
    assert!(conn.head_object(&c, "o").await.unwrap_err().is_not_found());
    // the right etag is accepted
    conn.put_object_with(
        &c,
        "o",
        "content",
        &PutOptions::new().etag(md5_hex(b"content")),
    )
    .await
    .unwrap();
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn range_get_and_query_string_and_delete_query() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("range");
    conn.put_container(&c).await.unwrap();
    conn.put_object(&c, "o", "0123456789").await.unwrap();
    let part = conn
        .get_object_with(&c, "o", &RequestOptions::new().header("Range", "bytes=2-5"))
        .await
        .unwrap();
    assert_eq!(part.response.status(), 206);
    assert_eq!(part.bytes().await.unwrap(), Bytes::from_static(b"2345"));
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn slo_manifest_put_get_and_delete_through_query_strings() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("slo");
    conn.put_container(&c).await.unwrap();
    let seg1 = vec![b'a'; 1 << 20];
    let seg2 = b"tail".to_vec();
    let e1 = conn.put_object(&c, "seg/1", seg1.clone()).await.unwrap();
    let e2 = conn.put_object(&c, "seg/2", seg2.clone()).await.unwrap();
    let manifest = format!(
        r#"[{{"path":"/{c}/seg/1","etag":"{}","size_bytes":{}}},{{"path":"/{c}/seg/2","etag":"{}","size_bytes":4}}]"#,
        e1.etag().unwrap(),
        seg1.len(),
        e2.etag().unwrap()
    );
    conn.put_object_with(
        &c,
        "big",
        manifest,
        &PutOptions::new().query_string("multipart-manifest=put"),
    )
    .await
    .unwrap();
    let head = conn.head_object(&c, "big").await.unwrap();
    assert!(head.headers().is_static_large_object());
    assert_eq!(head.headers().content_length(), Some((1 << 20) + 4));
    // the whole object streams back (its ETag is not an MD5 of the data: no false alarm)
    let got = conn
        .get_object(&c, "big")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), (1 << 20) + 4);
    assert_eq!(&got[got.len() - 4..], b"tail");
    // the manifest itself
    let raw = conn
        .get_object_with(
            &c,
            "big",
            &RequestOptions::new().query_string("multipart-manifest=get"),
        )
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("seg/1"));
    // deleting with multipart-manifest=delete removes the segments too
    conn.delete_object_with(
        &c,
        "big",
        &RequestOptions::new().query_string("multipart-manifest=delete"),
    )
    .await
    .unwrap();
    let left = conn.get_container(&c, &ListOptions::new()).await.unwrap();
    assert!(left.entries.is_empty(), "segments left: {:?}", left.entries);
    conn.delete_container(&c).await.unwrap();
}

#[tokio::test]
async fn bad_names_fail_before_any_request() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    for (c, o) in [("", "o"), ("a/b", "o"), ("c", "")] {
        let err = conn.put_object(c, o, "x").await.unwrap_err();
        assert!(err.is_invalid_name(), "{c:?}/{o:?}: {err}");
    }
    let long = "c".repeat(257);
    assert!(conn
        .put_container(&long)
        .await
        .unwrap_err()
        .is_invalid_name());
    let long_obj = "o".repeat(1025);
    assert!(conn
        .head_object("c", &long_obj)
        .await
        .unwrap_err()
        .is_invalid_name());
}
