//! The retry policy: which failures are retried, and how long to wait between tries.

use std::time::{Duration, SystemTime};

/// Retry settings. The defaults are python-swiftclient's: 5 retries, back-off 1 s doubling up to
/// 64 s, no jitter, no overall deadline, rate-limit answers retried.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Retries after the first attempt (so `retries + 1` attempts at most; a 401 gets one extra
    /// attempt with a fresh token even when this is 0).
    pub retries: u32,
    /// The first back-off sleep.
    pub starting_backoff: Duration,
    /// The longest back-off sleep.
    pub max_backoff: Duration,
    /// Randomise each sleep between half and all of its value.
    pub jitter: bool,
    /// Give up once this much time has passed since the first attempt.
    pub deadline: Option<Duration>,
    /// Retry 498 and 429 (honouring `Retry-After`).
    pub retry_on_ratelimit: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            retries: 5,
            starting_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(64),
            jitter: false,
            deadline: None,
            retry_on_ratelimit: true,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Give up and return the error.
    Fail,
    /// Retry (a connection whose framing broke is not put back in the pool: hyper drops it).
    Retry,
    /// Re-authenticate once, then retry.
    Reauth,
    /// Retry after a rate-limit answer.
    RateLimited,
}

/// Classifies an HTTP status (a failure) as python-swiftclient does
pub(crate) fn classify_status(status: u16, retry_on_ratelimit: bool) -> Verdict {
    match status {
        401 => Verdict::Reauth,
        408 | 499 => Verdict::Retry,
        498 | 429 if retry_on_ratelimit => Verdict::RateLimited,
        500..=599 => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

/// Classifies a transport error: TLS failures (a `rustls` error among the causes) and
/// requests that could not be built are final; everything else is retried.
pub(crate) fn classify_transport(err: &reqwest::Error) -> Verdict {
    let tls = crate::error::sources(err).any(|e| e.is::<rustls::Error>());
    if tls || err.is_builder() {
        return Verdict::Fail;
    }
    Verdict::Retry
}

/// The doubling back-off sequence, with optional jitter.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
    jitter: bool,
    seed: u64,
}

impl Backoff {
    pub(crate) fn new(cfg: &RetryConfig) -> Self {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15)
            | 1;
        Backoff {
            next: cfg.starting_backoff.min(cfg.max_backoff),
            max: cfg.max_backoff,
            jitter: cfg.jitter,
            seed,
        }
    }

    /// The next sleep. `retry_after` (from a rate-limit answer) lengthens it, up to the maximum.
    pub(crate) fn next_sleep(&mut self, retry_after: Option<Duration>) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let mut d = base;
        if self.jitter {
            // xorshift64*: enough randomness to spread concurrent clients apart.
            self.seed ^= self.seed >> 12;
            self.seed ^= self.seed << 25;
            self.seed ^= self.seed >> 27;
            let r = self.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            let frac = 0.5 + 0.5 * (r as f64 / (1u64 << 53) as f64);
            d = base.mul_f64(frac);
        }
        match retry_after {
            Some(ra) => d.max(ra.min(self.max)),
            None => d,
        }
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        // Past what a Duration holds, it is as good as "the longest back-off".
        return match crate::numbers::secs_to_duration(secs) {
            Some(d) => Some(d),
            None if secs.is_finite() && secs > 0.0 => Some(Duration::MAX),
            None => None,
        };
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_sequence_without_jitter() {
        let mut b = Backoff::new(&RetryConfig::default());
        let got: Vec<u64> = (0..8).map(|_| b.next_sleep(None).as_secs()).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 16, 32, 64, 64]);
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let cfg = RetryConfig {
            jitter: true,
            ..RetryConfig::default()
        };
        let mut b = Backoff::new(&cfg);
        for expect in [1.0, 2.0, 4.0, 8.0] {
            let d = b.next_sleep(None).as_secs_f64();
            assert!(
                d >= expect / 2.0 && d <= expect,
                "{d} not in [{}, {expect}]",
                expect / 2.0
            );
        }
    }

    #[test]
    fn retry_after_lengthens_but_is_capped() {
        let mut b = Backoff::new(&RetryConfig::default());
        assert_eq!(
            b.next_sleep(Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            b.next_sleep(Some(Duration::from_secs(1000))),
            Duration::from_secs(64)
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(classify_status(401, true), Verdict::Reauth);
        assert_eq!(classify_status(408, true), Verdict::Retry);
        assert_eq!(classify_status(499, true), Verdict::Retry);
        assert_eq!(classify_status(498, true), Verdict::RateLimited);
        assert_eq!(classify_status(429, true), Verdict::RateLimited);
        assert_eq!(classify_status(498, false), Verdict::Fail);
        assert_eq!(classify_status(501, true), Verdict::Retry);
        assert_eq!(classify_status(503, true), Verdict::Retry);
        assert_eq!(classify_status(404, true), Verdict::Fail);
        assert_eq!(classify_status(304, true), Verdict::Fail);
        assert_eq!(classify_status(412, true), Verdict::Fail);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("1e300"), Some(Duration::MAX));
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("-1"), None);
        let mut b = Backoff::new(&RetryConfig::default());
        assert_eq!(
            b.next_sleep(parse_retry_after("1e300")),
            Duration::from_secs(64)
        );
    }
}
