//! The retry loop (spec §1.8): which answers are retried, how many times, and the exact
//! back-off sleeps, observed through a recording `Sleeper` (a mockable clock) and a fake server.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use swift_fake::{FakeServer, Reply};
use swiftclient::BoxFuture;
use swiftclient::{Connection, ConnectionBuilder, Sleeper};

/// Records every requested sleep and returns at once.
#[derive(Debug, Default, Clone)]
struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

impl Sleeper for RecordingSleeper {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(d);
        Box::pin(async {})
    }
}

impl RecordingSleeper {
    fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

fn secs(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|s| Duration::from_secs(*s)).collect()
}

/// A preauthenticated builder against `server` with a recording sleeper.
fn builder(server: &FakeServer, sleeper: &RecordingSleeper) -> ConnectionBuilder {
    Connection::builder()
        .preauth_url(format!("{}/v1/AUTH_t", server.url()))
        .preauth_token("tok")
        .sleeper(Arc::new(sleeper.clone()))
}

async fn setup() -> (FakeServer, RecordingSleeper) {
    (FakeServer::start().await, RecordingSleeper::default())
}

// 503 three times then 200: four attempts, sleeps 1, 2, 4 s (python's doubling).
#[tokio::test]
async fn backoff_doubles_from_one_second() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push_many([
        Reply::status(503),
        Reply::status(503),
        Reply::status(503),
        Reply::status(204),
    ]);
    let resp = conn.head_account().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(server.request_count(), 4);
    assert_eq!(resp.attempts().len(), 4);
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 4]));
}

// retries=5 (the default) and only 503s: 6 requests, then the 503 error with attempts() = 6.
#[tokio::test]
async fn default_retries_exhausted_gives_last_error() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.set_handler(|_| Reply::status(503));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(server.request_count(), 6);
    assert_eq!(err.status(), Some(503));
    assert!(err.is_server_error());
    assert_eq!(err.attempts(), 6);
    assert!(err.to_string().starts_with("Account HEAD failed"), "{err}");
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 4, 8, 16]));
}

// Sleeps are capped at max_backoff (64 s by default): 1, 2, 4, 8, 16, 32, 64, 64.
#[tokio::test]
async fn backoff_capped_at_default_max() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).retries(8).build().unwrap();
    server.set_handler(|_| Reply::status(503));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(err.attempts(), 9);
    assert_eq!(server.request_count(), 9);
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 4, 8, 16, 32, 64, 64]));
}

// retries(n) bounds the attempts at n + 1; retries(0) means a single attempt and no sleep.
#[tokio::test]
async fn retries_option_bounds_attempts() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).retries(2).build().unwrap();
    server.set_handler(|_| Reply::status(500));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(server.request_count(), 3);
    assert_eq!(err.attempts(), 3);

    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).retries(0).build().unwrap();
    server.set_handler(|_| Reply::status(500));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(server.request_count(), 1);
    assert_eq!(err.attempts(), 1);
    assert!(sleeper.sleeps().is_empty());
}

// Every 5xx is retried (500, 501, 502, 504, and the odd 599 too).
#[tokio::test]
async fn server_errors_are_retried() {
    for status in [500, 501, 502, 503, 504, 507, 599] {
        let (server, sleeper) = setup().await;
        let conn = builder(&server, &sleeper).build().unwrap();
        server.push_many([Reply::status(status), Reply::status(204)]);
        let resp = conn.head_account().await.unwrap();
        assert_eq!(resp.status(), 204, "after {status}");
        assert_eq!(server.request_count(), 2, "{status} must be retried");
        assert_eq!(sleeper.sleeps(), secs(&[1]), "after {status}");
    }
}

// 408 and 499 are retried (on a new connection).
#[tokio::test]
async fn timeout_statuses_are_retried() {
    for status in [408, 499] {
        let (server, sleeper) = setup().await;
        let conn = builder(&server, &sleeper).build().unwrap();
        server.push_many([Reply::status(status), Reply::status(204)]);
        let resp = conn.head_account().await.unwrap();
        assert_eq!(resp.status(), 204, "after {status}");
        assert_eq!(server.request_count(), 2, "{status} must be retried");
    }
}

// Other 4xx and 3xx answers fail at once: exactly one request, no sleep.
#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [304, 400, 403, 404, 405, 409, 411, 412, 416, 422] {
        let (server, sleeper) = setup().await;
        let conn = builder(&server, &sleeper).build().unwrap();
        server.set_handler(|_| Reply::status(503));
        server.push(Reply::status(status));
        let err = conn.head_account().await.unwrap_err();
        assert_eq!(server.request_count(), 1, "{status} must not be retried");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.attempts(), 1);
        assert!(sleeper.sleeps().is_empty(), "{status}");
    }
}

// The predicates match the statuses they name.
#[tokio::test]
async fn status_predicates() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push_many([
        Reply::status(404),
        Reply::status(403),
        Reply::status(409),
        Reply::status(412),
    ]);
    assert!(conn.head_account().await.unwrap_err().is_not_found());
    assert!(conn.head_account().await.unwrap_err().is_forbidden());
    assert!(conn.head_account().await.unwrap_err().is_conflict());
    assert!(conn
        .head_account()
        .await
        .unwrap_err()
        .is_precondition_failed());
}

// 498 and 429 are retried by default (retry_on_ratelimit), with the normal back-off.
#[tokio::test]
async fn rate_limits_retried_by_default() {
    for status in [498, 429] {
        let (server, sleeper) = setup().await;
        let conn = builder(&server, &sleeper).build().unwrap();
        server.push_many([Reply::status(status), Reply::status(status)]);
        server.push(Reply::status(204));
        let resp = conn.head_account().await.unwrap();
        assert_eq!(resp.status(), 204);
        assert_eq!(server.request_count(), 3, "{status} must be retried");
        assert_eq!(sleeper.sleeps(), secs(&[1, 2]));
    }
}

// Rate limiting retried up to retries + 1 attempts; the error still names the operation.
#[tokio::test]
async fn rate_limit_exhausts_retries() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.set_handler(|_| Reply::status(498));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(server.request_count(), 6);
    assert_eq!(err.attempts(), 6);
    assert!(err.is_rate_limited());
    assert!(err.to_string().contains("Account HEAD failed"), "{err}");
}

// With retry_on_ratelimit(false), 498 and 429 fail on the first answer.
#[tokio::test]
async fn rate_limits_not_retried_when_off() {
    for status in [498, 429] {
        let (server, sleeper) = setup().await;
        let conn = builder(&server, &sleeper)
            .retry_on_ratelimit(false)
            .build()
            .unwrap();
        server.set_handler(|_| Reply::status(204));
        server.push(Reply::status(status));
        let err = conn.head_account().await.unwrap_err();
        assert_eq!(server.request_count(), 1, "{status}");
        assert!(err.is_rate_limited());
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.attempts(), 1);
        assert!(sleeper.sleeps().is_empty());
    }
}

// Retry-After lengthens the sleep to max(back-off, Retry-After).
#[tokio::test]
async fn retry_after_lengthens_sleep() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push(Reply::status(498).header("Retry-After", "3"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(sleeper.sleeps(), secs(&[3]));
}

// Retry-After shorter than the back-off does not shorten it (max of the two).
#[tokio::test]
async fn retry_after_never_shortens_backoff() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push_many([
        Reply::status(503),
        Reply::status(503),
        Reply::status(429).header("Retry-After", "1"),
        Reply::status(204),
    ]);
    conn.head_account().await.unwrap();
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 4]));
}

// Retry-After is capped at max_backoff.
#[tokio::test]
async fn retry_after_capped_at_max_backoff() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .max_backoff(Duration::from_secs(10))
        .build()
        .unwrap();
    server.push(Reply::status(498).header("Retry-After", "1000"));
    server.push(Reply::status(204));
    conn.head_account().await.unwrap();
    assert_eq!(sleeper.sleeps(), secs(&[10]));
}

// A dropped connection (transport error) is retried; its attempt has no status.
#[tokio::test]
async fn transport_errors_are_retried() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push_many([
        Reply::status(200).drop_connection(),
        Reply::status(200).drop_connection(),
        Reply::status(204),
    ]);
    let resp = conn.head_account().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(server.request_count(), 3);
    let statuses: Vec<Option<u16>> = resp.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![None, None, Some(204)]);
    assert_eq!(sleeper.sleeps(), secs(&[1, 2]));
}

// Only transport errors: retries + 1 attempts, then a transport error.
#[tokio::test]
async fn transport_errors_exhaust_retries() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).retries(2).build().unwrap();
    server.set_handler(|_| Reply::status(200).drop_connection());
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(server.request_count(), 3);
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(err.attempts(), 3);
    assert_eq!(sleeper.sleeps(), secs(&[1, 2]));
}

// A connection refused (nothing listening) is retried too.
#[tokio::test]
async fn connect_errors_are_retried() {
    let sleeper = RecordingSleeper::default();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conn = Connection::builder()
        .preauth_url(format!("http://127.0.0.1:{port}/v1/AUTH_t"))
        .preauth_token("tok")
        .sleeper(Arc::new(sleeper.clone()))
        .retries(2)
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(sleeper.sleeps(), secs(&[1, 2]));
}

// starting_backoff and max_backoff shape the sequence.
#[tokio::test]
async fn custom_starting_and_max_backoff() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .starting_backoff(Duration::from_millis(500))
        .max_backoff(Duration::from_secs(2))
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    conn.head_account().await.unwrap_err();
    let ms: Vec<u128> = sleeper.sleeps().iter().map(Duration::as_millis).collect();
    assert_eq!(ms, vec![500, 1000, 2000, 2000, 2000]);
}

// A starting back-off above the maximum is clamped to the maximum.
#[tokio::test]
async fn starting_backoff_clamped_to_max() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .starting_backoff(Duration::from_secs(10))
        .max_backoff(Duration::from_secs(3))
        .retries(2)
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    conn.head_account().await.unwrap_err();
    assert_eq!(sleeper.sleeps(), secs(&[3, 3]));
}

// retry_config sets the whole policy at once.
#[tokio::test]
async fn retry_config_applies() {
    let (server, sleeper) = setup().await;
    let mut cfg = swiftclient::RetryConfig::default();
    cfg.retries = 1;
    cfg.starting_backoff = Duration::from_secs(7);
    let conn = builder(&server, &sleeper)
        .retry_config(cfg)
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    let err = conn.head_account().await.unwrap_err();
    assert_eq!(err.attempts(), 2);
    assert_eq!(sleeper.sleeps(), secs(&[7]));
}

// deadline: when the next sleep would pass it, the call fails with is_deadline(), naming the
// last failure as its source.
#[tokio::test]
async fn deadline_stops_retrying() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .deadline(Duration::from_millis(2500))
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_deadline(), "{err:?}");
    // Sleeps 1 s and 2 s fit within 2.5 s of (mocked) time; the next 4 s would not.
    assert_eq!(sleeper.sleeps(), secs(&[1, 2]));
    assert_eq!(server.request_count(), 3);
    assert_eq!(err.attempts(), 3);
    let source = std::error::Error::source(&err).expect("source");
    let source = source
        .downcast_ref::<swiftclient::Error>()
        .expect("the last failure");
    assert_eq!(source.status(), Some(503));
}

// A deadline shorter than the first sleep: one attempt only.
#[tokio::test]
async fn deadline_shorter_than_first_sleep() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_deadline());
    assert_eq!(server.request_count(), 1);
    assert!(sleeper.sleeps().is_empty());
}

// A deadline is no reason to fail a call that succeeds.
#[tokio::test]
async fn deadline_does_not_affect_success() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    server.push_many([Reply::status(503), Reply::status(204)]);
    assert_eq!(conn.head_account().await.unwrap().status(), 204);
}

// jitter keeps every sleep within [b/2, b] of the plain back-off b.
#[tokio::test]
async fn jitter_stays_within_half_and_full() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper)
        .jitter(true)
        .retries(7)
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    conn.head_account().await.unwrap_err();
    let got = sleeper.sleeps();
    assert_eq!(got.len(), 7);
    for (d, b) in got.iter().zip([1u64, 2, 4, 8, 16, 32, 64]) {
        let b = Duration::from_secs(b);
        assert!(*d >= b / 2 && *d <= b, "{d:?} not in [{:?}, {b:?}]", b / 2);
    }
}

// Every operation goes through the same loop: an object GET and a container PUT retry too.
#[tokio::test]
async fn other_operations_retry() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push_many([Reply::status(503), Reply::status(201)]);
    conn.put_container("c").await.unwrap();
    server.push_many([Reply::status(500), Reply::status(200).body("data")]);
    let body = conn
        .get_object("c", "o")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"data");
    assert_eq!(server.request_count(), 4);
    assert_eq!(sleeper.sleeps(), secs(&[1, 1]));
}

// The back-off restarts at the starting value for every new call.
#[tokio::test]
async fn backoff_resets_per_call() {
    let (server, sleeper) = setup().await;
    let conn = builder(&server, &sleeper).build().unwrap();
    server.push_many([Reply::status(503), Reply::status(503), Reply::status(204)]);
    conn.head_account().await.unwrap();
    server.push_many([Reply::status(503), Reply::status(204)]);
    conn.head_account().await.unwrap();
    assert_eq!(sleeper.sleeps(), secs(&[1, 2, 1]));
}
