//! Authentication: a pluggable [`Authenticator`] that yields a storage URL and a token.
//!
//! [`V1Auth`] speaks tempauth/swauth (v1). Keystone slots in as another implementation without
//! touching the request path: the connection only ever asks an authenticator for a fresh
//! [`AuthToken`] when it has none, when the token is about to expire, or after a 401.

#[cfg(feature = "keystone")]
pub mod catalog;
#[cfg(feature = "keystone")]
pub mod keystone;
mod v1;

use std::fmt;
use std::time::SystemTime;

#[cfg(feature = "keystone")]
pub use catalog::EndpointFilter;
#[cfg(feature = "keystone")]
pub use keystone::{Credentials, KeystoneAuth, KeystoneVersion, Scope};
pub use v1::V1Auth;

use crate::clock::BoxFuture;
pub use crate::http::client::{HttpClient, HttpReply};
use crate::secret::Secret;

/// What authentication yields.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthToken {
    /// The storage URL (`.../v1/AUTH_account`), when the auth service returned one.
    pub storage_url: Option<String>,
    /// The token sent as `X-Auth-Token`.
    pub token: Secret,
    /// When the token expires, if the auth service said.
    pub expires: Option<SystemTime>,
}

impl AuthToken {
    /// A token with a storage URL and no known expiry.
    pub fn new(storage_url: Option<String>, token: Secret) -> Self {
        AuthToken {
            storage_url,
            token,
            expires: None,
        }
    }

    /// Sets the expiry.
    pub fn with_expiry(mut self, expires: Option<SystemTime>) -> Self {
        self.expires = expires;
        self
    }
}

/// Obtains tokens. Implementations must be cheap to call again: the connection calls
/// [`Authenticator::authenticate`] whenever it needs a new token, and at most one call runs at a
/// time per connection (concurrent requests that meet an expired token share one call).
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Authenticates, using `http` (the connection's pooled client, with its TLS and timeout
    /// settings) for any requests.
    fn authenticate<'a>(&'a self, http: &'a HttpClient) -> BoxFuture<'a, crate::Result<AuthToken>>;

    /// Whether a 401 should lead to one new authentication (true when credentials are known).
    fn can_reauthenticate(&self) -> bool {
        true
    }
}
