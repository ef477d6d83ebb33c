//! object_store's own conformance suite (`object_store::integration`, written by its
//! maintainers for third-party stores) against `SwiftStore` on the real local cluster, every
//! function that applies to Swift, each in a fresh container.

use crate::support;

use object_store::integration;

/// One conformance function in a fresh container (deleted afterwards with its segments).
macro_rules! conformance {
    ($name:ident, |$s:ident| $call:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            if support::skip() {
                return;
            }
            let fx = support::Fixture::new(stringify!($name)).await;
            {
                let $s = &fx.store;
                $call.await;
            }
            fx.cleanup().await;
        }
    };
}

conformance!(put_get_delete_list, |s| integration::put_get_delete_list(s));
conformance!(list_with_offset_exclusivity, |s| {
    integration::list_with_offset_exclusivity(s)
});
conformance!(get_opts, |s| integration::get_opts(s));
// Swift has no conditional PUT on an ETag: PutMode::Update is NotImplemented.
conformance!(put_opts, |s| integration::put_opts(s, false));
conformance!(list_uses_directories_correctly, |s| {
    integration::list_uses_directories_correctly(s)
});
conformance!(list_with_delimiter, |s| integration::list_with_delimiter(s));
conformance!(rename_and_copy, |s| integration::rename_and_copy(s));
conformance!(copy_if_not_exists, |s| integration::copy_if_not_exists(s));
conformance!(copy_rename_nonexistent_object, |s| {
    integration::copy_rename_nonexistent_object(s)
});
conformance!(get_nonexistent_object, |s| async move {
    let err = integration::get_nonexistent_object(s, None)
        .await
        .unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
});
conformance!(stream_get, |s| integration::stream_get(s));
conformance!(put_get_attributes, |s| integration::put_get_attributes(s));
conformance!(multipart, |s| integration::multipart(s, s));
conformance!(multipart_with_opts, |s| integration::multipart_with_opts(
    s, s
));
conformance!(multipart_put_part_out_of_order, |s| {
    integration::multipart_put_part_out_of_order(s, s)
});
// The last manifest written wins, as for any Swift PUT.
conformance!(multipart_race_condition, |s| {
    integration::multipart_race_condition(s, true)
});
conformance!(multipart_out_of_order, |s| {
    integration::multipart_out_of_order(s)
});
conformance!(list_paginated, |s| integration::list_paginated(s, s));
