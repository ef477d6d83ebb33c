//! The fault proxy in front of a tiny upstream server: pass-through, truncation, reset, stall,
//! kill and restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use swift_fake::{FakeServer, Fault, FaultProxy, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn get(addr: std::net::SocketAddr) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(b"GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    Ok(out)
}

async fn upstream() -> FakeServer {
    let server = FakeServer::start().await;
    server.set_handler(|_| Reply::status(200).body(vec![b'z'; 100_000]));
    server
}

#[tokio::test]
async fn passes_through_and_counts() {
    let server = upstream().await;
    let proxy = FaultProxy::start(server.addr()).await;
    let resp = get(proxy.addr()).await.unwrap();
    assert!(resp.starts_with(b"HTTP/1.1 200"));
    assert!(resp.ends_with(&[b'z'; 1000]));
    assert!(proxy.bytes_down() >= 100_000);
    assert!(proxy.bytes_up() > 0);
    assert_eq!(proxy.connections(), 1);
    assert_eq!(proxy.proxied(&server.url()), proxy.url());
}

#[tokio::test]
async fn truncates_and_resets_at_offsets_for_n_connections() {
    let server = upstream().await;
    let proxy = FaultProxy::start(server.addr()).await;
    proxy.set_fault_times(Fault::TruncateDown(500), 1);
    let resp = get(proxy.addr()).await.unwrap();
    assert_eq!(resp.len(), 500, "FIN after exactly 500 bytes");
    // the next connection is clean again
    assert!(get(proxy.addr()).await.unwrap().len() > 100_000);
    proxy.set_fault(Fault::ResetAfterDown(700));
    let err = get(proxy.addr()).await;
    match err {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        Ok(v) => assert!(v.len() <= 700, "reset after 700 bytes, got {}", v.len()),
    }
}

#[tokio::test]
async fn stalls_then_continues() {
    let server = upstream().await;
    let proxy = FaultProxy::start(server.addr()).await;
    proxy.set_fault(Fault::StallDown(1000, Duration::from_millis(400)));
    let t = Instant::now();
    let resp = get(proxy.addr()).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert!(resp.len() > 100_000);
}

#[tokio::test]
async fn kill_refuses_and_restart_serves_again() {
    let server = upstream().await;
    let proxy = FaultProxy::start(server.addr()).await;
    assert!(get(proxy.addr()).await.is_ok());
    proxy.kill();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let e = TcpStream::connect(proxy.addr()).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    proxy.restart().await;
    assert!(get(proxy.addr()).await.unwrap().len() > 100_000);
}
