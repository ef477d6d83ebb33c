//! Writes: `put` (plain or segmented) and copies.

use object_store::path::Path;
use object_store::{CopyMode, CopyOptions, PutMode, PutOptions, PutPayload, PutResult, Result};
use swiftclient::{Body, Object, RequestHeaders};

use crate::error::{map, map_create};
use crate::meta::{attributes_to_headers, headers_to_attributes};
use crate::multipart::{old_uploads, put_segmented};
use crate::SwiftStore;

/// Segment size for payloads over the cluster's `max_file_size` when none is configured.
const AUTO_SEGMENT_SIZE: u64 = 1 << 30;

/// A source of `copy_if_not_exists` up to this size is read into memory, so that the PUT can
/// be retried; a larger one is streamed through (sent once).
const COPY_BUFFER_LIMIT: u64 = 64 << 20;

/// The segment size for a `put` of `len` bytes, or `None` to write it whole.
async fn segment_size(store: &SwiftStore, len: u64) -> Option<u64> {
    let configured = store.config().segment_size;
    if let Some(s) = configured {
        if len > s {
            return Some(s);
        }
    }
    let max = store.limit("swift", "max_file_size").await?;
    (len > max).then(|| configured.unwrap_or(AUTO_SEGMENT_SIZE).min(max).max(1))
}

pub(crate) async fn put(
    store: &SwiftStore,
    location: &Path,
    payload: PutPayload,
    opts: PutOptions,
) -> Result<PutResult> {
    let create = match opts.mode {
        PutMode::Overwrite => false,
        PutMode::Create => true,
        PutMode::Update(_) => {
            return Err(object_store::Error::NotImplemented {
                operation:
                    "put_opts with PutMode::Update (Swift has no conditional PUT on an ETag)".into(),
                implementer: crate::error::IMPLEMENTER.into(),
            })
        }
    };
    let mut headers = RequestHeaders::new();
    attributes_to_headers(&opts.attributes, &mut headers)?;
    let len = payload.content_length() as u64;
    if let Some(size) = segment_size(store, len).await {
        return put_segmented(store, location, payload, headers, create, size).await;
    }
    let old = if create || !store.config().segment_cleanup {
        Vec::new()
    } else {
        old_uploads(store, location).await
    };
    let name = location.as_ref();
    let mut popts = swiftclient::PutOptions::new();
    popts.headers = headers;
    if create {
        popts.headers.set("if-none-match", "*");
    }
    let resp = store
        .conn()
        .put_object_with(store.container(), name, Body::chunks(payload), &popts)
        .await
        .map_err(|e| {
            if create {
                map_create(e, name)
            } else {
                map(e, name)
            }
        })?;
    crate::multipart::delete_replaced(store, location, &old).await;
    Ok(PutResult {
        e_tag: resp.etag().map(str::to_owned),
        version: resp.headers().get("x-object-version-id").map(str::to_owned),
        extensions: Default::default(),
    })
}

pub(crate) async fn copy(
    store: &SwiftStore,
    from: &Path,
    to: &Path,
    options: CopyOptions,
) -> Result<()> {
    match options.mode {
        CopyMode::Overwrite => copy_overwrite(store, from, to).await,
        CopyMode::Create => copy_create(store, from, to).await,
    }
}

/// A server-side `COPY`. A large source becomes a plain object holding its data (as Swift
/// copies large objects, up to the cluster's `max_file_size`); so does a large object copied
/// onto itself, whose segments then go.
async fn copy_overwrite(store: &SwiftStore, from: &Path, to: &Path) -> Result<()> {
    let old = if store.config().segment_cleanup {
        old_uploads(store, to).await
    } else {
        Vec::new()
    };
    let destination = format!("/{}/{}", store.container(), to.as_ref());
    store
        .conn()
        .copy_object(store.container(), from.as_ref(), &destination)
        .await
        .map_err(|e| map(e, from.as_ref()))?;
    crate::multipart::delete_replaced(store, to, &old).await;
    Ok(())
}

/// `copy_if_not_exists`. Swift's copy middleware evaluates conditional headers against the
/// copy's source (`If-None-Match: *` on a `PUT` with `X-Copy-From` is always a 304), so no
/// server-side copy can be exclusive: the source is read and written with
/// `If-None-Match: *`, keeping its content type, attributes and metadata.
async fn copy_create(store: &SwiftStore, from: &Path, to: &Path) -> Result<()> {
    let container = store.container();
    let Object { response, body } = store
        .conn()
        .get_object(container, from.as_ref())
        .await
        .map_err(|e| map(e, from.as_ref()))?;
    // Spare the transfer when the destination is already there (the PUT decides anyway).
    match store.conn().head_object(container, to.as_ref()).await {
        Ok(_) => {
            return Err(object_store::Error::AlreadyExists {
                path: to.to_string(),
                source: Box::new(crate::error::StoreError(format!(
                    "{to} exists (copy_if_not_exists from {from})"
                ))),
            })
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(map(e, to.as_ref())),
    }
    let mut headers = RequestHeaders::new();
    attributes_to_headers(&headers_to_attributes(response.headers()), &mut headers)?;
    headers.set("if-none-match", "*");
    let len = body.content_length();
    let data = match len {
        Some(n) if n <= COPY_BUFFER_LIMIT => {
            Body::from(body.bytes().await.map_err(|e| map(e, from.as_ref()))?)
        }
        _ => {
            use futures_util::TryStreamExt;
            Body::stream(body.into_stream().map_err(std::io::Error::other), len)
        }
    };
    let mut popts = swiftclient::PutOptions::new();
    popts.headers = headers;
    store
        .conn()
        .put_object_with(container, to.as_ref(), data, &popts)
        .await
        .map_err(|e| map_create(e, to.as_ref()))?;
    Ok(())
}
