//! `get_object` streaming: resume with `Range` + `If-Match` after a broken body,
//! the checks on the resumed answer, the retry budget, and the MD5/ETag check.

use crate::support::md5_hex;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use swift_fake::{FakeServer, Reply};
use swiftclient::ManualClock;
use swiftclient::{Connection, ConnectionBuilder, RequestOptions};

const LEN: usize = 1000;
const CUT: usize = 300;

fn data() -> Vec<u8> {
    (0..LEN).map(|i| (i * 31 % 256) as u8).collect()
}

fn builder(server: &FakeServer) -> ConnectionBuilder {
    crate::support::fake(server, &ManualClock::new())
}

async fn setup() -> (FakeServer, Connection) {
    let server = FakeServer::start().await;
    let conn = builder(&server).build().unwrap();
    (server, conn)
}

/// The whole object, with its quoted MD5 ETag.
fn full(body: &[u8]) -> Reply {
    Reply::status(200)
        .header("ETag", &format!("\"{}\"", md5_hex(body)))
        .header("Content-Type", "application/octet-stream")
        .body(body.to_vec())
}

/// The whole object announced, but the connection breaks after `n` bytes.
fn broken(body: &[u8], n: usize) -> Reply {
    full(body).truncate_after(n)
}

/// A 206 for `bytes=<from>-`, with the right Content-Range.
fn rest(body: &[u8], from: usize) -> Reply {
    Reply::status(206)
        .header(
            "Content-Range",
            &format!("bytes {from}-{}/{}", body.len() - 1, body.len()),
        )
        .header("ETag", &format!("\"{}\"", md5_hex(body)))
        .body(body[from..].to_vec())
}

/// Reads chunks until the end or an error; returns what was delivered and the outcome.
async fn drain(body: &mut swiftclient::ObjectBody) -> (Vec<u8>, swiftclient::Result<()>) {
    let mut got = Vec::new();
    loop {
        match body.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => return (got, Ok(())),
            Err(e) => return (got, Err(e)),
        }
    }
}

// A body broken after 300 of 1000 bytes is resumed with Range: bytes=300- and
// If-Match: "<etag>"; the 206 with Content-Range bytes 300-999/1000 completes it exactly.
#[tokio::test]
async fn resume_with_range_and_if_match() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT));
    server.push(rest(&d, CUT));
    let obj = conn.get_object("c", "o").await.unwrap();
    assert_eq!(obj.body.content_length(), Some(LEN as u64));
    let got = obj.bytes().await.unwrap();
    assert_eq!(got.len(), LEN);
    assert_eq!(&got[..], &d[..]);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].header("range"), None);
    assert_eq!(reqs[0].header("if-match"), None);
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(reqs[1].target, "/v1/AUTH_t/c/o");
    assert_eq!(reqs[1].header("range"), Some("bytes=300-"));
    let etag = format!("\"{}\"", md5_hex(&d));
    assert_eq!(reqs[1].header("if-match"), Some(etag.as_str()));
    assert_eq!(reqs[1].header("x-auth-token"), Some("tok"));
}

// The resumed request keeps the caller's headers and query string.
#[tokio::test]
async fn resume_keeps_headers_and_query() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT));
    server.push(rest(&d, CUT));
    let opts = RequestOptions::new()
        .header("X-Newest", "true")
        .query_string("symlink=get");
    let got = conn
        .get_object_with("c", "o", &opts)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
    let reqs = server.requests();
    for r in &reqs {
        assert_eq!(r.target, "/v1/AUTH_t/c/o?symlink=get");
        assert_eq!(r.header("x-newest"), Some("true"));
    }
    assert_eq!(reqs[1].header("range"), Some("bytes=300-"));
}

// Streaming with chunk(): the bytes before the break are delivered once, then the rest.
#[tokio::test]
async fn resume_through_chunks_and_stream() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT));
    server.push(rest(&d, CUT));
    let mut obj = conn.get_object("c", "o").await.unwrap();
    let (got, res) = drain(&mut obj.body).await;
    res.unwrap();
    assert_eq!(got, d);
    assert_eq!(obj.body.bytes_read(), LEN as u64);

    server.push(broken(&d, 500));
    server.push(rest(&d, 500));
    let obj = conn.get_object("c", "o").await.unwrap();
    let chunks: Vec<_> = obj.body.into_stream().collect().await;
    let got: Vec<u8> = chunks
        .into_iter()
        .flat_map(|c| c.unwrap().to_vec())
        .collect();
    assert_eq!(got, d);

    server.push(broken(&d, 10));
    server.push(rest(&d, 10));
    let obj = conn.get_object("c", "o").await.unwrap();
    let mut out = Vec::new();
    let n = obj.body.write_to(&mut out).await.unwrap();
    assert_eq!(n, LEN as u64);
    assert_eq!(out, d);
}

// A 412 on the resume (the object changed): is_precondition_failed(), no retry, and nothing
// beyond the first 300 bytes was delivered.
#[tokio::test]
async fn resume_412_fails_without_splicing() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT));
    server.push(Reply::status(412));
    server.set_handler(|_| Reply::status(200).body(vec![0u8; LEN]));
    let mut obj = conn.get_object("c", "o").await.unwrap();
    let (got, res) = drain(&mut obj.body).await;
    let err = res.unwrap_err();
    assert!(err.is_precondition_failed(), "{err:?}");
    assert_eq!(got.len(), CUT);
    assert_eq!(&got[..], &d[..CUT]);
    assert_eq!(server.request_count(), 2);
    // The body stays finished.
    assert!(obj.body.chunk().await.unwrap().is_none());
}

// A resumed answer with the wrong Content-Range is an integrity error.
#[tokio::test]
async fn resume_wrong_content_range() {
    for range in [
        "bytes 0-999/1000",
        "bytes 300-998/1000",
        "bytes 300-999/2000",
    ] {
        let (server, conn) = setup().await;
        let d = data();
        server.push(broken(&d, CUT));
        server.push(
            Reply::status(206)
                .header("Content-Range", range)
                .body(d[CUT..].to_vec()),
        );
        let mut obj = conn.get_object("c", "o").await.unwrap();
        let (got, res) = drain(&mut obj.body).await;
        let err = res.unwrap_err();
        assert!(err.is_integrity(), "{range}: {err:?}");
        assert_eq!(got.len(), CUT, "{range}");
        assert_eq!(server.request_count(), 2);
    }
}

// A 200 without Content-Range on the resume (Range ignored): the client skips the 300 bytes
// it already delivered, and the result is still exact (and MD5-checked).
#[tokio::test]
async fn resume_200_without_range_skips_prefix() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT));
    server.push(full(&d));
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), LEN, "the download must not end short");
    assert_eq!(&got[..], &d[..]);
    assert_eq!(server.request_count(), 2);
}

// The skipped prefix may span several network chunks.
#[tokio::test]
async fn resume_200_skip_across_chunks() {
    let (server, conn) = setup().await;
    let d: Vec<u8> = (0..200_000usize).map(|i| (i % 253) as u8).collect();
    server.push(broken(&d, 150_000));
    server.push(full(&d).stall_after(70_000, Duration::from_millis(20)));
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), d.len(), "the download must not end short");
    assert!(got[..] == d[..]);
}

// A body whose MD5 does not match its (MD5-like) ETag: the final chunk() gives is_integrity().
#[tokio::test]
async fn md5_mismatch_is_integrity_error() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(200)
            .header("ETag", &format!("\"{}\"", md5_hex(b"something else")))
            .body(d.clone()),
    );
    let mut obj = conn.get_object("c", "o").await.unwrap();
    let (got, res) = drain(&mut obj.body).await;
    assert_eq!(got, d, "every byte is delivered before the check");
    assert!(res.unwrap_err().is_integrity());

    server.push(
        Reply::status(200)
            .header("ETag", &md5_hex(b"something else"))
            .body(d.clone()),
    );
    let err = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
    assert_eq!(server.request_count(), 2);
}

// A matching ETag (any hex case, quoted or not) passes.
#[tokio::test]
async fn md5_match_passes() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(200)
            .header("ETag", &md5_hex(&d).to_uppercase())
            .body(d.clone()),
    );
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
}

// A ranged GET (caller's Range header) is not MD5-checked.
#[tokio::test]
async fn ranged_get_not_md5_checked() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(206)
            .header("Content-Range", "bytes 0-9/1000")
            .header("ETag", &format!("\"{}\"", md5_hex(&d)))
            .body(d[..10].to_vec()),
    );
    let opts = RequestOptions::new().header("Range", "bytes=0-9");
    let got = conn
        .get_object_with("c", "o", &opts)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..10]);
    assert_eq!(server.requests()[0].header("range"), Some("bytes=0-9"));
}

// A ranged GET is not resumed: a break is an error after one request.
#[tokio::test]
async fn ranged_get_not_resumed() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(206)
            .header("Content-Range", "bytes 0-999/1000")
            .header("ETag", &format!("\"{}\"", md5_hex(&d)))
            .body(d.clone())
            .truncate_after(CUT),
    );
    server.set_handler(|_| Reply::status(500));
    let opts = RequestOptions::new().header("Range", "bytes=0-");
    let mut obj = conn.get_object_with("c", "o", &opts).await.unwrap();
    let (got, res) = drain(&mut obj.body).await;
    assert!(res.is_err());
    assert_eq!(got.len(), CUT);
    assert_eq!(server.request_count(), 1);
}

// A static large object (X-Static-Large-Object: True) is not MD5-checked.
#[tokio::test]
async fn slo_not_md5_checked() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(200)
            .header("X-Static-Large-Object", "True")
            .header("ETag", &format!("\"{}\"", md5_hex(b"manifest etag")))
            .body(d.clone()),
    );
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
}

// A dynamic large object (X-Object-Manifest) is not MD5-checked either.
#[tokio::test]
async fn dlo_not_md5_checked() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(200)
            .header("X-Object-Manifest", "segments/o/")
            .header("ETag", &format!("\"{}\"", md5_hex(b"segments etag")))
            .body(d.clone()),
    );
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
}

// An SLO download is still resumed (only the checksum is skipped).
#[tokio::test]
async fn slo_resumed() {
    let (server, conn) = setup().await;
    let d = data();
    let etag = format!("\"{}\"", md5_hex(b"manifest etag"));
    server.push(
        Reply::status(200)
            .header("X-Static-Large-Object", "True")
            .header("ETag", &etag)
            .body(d.clone())
            .truncate_after(CUT),
    );
    server.push(
        Reply::status(206)
            .header("Content-Range", "bytes 300-999/1000")
            .header("X-Static-Large-Object", "True")
            .body(d[CUT..].to_vec()),
    );
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
    assert_eq!(server.requests()[1].header("if-match"), Some(etag.as_str()));
}

// Resumes consume the retry budget: with retries(1) a second break fails (2 requests).
#[tokio::test]
async fn resumes_consume_retry_budget() {
    let server = FakeServer::start().await;
    let conn = builder(&server).retries(1).build().unwrap();
    let d = data();
    server.push(broken(&d, 100));
    server.push(
        Reply::status(206)
            .header("Content-Range", "bytes 100-999/1000")
            .body(d[100..].to_vec())
            .truncate_after(200),
    );
    server.set_handler(move |_| Reply::status(500));
    let mut obj = conn.get_object("c", "o").await.unwrap();
    let (got, res) = drain(&mut obj.body).await;
    let err = res.unwrap_err();
    assert_eq!(server.request_count(), 2);
    assert_eq!(got.len(), 300);
    assert_eq!(&got[..], &d[..300]);
    assert_eq!(err.attempts(), 2, "{err:?}");
}

// With retries(2) the same two breaks are survived: the third request resumes at byte 300.
#[tokio::test]
async fn two_resumes_within_budget() {
    let server = FakeServer::start().await;
    let conn = builder(&server).retries(2).build().unwrap();
    let d = data();
    server.push(broken(&d, 100));
    server.push(
        Reply::status(206)
            .header("Content-Range", "bytes 100-999/1000")
            .body(d[100..].to_vec())
            .truncate_after(200),
    );
    server.push(rest(&d, 300));
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
    let ranges: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.header("range").map(str::to_owned))
        .collect();
    assert_eq!(
        ranges,
        vec![
            None,
            Some("bytes=100-".to_owned()),
            Some("bytes=300-".to_owned())
        ]
    );
}

// With retries(0) a broken body is not resumed at all.
#[tokio::test]
async fn no_resume_with_zero_retries() {
    let server = FakeServer::start().await;
    let conn = builder(&server).retries(0).build().unwrap();
    let d = data();
    server.push(broken(&d, CUT));
    server.set_handler(|_| Reply::status(500));
    let mut obj = conn.get_object("c", "o").await.unwrap();
    let (got, res) = drain(&mut obj.body).await;
    assert!(res.is_err());
    assert_eq!(got.len(), CUT);
    assert_eq!(server.request_count(), 1);
}

// Retries spent before the first byte count too: 503 then a broken body with retries(1) leaves
// no budget for a resume.
#[tokio::test]
async fn initial_retries_count_against_resume() {
    let server = FakeServer::start().await;
    let conn = builder(&server).retries(1).build().unwrap();
    let d = data();
    server.push(Reply::status(503));
    server.push(broken(&d, CUT));
    server.set_handler(|_| Reply::status(500));
    let mut obj = conn.get_object("c", "o").await.unwrap();
    let (_, res) = drain(&mut obj.body).await;
    assert!(res.is_err());
    assert_eq!(server.request_count(), 2);
}

// A retryable failure of the resume request itself (503) is retried within the budget.
#[tokio::test]
async fn resume_request_retried_on_503() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT));
    server.push(Reply::status(503));
    server.push(rest(&d, CUT));
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[1].header("range"), Some("bytes=300-"));
    assert_eq!(reqs[2].header("range"), Some("bytes=300-"));
}

// A 401 on the resume request triggers the one re-authentication (v1 auth).
#[tokio::test]
async fn resume_reauths_on_401() {
    let server = FakeServer::start().await;
    let conn = Connection::builder()
        .auth_url(format!("{}/auth/v1.0", server.url()))
        .user("a:u")
        .key("k")
        .sleeper(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    let d = data();
    let storage = format!("{}/v1/AUTH_a", server.url());
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", &storage)
            .header("X-Auth-Token", "AUTH_one"),
    );
    server.push(broken(&d, CUT));
    server.push(Reply::status(401));
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", &storage)
            .header("X-Auth-Token", "AUTH_two"),
    );
    server.push(rest(&d, CUT));
    let got = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], &d[..]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    assert_eq!(reqs[4].header("x-auth-token"), Some("AUTH_two"));
    assert_eq!(reqs[4].header("range"), Some("bytes=300-"));
}

// A chunked answer (no Content-Length) is not resumed.
#[tokio::test]
async fn chunked_answer_not_resumed() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(broken(&d, CUT).chunked());
    server.set_handler(|_| Reply::status(500));
    let mut obj = conn.get_object("c", "o").await.unwrap();
    assert_eq!(obj.body.content_length(), None);
    let (got, res) = drain(&mut obj.body).await;
    assert!(res.is_err());
    assert_eq!(got.len(), CUT);
    assert_eq!(server.request_count(), 1);
}

// A complete chunked answer is MD5-checked like any plain object.
#[tokio::test]
async fn chunked_answer_md5_checked() {
    let (server, conn) = setup().await;
    let d = data();
    server.push(
        Reply::status(200)
            .header("ETag", &md5_hex(b"x"))
            .body(d.clone())
            .chunked(),
    );
    let err = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_integrity());
}

// A 404 on GET is an error from get_object itself (not retried).
#[tokio::test]
async fn get_404() {
    let (server, conn) = setup().await;
    server.push(Reply::status(404));
    let err = conn.get_object("c", "o").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(server.request_count(), 1);
}
