//! Keystone behaviour a real Keystone cannot show on demand: the v2.0 API (gone from
//! current Keystone; answered here in its documented format), garbage answers, exact
//! request bodies, service tokens on the wire, and refresh before expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use swift_fake::{FakeServer, RecordedRequest, Reply};
use swiftclient::{Connection, ConnectionBuilder, OsOptions, Secret};

fn iso(t: SystemTime) -> String {
    // seconds since the epoch -> YYYY-MM-DDTHH:MM:SSZ (civil from days)
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn body(r: &RecordedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// A v2.0 token reply whose catalog points object-store at the fake itself.
fn v2_reply(base: &str, token: &str) -> Reply {
    let expires = iso(SystemTime::now() + Duration::from_secs(3600));
    Reply::status(200).json(
        &json!({"access": {
            "token": {"id": token, "expires": expires, "tenant": {"id": "t1", "name": "tenant"}},
            "serviceCatalog": [
                {"type": "identity", "endpoints": [{"region": "R1", "publicURL": format!("{base}/v2.0")}]},
                {"type": "object-store", "name": "swift", "endpoints": [
                    {"region": "R1", "publicURL": format!("{base}/v1/AUTH_pub"), "internalURL": format!("{base}/v1/AUTH_int")},
                    {"region": "R2", "publicURL": format!("{base}/v1/AUTH_r2")}
                ]}
            ]
        }})
        .to_string(),
    )
}

fn v3_reply(base: &str, token: &str, expires: SystemTime) -> Reply {
    Reply::status(201).header("X-Subject-Token", token).json(
        &json!({"token": {
            "expires_at": iso(expires),
            "catalog": [{"type": "object-store", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": format!("{base}/v1/AUTH_v3")}
            ]}]
        }})
        .to_string(),
    )
}

fn v2(server: &FakeServer) -> ConnectionBuilder {
    Connection::builder()
        .auth_url(format!("{}/v2.0", server.url()))
        .auth_version("2.0")
        .retries(0)
}

#[tokio::test]
async fn v2_password_with_tenant_name_and_catalog() {
    let server = FakeServer::start().await;
    let base = server.url();
    server.push(v2_reply(&base, "tok-v2"));
    server.push(Reply::status(204));
    let conn = v2(&server).user("tenant:alice").key("pw").build().unwrap();
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v2.0/tokens");
    let b = body(&reqs[0]);
    assert_eq!(b["auth"]["passwordCredentials"]["username"], "alice");
    assert_eq!(b["auth"]["passwordCredentials"]["password"], "pw");
    assert_eq!(b["auth"]["tenantName"], "tenant");
    assert_eq!(reqs[1].path, "/v1/AUTH_pub");
    assert_eq!(reqs[1].header("x-auth-token"), Some("tok-v2"));
}

#[tokio::test]
async fn v2_tenant_id_internal_interface_and_region() {
    let server = FakeServer::start().await;
    let base = server.url();
    for _ in 0..2 {
        server.push(v2_reply(&base, "tok"));
    }
    let mut o = OsOptions::default();
    o.tenant_id = Some("t1".into());
    o.endpoint_type = Some("internalURL".into());
    let conn = v2(&server)
        .user("alice")
        .key("pw")
        .os_options(o)
        .build()
        .unwrap();
    assert_eq!(
        conn.get_auth().await.unwrap().0,
        format!("{base}/v1/AUTH_int")
    );
    assert_eq!(body(&server.requests()[0])["auth"]["tenantId"], "t1");

    let mut o = OsOptions::default();
    o.tenant_name = Some("tenant".into());
    o.region_name = Some("R2".into());
    let conn = v2(&server)
        .user("alice")
        .key("pw")
        .os_options(o)
        .build()
        .unwrap();
    assert_eq!(
        conn.get_auth().await.unwrap().0,
        format!("{base}/v1/AUTH_r2")
    );
}

#[tokio::test]
async fn v2_unauthorized_and_no_tenant() {
    let server = FakeServer::start().await;
    server.push(Reply::status(401).json(r#"{"error": {"code": 401}}"#));
    let conn = v2(&server)
        .user("t:alice")
        .key("bad-pw-123")
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized() && err.is_auth(), "{err}");
    assert!(
        err.to_string()
            .contains("Check username, password and tenant name/id"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("bad-pw-123"));

    let err = v2(&server).user("alice").key("pw").build().unwrap_err();
    assert_eq!(err.to_string(), "No tenant specified");
}

#[tokio::test]
async fn v2_token_auth() {
    let server = FakeServer::start().await;
    server.push(v2_reply(&server.url(), "scoped"));
    let mut o = OsOptions::default();
    o.auth_token = Some(Secret::new("unscoped"));
    o.tenant_name = Some("tenant".into());
    let conn = v2(&server).os_options(o).build().unwrap();
    let (_, token) = conn.get_auth().await.unwrap();
    assert_eq!(token.expose(), "scoped");
    let b = body(&server.requests()[0]);
    assert_eq!(b["auth"]["token"]["id"], "unscoped");
    assert_eq!(b["auth"]["tenantName"], "tenant");
}

#[tokio::test]
async fn v3_garbage_answers_are_clear_errors() {
    let server = FakeServer::start().await;
    let builder = || {
        let mut o = OsOptions::default();
        o.project_name = Some("p".into());
        Connection::builder()
            .auth_url(format!("{}/v3", server.url()))
            .auth_version("3")
            .user("u")
            .key("pw")
            .os_options(o)
            .retries(0)
    };
    server.push(
        Reply::status(201)
            .header("X-Subject-Token", "t")
            .body("<html>not json</html>"),
    );
    let err = builder().build().unwrap().head_account().await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("not JSON"), "{err}");

    server.push(Reply::status(201).json(r#"{"token": {"catalog": []}}"#));
    let err = builder().build().unwrap().head_account().await.unwrap_err();
    assert!(err.to_string().contains("X-Subject-Token"), "{err}");

    server.push(
        Reply::status(201)
            .header("X-Subject-Token", "t")
            .json(r#"{"token": {"catalog": []}}"#),
    );
    let err = builder().build().unwrap().head_account().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("Endpoint for object-store not found"),
        "{err}"
    );
}

#[tokio::test]
async fn v3_service_token_goes_on_the_wire() {
    let server = FakeServer::start().await;
    let base = server.url();
    let later = SystemTime::now() + Duration::from_secs(3600);
    server.push(v3_reply(&base, "user-token", later));
    server.push(v3_reply(&base, "service-token", later));
    server.push(Reply::status(204));
    let mut o = OsOptions::default();
    o.project_name = Some("p".into());
    o.service_username = Some("svc".into());
    o.service_key = Some(Secret::new("svc-pw"));
    o.service_project_name = Some("service".into());
    let conn = Connection::builder()
        .auth_url(format!("{base}/v3"))
        .auth_version("3")
        .user("u")
        .key("pw")
        .os_options(o)
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(
        body(&reqs[1])["auth"]["identity"]["password"]["user"]["name"],
        "svc"
    );
    assert_eq!(
        body(&reqs[1])["auth"]["scope"]["project"]["name"],
        "service"
    );
    assert_eq!(reqs[2].header("x-auth-token"), Some("user-token"));
    assert_eq!(reqs[2].header("x-service-token"), Some("service-token"));
}

#[tokio::test]
async fn token_is_refreshed_shortly_before_it_expires() {
    let server = FakeServer::start().await;
    let base = server.url();
    // the first token lives 2 s: it is replaced after 1.5 s (a quarter of its life early)
    server.push(v3_reply(
        &base,
        "short",
        SystemTime::now() + Duration::from_secs(2),
    ));
    server.push(Reply::status(204));
    server.push(v3_reply(
        &base,
        "next",
        SystemTime::now() + Duration::from_secs(3600),
    ));
    server.push(Reply::status(204));
    let mut o = OsOptions::default();
    o.project_id = Some("p".into());
    let clock = swiftclient::ManualClock::new();
    let conn = Connection::builder()
        .auth_url(format!("{base}/v3"))
        .auth_version("3")
        .user("u")
        .key("pw")
        .os_options(o)
        .sleeper(std::sync::Arc::new(clock.clone()))
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
    // 1.7 s later (on the connection's clock: no real waiting) the token is replaced
    clock.advance(Duration::from_millis(1700));
    conn.head_account().await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[2].path, "/v3/auth/tokens");
    assert_eq!(reqs[3].header("x-auth-token"), Some("next"));
}
