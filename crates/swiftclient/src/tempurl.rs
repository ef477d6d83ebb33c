//! Temporary URLs (python-swiftclient's `generate_temp_url`, byte-identical output) and form
//! POST signatures (which python-swiftclient lacks).

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};

use crate::error::Error;

/// The HMAC digest of a signature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Digest {
    /// SHA-1 (deprecated by Swift, still accepted by many clusters).
    Sha1,
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-512 (the signature is `sha512:` + unpadded URL-safe base64).
    Sha512,
}

impl std::str::FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "sha1" => Ok(Digest::Sha1),
            "sha256" => Ok(Digest::Sha256),
            "sha512" => Ok(Digest::Sha512),
            _ => Err(Error::invalid_input(
                "digest must be one of sha1, sha256, or sha512",
            )),
        }
    }
}

/// Options of [`generate_temp_url`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct TempUrlOptions {
    /// The time is an absolute Unix time, not seconds from now.
    pub absolute: bool,
    /// A prefix-based URL: `path` is `/v1/a/c/<prefix>` and the URL works for every object
    /// starting with the prefix.
    pub prefix: bool,
    /// Render the expiry in the URL as ISO 8601 (UTC).
    pub iso8601: bool,
    /// Restrict the URL to this IP address or range.
    pub ip_range: Option<String>,
    /// The digest (default sha256).
    pub digest: Digest,
}

const TIME_ERROR: &str = "time must either be a whole number or in specific ISO 8601 format.";

/// Parses python-swiftclient's time argument into (seconds, is_absolute).
fn parse_time(time: &str, absolute: bool) -> Result<(u64, bool), Error> {
    let t = time.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok((n, absolute));
    }
    if let Some(ts) = parse_iso(t) {
        return Ok((ts?, true));
    }
    if !absolute {
        for (suffix, mult) in [
            ("s", 1.0),
            ("min", 60.0),
            ("m", 60.0),
            ("hr", 3600.0),
            ("h", 3600.0),
            ("d", 86400.0),
        ] {
            if let Some(num) = t.strip_suffix(suffix) {
                if let Ok(v) = num.parse::<f64>() {
                    if v.is_finite() && v >= 0.0 {
                        return Ok(((v * mult) as u64, false));
                    }
                }
            }
        }
    }
    Err(Error::invalid_input(TIME_ERROR))
}

/// `YYYY-MM-DDThh:mm:ssZ` (UTC), `YYYY-MM-DDThh:mm:ss` (local time) or `YYYY-MM-DD` (local
/// midnight). `None` when the text has none of these shapes.
fn parse_iso(t: &str) -> Option<Result<u64, Error>> {
    let bad = || Some(Err(Error::invalid_input(TIME_ERROR)));
    let (date, time, utc) = match t.len() {
        10 => (t, "00:00:00", false),
        19 if t.as_bytes()[10] == b'T' => (&t[..10], &t[11..], false),
        20 if t.as_bytes()[10] == b'T' && t.ends_with('Z') => (&t[..10], &t[11..19], true),
        _ => return None,
    };
    let d: Vec<&str> = date.split('-').collect();
    let h: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || h.len() != 3 || d[0].len() != 4 || d[1].len() != 2 || d[2].len() != 2 {
        return None;
    }
    let num = |s: &str| s.parse::<i16>().ok();
    let (Some(y), Some(mo), Some(da), Some(hh), Some(mi), Some(ss)) = (
        num(d[0]),
        num(d[1]),
        num(d[2]),
        num(h[0]),
        num(h[1]),
        num(h[2]),
    ) else {
        return bad();
    };
    let Ok(dt) = jiff::civil::DateTime::new(y, mo as i8, da as i8, hh as i8, mi as i8, ss as i8, 0)
    else {
        return bad();
    };
    let tz = if utc {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::system()
    };
    match tz.to_timestamp(dt) {
        Ok(ts) => match u64::try_from(ts.as_second()) {
            Ok(s) => Some(Ok(s)),
            Err(_) => bad(),
        },
        Err(_) => bad(),
    }
}

fn hmac_bytes(digest: Digest, key: &[u8], msg: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        match <M as KeyInit>::new_from_slice(key) {
            Ok(mut m) => {
                m.update(msg);
                m.finalize().into_bytes().to_vec()
            }
            // HMAC accepts keys of any length; this arm cannot be taken.
            Err(_) => Vec::new(),
        }
    }
    match digest {
        Digest::Sha1 => run::<Hmac<sha1::Sha1>>(key, msg),
        Digest::Sha256 => run::<Hmac<sha2::Sha256>>(key, msg),
        Digest::Sha512 => run::<Hmac<sha2::Sha512>>(key, msg),
    }
}

/// A signature as Swift accepts it: hex, or `sha512:` + unpadded URL-safe base64.
fn signature(digest: Digest, key: &[u8], msg: &str) -> String {
    let raw = hmac_bytes(digest, key, msg.as_bytes());
    match digest {
        Digest::Sha512 => format!("sha512:{}", base64_url_nopad(&raw)),
        _ => crate::numbers::hex(&raw),
    }
}

fn base64_url_nopad(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn iso_utc(secs: u64) -> String {
    match jiff::Timestamp::from_second(secs as i64) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => secs.to_string(),
    }
}

/// Generates a temporary URL, exactly as python-swiftclient's `generate_temp_url` does.
///
/// `path` is `/v1/<account>/<container>/<object>` (or `/info`); `time` is seconds from now,
/// an absolute Unix time with `absolute`, an ISO 8601 time (`2025-01-31T12:00:00Z`,
/// local `2025-01-31T12:00:00`, `2025-01-31`), or a duration with a unit (`90s`, `15min`,
/// `2h`, `1d`). The result is the path with its query; prepend the scheme and host.
///
/// ```
/// use swiftclient::tempurl::{generate_temp_url, TempUrlOptions, Digest};
/// let mut opts = TempUrlOptions::default();
/// opts.absolute = true;
/// opts.digest = Digest::Sha1;
/// let url = generate_temp_url("/v1/a/c/o", "60", "secret_key", "GET", &opts)?;
/// assert_eq!(url, "/v1/a/c/o?temp_url_sig=63bc77a473a1c2ce956548cacf916f292eb9eac3&temp_url_expires=60");
/// # Ok::<(), swiftclient::Error>(())
/// ```
pub fn generate_temp_url(
    path: &str,
    time: &str,
    key: &str,
    method: &str,
    opts: &TempUrlOptions,
) -> crate::Result<String> {
    generate_at(path, time, key.as_bytes(), method, opts, SystemTime::now())
}

fn generate_at(
    path: &str,
    time: &str,
    key: &[u8],
    method: &str,
    opts: &TempUrlOptions,
    now: SystemTime,
) -> crate::Result<String> {
    let (secs, absolute) = parse_time(time, opts.absolute)?;
    let expires = if absolute {
        secs
    } else {
        now.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            + secs
    };
    let info = path == "/info";
    let mut prefix_part = None;
    if !info {
        let parts: Vec<&str> = path.splitn(5, '/').collect();
        let ok = parts.len() == 5
            && parts[0].is_empty()
            && !parts[1].is_empty()
            && !parts[2].is_empty()
            && !parts[3].is_empty()
            && (opts.prefix || !parts[4].is_empty());
        if !ok {
            return Err(Error::invalid_input(if opts.prefix {
                "path must at least contain /v1/a/c/"
            } else {
                "path must be full path to an object e.g. /v1/a/c/o"
            }));
        }
        if opts.prefix {
            prefix_part = Some(parts[4]);
        }
    }
    let method = method.to_ascii_uppercase();
    if !["GET", "PUT", "HEAD", "POST", "DELETE"].contains(&method.as_str()) {
        tracing::warn!(target: "swiftclient", "Non default HTTP method {method} for tempurl specified, possibly an error");
    }
    let ip_range = if info { None } else { opts.ip_range.as_deref() };
    let mut lines = Vec::new();
    if let Some(ip) = ip_range {
        lines.push(format!("ip={ip}"));
    }
    lines.push(method);
    lines.push(expires.to_string());
    lines.push(if prefix_part.is_some() {
        format!("prefix:{path}")
    } else {
        path.to_owned()
    });
    let sig = signature(opts.digest, key, &lines.join("\n"));
    let shown_expires = if opts.iso8601 {
        iso_utc(expires)
    } else {
        expires.to_string()
    };
    let (sig_key, exp_key) = if info {
        ("swiftinfo_sig", "swiftinfo_expires")
    } else {
        ("temp_url_sig", "temp_url_expires")
    };
    let mut url = format!("{path}?{sig_key}={sig}&{exp_key}={shown_expires}");
    if let Some(ip) = ip_range {
        url.push_str(&format!("&temp_url_ip_range={ip}"));
    }
    if let Some(p) = prefix_part {
        url.push_str(&format!("&temp_url_prefix={p}"));
    }
    Ok(url)
}

/// The signature of a form POST (Swift's formpost middleware): an HMAC over
/// `path`, `redirect`, `max_file_size`, `max_file_count` and `expires`, one per line.
/// python-swiftclient has no helper for it.
pub fn form_post_signature(
    path: &str,
    redirect: &str,
    max_file_size: u64,
    max_file_count: u64,
    expires: u64,
    key: &str,
    digest: Digest,
) -> String {
    let msg = format!("{path}\n{redirect}\n{max_file_size}\n{max_file_count}\n{expires}");
    signature(digest, key.as_bytes(), &msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abs(digest: Digest) -> TempUrlOptions {
        TempUrlOptions {
            absolute: true,
            digest,
            ..TempUrlOptions::default()
        }
    }

    #[test]
    fn known_vectors() {
        let g = |o: &TempUrlOptions, p: &str| {
            generate_temp_url(p, "60", "secret_key", "GET", o).unwrap()
        };
        assert!(g(&abs(Digest::Sha1), "/v1/a/c/o")
            .contains("temp_url_sig=63bc77a473a1c2ce956548cacf916f292eb9eac3&"));
        assert!(g(&abs(Digest::Sha256), "/v1/a/c/o")
            .contains("db04994a589b1a2538bff694f0a4f57c7a397617ac2cb49f924d222bbe2b3e01"));
        assert!(g(&abs(Digest::Sha512), "/v1/a/c/o").contains(
            "sha512:nMXwEAHu3jzlCZi4wWO1juEq4DikFlX8a729PLJVvUpvg0GpgkJnX5uCG1x-v2KfTrmRtLOcT7KBK2RXLW1uKw"
        ));
        let mut p = abs(Digest::Sha1);
        p.prefix = true;
        assert_eq!(
            g(&p, "/v1/a/c/"),
            "/v1/a/c/?temp_url_sig=00008c4be1573ba74fc2ab9bce02e3a93d04b349&temp_url_expires=60&temp_url_prefix="
        );
        let mut ip = abs(Digest::Sha1);
        ip.ip_range = Some("1.2.3.4".into());
        assert_eq!(
            g(&ip, "/v1/a/c/o"),
            "/v1/a/c/o?temp_url_sig=6a6ec8efa4be53904ecba8d055d841e24a937c98&temp_url_expires=60&temp_url_ip_range=1.2.3.4"
        );
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("54.321s", false).unwrap(), (54, false));
        assert_eq!(parse_time("15min", false).unwrap(), (900, false));
        assert_eq!(parse_time("2hr", false).unwrap(), (7200, false));
        assert_eq!(parse_time("1d", false).unwrap(), (86400, false));
        assert_eq!(
            parse_time("2015-05-01T01:00:00Z", false).unwrap(),
            (1_430_442_000, true)
        );
        for bad in ["12.34", "-1", "2015-05", "2015-05-01T01:00", "1d", "x"] {
            let absolute = bad == "1d";
            assert!(parse_time(bad, absolute).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_and_iso_output() {
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1000);
        let o = TempUrlOptions {
            iso8601: true,
            ..TempUrlOptions::default()
        };
        let u = generate_at("/v1/a/c/o", "60", b"k", "get", &o, now).unwrap();
        assert!(u.ends_with("&temp_url_expires=1970-01-01T00:17:40Z"), "{u}");
    }

    #[test]
    fn bad_paths_and_info() {
        let o = TempUrlOptions::default();
        assert!(generate_temp_url("/v1/a/c", "60", "k", "GET", &o).is_err());
        // Like python-swiftclient, any version segment is accepted, but not an empty one.
        assert!(generate_temp_url("/v2/a/c/o", "60", "k", "GET", &o).is_ok());
        assert!(generate_temp_url("//a/c/o", "60", "k", "GET", &o).is_err());
        let u = generate_temp_url("/info", "60", "k", "GET", &abs(Digest::Sha256)).unwrap();
        assert!(u.starts_with("/info?swiftinfo_sig=") && u.ends_with("&swiftinfo_expires=60"));
        assert!("md5".parse::<Digest>().is_err());
    }

    #[test]
    fn form_post() {
        let s = form_post_signature("/v1/a/c/", "", 1024, 10, 100, "k", Digest::Sha1);
        assert_eq!(s.len(), 40);
        let s5 = form_post_signature("/v1/a/c/", "", 1024, 10, 100, "k", Digest::Sha512);
        assert!(s5.starts_with("sha512:"));
    }
}
