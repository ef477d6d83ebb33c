//! Connection options: python-swiftclient's constructor arguments as a builder.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Authenticator;
use crate::clock::Sleeper;
use crate::retry::RetryConfig;
use crate::secret::Secret;

/// OpenStack options (python-swiftclient's `os_options`), used by Keystone auth and catalog
/// selection. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct OsOptions {
    /// Tenant (v2) name.
    pub tenant_name: Option<String>,
    /// Tenant (v2) id.
    pub tenant_id: Option<String>,
    /// Project (v3) name.
    pub project_name: Option<String>,
    /// Project (v3) id.
    pub project_id: Option<String>,
    /// Domain of the project, by name.
    pub project_domain_name: Option<String>,
    /// Domain of the project, by id.
    pub project_domain_id: Option<String>,
    /// The user by id instead of name.
    pub user_id: Option<String>,
    /// Domain of the user, by name.
    pub user_domain_name: Option<String>,
    /// Domain of the user, by id.
    pub user_domain_id: Option<String>,
    /// Region of the object-store endpoint.
    pub region_name: Option<String>,
    /// Service type in the catalog (default `object-store`).
    pub service_type: Option<String>,
    /// Endpoint interface: `public`/`publicURL`, `internal`/`internalURL`, `admin`/`adminURL`.
    pub endpoint_type: Option<String>,
    /// A token to use (with a storage URL: no authentication at all).
    pub auth_token: Option<Secret>,
    /// A storage URL that overrides the one auth returns.
    pub object_storage_url: Option<String>,
    /// `password`, `v3password`, `v2password`, `v3applicationcredential`, `token`.
    pub auth_type: Option<String>,
    /// Application credential id.
    pub application_credential_id: Option<String>,
    /// Application credential name (with a user).
    pub application_credential_name: Option<String>,
    /// Application credential secret.
    pub application_credential_secret: Option<Secret>,
    /// Service user for `X-Service-Token`.
    pub service_username: Option<String>,
    /// Service user's password.
    pub service_key: Option<Secret>,
    /// Service user's project.
    pub service_project_name: Option<String>,
}

/// TLS settings (python-swiftclient's `cacert`, `insecure`, `cert`, `cert_key`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct TlsOptions {
    /// A PEM bundle of the only CAs to trust (the system roots are then not used).
    pub cacert: Option<PathBuf>,
    /// Skip certificate verification entirely. Logs a warning when used.
    pub insecure: bool,
    /// Client certificate (PEM); may also hold the key.
    pub cert: Option<PathBuf>,
    /// Client private key (PEM), when not in `cert`.
    pub cert_key: Option<PathBuf>,
}

/// Everything a [`crate::Connection`] is built from. Made by [`ConnectionBuilder`].
#[derive(Clone)]
pub(crate) struct Config {
    pub auth_url: Option<String>,
    pub user: Option<String>,
    pub key: Option<Secret>,
    pub preauth_url: Option<String>,
    pub preauth_token: Option<Secret>,
    pub snet: bool,
    pub tenant_name: Option<String>,
    pub os_options: OsOptions,
    pub auth_version: String,
    pub tls: TlsOptions,
    pub retry: RetryConfig,
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub force_auth_retry: bool,
    pub user_agent: Option<String>,
    pub authenticator: Option<Arc<dyn Authenticator>>,
    pub sleeper: Option<Arc<dyn Sleeper>>,
    pub pool_max_idle_per_host: usize,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("auth_url", &self.auth_url)
            .field("user", &self.user)
            .field("key", &self.key)
            .field("preauth_url", &self.preauth_url)
            .field("preauth_token", &self.preauth_token)
            .field("auth_version", &self.auth_version)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            auth_url: None,
            user: None,
            key: None,
            preauth_url: None,
            preauth_token: None,
            snet: false,
            tenant_name: None,
            os_options: OsOptions::default(),
            auth_version: "1".to_owned(),
            tls: TlsOptions::default(),
            retry: RetryConfig::default(),
            timeout: None,
            connect_timeout: None,
            force_auth_retry: false,
            user_agent: None,
            authenticator: None,
            sleeper: None,
            pool_max_idle_per_host: 64,
        }
    }
}

/// Builds a [`crate::Connection`]; every python-swiftclient constructor argument has a method.
///
/// ```
/// use std::time::Duration;
/// let conn = swiftclient::Connection::builder()
///     .auth_url("http://127.0.0.1:8080/auth/v1.0")
///     .user("test:tester")
///     .key("testing")
///     .retries(3)
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # Ok::<(), swiftclient::Error>(())
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct ConnectionBuilder {
    pub(crate) config: Config,
}

impl ConnectionBuilder {
    /// The auth endpoint (v1: `.../auth/v1.0`; Keystone: `.../v3`).
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.config.auth_url = Some(url.into());
        self
    }

    /// The user to authenticate as (`account:user` for tempauth).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.config.user = Some(user.into());
        self
    }

    /// The key or password.
    pub fn key(mut self, key: impl Into<Secret>) -> Self {
        self.config.key = Some(key.into());
        self
    }

    /// A storage URL known in advance; it also overrides the one auth returns.
    pub fn preauth_url(mut self, url: impl Into<String>) -> Self {
        self.config.preauth_url = Some(url.into());
        self
    }

    /// A token known in advance.
    pub fn preauth_token(mut self, token: impl Into<Secret>) -> Self {
        self.config.preauth_token = Some(token.into());
        self
    }

    /// SERVICENET: with v1 auth, prefix the storage URL's host with `snet-`.
    pub fn snet(mut self, snet: bool) -> Self {
        self.config.snet = snet;
        self
    }

    /// Retries after the first attempt (default 5).
    pub fn retries(mut self, retries: u32) -> Self {
        self.config.retry.retries = retries;
        self
    }

    /// First back-off sleep (default 1 s); it doubles after each retry.
    pub fn starting_backoff(mut self, d: Duration) -> Self {
        self.config.retry.starting_backoff = d;
        self
    }

    /// Longest back-off sleep (default 64 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.config.retry.max_backoff = d;
        self
    }

    /// Randomise each back-off sleep between half and all of its value (default off, which
    /// keeps python-swiftclient's exact 1, 2, 4, ... s sequence).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.config.retry.jitter = jitter;
        self
    }

    /// Give up retrying once this much time has passed since the first attempt.
    pub fn deadline(mut self, d: Duration) -> Self {
        self.config.retry.deadline = Some(d);
        self
    }

    /// The whole retry policy at once.
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.config.retry = retry;
        self
    }

    /// Retry 498 and 429 answers (default true).
    pub fn retry_on_ratelimit(mut self, on: bool) -> Self {
        self.config.retry.retry_on_ratelimit = on;
        self
    }

    /// Tenant name for Keystone v2.0/v3.
    pub fn tenant_name(mut self, name: impl Into<String>) -> Self {
        self.config.tenant_name = Some(name.into());
        self
    }

    /// OpenStack options (`os_options`).
    pub fn os_options(mut self, options: OsOptions) -> Self {
        self.config.os_options = options;
        self
    }

    /// `1` (also `1.0`), `2.0` (also `2`) or `3` (also `3.0`), as python-swiftclient's
    /// `auth_version`; default `1`. [`ConnectionBuilder::keystone`] says the same with a type.
    pub fn auth_version(mut self, version: impl Into<String>) -> Self {
        self.config.auth_version = version.into();
        self
    }

    #[cfg(feature = "keystone")]
    /// Authenticates with Keystone of this version (the same as `auth_version("2.0")` or
    /// `auth_version("3")`).
    pub fn keystone(self, version: crate::auth::KeystoneVersion) -> Self {
        self.auth_version(match version {
            crate::auth::KeystoneVersion::V2 => "2.0",
            crate::auth::KeystoneVersion::V3 => "3",
        })
    }

    /// A CA bundle (PEM) to verify the server with, instead of the system roots.
    pub fn cacert(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.tls.cacert = Some(path.into());
        self
    }

    /// Do not verify TLS certificates (a warning is logged).
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.config.tls.insecure = insecure;
        self
    }

    /// Client certificate (PEM).
    pub fn cert(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.tls.cert = Some(path.into());
        self
    }

    /// Client certificate key (PEM).
    pub fn cert_key(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.tls.cert_key = Some(path.into());
        self
    }

    /// Accepted for compatibility and ignored: rustls never compresses TLS (CRIME).
    pub fn ssl_compression(self, _on: bool) -> Self {
        self
    }

    /// Socket timeout: the connect timeout and the longest wait for each read (python-swiftclient's
    /// `timeout`, not a total deadline).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.config.timeout = Some(d);
        self
    }

    /// A separate connect timeout (default: the `timeout`).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config.connect_timeout = Some(d);
        self
    }

    /// After any retryable failure, drop the token so the next attempt re-authenticates.
    pub fn force_auth_retry(mut self, on: bool) -> Self {
        self.config.force_auth_retry = on;
        self
    }

    /// The `User-Agent` header (default `swiftclient-rs/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.config.user_agent = Some(ua.into());
        self
    }

    /// Idle pooled connections kept per host (default 64).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.config.pool_max_idle_per_host = n;
        self
    }

    /// A custom authenticator, in place of the one `auth_version` selects (the pluggable piece
    /// python-swiftclient's `session` argument stands for).
    pub fn authenticator(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.config.authenticator = Some(auth);
        self
    }

    /// How the retry loop sleeps (tests pass one that records sleeps instead of waiting).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.config.sleeper = Some(sleeper);
        self
    }

    /// Builds the connection. No request is made until the first operation.
    pub fn build(self) -> crate::Result<crate::Connection> {
        crate::Connection::from_config(self.config)
    }
}
