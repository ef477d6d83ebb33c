//! Exact request shapes: quoting, listing queries and paging,
//! headers on the wire, name checks, error text, attempts and response headers.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use swift_fake::{FakeServer, Reply};
use swiftclient::ManualClock;
use swiftclient::{
    Body, Connection, CopyOptions, ListOptions, PutOptions, RequestHeaders, RequestOptions,
};

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

fn json_page(names: &[&str]) -> Reply {
    let items: Vec<String> = names
        .iter()
        .map(|n| {
            format!(
                r#"{{"name":"{n}","bytes":1,"hash":"h","content_type":"t","last_modified":"x"}}"#
            )
        })
        .collect();
    Reply::status(200).json(&format!("[{}]", items.join(",")))
}

fn queries(server: &FakeServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect()
}

// Names are quoted like python's quote(safe='/'): UTF-8, then all but letters, digits, _.-~ and
// '/' escaped; space is %20.
#[tokio::test]
async fn names_quoted_like_python() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(200));
    conn.head_object("c d", "dir/é €:x").await.unwrap();
    conn.head_object("c", "a?b#c").await.unwrap();
    conn.head_object("c", "!$&'()*+,;=:@%?#").await.unwrap();
    conn.head_object("c", "keep-_.~/sub/").await.unwrap();
    conn.head_container("unicode:é€").await.unwrap();
    let paths: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        paths,
        vec![
            "/v1/AUTH_t/c%20d/dir/%C3%A9%20%E2%82%AC%3Ax",
            "/v1/AUTH_t/c/a%3Fb%23c",
            "/v1/AUTH_t/c/%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40%25%3F%23",
            "/v1/AUTH_t/c/keep-_.~/sub/",
            "/v1/AUTH_t/unicode%3A%C3%A9%E2%82%AC",
        ]
    );
    // A quoted '?' never opens a query string.
    assert!(server.requests()[1].query.is_none());
}

// Every object operation uses the same quoted path.
#[tokio::test]
async fn all_object_operations_quote() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(201));
    let (c, o) = ("my c", "ü/x y");
    let want = "/v1/AUTH_t/my%20c/%C3%BC/x%20y";
    conn.head_object(c, o).await.unwrap();
    conn.get_object(c, o).await.unwrap().bytes().await.unwrap();
    conn.put_object(c, o, "").await.unwrap();
    conn.post_object(c, o, RequestHeaders::new()).await.unwrap();
    conn.copy_object(c, o, "/d/e").await.unwrap();
    conn.delete_object(c, o).await.unwrap();
    let seen: Vec<(String, String)> = server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect();
    let methods = ["HEAD", "GET", "PUT", "POST", "COPY", "DELETE"];
    assert_eq!(seen.len(), methods.len());
    for ((m, t), want_m) in seen.iter().zip(methods) {
        assert_eq!(m, want_m);
        assert_eq!(t, want);
    }
}

// Container listing query: python's fixed order format, marker, limit, prefix, delimiter,
// end_marker, version_marker, path, then the caller's query string; values quoted.
#[tokio::test]
async fn container_listing_query_order() {
    let (server, conn) = setup().await;
    server.set_handler(|_| json_page(&[]));
    let opts = ListOptions::new()
        .query_string("versions")
        .path("p a/th")
        .version_marker("v 1")
        .end_marker("z z")
        .delimiter("/")
        .prefix("pre fix/")
        .limit(5)
        .marker("m é");
    conn.get_container("c", &opts).await.unwrap();
    assert_eq!(
        queries(&server),
        vec![
            "format=json&marker=m%20%C3%A9&limit=5&prefix=pre%20fix/&delimiter=/\
             &end_marker=z%20z&version_marker=v%201&path=p%20a/th&versions"
        ]
    );
    assert_eq!(server.requests()[0].path, "/v1/AUTH_t/c");
    assert_eq!(server.requests()[0].method, "GET");
}

// Only the options given are sent; format=json always first; empty values and limit 0 omitted.
#[tokio::test]
async fn listing_query_omits_unset() {
    let (server, conn) = setup().await;
    server.set_handler(|_| json_page(&[]));
    conn.get_container("c", &ListOptions::new()).await.unwrap();
    conn.get_container("c", &ListOptions::new().limit(5).prefix("p"))
        .await
        .unwrap();
    conn.get_container("c", &ListOptions::new().marker("").limit(0))
        .await
        .unwrap();
    conn.get_container("c", &ListOptions::new().query_string("?reverse=on"))
        .await
        .unwrap();
    assert_eq!(
        queries(&server),
        vec![
            "format=json",
            "format=json&limit=5&prefix=p",
            "format=json",
            "format=json&reverse=on"
        ]
    );
}

// Account listing: same order, without version_marker and path.
#[tokio::test]
async fn account_listing_query_order() {
    let (server, conn) = setup().await;
    server.set_handler(|_| json_page(&[]));
    let opts = ListOptions::new()
        .end_marker("y")
        .delimiter("-")
        .prefix("a b")
        .limit(10)
        .marker("m")
        .version_marker("ignored")
        .path("ignored");
    conn.get_account(&opts).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.path, "/v1/AUTH_t");
    assert_eq!(
        r.query.as_deref(),
        Some("format=json&marker=m&limit=10&prefix=a%20b&delimiter=-&end_marker=y")
    );
}

// full_listing pages through markers (marker = last name) and stops on an empty page.
#[tokio::test]
async fn full_listing_pages_by_marker() {
    let (server, conn) = setup().await;
    server.push_many([json_page(&["a", "b b"]), json_page(&["c"]), json_page(&[])]);
    let listing = conn
        .get_container(
            "c",
            &ListOptions::new().full_listing(true).prefix("p").limit(2),
        )
        .await
        .unwrap();
    let names: Vec<&str> = listing.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b b", "c"]);
    assert_eq!(
        queries(&server),
        vec![
            "format=json&limit=2&prefix=p",
            "format=json&marker=b%20b&limit=2&prefix=p",
            "format=json&marker=c&limit=2&prefix=p",
        ]
    );
}

// Without full_listing only one page is fetched.
#[tokio::test]
async fn single_page_without_full_listing() {
    let (server, conn) = setup().await;
    server.push_many([json_page(&["a", "b"]), json_page(&["c"])]);
    let listing = conn.get_container("c", &ListOptions::new()).await.unwrap();
    assert_eq!(listing.entries.len(), 2);
    assert_eq!(server.request_count(), 1);
}

// With a delimiter, a trailing subdir entry's name is the next marker.
#[tokio::test]
async fn full_listing_marker_from_subdir() {
    let (server, conn) = setup().await;
    server.push(Reply::status(200).json(
        r#"[{"name":"a","bytes":1,"hash":"h","content_type":"t","last_modified":"x"},{"subdir":"dir one/"}]"#,
    ));
    server.push(Reply::status(200).json(r#"[{"subdir":"e/"}]"#));
    server.push(json_page(&[]));
    let listing = conn
        .get_container("c", &ListOptions::new().delimiter("/").full_listing(true))
        .await
        .unwrap();
    let names: Vec<(&str, bool)> = listing
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.subdir))
        .collect();
    assert_eq!(names, vec![("a", false), ("dir one/", true), ("e/", true)]);
    assert_eq!(
        queries(&server),
        vec![
            "format=json&delimiter=/",
            "format=json&marker=dir%20one/&delimiter=/",
            "format=json&marker=e/&delimiter=/",
        ]
    );
}

// A versioned full listing carries version_marker = the last entry's version_id.
#[tokio::test]
async fn full_listing_version_marker() {
    let (server, conn) = setup().await;
    server
        .push(Reply::status(200).json(r#"[{"name":"o","version_id":"1700.1","is_latest":false}]"#));
    server.push(json_page(&[]));
    let listing = conn
        .get_container(
            "c",
            &ListOptions::new()
                .query_string("versions")
                .full_listing(true),
        )
        .await
        .unwrap();
    assert_eq!(listing.entries[0].version_id.as_deref(), Some("1700.1"));
    assert_eq!(
        queries(&server),
        vec![
            "format=json&versions",
            "format=json&marker=o&version_marker=1700.1&versions"
        ]
    );
}

// The account's full listing pages the same way.
#[tokio::test]
async fn account_full_listing() {
    let (server, conn) = setup().await;
    server.push(Reply::status(200).json(r#"[{"name":"c1","count":2,"bytes":3}]"#));
    server.push(Reply::status(200).json(r#"[{"name":"c2","count":0,"bytes":0}]"#));
    server.push(Reply::status(200).json("[]"));
    let listing = conn
        .get_account(&ListOptions::new().full_listing(true))
        .await
        .unwrap();
    assert_eq!(listing.entries.len(), 2);
    assert_eq!(listing.entries[0].count, 2);
    assert_eq!(
        queries(&server),
        vec![
            "format=json",
            "format=json&marker=c1",
            "format=json&marker=c2"
        ]
    );
}

// A 204 listing (empty container) gives no entries, also with full_listing (one request).
#[tokio::test]
async fn listing_204_is_empty() {
    let (server, conn) = setup().await;
    server.push(Reply::status(204).header("X-Container-Object-Count", "0"));
    let listing = conn.get_container("c", &ListOptions::new()).await.unwrap();
    assert!(listing.entries.is_empty());
    assert_eq!(listing.response.status(), 204);
    assert_eq!(listing.response.headers().object_count(), Some(0));

    server.push(Reply::status(204));
    let listing = conn
        .get_account(&ListOptions::new().full_listing(true))
        .await
        .unwrap();
    assert!(listing.entries.is_empty());
    assert_eq!(server.request_count(), 2);
}

// The listing's response is the first page's (headers included).
#[tokio::test]
async fn full_listing_keeps_first_page_headers() {
    let (server, conn) = setup().await;
    server.push(json_page(&["a"]).header("X-Container-Object-Count", "1"));
    server.push(json_page(&[]).header("X-Container-Object-Count", "99"));
    let listing = conn
        .get_container("c", &ListOptions::new().full_listing(true))
        .await
        .unwrap();
    assert_eq!(listing.response.headers().object_count(), Some(1));
}

// container_entries pages lazily: the first 2 entries of a 3-page listing cost 1 request.
#[tokio::test]
async fn container_entries_is_lazy() {
    let (server, conn) = setup().await;
    server.push_many([
        json_page(&["a", "b"]),
        json_page(&["c", "d"]),
        json_page(&["e"]),
        json_page(&[]),
    ]);
    let first: Vec<_> = conn
        .container_entries("c", ListOptions::new().limit(2))
        .take(2)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(server.request_count(), 1);

    // Reading it all walks every page, by marker, and stops at the empty page.
    let (server, conn) = setup().await;
    server.push_many([
        json_page(&["a", "b"]),
        json_page(&["c", "d"]),
        json_page(&["e"]),
        json_page(&[]),
    ]);
    let all: Vec<String> = conn
        .container_entries("c", ListOptions::new().limit(2))
        .map_ok(|e| e.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, vec!["a", "b", "c", "d", "e"]);
    assert_eq!(
        queries(&server),
        vec![
            "format=json&limit=2",
            "format=json&marker=b&limit=2",
            "format=json&marker=d&limit=2",
            "format=json&marker=e&limit=2",
        ]
    );
}

// container_entries with an invalid name yields an invalid-name error and sends nothing.
#[tokio::test]
async fn container_entries_invalid_name() {
    let (server, conn) = setup().await;
    let got: Vec<_> = conn
        .container_entries("a/b", ListOptions::new())
        .collect()
        .await;
    assert_eq!(got.len(), 1);
    assert!(got[0].as_ref().unwrap_err().is_invalid_name());
    assert_eq!(server.request_count(), 0);
}

// account_entries streams containers the same way.
#[tokio::test]
async fn account_entries_stream() {
    let (server, conn) = setup().await;
    server.push(Reply::status(200).json(r#"[{"name":"x"},{"name":"y"}]"#));
    server.push(Reply::status(200).json("[]"));
    let names: Vec<String> = conn
        .account_entries(ListOptions::new())
        .map_ok(|e| e.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names, vec!["x", "y"]);
    assert_eq!(
        queries(&server),
        vec!["format=json", "format=json&marker=y"]
    );
}

// PUT and POST without a body send Content-Length: 0 (container PUT/POST, object POST).
#[tokio::test]
async fn bodiless_put_and_post_send_content_length_zero() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(201));
    conn.put_container("c").await.unwrap();
    conn.post_container("c", [("X-Container-Read", ".r:*")])
        .await
        .unwrap();
    conn.post_object("c", "o", [("X-Object-Meta-A", "1")])
        .await
        .unwrap();
    conn.post_account([("X-Account-Meta-B", "2")])
        .await
        .unwrap();
    for r in server.requests() {
        assert_eq!(
            r.header("content-length"),
            Some("0"),
            "{} {}",
            r.method,
            r.target
        );
        assert!(!r.chunked);
        assert!(r.body.is_empty());
    }
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("PUT", "/v1/AUTH_t/c")
    );
}

// put_container_with sends the caller's headers and query string.
#[tokio::test]
async fn put_container_with_headers_and_query() {
    let (server, conn) = setup().await;
    server.push(Reply::status(201));
    let opts = RequestOptions::new()
        .header("X-Storage-Policy", "gold")
        .query_string("?x=1");
    conn.put_container_with("c", &opts).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.target, "/v1/AUTH_t/c?x=1");
    assert_eq!(r.header("x-storage-policy"), Some("gold"));
}

// post_object: the caller's headers arrive (names lower-cased, values as given).
#[tokio::test]
async fn post_object_headers() {
    let (server, conn) = setup().await;
    server.push(Reply::status(202));
    let headers: RequestHeaders = [
        ("X-Object-Meta-Color", "Blue Sky"),
        ("Content-Type", "text/plain"),
    ]
    .into();
    let names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["x-object-meta-color", "content-type"]);
    conn.post_object("c", "o", headers).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("x-object-meta-color"), Some("Blue Sky"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert!(r.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
}

// Setting a header twice in RequestHeaders (any case) keeps one line, the last value.
#[tokio::test]
async fn request_headers_replace_case_insensitively() {
    let (server, conn) = setup().await;
    server.push(Reply::status(202));
    let mut h = RequestHeaders::new();
    h.set("X-Object-Meta-K", "one");
    h.set("x-object-meta-k", "two");
    conn.post_object("c", "o", h).await.unwrap();
    assert_eq!(
        server.requests()[0].header_all("x-object-meta-k"),
        vec!["two"]
    );
}

// copy_object: Destination quoted; no X-Fresh-Metadata unless fresh_metadata is Some.
#[tokio::test]
async fn copy_object_destination_and_fresh_metadata() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(201));
    conn.copy_object("c", "o", "/d st/é x").await.unwrap();
    conn.copy_object_with("c d", "o/é", &CopyOptions::new())
        .await
        .unwrap();
    conn.copy_object_with(
        "c",
        "o",
        &CopyOptions::new().destination("/d/o").fresh_metadata(true),
    )
    .await
    .unwrap();
    conn.copy_object_with(
        "c",
        "o",
        &CopyOptions::new()
            .destination("/d/o")
            .fresh_metadata(false)
            .header("X-Fresh-Metadata", "caller"),
    )
    .await
    .unwrap();
    conn.copy_object_with(
        "c",
        "o",
        &CopyOptions::new()
            .destination("/d/o")
            .header("X-Fresh-Metadata", "caller")
            .header("X-Object-Meta-New", "v"),
    )
    .await
    .unwrap();
    let reqs = server.requests();
    assert!(reqs.iter().all(|r| r.method == "COPY"));
    assert_eq!(reqs[0].target, "/v1/AUTH_t/c/o");
    assert_eq!(reqs[0].header("destination"), Some("/d%20st/%C3%A9%20x"));
    assert_eq!(reqs[0].header("x-fresh-metadata"), None);
    // Without a destination: onto itself.
    assert_eq!(reqs[1].header("destination"), Some("/c%20d/o/%C3%A9"));
    assert_eq!(reqs[1].header("x-fresh-metadata"), None);
    assert_eq!(reqs[2].header_all("x-fresh-metadata"), vec!["true"]);
    // Some(false) replaces the caller's own header.
    assert_eq!(reqs[3].header_all("x-fresh-metadata"), vec!["false"]);
    // None lets the caller's header through.
    assert_eq!(reqs[4].header_all("x-fresh-metadata"), vec!["caller"]);
    assert_eq!(reqs[4].header("x-object-meta-new"), Some("v"));
}

// delete_object_with: the query string (multipart-manifest=delete) is sent verbatim.
#[tokio::test]
async fn delete_object_with_query_string() {
    let (server, conn) = setup().await;
    server.push(Reply::status(200).json("{}"));
    conn.delete_object_with(
        "c",
        "slo",
        &RequestOptions::new().query_string("multipart-manifest=delete"),
    )
    .await
    .unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "DELETE");
    assert_eq!(r.target, "/v1/AUTH_t/c/slo?multipart-manifest=delete");
}

// delete_container, head_object_with, get_object_with carry query strings and headers too.
#[tokio::test]
async fn other_query_strings() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(204));
    conn.delete_container_with("c", &RequestOptions::new().query_string("?a=b"))
        .await
        .unwrap();
    conn.head_object_with(
        "c",
        "o",
        &RequestOptions::new()
            .query_string("symlink=get")
            .header("X-Newest", "true"),
    )
    .await
    .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/v1/AUTH_t/c?a=b");
    assert_eq!(reqs[0].method, "DELETE");
    assert_eq!(reqs[1].target, "/v1/AUTH_t/c/o?symlink=get");
    assert_eq!(reqs[1].header("x-newest"), Some("true"));
}

// Every storage request carries the token as X-Auth-Token, exactly once.
#[tokio::test]
async fn token_on_every_request() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(200).json("[]"));
    conn.head_account().await.unwrap();
    conn.get_account(&ListOptions::new()).await.unwrap();
    conn.head_container("c").await.unwrap();
    conn.get_container("c", &ListOptions::new()).await.unwrap();
    conn.delete_container("c").await.unwrap();
    conn.head_object("c", "o").await.unwrap();
    conn.delete_object("c", "o").await.unwrap();
    conn.put_object_with(
        "c",
        "o",
        Body::empty(),
        &PutOptions::new().skip_etag_check(true),
    )
    .await
    .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 8);
    for r in reqs {
        assert_eq!(r.header_all("x-auth-token"), vec!["tok"], "{}", r.target);
    }
}

// The User-Agent is swiftclient-rs/<version> unless overridden.
#[tokio::test]
async fn user_agent() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(204));
    conn.head_account().await.unwrap();
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert!(ua.starts_with("swiftclient-rs/"), "{ua}");

    let conn = Connection::builder()
        .preauth_url(format!("{}/v1/AUTH_t", server.url()))
        .preauth_token("tok")
        .user_agent("my-agent/1")
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    assert_eq!(
        server.requests()[1].header("user-agent"),
        Some("my-agent/1")
    );
}

// Invalid names fail with is_invalid_name() before any request is sent.
#[tokio::test]
async fn invalid_names_rejected_before_sending() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(204));
    let long_c = "c".repeat(257);
    let long_o = "o".repeat(1025);
    let errs = vec![
        conn.head_container("").await.unwrap_err(),
        conn.put_container("a/b").await.unwrap_err(),
        conn.put_container(&long_c).await.unwrap_err(),
        conn.get_container("", &ListOptions::new())
            .await
            .unwrap_err(),
        conn.delete_container("x/").await.unwrap_err(),
        conn.post_container("", RequestHeaders::new())
            .await
            .unwrap_err(),
        conn.head_object("c", "").await.unwrap_err(),
        conn.get_object("c", &long_o).await.unwrap_err(),
        conn.get_object("", "o").await.unwrap_err(),
        conn.put_object("c/d", "o", "x").await.unwrap_err(),
        conn.put_object("c", "", "x").await.unwrap_err(),
        conn.post_object(&long_c, "o", RequestHeaders::new())
            .await
            .unwrap_err(),
        conn.copy_object("c", &long_o, "/d/o").await.unwrap_err(),
        conn.delete_object("c", "").await.unwrap_err(),
    ];
    for e in &errs {
        assert!(e.is_invalid_name(), "{e:?}");
        assert_eq!(e.attempts(), 0);
    }
    assert_eq!(server.request_count(), 0);
}

// The limits are inclusive: 256-byte containers and 1024-byte object names are fine (bytes of
// UTF-8, not characters).
#[tokio::test]
async fn name_limits_inclusive() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(204));
    conn.head_container(&"c".repeat(256)).await.unwrap();
    conn.head_object("c", &"o".repeat(1024)).await.unwrap();
    assert_eq!(server.request_count(), 2);
    // 129 two-byte characters are 258 bytes: too long.
    let err = conn.head_container(&"é".repeat(129)).await.unwrap_err();
    assert!(err.is_invalid_name());
    assert_eq!(server.request_count(), 2);
}

// Error Display: "<Op> failed: <url> <status> <reason>   <body> (txn: <id>)", as ClientException.
#[tokio::test]
async fn error_display_like_client_exception() {
    let (server, conn) = setup().await;
    server.push(
        Reply::status(404)
            .header("X-Trans-Id", "tx123abc")
            .body("<html>nope</html>"),
    );
    let err = conn.get_object("c", "o").await.unwrap_err();
    let url = format!("{}/v1/AUTH_t/c/o", server.url());
    assert_eq!(
        err.to_string(),
        format!("Object GET failed: {url} 404 Not Found   <html>nope</html> (txn: tx123abc)")
    );
    assert_eq!(err.message(), "Object GET failed");
    assert_eq!(err.url(), Some(url.as_str()));
    assert_eq!(err.method(), Some("GET"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.reason(), Some("Not Found"));
    assert_eq!(err.trans_id(), Some("tx123abc"));
    assert_eq!(err.body(), Some("<html>nope</html>"));
    assert!(!err.to_string().contains("tok"), "no token in {err}");
}

// X-Openstack-Request-Id is the transaction id when X-Trans-Id is absent; long bodies are cut.
#[tokio::test]
async fn error_display_request_id_and_long_body() {
    let (server, conn) = setup().await;
    let body = "x".repeat(100);
    server.push(
        Reply::status(409)
            .header("X-Openstack-Request-Id", "req-9")
            .body(body.clone()),
    );
    let err = conn.delete_container("c").await.unwrap_err();
    let s = err.to_string();
    assert!(s.starts_with("Container DELETE failed: "), "{s}");
    assert!(s.contains("/v1/AUTH_t/c 409 Conflict"), "{s}");
    assert!(
        s.ends_with(&format!(
            "  [first 60 chars of response] {} (txn: req-9)",
            "x".repeat(60)
        )),
        "{s}"
    );
}

// Each operation names itself in its errors.
#[tokio::test]
async fn error_operation_names() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(404));
    let l = ListOptions::new();
    let h = RequestHeaders::new;
    let cases = vec![
        (
            conn.head_account().await.unwrap_err(),
            "Account HEAD failed",
        ),
        (
            conn.get_account(&l).await.unwrap_err(),
            "Account GET failed",
        ),
        (
            conn.post_account(h()).await.unwrap_err(),
            "Account POST failed",
        ),
        (
            conn.head_container("c").await.unwrap_err(),
            "Container HEAD failed",
        ),
        (
            conn.get_container("c", &l).await.unwrap_err(),
            "Container GET failed",
        ),
        (
            conn.put_container("c").await.unwrap_err(),
            "Container PUT failed",
        ),
        (
            conn.post_container("c", h()).await.unwrap_err(),
            "Container POST failed",
        ),
        (
            conn.delete_container("c").await.unwrap_err(),
            "Container DELETE failed",
        ),
        (
            conn.head_object("c", "o").await.unwrap_err(),
            "Object HEAD failed",
        ),
        (
            conn.get_object("c", "o").await.unwrap_err(),
            "Object GET failed",
        ),
        (
            conn.put_object("c", "o", "x").await.unwrap_err(),
            "Object PUT failed",
        ),
        (
            conn.post_object("c", "o", h()).await.unwrap_err(),
            "Object POST failed",
        ),
        (
            conn.copy_object("c", "o", "/d/o").await.unwrap_err(),
            "Object COPY failed",
        ),
        (
            conn.delete_object("c", "o").await.unwrap_err(),
            "Object DELETE failed",
        ),
    ];
    for (err, want) in cases {
        assert_eq!(err.message(), want);
        assert!(
            err.to_string().starts_with(&format!("{want}: http://")),
            "{err}"
        );
    }
}

// The server's own reason phrase is reported (python's http_reason).
#[tokio::test]
async fn error_keeps_server_reason_phrase() {
    let (server, conn) = setup().await;
    server.push(Reply::status(404).reason("No Such Thing"));
    let err = conn.head_object("c", "o").await.unwrap_err();
    assert_eq!(err.reason(), Some("No Such Thing"));
    assert!(err.to_string().contains("404 No Such Thing"), "{err}");
}

// Response::attempts() lists every attempt with its status, reason and headers.
#[tokio::test]
async fn response_attempts() {
    let (server, conn) = setup().await;
    server.push(Reply::status(503).header("X-Trans-Id", "tx1"));
    server.push(Reply::status(201).header("X-Trans-Id", "tx2"));
    let resp = conn.put_container("c").await.unwrap();
    let a = resp.attempts();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].status, Some(503));
    assert_eq!(a[0].reason, "Service Unavailable");
    assert_eq!(a[0].headers.get("x-trans-id"), Some("tx1"));
    assert_eq!(a[1].status, Some(201));
    assert_eq!(a[1].headers.get("x-trans-id"), Some("tx2"));
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.reason(), "Created");
    assert_eq!(resp.trans_id(), Some("tx2"));

    // A single attempt lists one entry.
    server.push(Reply::status(204));
    assert_eq!(conn.head_account().await.unwrap().attempts().len(), 1);
}

// Response headers come back with lower-cased names and percent-decoded values.
#[tokio::test]
async fn response_headers_lowercased_and_decoded() {
    let (server, conn) = setup().await;
    server.push(
        Reply::status(200)
            .header("X-Object-Meta-Name", "t%C3%A9st")
            .header("X-Object-Meta-Bad", "%ff")
            .header("X-Object-Meta-Space", "a%20b")
            .header("Content-Type", "text/plain")
            .header("X-Timestamp", "1700000000.00000"),
    );
    let resp = conn.head_object("c", "o").await.unwrap();
    assert_eq!(resp.headers().get("x-object-meta-name"), Some("tést"));
    assert_eq!(resp.headers().get("X-Object-Meta-Name"), Some("tést"));
    assert_eq!(resp.headers().raw("x-object-meta-name"), Some("t%C3%A9st"));
    assert_eq!(resp.headers().get("x-object-meta-bad"), Some("%ff"));
    assert_eq!(resp.headers().get("x-object-meta-space"), Some("a b"));
    assert!(resp.headers().iter().all(|(n, _)| n == n.to_lowercase()));
    assert!(resp
        .headers()
        .iter()
        .any(|(n, _)| n == "x-object-meta-name"));
    let meta = resp.headers().metadata();
    assert_eq!(meta.get("name").map(String::as_str), Some("tést"));
    assert_eq!(resp.headers().content_type(), Some("text/plain"));
}

// Repeated response header lines are joined with ", ".
#[tokio::test]
async fn repeated_response_headers_joined() {
    let (server, conn) = setup().await;
    server.push(
        Reply::status(200)
            .header("Content-Type", "application/directory")
            .header("Content-Type", "application/octet-stream"),
    );
    let resp = conn.head_object("c", "o").await.unwrap();
    assert_eq!(
        resp.headers().get("content-type"),
        Some("application/directory, application/octet-stream")
    );
}

// get_capabilities: /info derived from the storage URL, no X-Auth-Token, not retried.
#[tokio::test]
async fn capabilities_from_storage_url_without_token() {
    let (server, conn) = setup().await;
    server.push(Reply::status(200).json(r#"{"swift":{"max_file_size":5368709122},"slo":{}}"#));
    let caps = conn.get_capabilities().await.unwrap();
    assert!(caps.has("slo"));
    assert_eq!(caps.limit("swift", "max_file_size"), Some(5_368_709_122));
    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/info");
    assert_eq!(r.header("x-auth-token"), None);

    server.push(Reply::status(503));
    let err = conn.get_capabilities().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(
        err.to_string().starts_with("Capabilities GET failed"),
        "{err}"
    );
    assert_eq!(server.request_count(), 2);
}

// get_capabilities_at derives /info from any URL (python's _map_url).
#[tokio::test]
async fn capabilities_url_mapping() {
    let (server, conn) = setup().await;
    server.set_handler(|_| Reply::status(200).json("{}"));
    let base = server.url();
    conn.get_capabilities_at(&format!("{base}/swift/v1.0/AUTH_x"))
        .await
        .unwrap();
    conn.get_capabilities_at(&format!("{base}/swift/"))
        .await
        .unwrap();
    conn.get_capabilities_at(&format!("{base}/info"))
        .await
        .unwrap();
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(targets, vec!["/swift/info", "/swift/info", "/info"]);
}

// With v1 auth, get_capabilities authenticates for the storage URL, then GETs /info untokened.
#[tokio::test]
async fn capabilities_after_v1_auth() {
    let server = FakeServer::start().await;
    let conn = Connection::v1(format!("{}/auth/v1.0", server.url()), "a:u", "k").unwrap();
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", &format!("{}/v1/AUTH_a", server.url()))
            .header("X-Auth-Token", "AUTH_tk"),
    );
    server.push(Reply::status(200).json("{}"));
    conn.get_capabilities().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].path, "/auth/v1.0");
    assert_eq!(reqs[1].target, "/info");
    assert_eq!(reqs[1].header("x-auth-token"), None);
}
