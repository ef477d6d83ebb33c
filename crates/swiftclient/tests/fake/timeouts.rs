//! The socket timeout (python-swiftclient's `timeout`): a server that does not answer, or
//! stalls part-way through a body, fails that attempt, which is then retried or resumed.

use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use swift_fake::{FakeServer, Reply};
use swiftclient::Connection;
use swiftclient::ManualClock;

fn conn(server: &FakeServer, retries: u32) -> Connection {
    crate::support::fake(server, &ManualClock::new())
        .timeout(Duration::from_millis(300))
        .retries(retries)
        .build()
        .unwrap()
}

// A server that sends no response within the timeout: the attempt fails with is_timeout() and
// is retried like any transport error.
#[tokio::test]
async fn a_silent_server_times_out_and_is_retried() {
    let server = FakeServer::start().await;
    server.push(Reply::status(204).delay(Duration::from_secs(3)));
    server.push(Reply::status(204).delay(Duration::from_secs(3)));
    let c = conn(&server, 1);
    let started = Instant::now();
    let err = c.head_account().await.unwrap_err();
    assert!(err.is_timeout() && err.is_transport(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(server.request_count(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // and a server that answers in time after one silent attempt succeeds
    server.push(Reply::status(204).delay(Duration::from_secs(3)));
    server.push(Reply::status(204));
    let resp = c.head_account().await.unwrap();
    assert_eq!(resp.attempts().len(), 2);
    assert_eq!(resp.attempts()[0].status, None);
}

// A body that stalls beyond the timeout part-way is resumed from where it stopped.
#[tokio::test]
async fn a_body_that_stalls_is_resumed_after_the_timeout() {
    let server = FakeServer::start().await;
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let etag = format!(
        "\"{}\"",
        Md5::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    server.push(
        Reply::status(200)
            .header("ETag", &etag)
            .body(data.clone())
            .stall_after(40_000, Duration::from_secs(5)),
    );
    let rest = data[40_000..].to_vec();
    server.push(
        Reply::status(206)
            .header("ETag", &etag)
            .header("Content-Range", "bytes 40000-99999/100000")
            .body(rest),
    );
    let c = conn(&server, 2);
    let got = c.get_object("c", "o").await.unwrap().bytes().await.unwrap();
    assert_eq!(&got[..], &data[..]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("range"), Some("bytes=40000-"));
    assert_eq!(reqs[1].header("if-match"), Some(etag.as_str()));
}
