//! `put_object` bodies and headers: replay on retry, streams that cannot be
//! replayed, chunked uploads, ETag checks, and the exact headers on the wire.

use crate::support::md5_hex;
use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use swift_fake::{FakeServer, RecordedRequest, Reply};
use swiftclient::ManualClock;
use swiftclient::{Body, Connection, PutOptions, RequestHeaders};

async fn setup() -> (FakeServer, Connection) {
    let server = FakeServer::start().await;
    let conn = Connection::builder()
        .preauth_url(format!("{}/v1/AUTH_t", server.url()))
        .preauth_token("tok")
        .sleeper(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    (server, conn)
}

/// A 201 whose ETag is the MD5 of the request body, as Swift answers a PUT.
fn echo_etag(r: &RecordedRequest) -> Reply {
    Reply::status(201).header("ETag", &format!("\"{}\"", md5_hex(&r.body)))
}

fn payload() -> Vec<u8> {
    (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// Asserts the two recorded PUTs carry the same, complete body with its Content-Length.
fn assert_replayed(server: &FakeServer, data: &[u8]) {
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.method, "PUT");
        assert_eq!(r.path, "/v1/AUTH_t/c/o");
        assert_eq!(
            &r.body[..],
            data,
            "the body must be sent whole on every attempt"
        );
        assert_eq!(
            r.header("content-length"),
            Some(data.len().to_string().as_str())
        );
        assert!(!r.chunked);
    }
}

// A Bytes body is replayed on retry: identical body and Content-Length on both attempts.
#[tokio::test]
async fn bytes_body_replayed() {
    let (server, conn) = setup().await;
    let data = payload();
    server.push(Reply::status(503));
    server.set_handler(echo_etag);
    let resp = conn
        .put_object("c", "o", Bytes::from(data.clone()))
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_replayed(&server, &data);
    let statuses: Vec<Option<u16>> = resp.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(503), Some(201)]);
}

// A body of several buffers (Body::chunks) is sent as one, whole on every attempt, and the
// MD5 of all its pieces is what is compared with the ETag.
#[tokio::test]
async fn chunks_body_replayed_and_hashed() {
    let (server, conn) = setup().await;
    let data = payload();
    let pieces: Vec<Bytes> = data
        .chunks(30_000)
        .map(Bytes::copy_from_slice)
        .chain([Bytes::new()])
        .collect();
    let body = Body::chunks(pieces.clone());
    assert_eq!(body.len(), Some(data.len() as u64));
    assert!(body.is_replayable());
    server.push(Reply::status(503));
    server.set_handler(echo_etag);
    conn.put_object("c", "o", body).await.unwrap();
    assert_replayed(&server, &data);

    // A server that stored something else is caught: the hash covers every piece.
    server.clear_requests();
    server
        .set_handler(|_| Reply::status(201).header("ETag", "\"0123456789abcdef0123456789abcdef\""));
    let err = conn
        .put_object("c", "o", Body::chunks(pieces))
        .await
        .unwrap_err();
    assert!(err.is_integrity(), "{err}");
}

// A file body (Body::from_path) is replayed on retry from its start.
#[tokio::test]
async fn file_body_replayed() {
    let (server, conn) = setup().await;
    let data = payload();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&data).unwrap();
    f.flush().unwrap();
    server.push(Reply::status(500));
    server.set_handler(echo_etag);
    let body = Body::from_path(f.path()).unwrap();
    assert_eq!(body.len(), Some(data.len() as u64));
    conn.put_object("c", "o", body).await.unwrap();
    assert_replayed(&server, &data);
}

// Body::file starts at the file's current position, and replays from there.
#[tokio::test]
async fn file_body_from_position_replayed() {
    use std::io::{Seek, SeekFrom};
    let (server, conn) = setup().await;
    let data = payload();
    let mut f = tempfile::tempfile().unwrap();
    f.write_all(&data).unwrap();
    f.seek(SeekFrom::Start(1000)).unwrap();
    server.push(Reply::status(503));
    server.set_handler(echo_etag);
    conn.put_object("c", "o", Body::file(f).unwrap())
        .await
        .unwrap();
    assert_replayed(&server, &data[1000..]);
}

// A transport failure mid-upload (connection dropped) replays a file body too.
#[tokio::test]
async fn file_body_replayed_after_dropped_connection() {
    let (server, conn) = setup().await;
    let data = payload();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&data).unwrap();
    server.push(Reply::status(201).drop_connection());
    server.set_handler(echo_etag);
    conn.put_object("c", "o", Body::from_path(f.path()).unwrap())
        .await
        .unwrap();
    assert_replayed(&server, &data);
}

// Files are sent two ways: small ones read at once, larger ones read and hashed ahead of the
// connection on a thread, chunk by chunk. Both replay, and both hash exactly what was sent
// (echo_etag answers the MD5 of the body received, compared with ours).
#[tokio::test]
async fn small_and_multi_chunk_file_bodies_replayed_and_hashed() {
    for size in [0usize, 4096, 64 * 1024, 64 * 1024 + 1, 3 * 256 * 1024 + 17] {
        let (server, conn) = setup().await;
        let data: Vec<u8> = (0..size).map(|i| (i * 31 % 253) as u8).collect();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&data).unwrap();
        f.flush().unwrap();
        server.push(Reply::status(503));
        server.set_handler(echo_etag);
        conn.put_object("c", "o", Body::from_path(f.path()).unwrap())
            .await
            .unwrap_or_else(|e| panic!("{size} bytes: {e}"));
        assert_replayed(&server, &data);
    }
}

// A file that shrinks after its length was taken fails the upload with a clear error, and no
// request carried a body of the announced length (nothing whole-looking is stored).
#[tokio::test]
async fn file_shorter_than_announced_fails() {
    for (size, announced) in [(1000u64, 5000u64), (300_000, 900_000)] {
        let (server, conn) = setup().await;
        server.set_handler(echo_etag);
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&vec![7u8; size as usize]).unwrap();
        f.flush().unwrap();
        let body = Body::file_range(std::fs::File::open(f.path()).unwrap(), 0, announced);
        let err = conn.put_object("c", "o", body).await.unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("the file ended after {size} of")),
            "{size}: {err}"
        );
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.body.len() as u64 != announced),
            "a short file must not be stored as a whole object"
        );
    }
}

// The MD5 of a multi-chunk file body is compared with the ETag like any other.
#[tokio::test]
async fn multi_chunk_file_etag_mismatch_is_integrity_error() {
    let (server, conn) = setup().await;
    server.push(Reply::status(201).header("ETag", &format!("\"{}\"", md5_hex(b"other"))));
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&vec![1u8; 600_000]).unwrap();
    f.flush().unwrap();
    let err = conn
        .put_object("c", "o", Body::from_path(f.path()).unwrap())
        .await
        .unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
}

// A seekable reader (tokio Cursor) is replayed on retry by seeking back.
#[tokio::test]
async fn seekable_body_replayed() {
    let (server, conn) = setup().await;
    let data = payload();
    server.push(Reply::status(503));
    server.set_handler(echo_etag);
    let cursor = std::io::Cursor::new(data.clone());
    let body = Body::seekable(cursor, 0, Some(data.len() as u64));
    assert!(body.is_replayable());
    conn.put_object("c", "o", body).await.unwrap();
    assert_replayed(&server, &data);
}

// A seekable reader of unknown length is sent chunked, and replayed whole.
#[tokio::test]
async fn seekable_unknown_length_chunked_and_replayed() {
    let (server, conn) = setup().await;
    let data = payload();
    server.push(Reply::status(503));
    server.set_handler(echo_etag);
    let body = Body::seekable(std::io::Cursor::new(data.clone()), 500, None);
    conn.put_object("c", "o", body).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert!(r.chunked);
        assert_eq!(r.header("content-length"), None);
        assert_eq!(&r.body[..], &data[500..]);
    }
}

// A stream body cannot be replayed: the first retryable failure ends the call with
// is_body_not_replayable(), naming the original 503 in Display and source().
#[tokio::test]
async fn stream_body_not_replayable() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    server.push(Reply::status(503).header("X-Trans-Id", "tx503"));
    let chunks = vec![
        Ok(Bytes::from_static(b"abc")),
        Ok(Bytes::from_static(b"def")),
    ];
    let body = Body::stream(futures_util::stream::iter(chunks), None);
    assert!(!body.is_replayable());
    let err = conn.put_object("c", "o", body).await.unwrap_err();
    assert!(err.is_body_not_replayable(), "{err:?}");
    assert_eq!(server.request_count(), 1);
    let text = err.to_string();
    assert!(text.contains("503"), "{text}");
    assert!(text.contains("Object PUT failed"), "{text}");
    let source = std::error::Error::source(&err).expect("source");
    let source = source
        .downcast_ref::<swiftclient::Error>()
        .expect("an Error");
    assert_eq!(source.status(), Some(503));
    assert_eq!(source.trans_id(), Some("tx503"));
}

// A reader body (Body::reader) cannot be replayed either.
#[tokio::test]
async fn reader_body_not_replayable() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    server.push(Reply::status(500));
    let body = Body::reader(std::io::Cursor::new(b"hello".to_vec()), Some(5));
    assert!(!body.is_replayable());
    let err = conn.put_object("c", "o", body).await.unwrap_err();
    assert!(err.is_body_not_replayable(), "{err:?}");
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(server.request_count(), 1);
}

// With retries(0), a stream upload's failure surfaces as the original error.
#[tokio::test]
async fn stream_body_with_zero_retries_keeps_original_error() {
    let server = FakeServer::start().await;
    let conn = Connection::builder()
        .preauth_url(format!("{}/v1/AUTH_t", server.url()))
        .preauth_token("tok")
        .retries(0)
        .build()
        .unwrap();
    server.push(Reply::status(503));
    let body = Body::stream(
        futures_util::stream::iter(vec![Ok(Bytes::from_static(b"x"))]),
        None,
    );
    let err = conn.put_object("c", "o", body).await.unwrap_err();
    assert!(!err.is_body_not_replayable());
    assert_eq!(err.status(), Some(503));
}

// A stream body whose first attempt succeeds is fine.
#[tokio::test]
async fn stream_body_success() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let body = Body::reader(std::io::Cursor::new(b"hello".to_vec()), Some(5));
    conn.put_object("c", "o", body).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(&r.body[..], b"hello");
    assert_eq!(r.header("content-length"), Some("5"));
    assert!(!r.chunked);
}

// A stream of unknown length is sent with Transfer-Encoding: chunked and no Content-Length.
#[tokio::test]
async fn unknown_length_stream_is_chunked() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let chunks = vec![
        Ok(Bytes::from_static(b"foo")),
        Ok(Bytes::from_static(b"bar")),
    ];
    let body = Body::stream(futures_util::stream::iter(chunks), None);
    assert_eq!(body.len(), None);
    conn.put_object("c", "o", body).await.unwrap();
    let r = &server.requests()[0];
    assert!(r.chunked);
    assert_eq!(r.header("content-length"), None);
    assert_eq!(&r.body[..], b"foobar");
}

// A reader of unknown length is chunked too; PutOptions::content_length makes it fixed-length.
#[tokio::test]
async fn reader_content_length_option() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let body = Body::reader(std::io::Cursor::new(b"abcdef".to_vec()), None);
    conn.put_object("c", "o", body).await.unwrap();
    let body = Body::reader(std::io::Cursor::new(b"abcdef".to_vec()), None);
    conn.put_object_with("c", "o", body, &PutOptions::new().content_length(6))
        .await
        .unwrap();
    let reqs = server.requests();
    assert!(reqs[0].chunked);
    assert_eq!(reqs[0].header("content-length"), None);
    assert!(!reqs[1].chunked);
    assert_eq!(reqs[1].header("content-length"), Some("6"));
    assert_eq!(&reqs[1].body[..], b"abcdef");
}

// Empty chunks in a stream are skipped (an empty chunk would end a chunked upload early).
#[tokio::test]
async fn empty_stream_chunks_skipped() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let chunks = vec![
        Ok(Bytes::from_static(b"foo")),
        Ok(Bytes::new()),
        Ok(Bytes::new()),
        Ok(Bytes::from_static(b"bar")),
        Ok(Bytes::new()),
    ];
    let body = Body::stream(futures_util::stream::iter(chunks), None);
    let resp = conn.put_object("c", "o", body).await.unwrap();
    let r = &server.requests()[0];
    assert!(r.chunked);
    assert_eq!(&r.body[..], b"foobar");
    assert_eq!(resp.etag(), Some(md5_hex(b"foobar").as_str()));
}

// An error from the stream itself fails the upload (it is not silently truncated).
#[tokio::test]
async fn stream_error_fails_upload() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let chunks = vec![
        Ok(Bytes::from_static(b"foo")),
        Err(std::io::Error::other("disk on fire")),
    ];
    let body = Body::stream(futures_util::stream::iter(chunks), None);
    let err = conn.put_object("c", "o", body).await.unwrap_err();
    assert!(
        server.requests().iter().all(|r| &r.body[..] != b"foo"),
        "a truncated body must not be stored"
    );
    assert!(err.to_string().contains("disk on fire"), "{err}");
}

// The Display of a wrapped error names each cause once.
#[tokio::test]
async fn wrapped_error_display_names_cause_once() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let chunks = vec![
        Ok(Bytes::from_static(b"foo")),
        Err(std::io::Error::other("disk on fire")),
    ];
    let body = Body::stream(futures_util::stream::iter(chunks), None);
    let err = conn.put_object("c", "o", body).await.unwrap_err();
    assert_eq!(err.to_string().matches("disk on fire").count(), 1, "{err}");
}

// put_object returns the Response; its etag() is the server's ETag without quotes.
#[tokio::test]
async fn put_returns_server_etag() {
    let (server, conn) = setup().await;
    let etag = md5_hex(b"hello");
    server.push(
        Reply::status(201)
            .header("ETag", &format!("\"{etag}\""))
            .header("X-Trans-Id", "txput"),
    );
    let resp = conn.put_object("c", "o", "hello").await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.etag(), Some(etag.as_str()));
    assert_eq!(resp.trans_id(), Some("txput"));
}

// The server's (32-hex) ETag differs from the MD5 of what was sent: is_integrity().
#[tokio::test]
async fn etag_mismatch_is_integrity_error() {
    let (server, conn) = setup().await;
    server.push(Reply::status(201).header("ETag", &format!("\"{}\"", md5_hex(b"other"))));
    let err = conn.put_object("c", "o", "hello").await.unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
    assert_eq!(server.request_count(), 1);
}

// The ETag check covers streamed bodies too (MD5 computed while sending).
#[tokio::test]
async fn etag_mismatch_stream_body() {
    let (server, conn) = setup().await;
    server.push(Reply::status(201).header("ETag", &md5_hex(b"something else")));
    let body = Body::stream(
        futures_util::stream::iter(vec![Ok(Bytes::from_static(b"hello"))]),
        None,
    );
    let err = conn.put_object("c", "o", body).await.unwrap_err();
    assert!(err.is_integrity(), "{err:?}");
}

// After a retry, the MD5 is that of the last attempt only (no double counting).
#[tokio::test]
async fn etag_check_after_retry() {
    let (server, conn) = setup().await;
    server.push(Reply::status(503));
    server.set_handler(echo_etag);
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(b"file data").unwrap();
    conn.put_object("c", "o", Body::from_path(f.path()).unwrap())
        .await
        .unwrap();
    assert_eq!(server.request_count(), 2);
}

// An ETag that is not a plain MD5 (e.g. an SLO's) is not compared; nor are manifests, nor when
// skip_etag_check is set.
#[tokio::test]
async fn etag_check_exemptions() {
    let (server, conn) = setup().await;
    let wrong = format!("\"{}\"", md5_hex(b"other"));
    server.push(Reply::status(201).header("ETag", "\"d41d8cd98f00b204e9800998ecf8427e-3\""));
    conn.put_object("c", "o", "hello").await.unwrap();

    server.push(Reply::status(201).header("ETag", &wrong));
    conn.put_object_with(
        "c",
        "o",
        "[]",
        &PutOptions::new().query_string("multipart-manifest=put"),
    )
    .await
    .unwrap();

    server.push(Reply::status(201).header("ETag", &wrong));
    conn.put_object_with(
        "c",
        "o",
        "",
        &PutOptions::new().header("X-Object-Manifest", "segs/o/"),
    )
    .await
    .unwrap();

    server.push(Reply::status(201).header("ETag", &wrong));
    let opts = PutOptions::new().skip_etag_check(true);
    conn.put_object_with("c", "o", "hello", &opts)
        .await
        .unwrap();
}

// PutOptions: content_type, etag (quotes stripped), headers and query_string on the wire.
#[tokio::test]
async fn put_options_on_the_wire() {
    let (server, conn) = setup().await;
    let etag = md5_hex(b"hello");
    server.push(Reply::status(201).header("ETag", &etag));
    let opts = PutOptions::new()
        .content_type("text/plain; charset=utf-8")
        .etag(format!("\"{etag}\""))
        .header("X-Object-Meta-Color", "blue")
        .header("X-Delete-After", "3600")
        .query_string("multipart-manifest=put&heartbeat=on");
    conn.put_object_with("c", "o", "hello", &opts)
        .await
        .unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "PUT");
    assert_eq!(
        r.target,
        "/v1/AUTH_t/c/o?multipart-manifest=put&heartbeat=on"
    );
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.header("x-object-meta-color"), Some("blue"));
    assert_eq!(r.header("x-delete-after"), Some("3600"));
    assert_eq!(r.header("content-length"), Some("5"));
    assert_eq!(r.header("x-auth-token"), Some("tok"));
    assert_eq!(r.header_all("etag").len(), 1);
    assert_eq!(r.header_all("content-type").len(), 1);
}

// A leading '?' of the caller's query string is dropped.
#[tokio::test]
async fn put_query_string_leading_question_mark() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    conn.put_object_with("c", "o", "x", &PutOptions::new().query_string("?a=1"))
        .await
        .unwrap();
    assert_eq!(server.requests()[0].target, "/v1/AUTH_t/c/o?a=1");
}

// content_type overrides a Content-Type given in headers.
#[tokio::test]
async fn content_type_option_wins_over_header() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let opts = PutOptions::new()
        .header("Content-Type", "application/x-from-headers")
        .content_type("image/png");
    conn.put_object_with("c", "o", "x", &opts).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header_all("content-type"), vec!["image/png"]);
}

// Without content_type (and none in headers) no Content-Type header is sent.
#[tokio::test]
async fn no_content_type_by_default() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    conn.put_object("c", "o", "hello").await.unwrap();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(b"file").unwrap();
    conn.put_object("c", "o", Body::from_path(f.path()).unwrap())
        .await
        .unwrap();
    let chunks = vec![Ok(Bytes::from_static(b"s"))];
    conn.put_object(
        "c",
        "o",
        Body::stream(futures_util::stream::iter(chunks), None),
    )
    .await
    .unwrap();
    for r in server.requests() {
        assert_eq!(r.header("content-type"), None, "{:?}", r.headers);
        assert_eq!(r.header("etag"), None);
    }
}

// An empty body is sent with Content-Length: 0.
#[tokio::test]
async fn empty_body_content_length_zero() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    conn.put_object("c", "o", Body::empty()).await.unwrap();
    conn.put_object("c", "o", "").await.unwrap();
    for r in server.requests() {
        assert_eq!(r.header("content-length"), Some("0"));
        assert!(!r.chunked);
        assert!(r.body.is_empty());
    }
}

// Caller headers are sent with lower-cased names, values untouched.
#[tokio::test]
async fn put_headers_from_request_headers() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    let headers: RequestHeaders = [("X-Object-Meta-Mixed-Case", "Value With Caps")].into();
    let opts = PutOptions::new().headers(headers);
    conn.put_object_with("c", "o", "x", &opts).await.unwrap();
    let r = &server.requests()[0];
    assert!(r
        .headers
        .iter()
        .any(|(n, v)| n == "x-object-meta-mixed-case" && v == "Value With Caps"));
}

// A 422 (the server's answer to an ETag mismatch) is final: not retried.
#[tokio::test]
async fn put_422_not_retried() {
    let (server, conn) = setup().await;
    server.set_handler(echo_etag);
    server.push(Reply::status(422).body("Unprocessable Entity"));
    let err = conn
        .put_object_with("c", "o", "hello", &PutOptions::new().etag(md5_hex(b"nope")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(server.request_count(), 1);
    assert!(err.to_string().starts_with("Object PUT failed"), "{err}");
}
