//! The request path: one pooled HTTP client, the auth state, and the retry loop every operation
//! goes through.

pub mod body;
mod tls;

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use md5::{Digest, Md5};
use reqwest::header::{HeaderName, HeaderValue};

use crate::auth::Authenticator;
use crate::clock::{Sleeper, TokioSleeper};
use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::headers::{Headers, RequestHeaders};
use crate::http::{log, read_limited, reason_of};
use crate::numbers::hex;
use crate::path::Target;
use crate::response::Attempt;
use crate::retry::{
    classify_status, classify_transport, parse_retry_after, Backoff, RetryConfig, Verdict,
};
use crate::secret::Secret;
use body::Body;

/// How long before its announced expiry a token is replaced: 30 s, or a quarter of the
/// token's lifetime when that is shorter.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// When a token that expires at `expires` should be replaced.
fn refresh_time(expires: SystemTime, now: SystemTime) -> SystemTime {
    let lifetime = expires.duration_since(now).unwrap_or(Duration::ZERO);
    expires
        .checked_sub(EXPIRY_MARGIN.min(lifetime / 4))
        .unwrap_or(expires)
}
/// How much of an error response body is read.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The token state shared by every clone of a connection.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuthState {
    pub url: Option<String>,
    pub token: Option<Secret>,
    /// When to replace the token (shortly before it expires).
    refresh_at: Option<SystemTime>,
    /// The `X-Service-Token`, when a service user is configured.
    pub service_token: Option<Secret>,
    service_refresh_at: Option<SystemTime>,
    /// Bumped on every new token, so that a late 401 for an old token does not drop a new one.
    pub generation: u64,
}

fn fresh(refresh_at: Option<SystemTime>, now: SystemTime) -> bool {
    refresh_at.is_none_or(|r| r > now)
}

impl AuthState {
    fn user_ok(&self, now: SystemTime) -> bool {
        self.url.is_some() && self.token.is_some() && fresh(self.refresh_at, now)
    }

    fn service_ok(&self, now: SystemTime) -> bool {
        self.service_token.is_some() && fresh(self.service_refresh_at, now)
    }
}

/// The shared core of a [`crate::Connection`].
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) http: reqwest::Client,
    /// The same client, as authenticators see it.
    auth_http: crate::auth::HttpClient,
    auth: Option<Arc<dyn Authenticator>>,
    service_auth: Option<Arc<dyn Authenticator>>,
    state: RwLock<AuthState>,
    auth_lock: tokio::sync::Mutex<()>,
    url_override: Option<String>,
    pub(crate) retry: RetryConfig,
    sleeper: Arc<dyn Sleeper>,
    force_auth_retry: bool,
    /// The auth URL is https and `insecure` is off: a storage URL handed out over it must
    /// be https too (the token would otherwise travel in clear text).
    require_https_storage: bool,
    /// After a rate-limit answer, no request of this connection (or its clones) is sent before
    /// this time: the back-off is shared, so concurrent transfers do not hammer the cluster.
    paused_until: Mutex<Option<Instant>>,
}

/// One logical operation, retried as a whole.
pub(crate) struct Call<'a> {
    /// e.g. "Object GET"; errors read "Object GET failed".
    pub op: &'static str,
    pub method: reqwest::Method,
    pub target: Target,
    pub query: String,
    pub headers: RequestHeaders,
    pub body: Option<&'a mut Body>,
    /// Attempts already spent by this logical operation (a resumed download continues the count).
    pub attempts_before: u32,
}

impl<'a> Call<'a> {
    pub(crate) fn new(op: &'static str, method: reqwest::Method, target: Target) -> Self {
        Call {
            op,
            method,
            target,
            query: String::new(),
            headers: RequestHeaders::new(),
            body: None,
            attempts_before: 0,
        }
    }
}

impl Call<'_> {
    /// Whether sending this request twice has the effect of sending it once. Object DELETEs
    /// (and bulk deletes) are not: each removes the newest version in a versioned
    /// container. PUT, POST and COPY are: a repeated PUT or COPY writes the same data again
    /// (at most one more identical version), a repeated POST sets the same metadata.
    /// Container and account DELETEs are: the second one finds nothing (404) or refuses (409).
    ///
    /// A conditional PUT (`If-None-Match: *`, "create only") is not either: if the first
    /// attempt was carried out, the second is refused with 412 and a caller would wrongly
    /// learn that someone else created the object.
    fn replay_safe(&self) -> bool {
        let object_delete =
            self.method == reqwest::Method::DELETE && matches!(self.target, Target::Object(..));
        let bulk_delete = self
            .query
            .split('&')
            .any(|kv| kv.split('=').next() == Some("bulk-delete"));
        let create_only =
            self.method == reqwest::Method::PUT && self.headers.contains("if-none-match");
        !(object_delete || bulk_delete || create_only)
    }
}

/// True when a failure shows that the server cannot have carried the request out: it could
/// not be sent (no connection), or it was turned away before it reached the objects
/// (a 401 answered by the auth middleware, a 498/429 by the rate limiter).
fn unprocessed(err: &Error, verdict: Verdict) -> bool {
    matches!(verdict, Verdict::Reauth | Verdict::RateLimited) || err.is_connect()
}

/// A successful exchange: the response (body not yet read) and the attempt log.
pub(crate) struct Outcome {
    pub response: reqwest::Response,
    /// The final response's status, reason and headers, as parsed once for the attempt log.
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
    pub attempts: Vec<Attempt>,
    pub attempt_count: u32,
    pub url: String,
    /// MD5 of the upload body as sent in the successful attempt.
    pub sent_md5: Option<String>,
}

/// A failed attempt: the error, how to proceed, the server's `Retry-After`, and whether the
/// request may have reached the server (false when it failed before it was sent).
struct Failure(Error, Verdict, Option<Duration>, bool);

impl Session {
    pub(crate) fn new(
        config: &Config,
        auth: Option<Arc<dyn Authenticator>>,
        service_auth: Option<Arc<dyn Authenticator>>,
    ) -> crate::Result<Self> {
        let http = build_client(config)?;
        let os = &config.os_options;
        let url_override = config
            .preauth_url
            .clone()
            .or_else(|| os.object_storage_url.clone());
        let token = config
            .preauth_token
            .clone()
            .or_else(|| os.auth_token.clone());
        Ok(Session {
            auth_http: crate::auth::HttpClient::new(http.clone()),
            http,
            auth,
            service_auth,
            state: RwLock::new(AuthState {
                url: url_override.clone(),
                token,
                ..AuthState::default()
            }),
            auth_lock: tokio::sync::Mutex::new(()),
            url_override,
            retry: config.retry.clone(),
            sleeper: config
                .sleeper
                .clone()
                .unwrap_or_else(|| Arc::new(TokioSleeper)),
            force_auth_retry: config.force_auth_retry,
            require_https_storage: !config.tls.insecure
                && config
                    .auth_url
                    .as_deref()
                    .is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://")),
            paused_until: Mutex::new(None),
        })
    }

    fn read_state(&self) -> AuthState {
        match self.state.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn write_state(&self, f: impl FnOnce(&mut AuthState)) {
        match self.state.write() {
            Ok(mut s) => f(&mut s),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    fn ready(&self, st: &AuthState) -> bool {
        let now = self.sleeper.system_now();
        st.user_ok(now) && (self.service_auth.is_none() || st.service_ok(now))
    }

    /// The storage URL and tokens to use, authenticating when needed (one authentication at a
    /// time; concurrent callers wait for it and share its token). The returned state always
    /// has a storage URL.
    pub(crate) async fn credentials(&self) -> crate::Result<AuthState> {
        let st = self.read_state();
        if self.ready(&st) {
            return Ok(st);
        }
        let Some(auth) = &self.auth else {
            return match st.url {
                Some(_) => Ok(st),
                None => Err(Error::invalid_input(
                    "no storage URL: give an auth URL with user and key, or a preauth URL and token",
                )),
            };
        };
        let _guard = self.auth_lock.lock().await;
        let mut st = self.read_state();
        if self.ready(&st) {
            return Ok(st);
        }
        if !st.user_ok(self.sleeper.system_now()) {
            let got = auth
                .authenticate(&self.auth_http)
                .await
                .map_err(Error::during_auth)?;
            if let (None, Some(url), true) = (
                &self.url_override,
                &got.storage_url,
                self.require_https_storage,
            ) {
                if !url.trim().to_ascii_lowercase().starts_with("https://") {
                    return Err(Error::new(
                        ErrorKind::Auth,
                        format!(
                            "refusing the storage URL {} handed out over https: the token would \
                             travel in clear text (set insecure to allow it, or give the storage \
                             URL yourself)",
                            crate::error::scrub_url(url)
                        ),
                    ));
                }
            }
            st.url = Some(
                self.url_override
                    .clone()
                    .or(got.storage_url)
                    .ok_or_else(|| {
                        Error::new(ErrorKind::Auth, "authentication returned no storage URL")
                    })?,
            );
            st.token = Some(got.token);
            st.refresh_at = got
                .expires
                .map(|e| refresh_time(e, self.sleeper.system_now()));
        }
        if let Some(service) = &self.service_auth {
            if !st.service_ok(self.sleeper.system_now()) {
                let got = service
                    .authenticate(&self.auth_http)
                    .await
                    .map_err(Error::during_auth)?;
                st.service_token = Some(got.token);
                st.service_refresh_at = got
                    .expires
                    .map(|e| refresh_time(e, self.sleeper.system_now()));
            }
        }
        self.write_state(|s| {
            st.generation = s.generation + 1;
            *s = st.clone();
        });
        Ok(st)
    }

    /// Forgets the token of `generation` (a newer one is kept).
    pub(crate) fn invalidate(&self, generation: u64) {
        self.write_state(|s| {
            if s.generation == generation {
                s.token = None;
                s.refresh_at = None;
                s.service_token = None;
                s.service_refresh_at = None;
                if self.auth.is_some() {
                    s.url = self.url_override.clone();
                }
            }
        });
    }

    /// Waits `d` on the connection's clock (the injectable [`Sleeper`]).
    #[cfg(feature = "transfer")]
    pub(crate) async fn sleep(&self, d: Duration) {
        self.sleeper.sleep(d).await;
    }

    /// Forgets the current token, whatever its generation.
    pub(crate) fn invalidate_current(&self) {
        let generation = self.read_state().generation;
        self.invalidate(generation);
    }

    /// Replaces the storage URL and token (a new generation, with no known expiry); `None`
    /// forgets them, so the next request authenticates (or fails without credentials).
    pub(crate) fn set_current(&self, url: Option<String>, token: Option<Secret>) {
        self.write_state(|s| {
            s.url = url;
            s.token = token;
            s.refresh_at = None;
            s.generation += 1;
        });
    }

    /// The current storage URL and token, if any (no authentication).
    pub(crate) fn current(&self) -> (Option<String>, Option<Secret>) {
        let st = self.read_state();
        (st.url, st.token)
    }

    pub(crate) fn can_reauth(&self) -> bool {
        self.auth.as_ref().is_some_and(|a| a.can_reauthenticate())
    }

    /// Holds every request of this connection back for `d` (the longest pause wins); returns
    /// the end of this pause.
    fn pause_all(&self, d: Duration) -> Instant {
        let now = self.sleeper.now();
        // a year stands for "longer than anyone waits" where now + d would overflow
        let until = now
            .checked_add(d)
            .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
            .unwrap_or(now);
        if let Ok(mut p) = self.paused_until.lock() {
            if p.is_none_or(|cur| cur < until) {
                *p = Some(until);
            }
        }
        until
    }

    /// Waits while a rate-limit pause is in force, unless it is the caller's own pause
    /// (`own_end`), which its back-off sleep already covered.
    async fn wait_if_rate_limited(&self, own_end: Option<Instant>) {
        let until = self.paused_until.lock().ok().and_then(|p| *p);
        if let Some(until) = until {
            if own_end.is_some_and(|own| until <= own) {
                return;
            }
            let now = self.sleeper.now();
            if until > now {
                self.sleeper.sleep(until - now).await;
            }
        }
    }

    /// Runs `call` with the retry rules python-swiftclient's
    pub(crate) async fn execute(&self, mut call: Call<'_>) -> crate::Result<Outcome> {
        let started = self.sleeper.now();
        let mut attempts = call.attempts_before;
        let mut retried_auth = false;
        let mut backoff = Backoff::new(&self.retry);
        let mut log: Vec<Attempt> = Vec::new();
        let method = call.method.as_str().to_owned();
        let mut own_pause_end: Option<Instant> = None;
        loop {
            attempts += 1;
            self.wait_if_rate_limited(own_pause_end).await;
            let md5 = Arc::new(Mutex::new(Md5::new()));
            let mut generation = 0;
            let mut url = String::new();
            let result = self
                .attempt(&mut call, &md5, &mut generation, &mut url, &mut log)
                .await;
            let (err, verdict, retry_after, sent) = match result {
                Ok(response) => {
                    let sent_md5 = call.body.as_ref().map(|_| {
                        let digest = md5.lock().map(|h| h.clone().finalize()).ok();
                        digest.map(|d| hex(&d)).unwrap_or_default()
                    });
                    let (status, reason, headers) = match log.last() {
                        Some(a) => (
                            a.status.unwrap_or_else(|| response.status().as_u16()),
                            a.reason.clone(),
                            a.headers.clone(),
                        ),
                        None => (
                            response.status().as_u16(),
                            reason_of(&response),
                            Headers::from_http(response.headers()),
                        ),
                    };
                    return Ok(Outcome {
                        response,
                        status,
                        reason,
                        headers,
                        attempts: log,
                        attempt_count: attempts,
                        url,
                        sent_md5,
                    });
                }
                Err(Failure(e, v, ra, sent)) => (e, v, ra, sent),
            };
            let exhausted = attempts > self.retry.retries;
            let proceed = match verdict {
                Verdict::Fail => false,
                Verdict::Reauth => {
                    self.invalidate(generation);
                    let ok = !retried_auth && self.can_reauth();
                    retried_auth = true;
                    ok
                }
                Verdict::Retry | Verdict::RateLimited => !exhausted,
            };
            if !proceed {
                return Err(err.with_attempts(attempts).with_attempt_log(log));
            }
            if sent && !call.replay_safe() && !unprocessed(&err, verdict) {
                // The request may have been carried out: in a `stack`-mode versioned
                // container a second DELETE removes the version the first one restored.
                tracing::debug!(target: "swiftclient", "not retrying {} (it may have been carried out): {}", call.op, err);
                return Err(err.with_attempts(attempts).with_attempt_log(log));
            }
            if self.force_auth_retry {
                self.invalidate(generation);
            }
            if let Some(body) = call.body.as_ref() {
                if !body.is_replayable() {
                    return Err(Error::new(
                        ErrorKind::BodyNotReplayable,
                        format!(
                            "{} {} failed and the upload body (a stream) cannot be replayed for a retry",
                            call.op,
                            call.target.describe()
                        ),
                    )
                    .with_request(&method, &url)
                    .with_attempts(attempts)
                    .with_attempt_log(log)
                    .with_source(err));
                }
            }
            let sleep = backoff.next_sleep(retry_after);
            own_pause_end = None;
            if verdict == Verdict::RateLimited {
                own_pause_end = Some(self.pause_all(sleep));
            }
            if let Some(deadline) = self.retry.deadline {
                if self
                    .sleeper
                    .now()
                    .saturating_duration_since(started)
                    .saturating_add(sleep)
                    > deadline
                {
                    return Err(Error::new(
                        ErrorKind::Deadline,
                        format!(
                            "{} failed: gave up retrying after the {:?} deadline",
                            call.op, deadline
                        ),
                    )
                    .with_request(&method, &url)
                    .with_attempts(attempts)
                    .with_attempt_log(log)
                    .with_source(err));
                }
            }
            tracing::debug!(target: "swiftclient", "retrying {} after {:?} (attempt {} failed: {})", call.op, sleep, attempts, err);
            self.sleeper.sleep(sleep).await;
        }
    }

    /// One attempt: credentials, request, and classification of a failure.
    async fn attempt(
        &self,
        call: &mut Call<'_>,
        md5: &Arc<Mutex<Md5>>,
        generation: &mut u64,
        url_out: &mut String,
        log: &mut Vec<Attempt>,
    ) -> Result<reqwest::Response, Failure> {
        let op_failed = || format!("{} failed", call.op);
        let creds = match self.credentials().await {
            Ok(c) => c,
            Err(e) => {
                // A refused authentication is final: authenticating again cannot fix
                // wrong credentials (python-swiftclient tries v1 auth twice).
                let verdict = match e.status() {
                    Some(401 | 403) => Verdict::Fail,
                    Some(s) => classify_status(s, self.retry.retry_on_ratelimit),
                    None if e.is_transport() && !e.is_tls() => Verdict::Retry,
                    None => Verdict::Fail,
                };
                return Err(Failure(e, verdict, None, false));
            }
        };
        *generation = creds.generation;
        let storage_url = creds.url.clone().unwrap_or_default();
        let url = call.target.url(&storage_url, &call.query);
        *url_out = url.clone();
        let mut req = self
            .http
            .request(call.method.clone(), &url)
            .build()
            .map_err(|e| {
                Failure(
                    Error::invalid_input(format!(
                        "invalid request URL {:?}",
                        crate::error::scrub_url(&url)
                    ))
                    .with_source(e),
                    Verdict::Fail,
                    None,
                    false,
                )
            })?;
        let storage_path = reqwest::Url::parse(&storage_url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        if !crate::path::check_sent_path(&storage_path, &call.target, req.url().path()) {
            // The last guard: a name the URL parser would have folded into another path.
            return Err(Failure(
                Error::invalid_name(format!(
                    "{}: refusing to send the request for {}: its URL would reach {} instead",
                    op_failed(),
                    call.target.describe(),
                    req.url().path()
                ))
                .with_request(call.method.as_str(), &url),
                Verdict::Fail,
                None,
                false,
            ));
        }
        {
            let h = req.headers_mut();
            for (name, secret) in [
                ("x-auth-token", &creds.token),
                ("x-service-token", &creds.service_token),
            ] {
                if let Some(t) = secret {
                    if !call.headers.contains(name) {
                        if let Ok(mut v) = HeaderValue::from_str(t.expose()) {
                            v.set_sensitive(true);
                            h.insert(name, v);
                        }
                    }
                }
            }
            for (name, value) in call.headers.iter() {
                let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                    Failure(
                        Error::invalid_input(format!("invalid header name {name:?}"))
                            .with_source(e),
                        Verdict::Fail,
                        None,
                        false,
                    )
                })?;
                let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|e| {
                    Failure(
                        Error::invalid_input(format!("invalid value for header {name}"))
                            .with_source(e),
                        Verdict::Fail,
                        None,
                        false,
                    )
                })?;
                h.append(name, value);
            }
            if let Some(body) = call.body.as_ref() {
                if let Some(len) = body.len() {
                    if !h.contains_key(reqwest::header::CONTENT_LENGTH) {
                        h.insert(reqwest::header::CONTENT_LENGTH, HeaderValue::from(len));
                    }
                }
            } else if matches!(call.method, reqwest::Method::PUT | reqwest::Method::POST)
                && !h.contains_key(reqwest::header::CONTENT_LENGTH)
            {
                h.insert(reqwest::header::CONTENT_LENGTH, HeaderValue::from(0u64));
            }
        }
        if let Some(body) = call.body.as_mut() {
            let b = body.for_attempt(Arc::clone(md5)).map_err(|e| {
                Failure(
                    e.with_request(call.method.as_str(), &url),
                    Verdict::Fail,
                    None,
                    false,
                )
            })?;
            *req.body_mut() = Some(b);
        }
        log::request(call.method.as_str(), &url, req.headers());
        let response = match self.http.execute(req).await {
            Ok(r) => r,
            Err(e) => {
                log.push(Attempt::failed_before_response());
                let verdict = classify_transport(&e);
                tracing::info!(target: "swiftclient", "{} {}: {}", call.op, crate::error::scrub_url(&url), e);
                return Err(Failure(
                    Error::transport(op_failed(), call.method.as_str(), &url, e),
                    verdict,
                    None,
                    true,
                ));
            }
        };
        let status = response.status().as_u16();
        let reason = reason_of(&response);
        let headers = Headers::from_http(response.headers());
        log.push(Attempt::new(status, &reason, headers.clone()));
        if response.status().is_success() {
            log::response(status, &reason, &headers, None);
            return Ok(response);
        }
        let body = read_limited(response, ERROR_BODY_LIMIT).await;
        log::response(status, &reason, &headers, Some(&body));
        let retry_after = headers.get("retry-after").and_then(parse_retry_after);
        let verdict = classify_status(status, self.retry.retry_on_ratelimit);
        Err(Failure(
            Error::from_status(
                op_failed(),
                call.method.as_str(),
                &url,
                status,
                &reason,
                headers,
                &body,
            ),
            verdict,
            retry_after,
            true,
        ))
    }
}

/// Builds the pooled HTTP client with the TLS, timeout and pool settings.
fn build_client(config: &Config) -> crate::Result<reqwest::Client> {
    let ua = config
        .user_agent
        .clone()
        .unwrap_or_else(|| format!("swiftclient-rs/{}", env!("CARGO_PKG_VERSION")));
    let mut b = reqwest::Client::builder()
        .user_agent(ua)
        // Never follow redirects: X-Auth-Token would follow them to another host.
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(config.pool_max_idle_per_host)
        .http1_max_headers(1024)
        .tcp_nodelay(true);
    if let Some(t) = config.timeout {
        b = b.read_timeout(t).connect_timeout(t);
    }
    if let Some(t) = config.connect_timeout {
        b = b.connect_timeout(t);
    }
    b = tls::configure(b, &config.tls)?;
    b.build()
        .map_err(|e| Error::invalid_input("cannot build the HTTP client").with_source(e))
}
