//! Authentication and re-authentication: v1 auth served by the fake, one
//! re-auth on 401, force_auth_retry, shared tokens across clones, snet.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use swift_fake::{FakeServer, RecordedRequest, Reply};
use swiftclient::BoxFuture;
use swiftclient::ManualClock;
use swiftclient::{Connection, ConnectionBuilder};

const AUTH_PATH: &str = "/auth/v1.0";

/// A v1 builder authenticating at `server` as `test:tester` / `testing`.
fn v1(server: &FakeServer, sleeper: &ManualClock) -> ConnectionBuilder {
    Connection::builder()
        .auth_url(format!("{}{AUTH_PATH}", server.url()))
        .user("test:tester")
        .key("testing")
        .sleeper(Arc::new(sleeper.clone()))
}

fn storage_url(server: &FakeServer) -> String {
    format!("{}/v1/AUTH_test", server.url())
}

/// A successful v1 auth reply handing out `token`.
fn auth_ok(server: &FakeServer, token: &str) -> Reply {
    Reply::status(200)
        .header("X-Storage-Url", &storage_url(server))
        .header("X-Auth-Token", token)
        .header("X-Storage-Token", token)
}

fn is_auth(r: &RecordedRequest) -> bool {
    r.path == AUTH_PATH
}

fn tokens(server: &FakeServer) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .filter(|r| !is_auth(r))
        .map(|r| r.header("x-auth-token").map(str::to_owned))
        .collect()
}

fn auth_count(server: &FakeServer) -> usize {
    server.requests().iter().filter(|r| is_auth(r)).count()
}

// The v1 auth request is a GET of the auth URL carrying X-Auth-User and X-Auth-Key, no token;
// the storage URL and token of the reply are used for the request that follows.
#[tokio::test]
async fn v1_auth_request_shape() {
    let server = FakeServer::start().await;
    let sleeper = ManualClock::new();
    let conn = v1(&server, &sleeper).build().unwrap();
    server.push(auth_ok(&server, "AUTH_tk1"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].target, AUTH_PATH);
    assert_eq!(reqs[0].header("x-auth-user"), Some("test:tester"));
    assert_eq!(reqs[0].header("x-auth-key"), Some("testing"));
    assert_eq!(reqs[0].header("x-auth-token"), None);
    assert_eq!(reqs[1].method, "HEAD");
    assert_eq!(reqs[1].path, "/v1/AUTH_test");
    assert_eq!(reqs[1].header("x-auth-token"), Some("AUTH_tk1"));
    assert_eq!(conn.url().as_deref(), Some(storage_url(&server).as_str()));
    assert_eq!(conn.token().unwrap().expose(), "AUTH_tk1");
}

// Authentication happens once: later calls reuse the token.
#[tokio::test]
async fn token_is_reused() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(auth_ok(&server, "AUTH_tk1"));
    server.push_many([Reply::status(204), Reply::status(204), Reply::status(204)]);
    for _ in 0..3 {
        conn.head_account().await.unwrap();
    }
    assert_eq!(auth_count(&server), 1);
    assert_eq!(tokens(&server), vec![Some("AUTH_tk1".to_owned()); 3]);
}

// X-Storage-Token wins over X-Auth-Token in the auth reply.
#[tokio::test]
async fn storage_token_preferred() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", &storage_url(&server))
            .header("X-Auth-Token", "from-auth-token")
            .header("X-Storage-Token", "from-storage-token"),
    );
    let (_, token) = conn.get_auth().await.unwrap();
    assert_eq!(token.expose(), "from-storage-token");
}

// A 401 after auth: one new auth GET, and the request is retried with the NEW token (after
// one back-off sleep, as python sleeps before the re-auth attempt).
#[tokio::test]
async fn reauth_on_401_uses_new_token() {
    let server = FakeServer::start().await;
    let sleeper = ManualClock::new();
    let conn = v1(&server, &sleeper).build().unwrap();
    server.push(auth_ok(&server, "AUTH_old"));
    server.push(Reply::status(401));
    server.push(auth_ok(&server, "AUTH_new"));
    server.push(Reply::status(204));
    let resp = conn.head_account().await.unwrap();
    assert_eq!(resp.status(), 204);
    let reqs = server.requests();
    let shape: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("GET", AUTH_PATH),
            ("HEAD", "/v1/AUTH_test"),
            ("GET", AUTH_PATH),
            ("HEAD", "/v1/AUTH_test"),
        ]
    );
    assert_eq!(
        tokens(&server),
        vec![Some("AUTH_old".to_owned()), Some("AUTH_new".to_owned())]
    );
    let statuses: Vec<Option<u16>> = resp.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(401), Some(204)]);
    assert_eq!(sleeper.sleeps(), vec![Duration::from_secs(1)]);
    assert_eq!(conn.token().unwrap().expose(), "AUTH_new");
}

// A second 401 fails with is_unauthorized(): exactly one re-auth, no endless loop.
#[tokio::test]
async fn second_401_fails() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    let url = storage_url(&server);
    server.set_handler(move |r| {
        if is_auth(r) {
            let i = counter.fetch_add(1, Ordering::SeqCst);
            Reply::status(200)
                .header("X-Storage-Url", &url)
                .header("X-Auth-Token", &format!("AUTH_tk{i}"))
        } else {
            Reply::status(401)
        }
    });
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(auth_count(&server), 2);
    assert_eq!(server.request_count(), 4);
    assert!(err.to_string().starts_with("Account HEAD failed"), "{err}");
}

// retries(0): a 401 still gets its one re-auth (2 attempts), and a second 401 fails.
#[tokio::test]
async fn reauth_with_zero_retries() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).retries(0).build().unwrap();
    server.push(auth_ok(&server, "AUTH_a"));
    server.push(Reply::status(401));
    server.push(auth_ok(&server, "AUTH_b"));
    server.push(Reply::status(204));
    assert_eq!(conn.head_account().await.unwrap().status(), 204);
    assert_eq!(
        tokens(&server),
        vec![Some("AUTH_a".to_owned()), Some("AUTH_b".to_owned())]
    );

    server.clear_requests();
    server.push(Reply::status(401));
    server.push(auth_ok(&server, "AUTH_c"));
    server.push(Reply::status(401));
    server.set_handler(|_| Reply::status(204));
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert_eq!(server.request_count(), 3);
}

// retries(0): a 503 after the re-auth is not retried (the budget is spent).
#[tokio::test]
async fn reauth_then_503_with_zero_retries() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).retries(0).build().unwrap();
    server.push(auth_ok(&server, "AUTH_a"));
    server.push(Reply::status(401));
    server.push(auth_ok(&server, "AUTH_b"));
    server.push(Reply::status(503));
    server.set_handler(|_| Reply::status(204));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.request_count(), 4);
}

// A preauth-only connection (no auth URL, user, key) cannot re-authenticate: 401 is final.
#[tokio::test]
async fn preauth_only_401_not_retried() {
    let server = FakeServer::start().await;
    let conn = Connection::builder()
        .preauth_url(storage_url(&server))
        .preauth_token("tok")
        .sleeper(Arc::new(ManualClock::new()))
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(204));
    server.push(Reply::status(401));
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert_eq!(server.request_count(), 1);
    assert_eq!(err.attempts(), 1);
}

// preauth URL + token with v1 credentials: the preauth token is used first; after a 401 the
// connection authenticates, but keeps the preauth storage URL.
#[tokio::test]
async fn preauth_with_credentials_reauths_keeping_url() {
    let server = FakeServer::start().await;
    let preauth_url = format!("{}/v1/AUTH_pre", server.url());
    let conn = v1(&server, &ManualClock::new())
        .preauth_url(preauth_url)
        .preauth_token("pretok")
        .build()
        .unwrap();
    server.push(Reply::status(401));
    server.push(auth_ok(&server, "AUTH_fresh"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].path, "/v1/AUTH_pre");
    assert_eq!(reqs[0].header("x-auth-token"), Some("pretok"));
    assert!(is_auth(&reqs[1]));
    assert_eq!(reqs[2].path, "/v1/AUTH_pre");
    assert_eq!(reqs[2].header("x-auth-token"), Some("AUTH_fresh"));
}

// force_auth_retry(true): every retryable failure leads to a new auth GET before the retry.
#[tokio::test]
async fn force_auth_retry_reauths_before_each_retry() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new())
        .force_auth_retry(true)
        .build()
        .unwrap();
    server.push(auth_ok(&server, "AUTH_1"));
    server.push(Reply::status(503));
    server.push(auth_ok(&server, "AUTH_2"));
    server.push(Reply::status(503));
    server.push(auth_ok(&server, "AUTH_3"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    let auths: Vec<bool> = reqs.iter().map(is_auth).collect();
    assert_eq!(auths, vec![true, false, true, false, true, false]);
    assert_eq!(
        tokens(&server),
        vec![
            Some("AUTH_1".to_owned()),
            Some("AUTH_2".to_owned()),
            Some("AUTH_3".to_owned())
        ]
    );
}

// force_auth_retry with only 503s: retries + 1 attempts, one auth before each.
#[tokio::test]
async fn force_auth_retry_counts() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new())
        .force_auth_retry(true)
        .build()
        .unwrap();
    let url = storage_url(&server);
    server.set_handler(move |r| {
        if is_auth(r) {
            Reply::status(200)
                .header("X-Storage-Url", &url)
                .header("X-Auth-Token", "AUTH_x")
        } else {
            Reply::status(503)
        }
    });
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(err.attempts(), 6);
    assert_eq!(auth_count(&server), 6);
}

// Without force_auth_retry, a 503 does not re-authenticate.
#[tokio::test]
async fn no_reauth_on_503_by_default() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(auth_ok(&server, "AUTH_1"));
    server.push_many([Reply::status(503), Reply::status(503), Reply::status(204)]);
    conn.head_account().await.unwrap();
    assert_eq!(auth_count(&server), 1);
    assert_eq!(tokens(&server), vec![Some("AUTH_1".to_owned()); 3]);
}

// Auth GET answered 401: the error is_unauthorized(), reads "Auth GET failed ...", and no
// request reaches the storage URL. A refused authentication is final (python-swiftclient tries
// v1 auth twice; a second try cannot fix wrong credentials): exactly one auth GET.
#[tokio::test]
async fn auth_failure_is_unauthorized() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.set_handler(|_| Reply::status(401).body("bad credentials"));
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(err.is_auth());
    assert!(err.message().starts_with("Auth GET failed"), "{err}");
    assert!(err.to_string().starts_with("Auth GET failed"), "{err}");
    assert!(err.to_string().contains(AUTH_PATH), "{err}");
    assert!(
        !err.to_string().contains("testing"),
        "key leaked into: {err}"
    );
    let reqs = server.requests();
    assert!(reqs.iter().all(is_auth));
    assert_eq!(reqs.len(), 1);
}

// get_auth() reports the auth failure too.
#[tokio::test]
async fn get_auth_failure() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(Reply::status(403));
    let err = conn.get_auth().await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(err.message().starts_with("Auth GET failed"));
    assert_eq!(server.request_count(), 1);
}

// An auth reply with a non-empty body but no X-Storage-Url is an error (an HTML page served
// with 200 must not pass for a successful auth).
#[tokio::test]
async fn auth_body_without_storage_url_is_error() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.set_handler(|_| {
        Reply::status(200)
            .header("X-Auth-Token", "AUTH_x")
            .header("Content-Type", "text/html")
            .body("<html>login page</html>")
    });
    let err = conn.get_auth().await.unwrap_err();
    assert!(err.message().starts_with("Auth GET failed"), "{err}");
    assert!(err.is_auth());
    assert_eq!(server.request_count(), 1);

    let err = conn.head_account().await.unwrap_err();
    assert!(err.message().starts_with("Auth GET failed"), "{err}");
    assert!(server.requests().iter().all(is_auth));
}

// An auth reply without any token is an auth error.
#[tokio::test]
async fn auth_reply_without_token_is_error() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(Reply::status(200).header("X-Storage-Url", &storage_url(&server)));
    let err = conn.get_auth().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
}

// An auth 503 is retried like any 5xx (auth failures count as attempts).
#[tokio::test]
async fn auth_server_error_is_retried() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(Reply::status(503));
    server.push(auth_ok(&server, "AUTH_ok"));
    server.push(Reply::status(204));
    let resp = conn.head_account().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(auth_count(&server), 2);
}

/// Starts a server whose auth hands out `AUTH_gen<N>` (N = 1, 2, ...) and whose storage
/// answers 401 (after `delay`) to any token but the newest, 204 to the newest.
fn rotating_server(server: &FakeServer, delay: Duration) -> Arc<AtomicUsize> {
    let generation = Arc::new(AtomicUsize::new(0));
    let g = generation.clone();
    let url = storage_url(server);
    server.set_handler(move |r| {
        if is_auth(r) {
            let n = g.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::status(200)
                .header("X-Storage-Url", &url)
                .header("X-Auth-Token", &format!("AUTH_gen{n}"));
        }
        let current = format!("AUTH_gen{}", g.load(Ordering::SeqCst));
        if r.header("x-auth-token") == Some(current.as_str()) {
            Reply::status(204)
        } else {
            Reply::status(401).delay(delay)
        }
    });
    generation
}

// Concurrent requests on clones of one Connection that all meet a 401 trigger ONE new
// authentication, and all succeed with the new token.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_reauth_once() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    let generation = rotating_server(&server, Duration::from_millis(500));
    conn.get_auth().await.unwrap();
    // The token expires on the server side.
    generation.fetch_add(1, Ordering::SeqCst);

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = conn.clone();
        tasks.push(tokio::spawn(async move { c.head_account().await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().status(), 204);
    }
    let toks = tokens(&server);
    let old = toks
        .iter()
        .filter(|t| t.as_deref() == Some("AUTH_gen1"))
        .count();
    assert_eq!(old, 8, "all 8 requests met the 401 first: {toks:?}");
    // One initial authentication plus ONE re-authentication.
    assert_eq!(auth_count(&server), 2);
    assert_eq!(conn.token().unwrap().expose(), "AUTH_gen3");
}

// Concurrent first requests on a fresh connection share one initial authentication.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_requests_auth_once() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    let url = storage_url(&server);
    server.set_handler(move |r| {
        if is_auth(r) {
            Reply::status(200)
                .header("X-Storage-Url", &url)
                .header("X-Auth-Token", "AUTH_only")
                .delay(Duration::from_millis(100))
        } else {
            Reply::status(204)
        }
    });
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = conn.clone();
        tasks.push(tokio::spawn(async move { c.head_account().await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(auth_count(&server), 1);
}

// invalidate_token(): the next request authenticates again.
#[tokio::test]
async fn invalidate_token_forces_auth() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(auth_ok(&server, "AUTH_1"));
    server.push(Reply::status(204));
    server.push(auth_ok(&server, "AUTH_2"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    conn.clone().invalidate_token();
    conn.head_account().await.unwrap();
    assert_eq!(auth_count(&server), 2);
    assert_eq!(
        tokens(&server),
        vec![Some("AUTH_1".to_owned()), Some("AUTH_2".to_owned())]
    );
}

// snet(true) with v1 auth: the storage URL's host gets the "snet-" prefix.
#[tokio::test]
async fn snet_prefixes_storage_host() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).snet(true).build().unwrap();
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", "http://storage.example:8080/v1/AUTH_test")
            .header("X-Auth-Token", "AUTH_tk"),
    );
    let (url, token) = conn.get_auth().await.unwrap();
    assert_eq!(url, "http://snet-storage.example:8080/v1/AUTH_test");
    assert_eq!(token.expose(), "AUTH_tk");
    assert_eq!(conn.url().as_deref(), Some(url.as_str()));
}

// Without snet the storage URL is used as returned.
#[tokio::test]
async fn no_snet_keeps_storage_host() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", "http://storage.example:8080/v1/AUTH_test")
            .header("X-Auth-Token", "AUTH_tk"),
    );
    let (url, _) = conn.get_auth().await.unwrap();
    assert_eq!(url, "http://storage.example:8080/v1/AUTH_test");
}

/// A custom authenticator that speaks v1 itself, through the connection's `HttpClient`.
#[derive(Debug)]
struct OwnV1 {
    url: String,
}

impl swiftclient::Authenticator for OwnV1 {
    fn authenticate<'a>(
        &'a self,
        http: &'a swiftclient::auth::HttpClient,
    ) -> BoxFuture<'a, swiftclient::Result<swiftclient::AuthToken>> {
        Box::pin(async move {
            let headers = swiftclient::RequestHeaders::new()
                .with("X-Auth-User", "test:tester")
                .with("X-Auth-Key", "testing");
            let reply = http
                .send("Auth GET", "GET", &self.url, &headers, None)
                .await?;
            assert_eq!(reply.status, 200);
            assert!(!format!("{reply:?}").contains("secret-body"));
            let token = reply.headers.get("x-auth-token").unwrap_or("").to_owned();
            let url = reply.headers.get("x-storage-url").map(str::to_owned);
            Ok(swiftclient::AuthToken::new(url, token.into()))
        })
    }
}

// An authenticator of the user's own makes its requests with the connection's client; the
// key it sends is redacted from the log like ours.
#[tokio::test]
async fn custom_authenticators_use_the_connections_client() {
    let server = FakeServer::start().await;
    let reply = auth_ok(&server, "AUTH_tkown").body("secret-body");
    server.push_many([reply, Reply::status(204)]);
    let conn = Connection::builder()
        .authenticator(Arc::new(OwnV1 {
            url: format!("{}{AUTH_PATH}", server.url()),
        }))
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].header("x-auth-key"), Some("testing"));
    assert_eq!(reqs[1].header("x-auth-token"), Some("AUTH_tkown"));
}

// An extract-archive whose report says 401 (the token expired or was revoked while the
// middleware worked; the answer itself is a 200) authenticates again and sends the archive
// once more.
#[tokio::test]
async fn an_archive_report_of_401_authenticates_again() {
    let server = FakeServer::start().await;
    let bad = r#"{"Response Status": "401 Unauthorized", "Response Body": "", "Number Files Created": 0, "Errors": []}"#;
    let good = r#"{"Response Status": "201 Created", "Response Body": "", "Number Files Created": 2, "Errors": []}"#;
    server.push_many([
        auth_ok(&server, "AUTH_tk1"),
        Reply::status(200).json(bad),
        auth_ok(&server, "AUTH_tk2"),
        Reply::status(200).json(good),
    ]);
    let sleeper = ManualClock::new();
    let conn = v1(&server, &sleeper).build().unwrap();
    let mut opts = swiftclient::RequestOptions::new();
    opts.headers.set("Accept", "application/json");
    let (_, report) = conn
        .extract_archive("c", "tar", vec![7u8; 1024], &opts)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&report).contains("201 Created"));
    assert_eq!(
        tokens(&server),
        vec![Some("AUTH_tk1".into()), Some("AUTH_tk2".into())]
    );
    let puts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[1].body.len(), 1024, "the archive is sent whole again");
}

// set_credentials(): requests use the URL and token given; a 401 for that token
// re-authenticates once and the new token replaces it; None forgets the token.
#[tokio::test]
async fn set_credentials_replaces_url_and_token() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).build().unwrap();
    conn.set_credentials(
        Some(format!("{}/v1/AUTH_other", server.url())),
        Some("AUTH_given".into()),
    );
    assert_eq!(conn.token().unwrap().expose(), "AUTH_given");
    server.push(Reply::status(401));
    server.push(auth_ok(&server, "AUTH_fresh"));
    server.push(Reply::status(204));
    let resp = conn.head_account().await.unwrap();
    let statuses: Vec<Option<u16>> = resp.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(401), Some(204)]);
    let reqs = server.requests();
    let shape: Vec<(&str, &str)> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("HEAD", "/v1/AUTH_other"),
            ("GET", AUTH_PATH),
            ("HEAD", "/v1/AUTH_test"),
        ]
    );
    assert_eq!(
        tokens(&server),
        vec![Some("AUTH_given".to_owned()), Some("AUTH_fresh".to_owned())]
    );
    // Forgetting the token: the next request authenticates first.
    conn.set_credentials(conn.url(), None);
    assert!(conn.token().is_none());
    server.push(auth_ok(&server, "AUTH_third"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    assert_eq!(auth_count(&server), 2);
    assert_eq!(
        tokens(&server).last().cloned().flatten().as_deref(),
        Some("AUTH_third")
    );
}

// A failure carries the log of every attempt (python-swiftclient's response_dicts on error).
#[tokio::test]
async fn errors_carry_the_attempt_log() {
    let server = FakeServer::start().await;
    let conn = v1(&server, &ManualClock::new()).retries(2).build().unwrap();
    server.push(auth_ok(&server, "AUTH_tk"));
    server.push(Reply::status(503).header("X-Trans-Id", "tx1"));
    server.push(Reply::status(500).header("X-Trans-Id", "tx2"));
    server.push(Reply::status(404).header("X-Trans-Id", "tx3"));
    let err = conn.head_account().await.unwrap_err();
    let log: Vec<(Option<u16>, Option<&str>)> = err
        .attempt_log()
        .iter()
        .map(|a| (a.status, a.headers.get("x-trans-id")))
        .collect();
    assert_eq!(
        log,
        vec![
            (Some(503), Some("tx1")),
            (Some(500), Some("tx2")),
            (Some(404), Some("tx3"))
        ]
    );
    assert_eq!(err.attempts(), 3);
}
