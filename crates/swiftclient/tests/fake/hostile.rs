//! Hostile input the real cluster cannot produce on demand: every request path checked on the
//! wire, blind retries of DELETE, absurd numbers, endless and cycling bodies, an https auth
//! handing out an http storage URL, and a panicking task. Each case loses nothing.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use swift_fake::{FakeServer, Reply, TlsFixture};
use swiftclient::auth::{AuthToken, Authenticator};
use swiftclient::transfer::{
    Action, DeleteOptions, DownloadOptions, Status, Transfer, TransferOptions,
};
use swiftclient::BoxFuture;
use swiftclient::ManualClock;
use swiftclient::{Connection, CopyOptions, ListOptions, RequestHeaders};

fn conn(server: &FakeServer) -> Connection {
    crate::support::fake(server, &ManualClock::new())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Names that hold dot segments, and the one path each may be sent to.
const DOT_NAMES: &[(&str, &str)] = &[
    (
        "x/../../other/precious",
        "/v1/AUTH_t/shared%2Fx%2F..%2F..%2Fother%2Fprecious",
    ),
    ("..", "/v1/AUTH_t/shared%2F.."),
    (".", "/v1/AUTH_t/shared%2F."),
    (
        "../other/precious",
        "/v1/AUTH_t/shared%2F..%2Fother%2Fprecious",
    ),
    ("a/./b", "/v1/AUTH_t/shared%2Fa%2F.%2Fb"),
    ("a/..", "/v1/AUTH_t/shared%2Fa%2F.."),
];

// HEAD, GET, PUT, POST, COPY and DELETE of a name with `..` segments each reach the one path
// that Swift decodes back to that name; none reaches `/v1/AUTH_t/other/precious`.
#[tokio::test]
async fn dot_segment_names_reach_only_the_named_object() {
    let server = FakeServer::start().await;
    server.set_handler(|r| match r.method.as_str() {
        "GET" => Reply::status(200).body("data"),
        "PUT" | "COPY" => Reply::status(201).header("Etag", "8d777f385d3dfec8815d20f7496026dc"),
        "DELETE" => Reply::status(204),
        _ => Reply::status(204),
    });
    let c = conn(&server);
    for (name, path) in DOT_NAMES {
        server.clear_requests();
        c.head_object("shared", name).await.unwrap();
        c.get_object("shared", name)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        c.put_object("shared", name, "data").await.unwrap();
        c.post_object("shared", name, RequestHeaders::new())
            .await
            .unwrap();
        c.copy_object_with(
            "shared",
            name,
            &CopyOptions::new().destination("/shared/copy"),
        )
        .await
        .unwrap();
        c.delete_object("shared", name).await.unwrap();
        let reqs = server.requests();
        assert_eq!(reqs.len(), 6, "{name}");
        for r in &reqs {
            assert_eq!(r.path, *path, "{} {name}", r.method);
        }
    }
    // Container names that are dot segments cannot be addressed: refused before any request.
    server.clear_requests();
    for c_name in [".", ".."] {
        let err = c.head_container(c_name).await.unwrap_err();
        assert!(err.is_invalid_name(), "{err}");
        assert!(c.delete_object(c_name, "o").await.is_err());
    }
    assert_eq!(server.request_count(), 0);
}

// A transfer delete of a container holding planted names deletes exactly those names.
#[tokio::test]
async fn container_delete_sends_planted_names_to_themselves() {
    let server = FakeServer::start().await;
    let listed = AtomicU32::new(0);
    server.set_handler(move |r| match (r.method.as_str(), r.query.as_deref()) {
        ("GET", Some(q)) if q.contains("format=json") => {
            if listed.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::status(200).json(
                    r#"[{"name": "..", "bytes": 1, "hash": "h", "content_type": "t", "last_modified": "x"},
                        {"name": "x/../../other/precious", "bytes": 1, "hash": "h", "content_type": "t", "last_modified": "x"}]"#,
                )
            } else {
                Reply::status(200).json("[]")
            }
        }
        ("GET", _) => Reply::status(404),
        ("HEAD", _) => Reply::status(200).header("Content-Length", "1"),
        _ => Reply::status(204),
    });
    let t = Transfer::new(conn(&server));
    let opts = DeleteOptions::new().bulk(false);
    let results = t
        .delete_container("shared", &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(results.iter().all(|r| r.is_success()), "{results:?}");
    let deletes: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path)
        .collect();
    assert_eq!(deletes.len(), 3, "{deletes:?}");
    assert!(deletes.contains(&"/v1/AUTH_t/shared%2F..".to_owned()));
    assert!(deletes.contains(&"/v1/AUTH_t/shared%2Fx%2F..%2F..%2Fother%2Fprecious".to_owned()));
    assert!(deletes.contains(&"/v1/AUTH_t/shared".to_owned()));
    assert!(server
        .requests()
        .iter()
        .all(|r| !r.path.contains("/other/")));
}

// An object DELETE that may have reached the server (a 5xx, a reset after sending, a
// timeout) is not sent again: in a `stack`-mode versioned container a second DELETE removes
// the version the first restored. Rate limits and connect errors are still retried, and so
// are idempotent requests.
#[tokio::test]
async fn object_deletes_are_retried_only_when_nothing_was_done() {
    struct Case {
        what: &'static str,
        first: Reply,
        requests: usize,
        ok: bool,
    }
    let cases = [
        Case {
            what: "503",
            first: Reply::status(503),
            requests: 1,
            ok: false,
        },
        Case {
            what: "reset after the request was read",
            first: Reply::status(204).drop_connection(),
            requests: 1,
            ok: false,
        },
        Case {
            what: "no answer before the read timeout",
            first: Reply::status(204).delay(Duration::from_secs(3)),
            requests: 1,
            ok: false,
        },
        Case {
            what: "498 from the rate limiter",
            first: Reply::status(498),
            requests: 2,
            ok: true,
        },
        Case {
            what: "429 with Retry-After",
            first: Reply::status(429).header("Retry-After", "1"),
            requests: 2,
            ok: true,
        },
    ];
    for case in cases {
        let server = FakeServer::start().await;
        server.push_many([case.first, Reply::status(204)]);
        let c = Connection::builder()
            .preauth_url(format!("{}/v1/AUTH_t", server.url()))
            .preauth_token("tok")
            .timeout(Duration::from_secs(1))
            .sleeper(Arc::new(ManualClock::new()))
            .build()
            .unwrap();
        let r = c.delete_object("c", "o").await;
        assert_eq!(r.is_ok(), case.ok, "{}: {r:?}", case.what);
        assert_eq!(server.request_count(), case.requests, "{}", case.what);
    }
    // A create-only PUT (If-None-Match: *) is not sent twice either: had the first attempt
    // been carried out, the retry's 412 would say someone else created the object.
    let server = FakeServer::start().await;
    server.push_many([
        Reply::status(503),
        Reply::status(201).header("Etag", "8d777f385d3dfec8815d20f7496026dc"),
    ]);
    let c = conn(&server);
    let r = c
        .put_object_with(
            "c",
            "o",
            "data",
            &swiftclient::PutOptions::new().header("If-None-Match", "*"),
        )
        .await;
    assert_eq!(r.unwrap_err().status(), Some(503));
    assert_eq!(server.request_count(), 1);
    // Idempotent requests keep python-swiftclient's retries.
    let server = FakeServer::start().await;
    let c = conn(&server);
    server.push_many([Reply::status(503), Reply::status(204)]);
    c.delete_container("c").await.unwrap();
    server.push_many([Reply::status(503), Reply::status(202)]);
    c.post_object("c", "o", RequestHeaders::new())
        .await
        .unwrap();
    server.push_many([
        Reply::status(503),
        Reply::status(201).header("Etag", "8d777f385d3dfec8815d20f7496026dc"),
    ]);
    c.put_object("c", "o", "data").await.unwrap();
    assert_eq!(server.request_count(), 6);
    // A DELETE to a port where nothing listens never reached anything: it is retried
    // (and fails the same way each time).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = Connection::builder()
        .preauth_url(format!("http://127.0.0.1:{port}/v1/AUTH_t"))
        .preauth_token("tok")
        .retries(2)
        .sleeper(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    let err = c.delete_object("c", "o").await.unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert_eq!(err.attempts(), 3);
}

// The bulk-delete POST is a delete too: not retried after a 5xx.
#[tokio::test]
async fn bulk_delete_is_not_retried_after_a_5xx() {
    let server = FakeServer::start().await;
    server.set_handler(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/info") => Reply::status(200).json(
            r#"{"swift": {"version": "2"}, "bulk_delete": {"max_deletes_per_request": 100}}"#,
        ),
        ("POST", _) => Reply::status(503),
        ("HEAD", _) => Reply::status(404),
        _ => Reply::status(204),
    });
    // bulk delete is used for more than twice as many objects as threads
    let t = Transfer::with_options(conn(&server), TransferOptions::new().object_concurrency(1));
    let names: Vec<String> = (0..5).map(|i| format!("o{i}")).collect();
    let results = t
        .delete_objects("c", names, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1, "{results:?}");
    assert!(results.iter().any(|r| !r.is_success()));
}

// Numbers anyone can plant: an mtime of 1e20 (or NaN, or text) is ignored with a warning and
// the file is still written; absurd Retry-After, X-Timestamp and X-Auth-Token-Expires values
// neither panic nor hang.
#[tokio::test]
async fn absurd_numbers_never_panic() {
    let server = FakeServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bad_mtimes = ["1e20", "NaN", "-5", "inf", "1e400", "99999999999999999999"];
    for (i, m) in bad_mtimes.iter().enumerate() {
        let m = (*m).to_owned();
        server.push(Reply::with(move |_| {
            Reply::status(200)
                .header("Etag", "8d777f385d3dfec8815d20f7496026dc")
                .header("X-Object-Meta-Mtime", &m)
                .header("X-Timestamp", "1e300")
                .body("data")
        }));
        let t = Transfer::new(conn(&server));
        let out = dir.path().join(format!("f{i}"));
        let results = t
            .download_objects("c", ["o"], &DownloadOptions::new().out_file(&out))
            .unwrap()
            .collect_all()
            .await;
        assert_eq!(results.len(), 1);
        let r = &results[0];
        assert_eq!(r.status, Status::Completed, "{:?}", r.error());
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].contains("X-Object-Meta-Mtime"));
        assert_eq!(std::fs::read(&out).unwrap(), b"data");
    }
    // X-Timestamp far out of range
    server.push(Reply::status(204).header("X-Timestamp", "1e300"));
    let h = conn(&server).head_account().await.unwrap();
    assert_eq!(h.headers().timestamp(), None);
    // Retry-After of 1e300 seconds: retried after the capped back-off, not a panic.
    server.push_many([
        Reply::status(498).header("Retry-After", "1e300"),
        Reply::status(204),
    ]);
    conn(&server).head_account().await.unwrap();
    // v1 auth announcing an expiry 1e20 seconds away.
    let auth = FakeServer::start().await;
    let storage = format!("{}/v1/AUTH_t", server.url());
    auth.set_handler(move |_| {
        Reply::status(200)
            .header("X-Auth-Token", "AUTH_tk")
            .header("X-Storage-Url", &storage)
            .header("X-Auth-Token-Expires", "1e20")
    });
    server.push(Reply::status(204));
    let c = Connection::v1(format!("{}/auth/v1.0", auth.url()), "u", "k").unwrap();
    c.head_account().await.unwrap();
}

// A successful listing page that never ends is cut off at 64 MiB with a clear error.
#[tokio::test]
async fn an_endless_listing_page_is_an_error_in_bounded_memory() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let entry = r#"{"name": "a", "bytes": 1},"#.repeat(2000);
                let chunk = format!("{:x}\r\n[{entry}\r\n", entry.len() + 1);
                if sock.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{entry}\r\n", entry.len());
                loop {
                    if sock.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let c = Connection::builder()
        .preauth_url(format!("http://{addr}/v1/AUTH_t"))
        .preauth_token("tok")
        .retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.get_container("c", &ListOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains("larger than 64 MiB"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

fn page(names: &[&str]) -> Reply {
    let entries: Vec<String> = names
        .iter()
        .map(|n| format!(r#"{{"name": "{n}", "bytes": 1, "hash": "h", "content_type": "t", "last_modified": "x"}}"#))
        .collect();
    Reply::status(200).json(&format!("[{}]", entries.join(",")))
}

/// A server whose pages cycle: A, B, then A, B again for the marker B, and so on.
fn cycling(r: &swift_fake::RecordedRequest) -> Reply {
    let q = r.query.clone().unwrap_or_default();
    if r.method != "GET" {
        return Reply::status(204);
    }
    if q.contains("marker=b") {
        page(&["c", "a"])
    } else if q.contains("marker=a") {
        page(&["b"])
    } else {
        page(&["a", "b"])
    }
}

// Listings that cycle end with an error in every listing loop: full listings, lazy streams,
// and the transfer engine's container delete (which used to loop, deleting, forever).
#[tokio::test]
async fn cycling_listings_end_everywhere() {
    let server = FakeServer::start().await;
    server.set_handler(cycling);
    let c = conn(&server);
    let err = c
        .get_container("c", &ListOptions::new().full_listing(true))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not advance"), "{err}");
    let mut stream = std::pin::pin!(c.container_entries("c", ListOptions::new()));
    let mut seen = 0;
    let mut failed = false;
    while let Some(e) = stream.next().await {
        seen += 1;
        if e.is_err() {
            failed = true;
            break;
        }
        assert!(seen < 100, "the stream loops");
    }
    assert!(failed);
    let t = Transfer::new(c.clone());
    let results = tokio::time::timeout(
        Duration::from_secs(20),
        t.delete_container("c", &DeleteOptions::new().bulk(false))
            .unwrap()
            .collect_all(),
    )
    .await
    .expect("the container delete loops");
    assert!(results
        .iter()
        .any(|r| r.action == Action::DeleteContainer && !r.is_success()));
    // Reverse listings go down: the same names in falling order are fine.
    let server = FakeServer::start().await;
    server.push_many([page(&["c", "b"]), page(&["a"]), page(&[])]);
    let l = conn(&server)
        .get_container(
            "c",
            &ListOptions::new()
                .full_listing(true)
                .query_string("reverse=on"),
        )
        .await
        .unwrap();
    assert_eq!(l.entries.len(), 3);
}

// An https auth endpoint whose reply names an http storage URL would send the token in clear
// text: refused unless `insecure` is set.
#[tokio::test]
async fn an_http_storage_url_from_an_https_auth_is_refused() {
    let fx = TlsFixture::generate();
    let auth = FakeServer::start_tls(&fx, false).await;
    let storage = FakeServer::start().await;
    let storage_url = format!("{}/v1/AUTH_t", storage.url());
    auth.set_handler(move |_| {
        Reply::status(200)
            .header("X-Auth-Token", "AUTH_tk")
            .header("X-Storage-Url", &storage_url)
    });
    storage.set_handler(|_| Reply::status(204));
    let auth_url = format!("{}/auth/v1.0", auth.url());
    let c = Connection::builder()
        .auth_url(&auth_url)
        .user("u")
        .key("k")
        .cacert(fx.ca_path())
        .build()
        .unwrap();
    let err = c.head_account().await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("clear text"), "{err}");
    assert_eq!(
        storage.request_count(),
        0,
        "the token went out in clear text"
    );
    let c = Connection::builder()
        .auth_url(&auth_url)
        .user("u")
        .key("k")
        .insecure(true)
        .build()
        .unwrap();
    c.head_account().await.unwrap();
    assert_eq!(storage.request_count(), 1);
}

// `user:password@` in a URL never reaches an error message.
#[tokio::test]
async fn credentials_in_urls_stay_out_of_errors() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = Connection::builder()
        .preauth_url(format!("http://alice:hunter2@127.0.0.1:{port}/v1/AUTH_t"))
        .preauth_token("tok")
        .retries(0)
        .build()
        .unwrap();
    let err = c.head_account().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains("hunter2") && !text.contains("alice"),
            "{text}"
        );
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    }
}

/// An authenticator that panics: a stand-in for any bug inside a transfer task.
#[derive(Debug)]
struct Panicking;
impl Authenticator for Panicking {
    fn authenticate<'a>(
        &'a self,
        _http: &'a swiftclient::auth::HttpClient,
    ) -> BoxFuture<'a, swiftclient::Result<AuthToken>> {
        Box::pin(async { panic!("planted panic") })
    }
}

// A task that panics becomes a failed result (an error naming the bug), never silence: per
// object in the workers, and for the listing in the driver of a container download.
#[tokio::test]
async fn a_panicking_task_is_a_failed_result() {
    let c = Connection::builder()
        .authenticator(Arc::new(Panicking))
        .build()
        .unwrap();
    let t = Transfer::new(c);
    let dir = tempfile::tempdir().unwrap();
    let opts = DownloadOptions::new().out_directory(dir.path());
    let results = t
        .download_objects("c", ["a", "b"], &opts)
        .unwrap()
        .collect_all()
        .await;
    assert_eq!(results.len(), 2, "{results:?}");
    for r in &results {
        assert_eq!(r.status, Status::Failed);
        let e = r.error().unwrap();
        assert!(
            e.is_internal() && e.to_string().contains("planted panic"),
            "{e}"
        );
    }
    let results = t
        .download_container("c", &opts)
        .unwrap()
        .collect_all()
        .await;
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].action, Action::ListContainer);
    assert!(results[0].error().is_some_and(|e| e.is_internal()));
}
