//! Keystone v3 authentication against a real Keystone and a Keystone-backed Swift proxy
//! (testbed/keystone: keystone on 5000, proxy on 8081).

use crate::support as common;

use common::keystone as ks;
use swiftclient::{Connection, ConnectionBuilder, OsOptions, Secret};

fn base() -> ConnectionBuilder {
    Connection::builder()
        .auth_url(ks("OS_AUTH_URL"))
        .auth_version("3")
        .retries(1)
}

fn names() -> OsOptions {
    let mut o = OsOptions::default();
    o.project_name = Some(ks("OS_PROJECT_NAME"));
    o.project_domain_name = Some(ks("OS_PROJECT_DOMAIN_NAME"));
    o.user_domain_name = Some(ks("OS_USER_DOMAIN_NAME"));
    o
}

fn password() -> ConnectionBuilder {
    base()
        .user(ks("OS_USERNAME"))
        .key(ks("OS_PASSWORD"))
        .os_options(names())
}

/// A real round trip through the Keystone-backed proxy.
async fn round_trip(conn: &Connection) {
    let c = common::unique("ks");
    conn.put_container(&c).await.unwrap();
    conn.put_object(&c, "o ü", "keystone data").await.unwrap();
    let got = conn
        .get_object(&c, "o ü")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], b"keystone data");
    conn.delete_object(&c, "o ü").await.unwrap();
    conn.delete_container(&c).await.unwrap();
}

#[tokio::test]
async fn password_by_names_moves_data() {
    if common::skip() {
        return;
    }
    let conn = password().build().unwrap();
    let (url, token) = conn.get_auth().await.unwrap();
    assert_eq!(url, ks("KEYSTONE_TESTBED_SWIFT_PUBLIC_URL"));
    assert!(!token.is_empty());
    round_trip(&conn).await;
}

#[tokio::test]
async fn password_by_ids() {
    if common::skip() {
        return;
    }
    let mut o = OsOptions::default();
    o.user_id = Some(ks("KEYSTONE_TESTBED_USER_ID"));
    o.project_id = Some(ks("KEYSTONE_TESTBED_PROJECT_ID"));
    let conn = base().key(ks("OS_PASSWORD")).os_options(o).build().unwrap();
    round_trip(&conn).await;
}

#[tokio::test]
async fn domains_by_id_and_tenant_colon_user() {
    if common::skip() {
        return;
    }
    let mut o = OsOptions::default();
    o.user_domain_id = Some(ks("KEYSTONE_TESTBED_DOMAIN_ID"));
    o.project_domain_id = Some(ks("KEYSTONE_TESTBED_DOMAIN_ID"));
    // "tenant:user" in the user name, as python-swiftclient splits it
    let conn = base()
        .user(format!("{}:{}", ks("OS_PROJECT_NAME"), ks("OS_USERNAME")))
        .key(ks("OS_PASSWORD"))
        .os_options(o)
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
}

#[tokio::test]
async fn versionless_auth_url_gets_v3() {
    if common::skip() {
        return;
    }
    let conn = Connection::builder()
        .auth_url(ks("OS_AUTH_URL").trim_end_matches("/v3"))
        .auth_version("3")
        .user(ks("OS_USERNAME"))
        .key(ks("OS_PASSWORD"))
        .os_options(names())
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
}

#[tokio::test]
async fn token_auth_exchanges_an_existing_token() {
    if common::skip() {
        return;
    }
    let (_, token) = password().build().unwrap().get_auth().await.unwrap();
    let mut o = names();
    o.auth_type = Some("token".into());
    o.auth_token = Some(token.clone());
    let conn = base().os_options(o).build().unwrap();
    conn.head_account().await.unwrap();
    // a token plus a storage URL needs no authentication at all
    let mut o = OsOptions::default();
    o.auth_token = Some(token);
    o.object_storage_url = Some(ks("KEYSTONE_TESTBED_SWIFT_PUBLIC_URL"));
    let conn = Connection::builder().os_options(o).build().unwrap();
    round_trip(&conn).await;
}

#[tokio::test]
async fn application_credential_by_id_and_by_name() {
    if common::skip() {
        return;
    }
    let mut o = OsOptions::default();
    o.auth_type = Some("v3applicationcredential".into());
    o.application_credential_id = Some(ks("OS_APPLICATION_CREDENTIAL_ID"));
    o.application_credential_secret = Some(Secret::new(ks("OS_APPLICATION_CREDENTIAL_SECRET")));
    let conn = base().os_options(o).build().unwrap();
    round_trip(&conn).await;

    let mut o = OsOptions::default();
    o.auth_type = Some("v3applicationcredential".into());
    o.application_credential_name = Some(ks("OS_APPLICATION_CREDENTIAL_NAME"));
    o.application_credential_secret = Some(Secret::new(ks("OS_APPLICATION_CREDENTIAL_SECRET")));
    o.user_domain_name = Some(ks("OS_USER_DOMAIN_NAME"));
    let conn = base()
        .user(ks("OS_USERNAME"))
        .os_options(o)
        .build()
        .unwrap();
    conn.head_account().await.unwrap();
}

#[tokio::test]
async fn region_and_interface_select_the_endpoint_and_a_wrong_choice_fails_loudly() {
    if common::skip() {
        return;
    }
    for (region, interface, want) in [
        (
            Some("RegionOne"),
            Some("public"),
            "KEYSTONE_TESTBED_SWIFT_PUBLIC_URL",
        ),
        (
            None,
            Some("internalURL"),
            "KEYSTONE_TESTBED_SWIFT_INTERNAL_URL",
        ),
        (None, Some("admin"), "KEYSTONE_TESTBED_SWIFT_ADMIN_URL"),
        (
            Some("RegionTwo"),
            None,
            "KEYSTONE_TESTBED_SWIFT_REGIONTWO_PUBLIC_URL",
        ),
    ] {
        let mut o = names();
        o.region_name = region.map(Into::into);
        o.endpoint_type = interface.map(Into::into);
        let conn = password().os_options(o).build().unwrap();
        let (url, _) = conn.get_auth().await.unwrap();
        assert_eq!(url, ks(want), "{region:?} {interface:?}");
    }
    // nothing listens behind RegionTwo: the request fails, it does not fall back
    let mut o = names();
    o.region_name = Some("RegionTwo".into());
    let conn = password().os_options(o).retries(0).build().unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_connect(), "{err}");
    // a region with no object-store endpoint is an auth error naming what exists
    let mut o = names();
    o.region_name = Some("Atlantis".into());
    let conn = password().os_options(o).build().unwrap();
    let err = conn.head_account().await.unwrap_err();
    let text = err.to_string();
    assert!(err.is_auth(), "{text}");
    assert!(
        text.contains("Endpoint for object-store not found"),
        "{text}"
    );
    assert!(text.contains("public/RegionOne"), "{text}");
}

#[tokio::test]
async fn wrong_password_unknown_project_and_missing_project_are_clear() {
    if common::skip() {
        return;
    }
    let conn = base()
        .user(ks("OS_USERNAME"))
        .key("not-the-password-xyz")
        .os_options(names())
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(err.is_unauthorized() && err.is_auth(), "{text}");
    assert!(text.contains("Check username/id, password"), "{text}");
    assert!(
        !text.contains("not-the-password-xyz"),
        "leaks the password: {text}"
    );

    let mut o = names();
    o.project_name = Some("no-such-project".into());
    let err = password()
        .os_options(o)
        .build()
        .unwrap()
        .head_account()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    let mut o = names();
    o.user_domain_name = Some("no-such-domain".into());
    let err = password()
        .os_options(o)
        .build()
        .unwrap()
        .head_account()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized() && err.is_auth(), "{err}");

    let mut o = names();
    o.project_name = None;
    let err = password().os_options(o).build().unwrap_err();
    assert!(
        err.to_string()
            .contains("No project name or project id specified."),
        "{err}"
    );
}

#[tokio::test]
async fn keystone_unreachable_is_a_transport_error() {
    if common::skip() {
        return;
    }
    let conn = Connection::builder()
        .auth_url("http://127.0.0.1:9/v3")
        .auth_version("3")
        .user("u")
        .key("secret-pw")
        .os_options(names())
        .retries(1)
        .starting_backoff(std::time::Duration::from_millis(10))
        .build()
        .unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("secret-pw"));
}

#[tokio::test]
async fn revoked_token_leads_to_one_reauthentication() {
    if common::skip() {
        return;
    }
    // Authenticate, but send nothing to the proxy yet, so that it has not cached the token.
    let conn = password().build().unwrap();
    let (_, token) = conn.get_auth().await.unwrap();
    let resp = reqwest::Client::new()
        .delete(format!("{}/auth/tokens", ks("OS_AUTH_URL")))
        .header("X-Auth-Token", token.expose())
        .header("X-Subject-Token", token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204, "revocation in Keystone");
    let resp = conn.head_account().await.unwrap();
    let statuses: Vec<_> = resp.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses[0], Some(401), "{statuses:?}");
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    let (_, new) = conn.get_auth().await.unwrap();
    assert_ne!(new.expose(), token.expose());
}

/// The token lifetime the test Keystone was started with (scripts/test sets 40 s).
fn token_lifetime() -> std::time::Duration {
    let home =
        std::env::var("KEYSTONE_TESTBED_HOME").unwrap_or_else(|_| "/tmp/keystone-testbed".into());
    let conf = std::fs::read_to_string(format!("{home}/etc/keystone.conf")).unwrap();
    let secs: u64 = conf
        .lines()
        .find_map(|l| l.strip_prefix("expiration = "))
        .and_then(|v| v.trim().parse().ok())
        .expect("expiration in keystone.conf");
    std::time::Duration::from_secs(secs)
}

#[tokio::test]
async fn a_transfer_that_outlives_its_token_completes_without_a_401() {
    if common::skip() {
        return;
    }
    let lifetime = token_lifetime();
    assert!(
        lifetime <= std::time::Duration::from_secs(120),
        "start Keystone with a short KEYSTONE_TOKEN_EXPIRATION (scripts/test does) for this test"
    );
    let conn = password().build().unwrap();
    let c = common::unique("expiry");
    conn.put_container(&c).await.unwrap();
    let (_, first) = conn.get_auth().await.unwrap();
    let started = std::time::Instant::now();
    let mut tokens = vec![first.expose().to_owned()];
    let mut n = 0;
    // one write a second until well past the first token's lifetime
    while started.elapsed() < lifetime + std::time::Duration::from_secs(5) {
        let resp = conn
            .put_object(&c, &format!("obj-{n:04}"), format!("data {n}"))
            .await
            .unwrap();
        assert!(
            resp.attempts().iter().all(|a| a.status != Some(401)),
            "the token was refreshed before it expired, so no request met a 401"
        );
        let (_, t) = conn.get_auth().await.unwrap();
        if tokens.last().map(String::as_str) != Some(t.expose()) {
            tokens.push(t.expose().to_owned());
        }
        n += 1;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert!(
        tokens.len() >= 2,
        "the token was replaced during the transfer"
    );
    let listed = conn
        .get_container(&c, &swiftclient::ListOptions::new().full_listing(true))
        .await
        .unwrap();
    assert_eq!(listed.entries.len(), n, "no object lost or duplicated");
    common::cleanup(&conn, &c).await;
}

#[tokio::test]
async fn service_token_is_sent_alongside_the_user_token() {
    if common::skip() {
        return;
    }
    let mut o = names();
    o.service_username = Some(ks("KEYSTONE_SWIFT_SERVICE_USERNAME"));
    o.service_key = Some(Secret::new(ks("KEYSTONE_SWIFT_SERVICE_PASSWORD")));
    o.service_project_name = Some(ks("KEYSTONE_SWIFT_SERVICE_PROJECT_NAME"));
    let conn = password().os_options(o).build().unwrap();
    round_trip(&conn).await;
    // the storage URL stays the user's, not the service user's
    let (url, _) = conn.get_auth().await.unwrap();
    assert_eq!(url, ks("KEYSTONE_TESTBED_SWIFT_PUBLIC_URL"));

    // a wrong service password is an auth failure, not a silent fallback
    let mut o = names();
    o.service_username = Some(ks("KEYSTONE_SWIFT_SERVICE_USERNAME"));
    o.service_key = Some(Secret::new("wrong-service-pw"));
    o.service_project_name = Some(ks("KEYSTONE_SWIFT_SERVICE_PROJECT_NAME"));
    let conn = password().os_options(o).build().unwrap();
    let err = conn.head_account().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(!format!("{err} {err:?}").contains("wrong-service-pw"));
}

#[tokio::test]
async fn clouds_yaml_and_os_variables_reach_the_real_keystone() {
    if common::skip() {
        return;
    }
    let clouds = format!(
        "clouds:\n  testbed:\n    auth:\n      auth_url: {}\n      username: {}\n      project_name: {}\n      user_domain_name: {}\n      project_domain_name: {}\n    region_name: RegionOne\n    interface: public\n",
        ks("OS_AUTH_URL"),
        ks("OS_USERNAME"),
        ks("OS_PROJECT_NAME"),
        ks("OS_USER_DOMAIN_NAME"),
        ks("OS_PROJECT_DOMAIN_NAME"),
    );
    let secure = format!(
        "clouds:\n  testbed:\n    auth:\n      password: {}\n",
        ks("OS_PASSWORD")
    );
    let mut s = swiftclient::Settings::from_cloud_yaml("testbed", &clouds, Some(&secure)).unwrap();
    s.process();
    let conn = s.builder().build().unwrap();
    assert_eq!(
        conn.get_auth().await.unwrap().0,
        ks("KEYSTONE_TESTBED_SWIFT_PUBLIC_URL")
    );
    round_trip(&conn).await;

    // the same through OS_* variables, as the test bed exports them
    let names = [
        "OS_AUTH_URL",
        "OS_IDENTITY_API_VERSION",
        "OS_REGION_NAME",
        "OS_INTERFACE",
        "OS_USERNAME",
        "OS_PASSWORD",
        "OS_PROJECT_NAME",
        "OS_USER_DOMAIN_NAME",
        "OS_PROJECT_DOMAIN_NAME",
    ];
    let mut s = swiftclient::Settings::from_vars(|k| names.contains(&k).then(|| ks(k)));
    s.process();
    assert_eq!(s.auth_version.as_deref(), Some("3"));
    s.builder().build().unwrap().head_account().await.unwrap();
}
