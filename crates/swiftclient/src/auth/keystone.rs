//! Keystone authentication: Identity API v3 (password, token, application credential) and
//! v2.0 (password, token), with object-store endpoint selection from the service catalog.

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::auth::catalog::{self, EndpointFilter};
use crate::auth::{AuthToken, Authenticator, HttpClient};
use crate::clock::BoxFuture;
use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::http::log;
use crate::secret::Secret;

/// Which Identity API to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeystoneVersion {
    /// Identity API v2.0 (`POST <url>/tokens`).
    V2,
    /// Identity API v3 (`POST <url>/auth/tokens`).
    V3,
}

/// How to identify: a password, an existing token, or an application credential.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// A user (by name with its domain, or by id) and password.
    Password {
        /// User name.
        username: Option<String>,
        /// User id (instead of the name).
        user_id: Option<String>,
        /// The password.
        password: Secret,
    },
    /// An existing token, exchanged for a scoped one.
    Token(Secret),
    /// An application credential, by id or by name (with the owning user).
    ApplicationCredential {
        /// Credential id.
        id: Option<String>,
        /// Credential name (with `username`/`user_id`).
        name: Option<String>,
        /// Owner's name, when the credential is given by name.
        username: Option<String>,
        /// Owner's id, when the credential is given by name.
        user_id: Option<String>,
        /// The secret.
        secret: Secret,
    },
}

/// Domains and project scope (v3) or tenant (v2.0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scope {
    /// Project (tenant) name.
    pub project_name: Option<String>,
    /// Project (tenant) id.
    pub project_id: Option<String>,
    /// Project domain name.
    pub project_domain_name: Option<String>,
    /// Project domain id.
    pub project_domain_id: Option<String>,
    /// User domain name.
    pub user_domain_name: Option<String>,
    /// User domain id.
    pub user_domain_id: Option<String>,
}

/// Keystone authentication.
#[derive(Clone, Debug)]
pub struct KeystoneAuth {
    url: String,
    version: KeystoneVersion,
    credentials: Credentials,
    scope: Scope,
    filter: EndpointFilter,
    token_only: bool,
}

impl KeystoneAuth {
    /// Authenticates at `auth_url` with `credentials`.
    ///
    /// A versionless URL gets `/v3` appended (or `/v2.0` when `version` is v2), and the
    /// version then follows the URL, as python-swiftclient does: a URL ending in `/v2.0` or
    /// `/v2` speaks v2.0, one ending in `/v3` or `/v3.0` speaks v3.
    pub fn new(auth_url: &str, version: KeystoneVersion, credentials: Credentials) -> Self {
        let (url, version) = normalise_url(auth_url, version);
        KeystoneAuth {
            url,
            version,
            credentials,
            scope: Scope::default(),
            filter: EndpointFilter::default(),
            token_only: false,
        }
    }

    /// Sets the project scope and the domains.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Sets the catalog filter (service type, interface, region).
    pub fn endpoint_filter(mut self, filter: EndpointFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Only a token is wanted (a service user): no endpoint need be in the catalog.
    pub fn token_only(mut self, on: bool) -> Self {
        self.token_only = on;
        self
    }

    /// The auth URL actually used (after versionless normalisation).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The Identity API version actually used.
    pub fn version(&self) -> KeystoneVersion {
        self.version
    }

    fn domain(name: &Option<String>, id: &Option<String>) -> Value {
        match (id, name) {
            (Some(id), _) => json!({ "id": id }),
            (None, Some(name)) => json!({ "name": name }),
            (None, None) => json!({ "id": "default" }),
        }
    }

    fn user_v3(&self, username: &Option<String>, user_id: &Option<String>) -> Value {
        match (user_id, username) {
            (Some(id), _) => json!({ "id": id }),
            (None, name) => json!({
                "name": name.clone().unwrap_or_default(),
                "domain": Self::domain(&self.scope.user_domain_name, &self.scope.user_domain_id),
            }),
        }
    }

    /// The JSON body of the token request.
    pub(crate) fn request_body(&self) -> Value {
        let s = &self.scope;
        match self.version {
            KeystoneVersion::V3 => {
                let identity = match &self.credentials {
                    Credentials::Password {
                        username,
                        user_id,
                        password,
                    } => {
                        let mut user = self.user_v3(username, user_id);
                        user["password"] = json!(password.expose());
                        json!({ "methods": ["password"], "password": { "user": user } })
                    }
                    Credentials::Token(t) => {
                        json!({ "methods": ["token"], "token": { "id": t.expose() } })
                    }
                    Credentials::ApplicationCredential {
                        id,
                        name,
                        username,
                        user_id,
                        secret,
                    } => {
                        let mut ac = json!({ "secret": secret.expose() });
                        if let Some(id) = id {
                            ac["id"] = json!(id);
                        } else {
                            ac["name"] = json!(name.clone().unwrap_or_default());
                            ac["user"] = self.user_v3(username, user_id);
                        }
                        json!({ "methods": ["application_credential"], "application_credential": ac })
                    }
                };
                let mut auth = json!({ "identity": identity });
                let app_cred =
                    matches!(self.credentials, Credentials::ApplicationCredential { .. });
                if !app_cred {
                    if let Some(id) = &s.project_id {
                        auth["scope"] = json!({ "project": { "id": id } });
                    } else if let Some(name) = &s.project_name {
                        auth["scope"] = json!({ "project": {
                            "name": name,
                            "domain": Self::domain(&s.project_domain_name, &s.project_domain_id),
                        }});
                    }
                }
                json!({ "auth": auth })
            }
            KeystoneVersion::V2 => {
                let mut auth = match &self.credentials {
                    Credentials::Password {
                        username, password, ..
                    } => json!({ "passwordCredentials": {
                        "username": username.clone().unwrap_or_default(),
                        "password": password.expose(),
                    }}),
                    Credentials::Token(t) => json!({ "token": { "id": t.expose() } }),
                    Credentials::ApplicationCredential { .. } => json!({}),
                };
                if let Some(id) = &s.project_id {
                    auth["tenantId"] = json!(id);
                } else if let Some(name) = &s.project_name {
                    auth["tenantName"] = json!(name);
                }
                json!({ "auth": auth })
            }
        }
    }

    async fn run(&self, http: &reqwest::Client) -> crate::Result<AuthToken> {
        if self.version == KeystoneVersion::V2
            && matches!(self.credentials, Credentials::ApplicationCredential { .. })
        {
            return Err(Error::invalid_input(
                "application credentials need Keystone v3 (auth version 3)",
            ));
        }
        let url = match self.version {
            KeystoneVersion::V3 => format!("{}/auth/tokens", self.url),
            KeystoneVersion::V2 => format!("{}/tokens", self.url),
        };
        let body = serde_json::to_vec(&self.request_body())
            .map_err(|e| Error::invalid_input("cannot encode the auth request").with_source(e))?;
        let req = http
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body)
            .build()
            .map_err(|e| {
                Error::invalid_input(format!("invalid auth URL {url:?}")).with_source(e)
            })?;
        log::request("POST", req.url().as_str(), req.headers());
        let resp = http
            .execute(req)
            .await
            .map_err(|e| Error::transport("Auth POST failed", "POST", &url, e))?;
        let status = resp.status().as_u16();
        let reason = crate::http::reason_of(&resp);
        let headers = Headers::from_http(resp.headers());
        let body = crate::http::read_limited(resp, 16 << 20).await;
        // The v2.0 body holds the token itself: never log it.
        log::response(status, &reason, &headers, None);
        if !(200..300).contains(&status) {
            let msg = match (status, self.version, &self.credentials) {
                (401, KeystoneVersion::V2, _) => {
                    "Auth POST failed (Unauthorized. Check username, password and tenant name/id.)"
                }
                (401, KeystoneVersion::V3, Credentials::ApplicationCredential { .. }) => {
                    "Auth POST failed (Unauthorized. Check application credential id and secret.)"
                }
                (401, KeystoneVersion::V3, _) => {
                    "Auth POST failed (Unauthorized. Check username/id, password, tenant name/id and user/tenant domain name/id.)"
                }
                _ => "Auth POST failed",
            };
            let body_text = if self.version == KeystoneVersion::V2 {
                &b""[..]
            } else {
                &body[..]
            };
            return Err(Error::from_status(
                msg, "POST", &url, status, &reason, headers, body_text,
            ));
        }
        self.parse_reply(&url, headers.get("x-subject-token"), &body)
    }

    /// Reads a successful token reply: the token (v3: from `X-Subject-Token`), its expiry, and
    /// the storage URL from the catalog.
    pub(crate) fn parse_reply(
        &self,
        url: &str,
        subject_token: Option<&str>,
        body: &[u8],
    ) -> crate::Result<AuthToken> {
        let doc: Value = serde_json::from_slice(body).map_err(|e| {
            Error::new(
                ErrorKind::Auth,
                format!("Keystone at {url} answered with something that is not JSON"),
            )
            .with_source(e)
        })?;
        let (token, expires, catalog_json) = match self.version {
            KeystoneVersion::V3 => {
                let token = subject_token.ok_or_else(|| {
                    Error::new(
                        ErrorKind::Auth,
                        format!("Keystone at {url} returned no X-Subject-Token"),
                    )
                })?;
                let t = &doc["token"];
                (
                    token.to_owned(),
                    t["expires_at"].as_str().and_then(parse_iso8601),
                    t["catalog"].clone(),
                )
            }
            KeystoneVersion::V2 => {
                let a = &doc["access"];
                let token = a["token"]["id"].as_str().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Auth,
                        format!("Keystone at {url} returned no access.token.id"),
                    )
                })?;
                (
                    token.to_owned(),
                    a["token"]["expires"].as_str().and_then(parse_iso8601),
                    a["serviceCatalog"].clone(),
                )
            }
        };
        let storage_url = match self.version {
            KeystoneVersion::V3 => catalog::select_v3(&catalog_json, &self.filter),
            KeystoneVersion::V2 => catalog::select_v2(&catalog_json, &self.filter),
        };
        let storage_url = match storage_url {
            Ok(u) => Some(u),
            Err(_) if self.token_only => None,
            Err(e) => return Err(e),
        };
        Ok(AuthToken::new(storage_url, Secret::new(token)).with_expiry(expires))
    }
}

impl Authenticator for KeystoneAuth {
    fn authenticate<'a>(&'a self, http: &'a HttpClient) -> BoxFuture<'a, crate::Result<AuthToken>> {
        Box::pin(self.run(&http.inner))
    }

    fn can_reauthenticate(&self) -> bool {
        true
    }
}

/// Appends the version to a versionless auth URL; the version follows the URL's last segment.
pub(crate) fn normalise_url(url: &str, version: KeystoneVersion) -> (String, KeystoneVersion) {
    let trimmed = url.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or("");
    match last {
        "v2" | "v2.0" => (trimmed.to_owned(), KeystoneVersion::V2),
        "v3" | "v3.0" => (trimmed.to_owned(), KeystoneVersion::V3),
        _ => match version {
            KeystoneVersion::V2 => (format!("{trimmed}/v2.0"), KeystoneVersion::V2),
            KeystoneVersion::V3 => (format!("{trimmed}/v3"), KeystoneVersion::V3),
        },
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM]` (what Keystone sends) into a time.
pub(crate) fn parse_iso8601(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let (date, rest) = s.split_once(['T', ' '])?;
    let mut d = date.splitn(3, '-');
    let y: i64 = d.next()?.parse().ok()?;
    let m: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    let (time, offset_secs) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0i64)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|i| *i >= 8) {
        let (t, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = &off[1..];
        let (oh, om) = off.split_once(':').unwrap_or((off, "0"));
        let (oh, om) = (oh.parse::<i64>().ok()?, om.parse::<i64>().ok()?);
        if !(0..=24).contains(&oh) || !(0..=59).contains(&om) {
            return None;
        }
        (t, sign * (oh * 3600 + om * 60))
    } else {
        (rest, 0)
    };
    let mut t = time.splitn(3, ':');
    let hh: i64 = t.next()?.parse().ok()?;
    let mm: i64 = t.next()?.parse().ok()?;
    let ss: f64 = t.next().unwrap_or("0").parse().ok()?;
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || hh > 23
        || mm > 59
        || !(0.0..61.0).contains(&ss)
    {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 - offset_secs;
    let whole = u64::try_from(secs).ok()?;
    SystemTime::UNIX_EPOCH
        .checked_add(std::time::Duration::from_secs(whole))?
        .checked_add(crate::numbers::secs_to_duration(ss)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn versionless_urls() {
        assert_eq!(
            normalise_url("http://authurl", KeystoneVersion::V3).0,
            "http://authurl/v3"
        );
        assert_eq!(
            normalise_url("http://authurl/", KeystoneVersion::V2).0,
            "http://authurl/v2.0"
        );
        assert_eq!(
            normalise_url("https://host/identity", KeystoneVersion::V3).0,
            "https://host/identity/v3"
        );
        assert_eq!(
            normalise_url("http://a/v2moo", KeystoneVersion::V3).0,
            "http://a/v2moo/v3"
        );
        assert_eq!(
            normalise_url("http://a/v2.0", KeystoneVersion::V3),
            ("http://a/v2.0".into(), KeystoneVersion::V2)
        );
        assert_eq!(
            normalise_url("http://a/v3/", KeystoneVersion::V2),
            ("http://a/v3".into(), KeystoneVersion::V3)
        );
    }

    #[test]
    fn iso8601() {
        let t = parse_iso8601("1970-01-02T00:00:01.500000Z").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap(),
            Duration::from_millis(86_401_500)
        );
        let t = parse_iso8601("2026-11-26T06:13:18+01:00").unwrap();
        let u = parse_iso8601("2026-11-26T05:13:18Z").unwrap();
        assert_eq!(t, u);
        assert!(parse_iso8601("garbage").is_none());
        assert!(parse_iso8601("2026-13-01T00:00:00Z").is_none());
    }

    #[test]
    fn v3_password_body_with_domains_and_project() {
        let a = KeystoneAuth::new(
            "http://k:5000/v3",
            KeystoneVersion::V3,
            Credentials::Password {
                username: Some("u".into()),
                user_id: None,
                password: Secret::new("p"),
            },
        )
        .scope(Scope {
            project_name: Some("proj".into()),
            project_domain_name: Some("pd".into()),
            user_domain_id: Some("ud".into()),
            ..Scope::default()
        });
        let b = a.request_body();
        assert_eq!(
            b["auth"]["identity"]["password"]["user"]["domain"]["id"],
            "ud"
        );
        assert_eq!(b["auth"]["identity"]["password"]["user"]["password"], "p");
        assert_eq!(b["auth"]["scope"]["project"]["name"], "proj");
        assert_eq!(b["auth"]["scope"]["project"]["domain"]["name"], "pd");
        assert!(!format!("{a:?}").contains("\"p\""));
    }

    #[test]
    fn v3_app_cred_body_has_no_scope() {
        let a = KeystoneAuth::new(
            "http://k:5000/v3",
            KeystoneVersion::V3,
            Credentials::ApplicationCredential {
                id: Some("abc".into()),
                name: None,
                username: None,
                user_id: None,
                secret: Secret::new("s"),
            },
        )
        .scope(Scope {
            project_name: Some("p".into()),
            ..Scope::default()
        });
        let b = a.request_body();
        assert_eq!(
            b["auth"]["identity"]["methods"][0],
            "application_credential"
        );
        assert_eq!(b["auth"]["identity"]["application_credential"]["id"], "abc");
        assert!(b["auth"].get("scope").is_none());
    }

    #[test]
    fn v2_body() {
        let a = KeystoneAuth::new(
            "http://k:5000/v2.0",
            KeystoneVersion::V3,
            Credentials::Password {
                username: Some("u".into()),
                user_id: None,
                password: Secret::new("p"),
            },
        )
        .scope(Scope {
            project_name: Some("t".into()),
            ..Scope::default()
        });
        assert_eq!(a.version(), KeystoneVersion::V2);
        let b = a.request_body();
        assert_eq!(b["auth"]["passwordCredentials"]["username"], "u");
        assert_eq!(b["auth"]["tenantName"], "t");
    }
}
