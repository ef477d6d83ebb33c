//! No key, password or token in the `Debug` (or `Display`) form of anything this crate
//! hands out: the store, its builder, an upload in progress, errors.

use crate::support;

use object_store::path::Path;
use object_store::ObjectStoreExt;
use swift_object_store::SwiftStore;

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} shows a secret: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_output_carries_no_secret() {
    if support::skip() {
        return;
    }
    // A key no other text would contain by chance.
    let key = support::env("ST_KEY");
    let builder = SwiftStore::builder()
        .with_connection_builder(support::builder())
        .with_container("some-container");
    let text = format!("{builder:?}");
    assert_clean("the builder", &text, &[&key]);
    assert!(text.contains("some-container"), "{text}");

    let fx = support::Fixture::new("secrets").await;
    let store = SwiftStore::builder()
        .with_connection_builder(support::builder())
        .with_container(&fx.container)
        .build()
        .unwrap();
    let path = Path::from("o");
    store.put(&path, "data".into()).await.unwrap();
    let token = store.connection().token().unwrap();
    let token = token.expose().to_owned();
    assert!(!token.is_empty());
    let secrets = [key.as_str(), token.as_str()];

    let text = format!("{store:?}");
    assert_clean("the store", &text, &secrets);
    assert!(text.contains(&fx.container), "{text}");
    assert!(
        text.contains("/v1/AUTH_"),
        "the storage URL is shown: {text}"
    );
    assert_eq!(store.to_string(), format!("SwiftStore({})", fx.container));

    let upload = store.put_multipart(&path).await.unwrap();
    assert_clean("an upload", &format!("{upload:?}"), &secrets);

    let got = store.get(&path).await.unwrap();
    assert_clean("a get result", &format!("{got:?}"), &secrets);

    let err = store.get(&Path::from("missing")).await.unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }));
    assert_clean("an error", &format!("{err:?}"), &secrets);
    assert_clean("an error", &err.to_string(), &secrets);
    assert!(err.to_string().contains("404"), "{err}");

    let unauthorized = SwiftStore::new(
        swiftclient::Connection::preauth(
            store.connection().url().unwrap(),
            "AUTH_tk_not_a_real_token_0123456789",
        )
        .unwrap(),
        fx.container.clone(),
    );
    let err = unauthorized.head(&path).await.unwrap_err();
    assert!(
        matches!(err, object_store::Error::Unauthenticated { .. }),
        "{err}"
    );
    assert_clean(
        "a 401",
        &format!("{err:?} {err}"),
        &["AUTH_tk_not_a_real_token_0123456789"],
    );
    drop(upload);
    fx.cleanup().await;
}
