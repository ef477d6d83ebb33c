//! Malformed server answers: clear errors, bounded memory and time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use swift_fake::{FakeServer, Reply};
use swiftclient::ManualClock;
use swiftclient::{Connection, ListOptions};

fn conn(server: &FakeServer) -> Connection {
    crate::support::fake(server, &ManualClock::new())
        .retries(2)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

// A listing that is not JSON, or JSON of the wrong shape, is a decode error naming it.
#[tokio::test]
async fn bad_listing_json() {
    let server = FakeServer::start().await;
    let c = conn(&server);
    for body in [
        "<html>oops</html>",
        "{\"a\": 1}",
        "[1, 2]",
        "[{\"bytes\": \"x\"}]",
    ] {
        server.push(Reply::status(200).json(body));
        let err = c.get_container("c", &ListOptions::new()).await.unwrap_err();
        assert!(err.to_string().contains("listing"), "{body}: {err}");
        assert!(!err.is_status());
    }
}

// A server that sends the same page forever does not loop forever.
#[tokio::test]
async fn a_listing_that_never_advances_is_an_error() {
    let server = FakeServer::start().await;
    server.set_handler(|_| Reply::status(200).json(r#"[{"name": "same", "bytes": 1}]"#));
    let c = conn(&server);
    let started = Instant::now();
    let err = c
        .get_container("c", &ListOptions::new().full_listing(true))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not advance"), "{err}");
    assert!(server.request_count() <= 3);
    let items: Vec<_> = c.container_entries("c", ListOptions::new()).collect().await;
    assert!(
        items.last().unwrap().is_err(),
        "the stream ends with the error"
    );
    assert!(items.len() <= 3);
    assert!(started.elapsed() < Duration::from_secs(5));
}

// A listing that never ends (new names forever) can be consumed lazily and stopped.
#[tokio::test]
async fn an_endless_listing_streams_in_constant_memory() {
    let server = FakeServer::start().await;
    let n = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let n2 = Arc::clone(&n);
    server.set_handler(move |_| {
        let i = n2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Reply::status(200).json(&format!(
            r#"[{{"name": "o{i:012}a"}}, {{"name": "o{i:012}b"}}]"#
        ))
    });
    let c = conn(&server);
    let first: Vec<_> = c
        .container_entries("c", ListOptions::new())
        .take(100)
        .collect()
        .await;
    assert_eq!(first.len(), 100);
    assert!(first.iter().all(Result::is_ok));
    assert_eq!(server.request_count(), 50, "pages fetched only as consumed");
}

// A page whose connection breaks part-way is asked for again after the last entry handed
// out: every name arrives once, in order; the entries before the break are not lost.
#[tokio::test]
async fn a_page_broken_part_way_continues_from_its_last_entry() {
    let server = FakeServer::start().await;
    let names: Vec<String> = (0..40).map(|i| format!("obj-{i:03}")).collect();
    let all = names.clone();
    server.set_handler(move |r| {
        let q = r.query.clone().unwrap_or_default();
        let after = q
            .split('&')
            .find_map(|kv| kv.strip_prefix("marker="))
            .map(str::to_owned);
        let rest: Vec<&String> = all
            .iter()
            .filter(|n| after.as_ref().is_none_or(|a| n.as_str() > a.as_str()))
            .collect();
        let body = format!(
            "[{}]",
            rest.iter()
                .map(|n| format!(r#"{{"name": "{n}", "bytes": 1, "hash": "h"}}"#))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let reply = Reply::status(200).json(&body);
        if after.is_none() {
            // the first page breaks after about half of its entries
            reply.truncate_after(body.len() / 2)
        } else {
            reply
        }
    });
    let c = conn(&server);
    let got: Vec<String> = c
        .container_entries("c", ListOptions::new())
        .map(|e| e.map(|e| e.name))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got, names);
    // the broken page, its continuation, and the empty page that ends the listing
    assert_eq!(server.request_count(), 3);
    let second = server.requests()[1].query.clone().unwrap_or_default();
    assert!(second.contains("marker=obj-0"), "{second}");
}

// Headers beyond the client's limits are a clear transport error, not a hang.
#[tokio::test]
async fn huge_headers_are_refused() {
    let server = FakeServer::start().await;
    let big = "x".repeat(512 * 1024);
    server.set_handler(move |_| Reply::status(204).header("X-Account-Meta-Huge", &big));
    let c = conn(&server);
    let started = Instant::now();
    let err = c.head_account().await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

// Duplicated headers are joined; a missing Content-Length or ETag just disables the checks
// that need them (no resume, no MD5), it does not fail a good download.
#[tokio::test]
async fn duplicate_and_missing_headers() {
    let server = FakeServer::start().await;
    server.push(
        Reply::status(204)
            .header("X-Account-Meta-Dup", "a")
            .header("X-Account-Meta-Dup", "b"),
    );
    let c = conn(&server);
    assert_eq!(
        c.head_account()
            .await
            .unwrap()
            .headers()
            .get("x-account-meta-dup"),
        Some("a, b")
    );
    server.push(Reply::status(200).body("no etag here").chunked());
    let got = c.get_object("c", "o").await.unwrap().bytes().await.unwrap();
    assert_eq!(&got[..], b"no etag here");
}

// A body longer than its Content-Length (hyper's server cannot send one, so a raw socket
// does): the object reads as announced, and the garbage left on the connection does not
// corrupt the next exchange.
#[tokio::test]
async fn body_longer_than_announced() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let _ = s.read(&mut buf).await;
            let reply: &[u8] = if first {
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello and then some garbage"
            } else {
                b"HTTP/1.1 204 No Content\r\nX-Account-Object-Count: 7\r\n\r\n"
            };
            first = false;
            let _ = s.write_all(reply).await;
            tokio::spawn(async move {
                let mut sink = vec![0u8; 8192];
                while matches!(s.read(&mut sink).await, Ok(n) if n > 0) {}
            });
        }
    });
    let c = Connection::builder()
        .preauth_url(format!("http://{addr}/v1/AUTH_t"))
        .preauth_token("tok")
        .retries(2)
        .timeout(Duration::from_secs(2))
        .sleeper(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    let got = c.get_object("c", "o").await.unwrap().bytes().await.unwrap();
    assert_eq!(&got[..], b"hello");
    let resp = c.head_account().await.unwrap();
    assert_eq!(resp.headers().object_count(), Some(7));
}

// A Content-Length larger than the body that then ends: an error, never short data.
#[tokio::test]
async fn body_shorter_than_announced() {
    let server = FakeServer::start().await;
    server.set_handler(|_| {
        Reply::status(200)
            .header("ETag", "\"0123456789abcdef0123456789abcdef\"")
            .body(vec![b'a'; 1000])
            .truncate_after(10)
    });
    let c = conn(&server);
    let err = c
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_transport() || err.is_integrity(), "{err:?}");
}
