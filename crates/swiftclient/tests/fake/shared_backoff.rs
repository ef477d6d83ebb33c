//! A rate-limit answer pauses every request of the connection (and its clones), so that
//! concurrent transfers back off together instead of hammering a rate-limited cluster.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use swift_fake::{FakeServer, Reply};
use swiftclient::{Connection, ManualClock, Sleeper};

#[tokio::test]
async fn a_498_holds_back_every_concurrent_request() {
    let server = FakeServer::start().await;
    let seen: Arc<Mutex<Vec<(Instant, u16)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let first = Arc::new(Mutex::new(true));
    // Time is the connection's clock: waiting costs no real time, and every request is
    // stamped with the clock's time when it reaches the server.
    let clock = ManualClock::new();
    let stamp = clock.clone();
    server.set_handler(move |_| {
        let mut f = first.lock().unwrap();
        let status = if *f { 498 } else { 201 };
        *f = false;
        log.lock().unwrap().push((stamp.now(), status));
        if status == 498 {
            Reply::status(498)
                .header("Retry-After", "1")
                .body("Slow down")
        } else {
            Reply::status(201)
        }
    });
    let conn = Connection::builder()
        .preauth_url(format!("{}/v1/AUTH_t", server.url()))
        .preauth_token("tok")
        .starting_backoff(Duration::from_millis(100))
        .sleeper(Arc::new(clock.clone()))
        .build()
        .unwrap();
    // one request meets the 498 first...
    let c0 = conn.clone();
    let t0 = tokio::spawn(async move { c0.put_object("c", "o0", "x").await });
    // (its back-off sleep, recorded once the pause is in force)
    while clock.sleeps().is_empty() {
        tokio::task::yield_now().await;
    }
    // ...then eight more start while the pause is in force
    let mut tasks = Vec::new();
    for i in 1..9 {
        let c = conn.clone();
        tasks.push(tokio::spawn(async move {
            c.put_object("c", &format!("o{i}"), "x").await
        }));
    }
    t0.await.unwrap().unwrap();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let seen = seen.lock().unwrap();
    let limited_at = seen.iter().find(|(_, s)| *s == 498).unwrap().0;
    assert_eq!(seen.len(), 10, "one 498, then nine successes");
    for (t, status) in seen.iter().filter(|(_, s)| *s == 201) {
        let after = t.duration_since(limited_at);
        assert!(
            after >= Duration::from_millis(900),
            "a request ({status}) went out {after:?} after the 498, inside the 1 s pause"
        );
    }
}
