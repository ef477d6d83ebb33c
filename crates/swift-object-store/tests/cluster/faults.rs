//! What the conformance suite does not cover: ranged reads that resume after the connection
//! breaks (through `swift_fake::FaultProxy` in front of the real cluster), an object replaced
//! between the break and the resume, and a token revoked in the middle of a read, a paged
//! listing and a multipart upload (tempauth checks every request against memcached, where
//! the tests delete the token).

use crate::support;

use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use swift_fake::{Fault, FaultProxy};
use swift_object_store::SwiftStore;

const MIB: usize = 1 << 20;

fn data(len: usize, seed: u32) -> Bytes {
    (0..len)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// A store over the fixture's container whose storage requests go through a fault proxy
/// (authentication goes straight to the cluster, so the proxy sees only storage requests).
/// No connection is pooled, so every request is a new proxied connection (the faults apply
/// to new connections). Ranged reads resume at most twice.
async fn proxied(fx: &support::Fixture) -> (FaultProxy, SwiftStore) {
    let upstream: SocketAddr = support::env("SWIFT_TESTBED_PROXY_URL")
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = FaultProxy::start(upstream).await;
    let conn = support::builder()
        .preauth_url(proxy.proxied(&support::env("SWIFT_TESTBED_STORAGE_URL")))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let store = SwiftStore::builder()
        .with_connection(conn)
        .with_container(&fx.container)
        .with_resume_attempts(2)
        .build()
        .unwrap();
    (proxy, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_reads_resume_after_resets_and_truncations() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("resume").await;
    let path = Path::from("big/object.bin");
    let body = data(4 * MIB, 1);
    fx.store.put(&path, body.clone().into()).await.unwrap();
    let (proxy, store) = proxied(&fx).await;

    // A reset one MiB into a bounded range: the rest comes from a second GET.
    proxy.set_fault_times(Fault::ResetAfterDown(MIB as u64), 1);
    let got = store.get_range(&path, 100_000..3_900_000).await.unwrap();
    assert_eq!(got, body.slice(100_000..3_900_000));
    assert_eq!(proxy.connections(), 2, "one broken GET, one resumed GET");

    // A clean close (FIN) before the announced length, on an offset range.
    proxy.set_fault_times(Fault::TruncateDown(2 * MIB as u64), 1);
    let before = proxy.connections();
    let r = store
        .get_opts(
            &path,
            GetOptions::new().with_range(Some(GetRange::Offset(MIB as u64))),
        )
        .await
        .unwrap();
    assert_eq!(r.range, MIB as u64..body.len() as u64);
    assert_eq!(r.bytes().await.unwrap(), body.slice(MIB..));
    assert_eq!(proxy.connections() - before, 2);

    // And on a suffix range (the resume asks for the rest as a bounded range).
    proxy.set_fault_times(Fault::ResetAfterDown(300_000), 1);
    let r = store
        .get_opts(
            &path,
            GetOptions::new().with_range(Some(GetRange::Suffix(MIB as u64 + 5))),
        )
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap(), body.slice(3 * MIB - 5..));
    drop(store);
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_reads_give_up_after_the_resume_attempts() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("resume-limit").await;
    let path = Path::from("o");
    fx.store.put(&path, data(2 * MIB, 2).into()).await.unwrap();
    let (proxy, store) = proxied(&fx).await;
    // Every connection breaks after 200 kB: 1 GET + 2 resumes, then the error.
    proxy.set_fault(Fault::ResetAfterDown(200_000));
    let err = store.get_range(&path, 0..2 * MIB as u64).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::Generic { .. }),
        "a transport failure: {err}"
    );
    assert_eq!(proxy.connections(), 3, "{err}");
    proxy.set_fault(Fault::None);
    drop(store);
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_of_an_object_replaced_meanwhile_is_a_precondition_error() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("resume-replaced").await;
    let path = Path::from("o");
    let first = data(4 * MIB, 3);
    fx.store.put(&path, first.clone().into()).await.unwrap();
    let (proxy, store) = proxied(&fx).await;
    proxy.set_fault_times(Fault::ResetAfterDown(MIB as u64), 1);
    let r = store
        .get_opts(
            &path,
            GetOptions::new().with_range(Some(GetRange::Bounded(0..4 * MIB as u64))),
        )
        .await
        .unwrap();
    let mut stream = r.into_stream();
    let head = stream.next().await.unwrap().unwrap();
    assert_eq!(head, first.slice(..head.len()));
    // Replaced before the reader reaches the break.
    fx.store.put(&path, data(4 * MIB, 4).into()).await.unwrap();
    let mut got = head.len();
    let err = loop {
        match stream.next().await {
            Some(Ok(c)) => {
                assert_eq!(c, first.slice(got..got + c.len()), "old data only");
                got += c.len();
            }
            Some(Err(e)) => break e,
            None => panic!("the read ended without an error after {got} bytes"),
        }
    };
    assert!(got < 4 * MIB);
    assert!(
        matches!(err, object_store::Error::Precondition { .. }),
        "{err}"
    );
    drop(store);
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_before_a_resume_is_replaced() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("revoke-read").await;
    let path = Path::from("o");
    let body = data(4 * MIB, 5);
    fx.store.put(&path, body.clone().into()).await.unwrap();
    let (proxy, store) = proxied(&fx).await;
    proxy.set_fault_times(Fault::ResetAfterDown(MIB as u64), 1);
    let r = store
        .get_opts(
            &path,
            GetOptions::new().with_range(Some(GetRange::Bounded(10..4 * MIB as u64))),
        )
        .await
        .unwrap();
    let token = store.connection().token().unwrap();
    let mut stream = r.into_stream();
    let mut got = stream.next().await.unwrap().unwrap().to_vec();
    support::revoke_tempauth_token(token.expose());
    while let Some(c) = stream.try_next().await.unwrap() {
        got.extend_from_slice(&c);
    }
    assert_eq!(got, body.slice(10..).to_vec());
    assert_eq!(
        proxy.connections(),
        3,
        "the broken GET, the resume refused with 401, the resume with the new token"
    );
    let now = store.connection().token().unwrap();
    assert_ne!(
        now.expose(),
        token.expose(),
        "re-authenticated after the 401"
    );
    drop(store);
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_listing_loses_and_repeats_nothing() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::with("revoke-list", |b| b.with_list_page_size(50)).await;
    let names: Vec<String> = (0..300).map(|i| format!("d/{i:04}")).collect();
    let store = &fx.store;
    futures_util::stream::iter(names.iter())
        .map(|n| async move {
            store
                .put(&Path::from(n.as_str()), PutPayload::from("x"))
                .await
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let token = fx.store.connection().token().unwrap();
    let mut listed = Vec::new();
    let mut stream = fx.store.list(Some(&Path::from("d")));
    while let Some(m) = stream.try_next().await.unwrap() {
        listed.push(m.location.to_string());
        if listed.len() == 120 {
            support::revoke_tempauth_token(token.expose());
        }
    }
    assert_eq!(listed, names, "every object once, in order, across the 401");
    let now = fx.store.connection().token().unwrap();
    assert_ne!(now.expose(), token.expose());
    fx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_multipart_upload_loses_nothing() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("revoke-multipart").await;
    let path = Path::from("parts/o.bin");
    let parts: Vec<Bytes> = (0..4).map(|i| data(MIB + i * 1000, i as u32)).collect();
    let mut upload = fx.store.put_multipart(&path).await.unwrap();
    upload.put_part(parts[0].clone().into()).await.unwrap();
    upload.put_part(parts[1].clone().into()).await.unwrap();
    let token = fx.store.connection().token().unwrap();
    support::revoke_tempauth_token(token.expose());
    upload.put_part(parts[2].clone().into()).await.unwrap();
    upload.put_part(parts[3].clone().into()).await.unwrap();
    upload.complete().await.unwrap();
    let got = fx.store.get(&path).await.unwrap().bytes().await.unwrap();
    assert_eq!(got, parts.concat());
    assert_ne!(
        fx.store.connection().token().unwrap().expose(),
        token.expose()
    );
    fx.cleanup().await;
}
