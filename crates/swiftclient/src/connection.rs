//! [`Connection`]: the handle every operation goes through.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::auth::{Authenticator, V1Auth};
#[cfg(feature = "keystone")]
use crate::auth::{Credentials, EndpointFilter, KeystoneAuth, KeystoneVersion, Scope};
use crate::config::{Config, ConnectionBuilder};
use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::http::{read_capped, read_limited, reason_of, BODY_LIMIT};
use crate::path::Target;
use crate::response::Response;
use crate::secret::Secret;
use crate::transport::{Call, Outcome, Session};

/// A connection to a Swift cluster: python-swiftclient's `Connection`, async.
///
/// Cheap to clone: clones share one connection pool and one token, so concurrent tasks
/// authenticate once. Every operation authenticates when needed, retries per the
/// [`crate::RetryConfig`], and re-authenticates once on a 401.
#[derive(Clone, Debug)]
pub struct Connection {
    pub(crate) session: Arc<Session>,
}

impl Connection {
    /// Starts building a connection.
    pub fn builder() -> ConnectionBuilder {
        ConnectionBuilder::default()
    }

    /// A v1 (tempauth) connection with default options.
    pub fn v1(
        auth_url: impl Into<String>,
        user: impl Into<String>,
        key: impl Into<Secret>,
    ) -> crate::Result<Self> {
        Self::builder()
            .auth_url(auth_url)
            .user(user)
            .key(key)
            .build()
    }

    /// A connection with a storage URL and token obtained elsewhere (no authentication).
    pub fn preauth(
        storage_url: impl Into<String>,
        token: impl Into<Secret>,
    ) -> crate::Result<Self> {
        Self::builder()
            .preauth_url(storage_url)
            .preauth_token(token)
            .build()
    }

    pub(crate) fn from_config(config: Config) -> crate::Result<Self> {
        let auth = select_authenticator(&config)?;
        let service = service_authenticator(&config)?;
        Ok(Connection {
            session: Arc::new(Session::new(&config, auth, service)?),
        })
    }

    /// Authenticates now (if there is no valid token yet) and returns the storage URL and token.
    pub async fn get_auth(&self) -> crate::Result<(String, Secret)> {
        let st = self.session.credentials().await?;
        match (st.url, st.token) {
            (Some(url), Some(token)) => Ok((url, token)),
            _ => Err(Error::new(
                ErrorKind::Auth,
                "no token: give credentials or a preauth token",
            )),
        }
    }

    /// The storage URL in use, if known yet.
    pub fn url(&self) -> Option<String> {
        self.session.current().0
    }

    /// The token in use, if known yet.
    pub fn token(&self) -> Option<Secret> {
        self.session.current().1
    }

    /// Waits `d` on this connection's clock (the [`Sleeper`](crate::Sleeper) it was built
    /// with), as its own back-off does.
    #[cfg(feature = "transfer")]
    pub(crate) async fn sleep(&self, d: std::time::Duration) {
        self.session.sleep(d).await;
    }

    /// Replaces the storage URL and token in use, as assigning python-swiftclient's
    /// `conn.url` and `conn.token` does: requests go to `url` with `token` until a 401 (or the
    /// caller) replaces them. `None` forgets a value, so the next request authenticates again
    /// (a connection without credentials then fails). A preauth URL still overrides the storage
    /// URL of any later authentication.
    pub fn set_credentials(&self, url: Option<String>, token: Option<Secret>) {
        self.session.set_current(url, token);
    }

    /// Makes the current token unusable, so the next request authenticates again.
    pub fn invalidate_token(&self) {
        self.session.invalidate_current();
    }

    /// python-swiftclient's `close()`. There is nothing to release by hand: idle pooled sockets
    /// close on their own after the pool's idle timeout, and the last clone dropped closes the
    /// pool. The connection stays usable, as python-swiftclient's does after `close()`.
    pub fn close(&self) {}

    /// The cluster's capabilities (`GET /info`, unauthenticated), from the storage URL.
    ///
    /// The `/info` URL is derived as python-swiftclient does: `/v<digits>...` and everything
    /// after it becomes `/info`, otherwise `/info` is appended.
    pub async fn get_capabilities(&self) -> crate::Result<Capabilities> {
        let url = self.session.credentials().await?.url.unwrap_or_default();
        self.get_capabilities_at(&url).await
    }

    /// The capabilities from an explicit URL (an `/info` URL, or a storage URL to derive it from).
    pub async fn get_capabilities_at(&self, url: &str) -> crate::Result<Capabilities> {
        let info = info_url(url);
        let body = self.get_capabilities_raw_at(url).await?;
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                "Capabilities GET failed: the answer is not JSON",
            )
            .with_request("GET", &info)
            .with_source(e)
        })?;
        Ok(Capabilities(value))
    }

    /// The `/info` document as the cluster sent it (for callers that need its exact text,
    /// e.g. the order of keys), derived from the storage URL like [`Connection::get_capabilities`].
    pub async fn get_capabilities_raw(&self) -> crate::Result<Bytes> {
        let url = self.session.credentials().await?.url.unwrap_or_default();
        self.get_capabilities_raw_at(&url).await
    }

    /// The `/info` document as the cluster sent it, from an explicit URL (see
    /// [`Connection::get_capabilities_at`]).
    pub async fn get_capabilities_raw_at(&self, url: &str) -> crate::Result<Bytes> {
        let info = info_url(url);
        let resp = self
            .session
            .http
            .get(&info)
            .send()
            .await
            .map_err(|e| Error::transport("Capabilities GET failed", "GET", &info, e))?;
        let status = resp.status().as_u16();
        let reason = reason_of(&resp);
        let headers = Headers::from_http(resp.headers());
        let body = read_limited(resp, 16 << 20).await;
        if !(200..300).contains(&status) {
            return Err(Error::from_status(
                "Capabilities GET failed",
                "GET",
                &info,
                status,
                &reason,
                headers,
                &body,
            ));
        }
        Ok(body)
    }

    /// Runs a call whose response body is small: reads it, returns the response and the body.
    pub(crate) async fn exchange(&self, call: Call<'_>) -> crate::Result<(Response, Bytes)> {
        let method = call.method.clone();
        let out = self.session.execute(call).await?;
        let (resp, _) = finish(out, &method).await?;
        Ok(resp)
    }
}

/// Reads the (small) body of a successful exchange.
pub(crate) async fn finish(
    out: Outcome,
    method: &reqwest::Method,
) -> crate::Result<((Response, Bytes), Option<String>)> {
    let Outcome {
        response,
        attempts,
        url,
        sent_md5,
        status,
        reason,
        headers,
        ..
    } = out;
    let body = read_capped(
        response,
        BODY_LIMIT,
        "reading the response failed",
        method.as_str(),
        &url,
    )
    .await?;
    Ok((
        (Response::new(status, reason, headers, attempts), body),
        sent_md5,
    ))
}

/// The authenticator the configuration asks for.
fn select_authenticator(config: &Config) -> crate::Result<Option<Arc<dyn Authenticator>>> {
    if let Some(a) = &config.authenticator {
        return Ok(Some(Arc::clone(a)));
    }
    let Some(auth_url) = config.auth_url.clone() else {
        return Ok(None);
    };
    match config.auth_version.trim() {
        "1" | "1.0" => {
            let (Some(user), Some(key)) = (config.user.clone(), config.key.clone()) else {
                return Ok(None);
            };
            Ok(Some(Arc::new(
                V1Auth::new(auth_url, user, key).snet(config.snet),
            )))
        }
        #[cfg(feature = "keystone")]
        "2" | "2.0" => keystone_authenticator(config, &auth_url, KeystoneVersion::V2),
        #[cfg(feature = "keystone")]
        "3" | "3.0" => keystone_authenticator(config, &auth_url, KeystoneVersion::V3),
        #[cfg(not(feature = "keystone"))]
        "2" | "2.0" | "3" | "3.0" => Err(Error::invalid_input(
            "Keystone authentication needs swiftclient's `keystone` feature",
        )),
        v => Err(Error::invalid_input(format!(
            "Unknown auth_version {v} specified and no session found."
        ))),
    }
}

#[cfg(not(feature = "keystone"))]
fn service_authenticator(config: &Config) -> crate::Result<Option<Arc<dyn Authenticator>>> {
    match config.os_options.service_username.as_deref() {
        Some(u) if !u.is_empty() => Err(Error::invalid_input(
            "service tokens need swiftclient's `keystone` feature",
        )),
        _ => Ok(None),
    }
}

/// The service user's authenticator (`X-Service-Token`), when `service_username` is set.
#[cfg(feature = "keystone")]
fn service_authenticator(config: &Config) -> crate::Result<Option<Arc<dyn Authenticator>>> {
    let os = &config.os_options;
    let Some(user) = os.service_username.clone().filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let auth_url = config
        .auth_url
        .clone()
        .ok_or_else(|| Error::invalid_input("a service user needs an auth URL"))?;
    let version = match config.auth_version.trim() {
        "2" | "2.0" => KeystoneVersion::V2,
        "3" | "3.0" => KeystoneVersion::V3,
        _ => {
            return Err(Error::invalid_input(
                "service tokens need Keystone (auth version 2.0 or 3)",
            ))
        }
    };
    let password = os
        .service_key
        .clone()
        .ok_or_else(|| Error::invalid_input("a service user needs its key (service_key)"))?;
    let scope = Scope {
        project_name: os.service_project_name.clone(),
        ..Scope::default()
    };
    let filter = EndpointFilter::new(
        os.service_type.clone(),
        os.endpoint_type.clone(),
        os.region_name.clone(),
    );
    Ok(Some(Arc::new(
        KeystoneAuth::new(
            &auth_url,
            version,
            Credentials::Password {
                username: Some(user),
                user_id: None,
                password,
            },
        )
        .scope(scope)
        .endpoint_filter(filter)
        .token_only(true),
    )))
}

/// Builds Keystone auth from python-swiftclient's arguments.
#[cfg(feature = "keystone")]
fn keystone_authenticator(
    config: &Config,
    auth_url: &str,
    version: KeystoneVersion,
) -> crate::Result<Option<Arc<dyn Authenticator>>> {
    let os = &config.os_options;
    let mut user = config.user.clone().filter(|u| !u.is_empty());
    let mut tenant_name = config
        .tenant_name
        .clone()
        .or_else(|| os.tenant_name.clone());
    if tenant_name.is_none() {
        if let Some((t, u)) = user.as_deref().and_then(|u| u.split_once(':')) {
            tenant_name = Some(t.to_owned());
            user = Some(u.to_owned());
        }
    }
    let auth_type = os.auth_type.as_deref().unwrap_or("password");
    let credentials = match auth_type {
        "v3applicationcredential" => {
            let secret = os.application_credential_secret.clone().ok_or_else(|| {
                Error::invalid_input("an application credential needs its secret")
            })?;
            if os.application_credential_id.is_none() && os.application_credential_name.is_none() {
                return Err(Error::invalid_input(
                    "an application credential needs its id, or its name and user",
                ));
            }
            Credentials::ApplicationCredential {
                id: os.application_credential_id.clone(),
                name: os.application_credential_name.clone(),
                username: user.clone(),
                user_id: os.user_id.clone(),
                secret,
            }
        }
        "token" | "v3token" | "v2token" => Credentials::Token(
            os.auth_token
                .clone()
                .ok_or_else(|| Error::invalid_input("token auth needs a token (auth_token)"))?,
        ),
        "password" | "v2password" | "v3password" => match (&config.key, &os.auth_token) {
            (Some(key), _) => Credentials::Password {
                username: user.clone(),
                user_id: os.user_id.clone(),
                password: key.clone(),
            },
            (None, Some(token)) => Credentials::Token(token.clone()),
            (None, None) => return Ok(None),
        },
        other => {
            return Err(Error::invalid_input(format!(
                "Swiftclient currently only supports v3applicationcredential for auth_type (got {other:?})"
            )))
        }
    };
    let app_cred = matches!(credentials, Credentials::ApplicationCredential { .. });
    let project_name = os.project_name.clone().or(tenant_name);
    let project_id = os.project_id.clone().or_else(|| os.tenant_id.clone());
    if !app_cred && project_name.is_none() && project_id.is_none() {
        return Err(Error::invalid_input(match version {
            KeystoneVersion::V2 => "No tenant specified",
            KeystoneVersion::V3 => "No project name or project id specified.",
        }));
    }
    let scope = Scope {
        project_name,
        project_id,
        project_domain_name: os.project_domain_name.clone(),
        project_domain_id: os.project_domain_id.clone(),
        user_domain_name: os.user_domain_name.clone(),
        user_domain_id: os.user_domain_id.clone(),
    };
    let filter = EndpointFilter::new(
        os.service_type.clone(),
        os.endpoint_type.clone(),
        os.region_name.clone(),
    );
    Ok(Some(Arc::new(
        KeystoneAuth::new(auth_url, version, credentials)
            .scope(scope)
            .endpoint_filter(filter),
    )))
}

/// Derives the `/info` URL from a storage URL.
pub(crate) fn info_url(url: &str) -> String {
    let (scheme_host, path) = match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => url.split_at(i + 3 + j),
            None => (url, ""),
        },
        None => (url, ""),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    // Find "/v<digits>[.<digits>...]" followed by "/" or the end.
    let bytes = path.as_bytes();
    let mut i = 0;
    while let Some(off) = path[i..].find("/v") {
        let start = i + off;
        let mut k = start + 2;
        let digits_start = k;
        while k < bytes.len() && (bytes[k].is_ascii_digit() || bytes[k] == b'.') {
            k += 1;
        }
        if k > digits_start
            && bytes[digits_start].is_ascii_digit()
            && (k == bytes.len() || bytes[k] == b'/')
        {
            return format!("{scheme_host}{}/info", &path[..start]);
        }
        i = start + 2;
    }
    if path.contains("/info") {
        return format!("{scheme_host}{path}");
    }
    if path.ends_with('/') {
        format!("{scheme_host}{path}info")
    } else {
        format!("{scheme_host}{path}/info")
    }
}

/// The cluster's `/info` document: which middleware it runs (`slo`, `bulk_delete`, ...) and
/// their settings.
///
/// ```
/// let caps = swiftclient::Capabilities::from_json(
///     r#"{"swift": {"max_file_size": 5368709122, "version": "2.38.3"}, "slo": {}}"#,
/// )?;
/// assert!(caps.has("slo") && !caps.has("bulk_delete"));
/// assert_eq!(caps.limit("swift", "max_file_size"), Some(5368709122));
/// assert_eq!(caps.get_str("swift", "version"), Some("2.38.3"));
/// assert_eq!(caps.sections().collect::<Vec<_>>(), ["slo", "swift"]);
/// # Ok::<(), swiftclient::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities(Value);

impl Capabilities {
    /// Parses an `/info` document (a JSON object).
    pub fn from_json(text: &str) -> crate::Result<Self> {
        match serde_json::from_str(text) {
            Ok(v @ Value::Object(_)) => Ok(Capabilities(v)),
            Ok(_) => Err(Error::new(
                ErrorKind::Decode,
                "the capabilities are not a JSON object",
            )),
            Err(e) => {
                Err(Error::new(ErrorKind::Decode, "the capabilities are not JSON").with_source(e))
            }
        }
    }

    /// True when the cluster lists this middleware or section (e.g. `slo`, `bulk_delete`).
    pub fn has(&self, section: &str) -> bool {
        self.0.get(section).is_some()
    }

    /// The names of the sections, in sorted order.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self
            .0
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        names.sort_unstable();
        names.into_iter()
    }

    /// A numeric setting of a section, e.g. `("swift", "max_file_size")`.
    pub fn limit(&self, section: &str, key: &str) -> Option<u64> {
        self.0.get(section)?.get(key)?.as_u64()
    }

    /// A text setting of a section, e.g. `("swift", "version")`.
    pub fn get_str(&self, section: &str, key: &str) -> Option<&str> {
        self.0.get(section)?.get(key)?.as_str()
    }

    /// A boolean setting of a section, e.g. `("swift", "strict_cors_mode")`.
    pub fn get_bool(&self, section: &str, key: &str) -> Option<bool> {
        self.0.get(section)?.get(key)?.as_bool()
    }

    /// One section as JSON text (for settings that are lists or objects), e.g.
    /// `section_json("swift")`.
    pub fn section_json(&self, section: &str) -> Option<String> {
        self.0.get(section).map(Value::to_string)
    }

    /// The whole document as JSON text.
    pub fn to_json(&self) -> String {
        self.0.to_string()
    }
}

/// Builds an object target, validating the names.
pub(crate) fn object_target(container: &str, object: &str) -> crate::Result<Target> {
    Target::object(container, object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_url_mapping() {
        assert_eq!(info_url("http://s/v1/test"), "http://s/info");
        assert_eq!(info_url("http://s/swift/v1.0/test"), "http://s/swift/info");
        assert_eq!(info_url("http://s/swift/"), "http://s/swift/info");
        assert_eq!(info_url("http://s/v111/test"), "http://s/info");
        assert_eq!(info_url("http://s/info"), "http://s/info");
        assert_eq!(info_url("http://s:8080"), "http://s:8080/info");
        assert_eq!(info_url("http://s/vx/test"), "http://s/vx/test/info");
    }
}
