//! Authentication, re-authentication and rate limiting against the real local Swift cluster.

use crate::support as common;

use std::time::Duration;

use swiftclient::Connection;

#[tokio::test]
async fn v1_auth_returns_storage_url_and_token() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    assert!(
        conn.url().is_none(),
        "no request before the first operation"
    );
    let (url, token) = conn.get_auth().await.unwrap();
    assert_eq!(url, common::env("SWIFT_TESTBED_STORAGE_URL"));
    assert!(token.expose().starts_with("AUTH_tk"));
    assert!(
        !format!("{conn:?}").contains(token.expose()),
        "Debug leaks the token"
    );
}

#[tokio::test]
async fn reauthenticates_after_the_token_is_revoked() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let (_, old) = conn.get_auth().await.unwrap();
    conn.head_account().await.unwrap();
    common::revoke_tempauth_token(old.expose());
    let resp = conn.head_account().await.unwrap();
    let statuses: Vec<Option<u16>> = resp.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses[0], Some(401));
    assert!(matches!(statuses[1], Some(200 | 204)));
    let (_, new) = conn.get_auth().await.unwrap();
    assert_ne!(old.expose(), new.expose());
}

#[tokio::test]
async fn stale_preauth_token_with_credentials_reauthenticates() {
    if common::skip() {
        return;
    }
    let conn = common::builder()
        .preauth_url(common::env("SWIFT_TESTBED_STORAGE_URL"))
        .preauth_token("AUTH_tkbogusbogusbogus")
        .build()
        .unwrap();
    let resp = conn.head_account().await.unwrap();
    assert_eq!(resp.attempts().len(), 2);
    assert_eq!(resp.attempts()[0].status, Some(401));
}

#[tokio::test]
async fn preauth_url_and_token_work_without_credentials() {
    if common::skip() {
        return;
    }
    let (url, token) = common::connect().get_auth().await.unwrap();
    let conn = Connection::preauth(url, token).unwrap();
    conn.head_account().await.unwrap();
    // with a bad token and no credentials a 401 is final
    let bad = Connection::preauth(common::env("SWIFT_TESTBED_STORAGE_URL"), "AUTH_tkbad").unwrap();
    let err = bad.head_account().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(
        !err.to_string().contains("AUTH_tkbad"),
        "error leaks the token: {err}"
    );
}

#[tokio::test]
async fn wrong_key_is_a_clear_401_without_the_key() {
    if common::skip() {
        return;
    }
    let conn = Connection::v1(
        common::env("ST_AUTH"),
        common::env("ST_USER"),
        "wrong-key-sekrit",
    )
    .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.is_auth());
    let text = format!("{err} {err:?}");
    assert!(text.starts_with("Auth GET failed: "), "{text}");
    assert!(
        !text.contains("wrong-key-sekrit"),
        "error leaks the key: {text}"
    );
}

#[tokio::test]
async fn unreachable_cluster_is_a_transport_error_after_retries() {
    if common::skip() {
        return;
    }
    let conn = Connection::builder()
        .preauth_url("http://127.0.0.1:9/v1/AUTH_x")
        .preauth_token("t")
        .retries(2)
        .starting_backoff(Duration::from_millis(10))
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_transport() && err.is_connect(), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(
        err.to_string()
            .starts_with("Account HEAD failed: http://127.0.0.1:9/v1/AUTH_x"),
        "{err}"
    );
}

/// A connection to the rate-limited account (1 write per second) and its container.
fn ratelimited(retry_on_ratelimit: bool) -> (Connection, String) {
    let conn = Connection::builder()
        .auth_url(common::env("ST_AUTH"))
        .user(common::env("SWIFT_TESTBED_RATELIMIT_USER"))
        .key(common::env("SWIFT_TESTBED_RATELIMIT_KEY"))
        .starting_backoff(Duration::from_millis(1100))
        .retry_on_ratelimit(retry_on_ratelimit)
        .build()
        .unwrap();
    (conn, common::env("SWIFT_TESTBED_RATELIMIT_CONTAINER"))
}

#[tokio::test]
async fn rate_limited_writes_are_retried_after_backoff() {
    if common::skip() {
        return;
    }
    let (conn, c) = ratelimited(true);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut saw_498 = false;
    let names: Vec<String> = (0..3).map(|i| common::unique(&format!("rl{i}"))).collect();
    for n in &names {
        let resp = conn.put_object(&c, n, "x").await.unwrap();
        saw_498 |= resp.attempts().iter().any(|a| a.status == Some(498));
    }
    assert!(
        saw_498,
        "quick writes to the rate-limited account should meet a 498"
    );
    for n in &names {
        conn.delete_object(&c, n).await.unwrap();
    }
}

#[tokio::test]
async fn rate_limit_is_an_error_when_retry_on_ratelimit_is_off() {
    if common::skip() {
        return;
    }
    let (conn, c) = ratelimited(false);
    let mut err = None;
    let mut written = Vec::new();
    for i in 0..5 {
        let n = common::unique(&format!("rloff{i}"));
        match conn.put_object(&c, &n, "x").await {
            Ok(_) => written.push(n),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    let err = err.expect("five quick writes without retry should meet a 498");
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(err.status(), Some(498));
    assert_eq!(err.attempts(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (retrying, _) = ratelimited(true);
    for n in &written {
        retrying.delete_object(&c, n).await.unwrap();
    }
}
