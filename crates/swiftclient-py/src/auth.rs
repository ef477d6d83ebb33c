//! Authentication by Python callbacks: how a keystoneauth1 `session` (or anything with its
//! methods) gives the library its token and storage URL.

use std::fmt;

use pyo3::prelude::*;
use swiftclient::auth::HttpClient;
use swiftclient::{AuthToken, Authenticator, BoxFuture, Secret};

use crate::errors::PyCallbackError;

/// Calls `get()` for `(storage_url, token)` whenever the library needs a token, and
/// `invalidate()` after a 401 to ask whether a new token is worth trying (python-swiftclient's
/// `should_retry = session.invalidate()`).
pub(crate) struct CallbackAuth {
    get: Py<PyAny>,
    invalidate: Option<Py<PyAny>>,
}

impl CallbackAuth {
    pub(crate) fn new(get: Py<PyAny>, invalidate: Option<Py<PyAny>>) -> Self {
        CallbackAuth { get, invalidate }
    }

    fn fetch(&self) -> swiftclient::Result<AuthToken> {
        let got = Python::try_attach(|py| {
            self.get
                .bind(py)
                .call0()
                .and_then(|r| r.extract::<(Option<String>, String)>())
                .map_err(|e| PyCallbackError::new(py, e))
        });
        match got {
            Some(Ok((url, token))) => Ok(AuthToken::new(url, Secret::new(token))),
            Some(Err(e)) => Err(e.into_io().into()),
            None => Err(std::io::Error::other("the Python interpreter is shutting down").into()),
        }
    }
}

impl fmt::Debug for CallbackAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackAuth").finish_non_exhaustive()
    }
}

impl Authenticator for CallbackAuth {
    fn authenticate<'a>(
        &'a self,
        _http: &'a HttpClient,
    ) -> BoxFuture<'a, swiftclient::Result<AuthToken>> {
        Box::pin(async move { self.fetch() })
    }

    fn can_reauthenticate(&self) -> bool {
        let Some(inv) = &self.invalidate else {
            return true;
        };
        Python::try_attach(|py| {
            inv.bind(py)
                .call0()
                .and_then(|r| r.is_truthy())
                .unwrap_or(false)
        })
        .unwrap_or(false)
    }
}
