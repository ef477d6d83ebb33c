//! How `swiftclient` errors become `object_store` errors.

use std::fmt;

/// The store name in [`object_store::Error::Generic`].
pub(crate) const STORE: &str = "Swift";

/// The name in [`object_store::Error::NotImplemented`].
pub(crate) const IMPLEMENTER: &str = "SwiftStore";

/// A failure of this crate's own (not a request that failed): a malformed multipart id,
/// an unusable server answer, a part that was never uploaded.
#[derive(Debug)]
pub(crate) struct StoreError(pub(crate) String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// A [`object_store::Error::Generic`] with our own message.
pub(crate) fn generic(msg: impl Into<String>) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: Box::new(StoreError(msg.into())),
    }
}

/// Maps a failed request about `path`: 404 is `NotFound`, 412 `Precondition`, 304
/// `NotModified`, 401 `Unauthenticated`, 403 `PermissionDenied`; anything else is `Generic`.
/// The `swiftclient::Error` is kept as the source, with its URL, status and transaction id.
pub(crate) fn map(err: swiftclient::Error, path: &str) -> object_store::Error {
    let path = path.to_owned();
    let source = Box::new(err);
    match source.status() {
        Some(404) => object_store::Error::NotFound { path, source },
        Some(412) => object_store::Error::Precondition { path, source },
        Some(304) => object_store::Error::NotModified { path, source },
        Some(401) => object_store::Error::Unauthenticated { path, source },
        Some(403) => object_store::Error::PermissionDenied { path, source },
        _ => object_store::Error::Generic {
            store: STORE,
            source,
        },
    }
}

/// Maps the failure of a write sent with `If-None-Match: *`: 412 means the object exists.
pub(crate) fn map_create(err: swiftclient::Error, path: &str) -> object_store::Error {
    if err.is_precondition_failed() {
        object_store::Error::AlreadyExists {
            path: path.to_owned(),
            source: Box::new(err),
        }
    } else {
        map(err, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_errors_are_generic_with_the_message() {
        let e = generic("part 3 was never uploaded");
        assert!(matches!(
            e,
            object_store::Error::Generic { store: "Swift", .. }
        ));
        assert!(e.to_string().contains("part 3 was never uploaded"), "{e}");
    }
}
