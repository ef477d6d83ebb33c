//! TLS options: custom CA, system roots, insecure, client certificates, and
//! certificate failures being final (not retried).

use std::sync::Arc;

use swift_fake::{FakeServer, Reply, TlsFixture};
use swiftclient::ManualClock;
use swiftclient::{Connection, ConnectionBuilder};

fn builder(server: &FakeServer, sleeper: &ManualClock) -> ConnectionBuilder {
    crate::support::fake(server, sleeper)
}

/// Asserts `err` is a final certificate failure: TLS, mentions "certificate", one attempt,
/// no sleep, and no request reached the server.
fn assert_final_cert_failure(err: &swiftclient::Error, server: &FakeServer, s: &ManualClock) {
    assert!(err.is_tls(), "{err:?}");
    assert!(err.is_transport(), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(
        err.attempts(),
        1,
        "a certificate failure must not be retried"
    );
    assert_eq!(s.sleeps().len(), 0, "no back-off sleep before giving up");
    assert_eq!(server.request_count(), 0);
}

// A custom CA bundle (cacert) verifies the server: the request succeeds.
#[tokio::test]
async fn custom_ca_succeeds() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.push(Reply::status(204));
    let sleeper = ManualClock::new();
    let conn = builder(&server, &sleeper)
        .cacert(fx.ca_path())
        .build()
        .unwrap();
    assert_eq!(conn.head_account().await.unwrap().status(), 204);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].header("x-auth-token"), Some("tok"));
    assert!(!reqs[0].client_cert);
}

// Without cacert the system roots do not know the fixture CA: a final TLS error, not retried.
#[tokio::test]
async fn system_roots_reject_unknown_ca() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.set_handler(|_| Reply::status(204));
    let sleeper = ManualClock::new();
    let conn = builder(&server, &sleeper).build().unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert_final_cert_failure(&err, &server, &sleeper);
    assert_eq!(err.status(), None);
}

// Another fixture's CA does not verify this server: same final TLS error.
#[tokio::test]
async fn wrong_ca_rejected() {
    let fx = TlsFixture::generate();
    let other = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.set_handler(|_| Reply::status(204));
    let sleeper = ManualClock::new();
    let conn = builder(&server, &sleeper)
        .cacert(other.ca_path())
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert_final_cert_failure(&err, &server, &sleeper);
}

// A certificate failure during v1 auth is final too.
#[tokio::test]
async fn auth_over_tls_wrong_ca_not_retried() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    let sleeper = ManualClock::new();
    let conn = Connection::builder()
        .auth_url(format!("{}/auth/v1.0", server.url()))
        .user("a:u")
        .key("k")
        .sleeper(Arc::new(sleeper.clone()))
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(sleeper.sleeps().len(), 0);
    assert_eq!(server.request_count(), 0);
}

// v1 auth uses the connection's TLS settings (cacert) too.
#[tokio::test]
async fn auth_over_tls_with_ca() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.push(
        Reply::status(200)
            .header("X-Storage-Url", &format!("{}/v1/AUTH_a", server.url()))
            .header("X-Auth-Token", "AUTH_tk"),
    );
    server.push(Reply::status(204));
    let conn = Connection::builder()
        .auth_url(format!("{}/auth/v1.0", server.url()))
        .user("a:u")
        .key("k")
        .cacert(fx.ca_path())
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("x-auth-token"), Some("AUTH_tk"));
}

// insecure(true) skips verification: succeeds without the CA.
#[tokio::test]
async fn insecure_succeeds_without_ca() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.push(Reply::status(204));
    let conn = builder(&server, &ManualClock::new())
        .insecure(true)
        .build()
        .unwrap();
    assert_eq!(conn.head_account().await.unwrap().status(), 204);
    assert_eq!(server.request_count(), 1);
}

// insecure(true) wins over a cacert that would not verify the server.
#[tokio::test]
async fn insecure_overrides_wrong_ca() {
    let fx = TlsFixture::generate();
    let other = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.push(Reply::status(204));
    let conn = builder(&server, &ManualClock::new())
        .cacert(other.ca_path())
        .insecure(true)
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
}

// A server requiring a client certificate refuses a client without one.
#[tokio::test]
async fn client_cert_required_without_cert_fails() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, true).await;
    server.set_handler(|_| Reply::status(204));
    let conn = builder(&server, &ManualClock::new())
        .cacert(fx.ca_path())
        .retries(1)
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(server.request_count(), 0);
}

// With cert + cert_key the client authenticates: success, and the server saw the certificate.
#[tokio::test]
async fn client_cert_and_key_succeed() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, true).await;
    server.push(Reply::status(204));
    let conn = builder(&server, &ManualClock::new())
        .cacert(fx.ca_path())
        .cert(fx.client_cert_path())
        .cert_key(fx.client_key_path())
        .build()
        .unwrap();
    assert_eq!(conn.head_account().await.unwrap().status(), 204);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].client_cert);
}

// A single PEM holding key and certificate works as `cert` alone.
#[tokio::test]
async fn client_combined_pem() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, true).await;
    server.push(Reply::status(204));
    let conn = builder(&server, &ManualClock::new())
        .cacert(fx.ca_path())
        .cert(fx.client_combined_path())
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    assert!(server.requests()[0].client_cert);
}

// A client certificate is presented to a server that only asks for one.
#[tokio::test]
async fn client_cert_optional_server() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.push(Reply::status(204));
    let conn = builder(&server, &ManualClock::new())
        .cacert(fx.ca_path())
        .cert(fx.client_cert_path())
        .cert_key(fx.client_key_path())
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    assert!(server.requests()[0].client_cert);
}

// Unreadable or unusable TLS files are configuration errors at build time.
#[tokio::test]
async fn bad_tls_files_are_invalid_input() {
    let fx = TlsFixture::generate();
    let missing = fx.dir.join("missing.pem");
    let err = Connection::builder()
        .preauth_url("https://localhost:1/v1/AUTH_t")
        .preauth_token("tok")
        .cacert(&missing)
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");

    let err = Connection::builder()
        .preauth_url("https://localhost:1/v1/AUTH_t")
        .preauth_token("tok")
        .cacert(fx.client_key_path())
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");

    let err = Connection::builder()
        .preauth_url("https://localhost:1/v1/AUTH_t")
        .preauth_token("tok")
        .cert(fx.ca_path())
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
}
