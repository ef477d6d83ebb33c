//! Secrets (passwords, keys, tokens) that never show in `Debug` output or logs.

use std::fmt;

/// A secret string: a password, key or token.
///
/// Its `Debug` and `Display` forms are redacted; the value is reachable only through
/// [`Secret::expose`], so it cannot end up in a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Call this only where the value must be sent.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Secret(value.clone())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(")?;
        f.write_str(&redact(&self.0))?;
        f.write_str(")")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// The redacted form of a sensitive value: `...` alone. (python-swiftclient reveals up to 16
/// leading characters of a token; we reveal none, since a token prefix is still a secret.)
pub fn redact(_value: &str) -> String {
    "...".to_owned()
}

/// Header names (lower-case) whose values are secrets.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "x-auth-token",
    "x-auth-key",
    "x-service-token",
    "x-storage-token",
    "x-account-meta-temp-url-key",
    "x-account-meta-temp-url-key-2",
    "x-container-meta-temp-url-key",
    "x-container-meta-temp-url-key-2",
    "x-subject-token",
    "set-cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "x-container-sync-key",
    "x-auth-new-key",
];

/// True when a header of this name carries a secret.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(...)");
        assert_eq!(format!("{s}"), "...");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn sensitive_names_case_insensitive() {
        assert!(is_sensitive_header("X-Auth-Token"));
        assert!(is_sensitive_header("x-container-meta-temp-url-key-2"));
        assert!(!is_sensitive_header("x-object-meta-color"));
        for h in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "X-Container-Sync-Key",
            "x-auth-new-key",
        ] {
            assert!(is_sensitive_header(h), "{h}");
        }
    }
}
