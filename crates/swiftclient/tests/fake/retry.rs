//! The retry loop: which answers are retried, how many times, and the exact
//! back-off sleeps, observed through a recording `Sleeper` (a mockable clock) and a fake server.

use std::sync::Arc;
use std::time::Duration;

use swift_fake::{FakeServer, Reply};
use swiftclient::ManualClock;
use swiftclient::{Connection, ConnectionBuilder};

fn secs(v: &[u64]) -> Vec<Duration> {
    v.iter().map(|s| Duration::from_secs(*s)).collect()
}

/// A preauthenticated builder against `server` with a recording sleeper.
fn builder(server: &FakeServer, sleeper: &ManualClock) -> ConnectionBuilder {
    crate::support::fake(server, sleeper)
}

async fn setup() -> (FakeServer, ManualClock) {
    (FakeServer::start().await, ManualClock::new())
}

/// One row of the retry rules: what the server answers, the `retries` setting, and what must
/// follow (requests sent, back-off sleeps, the outcome's status).
struct Rule {
    what: &'static str,
    /// The answers in order; the last one repeats.
    answers: &'static [u16],
    retries: Option<u32>,
    retry_on_ratelimit: bool,
    requests: usize,
    sleeps: &'static [u64],
    /// The final status: a success, or the error's (then `attempts()` equals `requests`).
    status: u16,
}

const RULES: &[Rule] = &[
    Rule {
        what: "503 thrice then 204: python's doubling from 1 s",
        answers: &[503, 503, 503, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 4,
        sleeps: &[1, 2, 4],
        status: 204,
    },
    Rule {
        what: "only 503s: 5 retries (the default), the last error",
        answers: &[503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 6,
        sleeps: &[1, 2, 4, 8, 16],
        status: 503,
    },
    Rule {
        what: "sleeps capped at max_backoff (64 s)",
        answers: &[503],
        retries: Some(8),
        retry_on_ratelimit: true,
        requests: 9,
        sleeps: &[1, 2, 4, 8, 16, 32, 64, 64],
        status: 503,
    },
    Rule {
        what: "retries(2): three attempts",
        answers: &[500],
        retries: Some(2),
        retry_on_ratelimit: true,
        requests: 3,
        sleeps: &[1, 2],
        status: 500,
    },
    Rule {
        what: "retries(0): one attempt, no sleep",
        answers: &[500],
        retries: Some(0),
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 500,
    },
    Rule {
        what: "500 is retried",
        answers: &[500, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "501 is retried",
        answers: &[501, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "502 is retried",
        answers: &[502, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "504 is retried",
        answers: &[504, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "507 is retried",
        answers: &[507, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "the odd 599 is retried",
        answers: &[599, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "408 is retried",
        answers: &[408, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "499 is retried",
        answers: &[499, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 2,
        sleeps: &[1],
        status: 204,
    },
    Rule {
        what: "498 twice is retried with the normal back-off",
        answers: &[498, 498, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 3,
        sleeps: &[1, 2],
        status: 204,
    },
    Rule {
        what: "429 twice is retried with the normal back-off",
        answers: &[429, 429, 204],
        retries: None,
        retry_on_ratelimit: true,
        requests: 3,
        sleeps: &[1, 2],
        status: 204,
    },
    Rule {
        what: "only 498s exhaust the retries",
        answers: &[498],
        retries: None,
        retry_on_ratelimit: true,
        requests: 6,
        sleeps: &[1, 2, 4, 8, 16],
        status: 498,
    },
    Rule {
        what: "498 is final without retry_on_ratelimit",
        answers: &[498, 204],
        retries: None,
        retry_on_ratelimit: false,
        requests: 1,
        sleeps: &[],
        status: 498,
    },
    Rule {
        what: "429 is final without retry_on_ratelimit",
        answers: &[429, 204],
        retries: None,
        retry_on_ratelimit: false,
        requests: 1,
        sleeps: &[],
        status: 429,
    },
    Rule {
        what: "304 is final",
        answers: &[304, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 304,
    },
    Rule {
        what: "400 is final",
        answers: &[400, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 400,
    },
    Rule {
        what: "403 is final",
        answers: &[403, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 403,
    },
    Rule {
        what: "404 is final",
        answers: &[404, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 404,
    },
    Rule {
        what: "405 is final",
        answers: &[405, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 405,
    },
    Rule {
        what: "409 is final",
        answers: &[409, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 409,
    },
    Rule {
        what: "411 is final",
        answers: &[411, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 411,
    },
    Rule {
        what: "412 is final",
        answers: &[412, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 412,
    },
    Rule {
        what: "416 is final",
        answers: &[416, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 416,
    },
    Rule {
        what: "422 is final",
        answers: &[422, 503],
        retries: None,
        retry_on_ratelimit: true,
        requests: 1,
        sleeps: &[],
        status: 422,
    },
];

// The retry rules (python-swiftclient's), one row each: exact attempts and sleeps.
#[tokio::test]
async fn retry_rules() {
    for rule in RULES {
        let (server, sleeper) = setup().await;
        let mut b = builder(&server, &sleeper).retry_on_ratelimit(rule.retry_on_ratelimit);
        if let Some(n) = rule.retries {
            b = b.retries(n);
        }
        let conn = b.build().unwrap();
        let (last, first) = rule.answers.split_last().unwrap();
        server.push_many(first.iter().map(|s| Reply::status(*s)));
        let last = *last;
        server.set_handler(move |_| Reply::status(last));
        let what = rule.what;
        match conn.head_account().await {
            Ok(resp) => {
                assert_eq!(resp.status(), rule.status, "{what}");
                assert_eq!(resp.attempts().len(), rule.requests, "{what}");
            }
            Err(err) => {
                assert_eq!(err.status(), Some(rule.status), "{what}: {err}");
                assert_eq!(err.attempts() as usize, rule.requests, "{what}");
                assert!(
                    err.to_string().starts_with("Account HEAD failed"),
                    "{what}: {err}"
                );
            }
        }
        assert_eq!(server.request_count(), rule.requests, "{what}");
        assert_eq!(sleeper.sleeps(), secs(rule.sleeps), "{what}");
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
    let sleeper = ManualClock::new();
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
        .deadline(Duration::from_millis(3500))
        .build()
        .unwrap();
    server.set_handler(|_| Reply::status(503));
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_deadline(), "{err:?}");
    // On the connection's clock, sleeps of 1 s and 2 s end 3 s after the first attempt,
    // within 3.5 s; the next 4 s would end at 7 s.
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
