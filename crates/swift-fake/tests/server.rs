//! Plain-HTTP behaviour of `FakeServer`, checked with a raw TCP client.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use swift_fake::{FakeServer, RecordedRequest, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What a raw client saw on one connection.
struct Seen {
    bytes: Vec<u8>,
    /// The read ended with an error rather than a clean EOF.
    error: bool,
}

impl Seen {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    fn head(&self) -> String {
        let text = self.text();
        text.split_once("\r\n\r\n")
            .expect("complete head")
            .0
            .to_owned()
    }
    fn body(&self) -> &[u8] {
        let at = self
            .bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("complete head");
        &self.bytes[at + 4..]
    }
}

/// Sends `request` verbatim and reads until the server closes the connection.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Seen {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    read_all(&mut tcp).await
}

async fn read_all(tcp: &mut TcpStream) -> Seen {
    let mut bytes = Vec::new();
    let mut error = false;
    let mut buf = [0u8; 65536];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf)).await {
            Err(_) => panic!("timed out waiting for the server to close; got {bytes:?}"),
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => bytes.extend_from_slice(&buf[..n]),
            Ok(Err(_)) => {
                error = true;
                break;
            }
        }
    }
    Seen { bytes, error }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn scripted_sequence_then_default_599() {
    let server = FakeServer::start().await;
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_eq!(server.url(), format!("http://{}", server.addr()));
    server.push(Reply::status(200).body("first"));
    server.push_many([Reply::status(201), Reply::status(404).json("{}")]);

    let one = exchange(server.addr(), &get("/a")).await;
    assert!(
        one.head().starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        one.text()
    );
    assert!(one.head().contains("content-length: 5"));
    assert_eq!(one.body(), b"first");

    let two = exchange(server.addr(), &get("/b")).await;
    assert!(two.head().starts_with("HTTP/1.1 201 "));
    assert!(two.head().contains("content-length: 0"), "{}", two.text());

    let three = exchange(server.addr(), &get("/c")).await;
    assert!(three.head().starts_with("HTTP/1.1 404 "));
    assert!(three
        .head()
        .contains("content-type: application/json; charset=utf-8"));
    assert_eq!(three.body(), b"{}");

    let four = exchange(server.addr(), &get("/d")).await;
    assert!(
        four.head()
            .starts_with("HTTP/1.1 599 Fake Script Exhausted\r\n"),
        "{}",
        four.text()
    );
    assert!(four.text().contains("GET /d"));

    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/a", "/b", "/c", "/d"]);
    assert_eq!(server.request_count(), 4);
    server.clear_requests();
    assert_eq!(server.request_count(), 0);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let server = FakeServer::start().await;
    server.push_many([Reply::status(204), Reply::status(200).body("ok")]);
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(b"HEAD /1 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 204"));
    tcp.write_all(&get("/2")).await.unwrap();
    let seen = read_all(&mut tcp).await;
    assert!(seen.head().starts_with("HTTP/1.1 200"));
    assert_eq!(seen.body(), b"ok");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn reason_phrase_and_duplicate_headers() {
    let server = FakeServer::start().await;
    server.push(
        Reply::status(503)
            .reason("Slow Down Please")
            .header("X-Dup", "one")
            .header("X-Other", "o")
            .header("X-Dup", "two"),
    );
    let seen = exchange(server.addr(), &get("/")).await;
    let head = seen.head();
    assert!(
        head.starts_with("HTTP/1.1 503 Slow Down Please\r\n"),
        "{head}"
    );
    let lines: Vec<&str> = head.lines().collect();
    assert!(lines.contains(&"x-dup: one"), "{head}");
    assert!(lines.contains(&"x-dup: two"), "{head}");
    let one = lines.iter().position(|l| *l == "x-dup: one").unwrap();
    let two = lines.iter().position(|l| *l == "x-dup: two").unwrap();
    assert!(one < two);
}

#[tokio::test]
async fn explicit_content_length_for_head() {
    let server = FakeServer::start().await;
    server.push(
        Reply::status(200)
            .header("Content-Length", "1234")
            .header("Etag", "abc"),
    );
    let seen = exchange(
        server.addr(),
        b"HEAD /o HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let head = seen.head();
    assert!(head.contains("content-length: 1234"), "{head}");
    assert_eq!(head.matches("content-length").count(), 1);
    assert!(seen.body().is_empty());
}

#[tokio::test]
async fn raw_target_is_preserved() {
    let server = FakeServer::start().await;
    server.set_handler(|_| Reply::status(200));
    let target = "/v1/AUTH_t/c%20x/o%2Fp%25?format=json&marker=a%2Fb&prefix=%20";
    exchange(server.addr(), &get(target)).await;
    exchange(server.addr(), &get("/v1/AUTH_t/c%2Fd")).await;
    exchange(server.addr(), &get("/v1/AUTH_t?")).await;
    let reqs = server.requests();
    assert_eq!(reqs[0].target, target);
    assert_eq!(reqs[0].path, "/v1/AUTH_t/c%20x/o%2Fp%25");
    assert_eq!(
        reqs[0].query.as_deref(),
        Some("format=json&marker=a%2Fb&prefix=%20")
    );
    assert_eq!(reqs[1].target, "/v1/AUTH_t/c%2Fd");
    assert_eq!(reqs[1].path, "/v1/AUTH_t/c%2Fd");
    assert_eq!(reqs[1].query, None);
    assert_eq!(reqs[2].path, "/v1/AUTH_t");
    assert_eq!(reqs[2].query.as_deref(), Some(""));
}

#[tokio::test]
async fn records_headers_and_bodies() {
    let server = FakeServer::start().await;
    server.set_handler(|_| Reply::status(201));
    let chunked = b"PUT /c/o HTTP/1.1\r\nHost: x\r\nX-Object-Meta-A: 1\r\nTransfer-Encoding: chunked\r\n\
                    x-object-meta-a: 2\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    exchange(server.addr(), chunked).await;
    let sized = b"POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Val: caf\xc3\xa9\r\nConnection: close\r\n\r\nabc";
    exchange(server.addr(), sized).await;

    let reqs = server.requests();
    let put: &RecordedRequest = &reqs[0];
    assert_eq!(put.method, "PUT");
    assert!(put.chunked);
    assert_eq!(&put.body[..], b"hello world");
    assert_eq!(put.header("X-OBJECT-META-A"), Some("1"));
    assert_eq!(put.header_all("x-object-meta-a"), ["1", "2"]);
    assert!(put.headers.iter().all(|(n, _)| n == &n.to_lowercase()));
    assert_eq!(put.header("host"), Some("x"));
    assert_eq!(put.header("missing"), None);
    assert!(!put.client_cert);

    let post = &reqs[1];
    assert_eq!(post.method, "POST");
    assert!(!post.chunked);
    assert_eq!(&post.body[..], b"abc");
    assert_eq!(post.header("content-length"), Some("3"));
    assert_eq!(post.header("x-val"), Some("café"));
}

#[tokio::test]
async fn handler_and_dynamic_replies() {
    let server = FakeServer::start().await;
    server.push(Reply::with(|req| {
        Reply::status(200).header("X-Echo", &req.path)
    }));
    server.set_handler(|req| Reply::status(202).body(req.method.clone()));
    let one = exchange(server.addr(), &get("/echo/me")).await;
    assert!(one.head().contains("x-echo: /echo/me"), "{}", one.text());
    let two = exchange(
        server.addr(),
        b"DELETE /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(two.head().starts_with("HTTP/1.1 202"));
    assert_eq!(two.body(), b"DELETE");
}

#[tokio::test]
async fn chunked_reply() {
    let server = FakeServer::start().await;
    server.push(Reply::status(200).body("hello").chunked());
    let seen = exchange(server.addr(), &get("/")).await;
    let head = seen.head().to_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(seen.body(), b"5\r\nhello\r\n0\r\n\r\n");
}

#[tokio::test]
async fn truncate_after_sends_prefix_then_closes() {
    let server = FakeServer::start().await;
    let body: Vec<u8> = (0..100u8).collect();
    server.push(Reply::status(200).body(body.clone()).truncate_after(10));
    // Keep-alive request: the close must come from the fault, not from the request.
    let seen = exchange(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        seen.head().contains("content-length: 100"),
        "{}",
        seen.text()
    );
    assert_eq!(seen.body(), &body[..10]);

    // A large body: everything before the cut must still reach the client.
    let big = vec![b'x'; 4 * 1024 * 1024];
    server.push(
        Reply::status(200)
            .body(big)
            .truncate_after(3 * 1024 * 1024 + 7),
    );
    let seen = exchange(server.addr(), b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(seen.head().contains("content-length: 4194304"));
    assert_eq!(seen.body().len(), 3 * 1024 * 1024 + 7);

    // Zero bytes: only the head, then EOF. Also works with a chunked reply.
    server.push(Reply::status(200).body("abc").truncate_after(0));
    let seen = exchange(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(seen.head().contains("content-length: 3"));
    assert!(seen.body().is_empty());
    server.push(
        Reply::status(200)
            .body("abcdef")
            .chunked()
            .truncate_after(4),
    );
    let seen = exchange(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(seen.body(), b"4\r\nabcd\r\n");
}

#[tokio::test]
async fn drop_connection_sends_nothing() {
    let server = FakeServer::start().await;
    server.push(Reply::status(200).body("never").drop_connection());
    server.push(Reply::status(200).body("after"));
    let seen = exchange(
        server.addr(),
        b"PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody",
    )
    .await;
    assert!(seen.bytes.is_empty(), "{}", seen.text());
    assert!(!seen.error, "expected a clean EOF");
    // The request was still read and recorded, and the server keeps serving.
    assert_eq!(&server.requests()[0].body[..], b"body");
    let next = exchange(server.addr(), &get("/")).await;
    assert_eq!(next.body(), b"after");
}

#[tokio::test]
async fn delay_and_stall() {
    let server = FakeServer::start().await;
    server.push(Reply::status(200).delay(Duration::from_millis(300)));
    let start = Instant::now();
    let seen = exchange(server.addr(), &get("/")).await;
    assert!(seen.head().starts_with("HTTP/1.1 200"));
    assert!(start.elapsed() >= Duration::from_millis(300));

    server.push(
        Reply::status(200)
            .body("0123456789")
            .stall_after(4, Duration::from_millis(400)),
    );
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(&get("/")).await.unwrap();
    // The head and the first 4 bytes arrive promptly.
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let start = Instant::now();
    while !got.ends_with(b"\r\n\r\n0123") {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "early EOF: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(start.elapsed() < Duration::from_millis(300));
    let rest = read_all(&mut tcp).await;
    assert_eq!(rest.bytes, b"456789");
    assert!(start.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn clones_share_state() {
    let server = FakeServer::start().await;
    let clone = server.clone();
    clone.push(Reply::status(200));
    exchange(server.addr(), &get("/x")).await;
    assert_eq!(clone.request_count(), 1);
    assert!(format!("{server:?}").contains("127.0.0.1"));
}

#[tokio::test]
async fn dropping_the_last_handle_stops_listening() {
    let server = FakeServer::start().await;
    let addr = server.addr();
    let clone = server.clone();
    drop(server);
    clone.push(Reply::status(200));
    assert!(exchange(addr, &get("/"))
        .await
        .head()
        .starts_with("HTTP/1.1 200"));
    drop(clone);
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err());
}
