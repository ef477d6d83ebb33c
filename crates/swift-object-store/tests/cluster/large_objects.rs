//! Large objects on the real cluster: where segments go, which are deleted when, DLOs,
//! manifests of manifests, segmented puts, and objects written by other Swift tools.

use crate::support;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions, PutPayload,
};

const MIB: usize = 1 << 20;

fn data(len: usize, seed: u32) -> Bytes {
    (0..len)
        .map(|i| ((i as u32).wrapping_mul(2_246_822_519).wrapping_add(seed) >> 11) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// The upload nonces (second path component after the object name) of the segments listed.
fn nonces(names: &[String], object: &str) -> Vec<String> {
    let mut n: Vec<String> = names
        .iter()
        .filter_map(|s| s.strip_prefix(&format!("{object}/")))
        .filter_map(|s| s.split('/').next())
        .map(str::to_owned)
        .collect();
    n.dedup();
    n
}

async fn multipart_write(store: &dyn ObjectStore, path: &Path, parts: &[Bytes]) {
    let mut up = store.put_multipart(path).await.unwrap();
    for p in parts {
        up.put_part(p.clone().into()).await.unwrap();
    }
    up.complete().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaced_and_deleted_large_objects_take_their_segments_along() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("lo-cleanup").await;
    let segc = fx.store.segment_container().to_owned();
    assert_eq!(segc, format!("{}_segments", fx.container));
    let path = Path::from("t/o.bin");
    let first = [data(MIB, 1), data(MIB, 2)];
    multipart_write(&fx.store, &path, &first).await;
    let head = fx.conn.head_object(&fx.container, "t/o.bin").await.unwrap();
    assert!(head.headers().is_static_large_object());
    let segs = fx.names(&segc).await;
    assert_eq!(segs.len(), 2, "{segs:?}");
    let first_nonce = nonces(&segs, "t/o.bin");
    assert_eq!(first_nonce.len(), 1);

    // A second multipart upload replaces the first: only its own segments stay.
    let second = [data(MIB, 3), data(10, 4)];
    multipart_write(&fx.store, &path, &second).await;
    let segs = fx.names(&segc).await;
    assert_eq!(segs.len(), 2, "{segs:?}");
    assert_ne!(nonces(&segs, "t/o.bin"), first_nonce);
    assert_eq!(
        fx.store.get(&path).await.unwrap().bytes().await.unwrap(),
        second.concat()
    );

    // A plain put over it: no segment is left.
    fx.store.put(&path, "small".into()).await.unwrap();
    assert!(fx.names(&segc).await.is_empty());

    // A copy over a large object, likewise.
    multipart_write(&fx.store, &path, &first).await;
    fx.store
        .put(&Path::from("plain"), "p".into())
        .await
        .unwrap();
    fx.store.copy(&Path::from("plain"), &path).await.unwrap();
    assert!(fx.names(&segc).await.is_empty());

    // A large object copied onto itself becomes a plain object with the same data.
    multipart_write(&fx.store, &path, &first).await;
    fx.store.copy(&path, &path).await.unwrap();
    assert!(fx.names(&segc).await.is_empty());
    assert_eq!(
        fx.store.get(&path).await.unwrap().bytes().await.unwrap(),
        first.concat()
    );

    // Deleting a large object deletes its segments.
    multipart_write(&fx.store, &path, &first).await;
    assert_eq!(fx.names(&segc).await.len(), 2);
    fx.store.delete(&path).await.unwrap();
    assert!(fx.names(&segc).await.is_empty());
    assert!(matches!(
        fx.store.head(&path).await.unwrap_err(),
        object_store::Error::NotFound { .. }
    ));

    // Abort deletes what was uploaded; nothing appears at the path.
    let mut up = fx.store.put_multipart(&path).await.unwrap();
    up.put_part(data(MIB, 5).into()).await.unwrap();
    up.put_part(data(MIB, 6).into()).await.unwrap();
    assert_eq!(fx.names(&segc).await.len(), 2);
    up.abort().await.unwrap();
    assert!(fx.names(&segc).await.is_empty());
    assert!(fx.names(&fx.container).await.iter().all(|n| n != "t/o.bin"));

    // With cleanup turned off, a replaced large object keeps its segments.
    let keep = swift_object_store::SwiftStore::builder()
        .with_connection(fx.conn.clone())
        .with_container(&fx.container)
        .with_segment_cleanup(false)
        .build()
        .unwrap();
    multipart_write(&keep, &path, &first).await;
    keep.put(&path, "small".into()).await.unwrap();
    assert_eq!(fx.names(&segc).await.len(), 2);
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_store_parts_of_any_size_and_empty_parts() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("lo-parts").await;
    let path = Path::from("sizes");
    let id = fx.store.create_multipart(&path).await.unwrap();
    let sizes = [1usize, 0, 3 * MIB + 7, 0, 2];
    let parts: Vec<Bytes> = sizes
        .iter()
        .enumerate()
        .map(|(i, s)| data(*s, i as u32))
        .collect();
    let mut ids = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        ids.push(
            fx.store
                .put_part(&path, &id, i, p.clone().into())
                .await
                .unwrap(),
        );
    }
    let r = fx.store.complete_multipart(&path, &id, ids).await.unwrap();
    let got = fx.store.get(&path).await.unwrap();
    assert_eq!(
        got.meta.e_tag, r.e_tag,
        "the PutResult's ETag is the object's"
    );
    assert_eq!(got.bytes().await.unwrap(), parts.concat());
    // Empty parts are not in the manifest, and not left behind either.
    assert_eq!(fx.names(fx.store.segment_container()).await.len(), 3);
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_large_objects_when_asked() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::with("lo-dlo", |b| b.with_slo(false)).await;
    let segc = fx.store.segment_container().to_owned();
    let path = Path::from("d/o.bin");
    let attrs = Attributes::from_iter([
        (Attribute::ContentType, "application/x-test"),
        (Attribute::Metadata("owner_id".into()), "7"),
    ]);
    let mut up = fx
        .store
        .put_multipart_opts(&path, PutMultipartOptions::from(attrs.clone()))
        .await
        .unwrap();
    let parts = [data(MIB, 1), data(MIB, 2), data(5, 3)];
    // Uploaded concurrently, completed in order.
    let futs: Vec<_> = parts
        .iter()
        .map(|p| up.put_part(p.clone().into()))
        .collect();
    futures_util::future::try_join_all(futs).await.unwrap();
    let put = up.complete().await.unwrap();
    let head = fx.conn.head_object(&fx.container, "d/o.bin").await.unwrap();
    assert!(head.headers().object_manifest().is_some(), "a DLO");
    let got = fx.store.get(&path).await.unwrap();
    assert_eq!(got.meta.e_tag, put.e_tag);
    for (k, v) in &attrs {
        assert_eq!(got.attributes.get(k), Some(v));
    }
    assert_eq!(got.bytes().await.unwrap(), parts.concat());

    // A MultipartStore completion with parts missing or reordered.
    let id = fx.store.create_multipart(&path).await.unwrap();
    let mut ids = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        ids.push(
            fx.store
                .put_part(&path, &id, i, p.clone().into())
                .await
                .unwrap(),
        );
    }
    let reordered = vec![ids[1].clone(), ids[0].clone()];
    let err = fx
        .store
        .complete_multipart(&path, &id, reordered)
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::NotSupported { .. }),
        "{err}"
    );
    // Parts left out are dropped, so the DLO is exactly the parts listed.
    fx.store
        .complete_multipart(&path, &id, vec![ids[0].clone(), ids[2].clone()])
        .await
        .unwrap();
    let got = fx.store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got, [parts[0].clone(), parts[2].clone()].concat());
    assert_eq!(
        fx.names(&segc).await.len(),
        2,
        "the first DLO's went with it"
    );

    fx.store.delete(&path).await.unwrap();
    assert!(fx.names(&segc).await.is_empty());
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_parts_than_one_manifest_holds_nest_manifests() {
    if support::skip() {
        return;
    }
    // 4 segments per manifest: 20 parts make 5 sub-manifests, which make 2 more, under the
    // top one. (Parts of 1 MiB and more: Swift rate-limits reading smaller segments to one
    // a second after the first 10, its `rate_limit_under_size`.)
    let fx = support::Fixture::with("lo-nested", |b| b.with_max_manifest_segments(4)).await;
    let path = Path::from("many");
    let id = fx.store.create_multipart(&path).await.unwrap();
    let n = 20;
    let parts: Vec<Bytes> = (0..n).map(|i| data(MIB + i, i as u32)).collect();
    let store = &fx.store;
    let ids: Vec<_> = futures_util::stream::iter(parts.iter().enumerate())
        .map(|(i, p)| {
            let (path, id) = (&path, &id);
            async move { store.put_part(path, id, i, p.clone().into()).await }
        })
        .buffered(8)
        .try_collect()
        .await
        .unwrap();
    fx.store.complete_multipart(&path, &id, ids).await.unwrap();
    let whole = parts.concat();
    let got = fx.store.get(&path).await.unwrap();
    assert_eq!(got.meta.size, whole.len() as u64);
    assert_eq!(got.bytes().await.unwrap(), whole);
    let start = 7 * MIB as u64;
    let range = fx
        .store
        .get_range(&path, start..start + 3 * MIB as u64)
        .await
        .unwrap();
    assert_eq!(range, whole[7 * MIB..10 * MIB]);
    let segs = fx.names(fx.store.segment_container()).await;
    assert_eq!(
        segs.iter().filter(|s| s.contains("/manifest-")).count(),
        5 + 2
    );
    assert_eq!(segs.len(), n + 7);
    // The delete takes all of it.
    fx.store.delete(&path).await.unwrap();
    assert!(fx.names(fx.store.segment_container()).await.is_empty());
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_puts_are_segmented_in_parallel() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::with("lo-put", |b| b.with_segment_size(MIB as u64)).await;
    let path = Path::from("seg/o.bin");
    let body = data(3 * MIB + MIB / 2, 9);
    // From several buffers, cut across their boundaries.
    let payload = PutPayload::from_iter([
        body.slice(..100),
        body.slice(100..2 * MIB + 3),
        body.slice(2 * MIB + 3..),
    ]);
    let attrs = Attributes::from_iter([(Attribute::CacheControl, "no-store")]);
    let put = fx
        .store
        .put_opts(&path, payload, attrs.clone().into())
        .await
        .unwrap();
    let head = fx
        .conn
        .head_object(&fx.container, "seg/o.bin")
        .await
        .unwrap();
    assert!(head.headers().is_static_large_object());
    assert_eq!(fx.names(fx.store.segment_container()).await.len(), 4);
    let got = fx.store.get(&path).await.unwrap();
    assert_eq!(got.meta.e_tag, put.e_tag);
    assert_eq!(
        got.attributes.get(&Attribute::CacheControl),
        attrs.get(&Attribute::CacheControl)
    );
    assert_eq!(got.bytes().await.unwrap(), body);
    let across = fx
        .store
        .get_range(&path, (MIB - 10) as u64..(2 * MIB + 10) as u64)
        .await
        .unwrap();
    assert_eq!(across, body.slice(MIB - 10..2 * MIB + 10));

    // Create over an existing object: AlreadyExists, and the new segments are gone again.
    let err = fx
        .store
        .put_opts(&path, data(2 * MIB, 10).into(), PutMode::Create.into())
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::AlreadyExists { .. }),
        "{err}"
    );
    assert_eq!(fx.names(fx.store.segment_container()).await.len(), 4);
    // Small payloads stay plain objects.
    fx.store.put(&path, data(MIB, 11).into()).await.unwrap();
    let head = fx
        .conn
        .head_object(&fx.container, "seg/o.bin")
        .await
        .unwrap();
    assert!(!head.headers().is_static_large_object());
    assert!(fx.names(fx.store.segment_container()).await.is_empty());
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_written_by_other_swift_tools() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("lo-others").await;
    // A directory marker (as `swift upload` writes for an empty directory) and metadata
    // written by another client (python-swiftclient sends names as they are).
    fx.conn
        .put_object_with(
            &fx.container,
            "photos/",
            "",
            &swiftclient::PutOptions::new().content_type("application/directory"),
        )
        .await
        .unwrap();
    fx.conn
        .put_object_with(
            &fx.container,
            "photos/a.jpg",
            "jpeg",
            &swiftclient::PutOptions::new().header("X-Object-Meta-Camera", "Nikon"),
        )
        .await
        .unwrap();
    let listed: Vec<String> = fx
        .store
        .list(None)
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, vec!["photos/a.jpg"], "the marker is no object");
    let got = fx.store.get(&Path::from("photos/a.jpg")).await.unwrap();
    assert_eq!(
        got.attributes.get(&Attribute::Metadata("camera".into())),
        Some(&"Nikon".into())
    );
    // An object name no Path can spell is an error, not a silent skip.
    fx.conn
        .put_object(&fx.container, "bad//name", "x")
        .await
        .unwrap();
    let err = fx
        .store
        .list(None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        matches!(err, object_store::Error::InvalidPath { .. }),
        "{err}"
    );
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_if_not_exists_keeps_what_copy_keeps() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("lo-copy").await;
    let from = Path::from("src");
    let attrs = Attributes::from_iter([
        (Attribute::ContentType, "text/csv"),
        (Attribute::ContentDisposition, "inline"),
        (Attribute::Metadata("rows_total".into()), "42"),
    ]);
    fx.store
        .put_opts(&from, "a,b\n1,2\n".into(), attrs.clone().into())
        .await
        .unwrap();
    for (to, create) in [("copy", false), ("exclusive", true)] {
        let to = Path::from(to);
        if create {
            fx.store.copy_if_not_exists(&from, &to).await.unwrap();
        } else {
            fx.store.copy(&from, &to).await.unwrap();
        }
        let got = fx.store.get(&to).await.unwrap();
        assert_eq!(got.attributes, attrs, "{to}");
        assert_eq!(got.bytes().await.unwrap(), "a,b\n1,2\n");
    }
    // A large source goes through as well, and is verified on the way.
    let big = Path::from("big");
    multipart_write(&fx.store, &big, &[data(2 * MIB, 1), data(MIB, 2)]).await;
    fx.store
        .copy_if_not_exists(&big, &Path::from("big-copy"))
        .await
        .unwrap();
    assert_eq!(
        fx.store
            .get(&Path::from("big-copy"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
        [data(2 * MIB, 1), data(MIB, 2)].concat()
    );
    fx.cleanup().await;
}
