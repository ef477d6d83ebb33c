//! Checked conversions of numbers that come from outside (headers, metadata, auth replies).
//!
//! Anyone who can write an object can set `X-Object-Meta-Mtime: 1e20`; a server can send
//! `Retry-After: 1e300`. `Duration::from_secs_f64` and `SystemTime + Duration` panic on such
//! values, so every such number goes through these functions instead: an unusable value is
//! `None`, never a panic.

use std::time::{Duration, SystemTime};

/// A non-negative, finite number of seconds as a `Duration`; `None` for NaN, infinities,
/// negative values and values too large for a `Duration`.
pub(crate) fn secs_to_duration(secs: f64) -> Option<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(secs).ok()
}

/// Seconds since the Unix epoch as a time; `None` when unusable (see [`secs_to_duration`])
/// or beyond what `SystemTime` holds.
pub(crate) fn epoch_secs(secs: f64) -> Option<SystemTime> {
    SystemTime::UNIX_EPOCH.checked_add(secs_to_duration(secs)?)
}

/// `now + secs`, checked.
pub(crate) fn from_now(secs: f64) -> Option<SystemTime> {
    SystemTime::now().checked_add(secs_to_duration(secs)?)
}

/// Parses a decimal number of seconds (`"1400000000.5"`), checked as [`epoch_secs`].
pub(crate) fn parse_epoch_secs(text: &str) -> Option<SystemTime> {
    epoch_secs(text.trim().parse().ok()?)
}

/// Lower-case hexadecimal digits of `bytes` (digests, ETags).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_numbers_are_none() {
        for v in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            1e20,
            1e300,
            f64::MAX,
        ] {
            assert_eq!(epoch_secs(v), None, "{v}");
            assert_eq!(from_now(v), None, "{v}");
        }
        for v in [f64::NAN, f64::INFINITY, -0.5, 1e20, f64::MAX] {
            assert_eq!(secs_to_duration(v), None, "{v}");
        }
        for t in ["1e20", "nan", "inf", "-5", "", "12abc", "1e400"] {
            assert_eq!(parse_epoch_secs(t), None, "{t}");
        }
    }

    #[test]
    fn usable_numbers_convert() {
        assert_eq!(secs_to_duration(0.5), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_epoch_secs(" 1400000000.5 "),
            Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_400_000_000_500))
        );
        // -0.0 is zero, not negative
        assert_eq!(secs_to_duration(-0.0), Some(Duration::ZERO));
    }
}
