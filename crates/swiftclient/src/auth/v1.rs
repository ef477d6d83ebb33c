//! v1 authentication (tempauth, swauth): `GET <auth url>` with `X-Auth-User` and `X-Auth-Key`.

use crate::auth::{AuthToken, Authenticator, HttpClient};
use crate::clock::BoxFuture;
use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::http::log;
use crate::secret::Secret;

/// v1 auth.
#[derive(Clone, Debug)]
pub struct V1Auth {
    url: String,
    user: String,
    key: Secret,
    snet: bool,
}

impl V1Auth {
    /// Authenticates `user` with `key` at `url` (e.g. `http://127.0.0.1:8080/auth/v1.0`).
    pub fn new(url: impl Into<String>, user: impl Into<String>, key: impl Into<Secret>) -> Self {
        V1Auth {
            url: url.into(),
            user: user.into(),
            key: key.into(),
            snet: false,
        }
    }

    /// SERVICENET: prefix the returned storage URL's host with `snet-`.
    pub fn snet(mut self, snet: bool) -> Self {
        self.snet = snet;
        self
    }

    async fn run(&self, http: &reqwest::Client) -> crate::Result<AuthToken> {
        let req = http
            .get(&self.url)
            .header("X-Auth-User", &self.user)
            .header("X-Auth-Key", self.key.expose())
            .build()
            .map_err(|e| {
                Error::invalid_input(format!("invalid auth URL {:?}", self.url)).with_source(e)
            })?;
        log::request(req.method().as_str(), req.url().as_str(), req.headers());
        let resp = http
            .execute(req)
            .await
            .map_err(|e| Error::transport("Auth GET failed", "GET", &self.url, e))?;
        let status = resp.status();
        let headers = Headers::from_http(resp.headers());
        let reason = crate::http::reason_of(&resp);
        let body = crate::http::read_capped(
            resp,
            crate::http::BODY_LIMIT,
            "Auth GET failed",
            "GET",
            &self.url,
        )
        .await?;
        log::response(status.as_u16(), &reason, &headers, Some(&body));
        let storage_url = headers.get("x-storage-url").map(str::to_owned);
        if !status.is_success() || (!body.is_empty() && storage_url.is_none()) {
            return Err(Error::from_status(
                "Auth GET failed",
                "GET",
                &self.url,
                status.as_u16(),
                &reason,
                headers,
                &body,
            ));
        }
        let token = headers
            .get("x-storage-token")
            .or_else(|| headers.get("x-auth-token"))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Auth,
                    "Auth GET failed: the reply carries no X-Auth-Token",
                )
                .with_request("GET", &self.url)
            })?;
        let storage_url = match (storage_url, self.snet) {
            (Some(u), true) => Some(snet_url(&u)?),
            (u, _) => u,
        };
        let expires = headers
            .get("x-auth-token-expires")
            .and_then(|s| s.trim().parse::<f64>().ok())
            .and_then(crate::numbers::from_now);
        Ok(AuthToken::new(storage_url, Secret::new(token)).with_expiry(expires))
    }
}

impl Authenticator for V1Auth {
    fn authenticate<'a>(&'a self, http: &'a HttpClient) -> BoxFuture<'a, crate::Result<AuthToken>> {
        Box::pin(self.run(&http.inner))
    }
}

/// `https://storage.example/v1/a` -> `https://snet-storage.example/v1/a` (python-swiftclient
/// prefixed the network location, whatever it was).
fn snet_url(url: &str) -> crate::Result<String> {
    let i = url
        .find("://")
        .ok_or_else(|| Error::invalid_input(format!("storage URL {url:?} has no scheme")))?;
    Ok(format!("{}snet-{}", &url[..i + 3], &url[i + 3..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snet_prefixes_the_host() {
        assert_eq!(
            snet_url("https://storage.example:443/v1/AUTH_a").unwrap(),
            "https://snet-storage.example:443/v1/AUTH_a"
        );
        assert!(snet_url("storage/v1").is_err());
    }
}
