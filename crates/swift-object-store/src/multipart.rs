//! Multipart uploads and segmented puts: each part is a segment in the segment container,
//! completion writes a large-object manifest, abort deletes the segments.
//!
//! The segments of one upload are named `<object>/<upload nonce>/<part index, 8 digits>` in
//! the segment container, so that an upload's segments are found by one prefix listing (to
//! abort it, or to delete them when the object is replaced) and a DLO sees them in order.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::multipart::PartId;
use object_store::path::Path;
use object_store::{
    MultipartId, MultipartUpload, PutMultipartOptions, PutPayload, PutResult, Result, UploadPart,
};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;
use swiftclient::transfer::{Action, DeleteOptions};
use swiftclient::{Body, ListOptions, PutOptions, RequestHeaders, RequestOptions, Response};

use crate::error::{generic, map, map_create};
use crate::meta::attributes_to_headers;
use crate::SwiftStore;

/// Hex digits of an upload nonce.
const NONCE_LEN: usize = 32;

/// Segments per manifest when the cluster does not say (Swift's default).
const DEFAULT_MAX_MANIFEST_SEGMENTS: u64 = 1000;

/// 128 bits no other upload picks: the standard library's per-process random hash keys over
/// the time, the process id and a counter.
pub(crate) fn new_nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(salt);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(n);
        h.finish()
    };
    format!("{:016x}{:016x}", half(0), half(1))
}

fn is_nonce(s: &str) -> bool {
    s.len() == NONCE_LEN && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A decoded multipart id: the nonce naming the segments, and the headers (attributes)
/// to write the object with. The id carries them so that any process can complete it.
struct UploadId {
    nonce: String,
    headers: RequestHeaders,
}

/// `<nonce>` or `<nonce>:<name>=<value>&...`, names and values percent-encoded.
fn encode_id(nonce: &str, headers: &RequestHeaders) -> MultipartId {
    if headers.is_empty() {
        return nonce.to_owned();
    }
    let pairs: Vec<String> = headers
        .iter()
        .map(|(n, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(n, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect();
    format!("{nonce}:{}", pairs.join("&"))
}

fn decode_id(id: &str) -> Result<UploadId> {
    let bad = || generic(format!("not a multipart id of this store: {id:?}"));
    let (nonce, rest) = id.split_once(':').unwrap_or((id, ""));
    if !is_nonce(nonce) {
        return Err(bad());
    }
    let mut headers = RequestHeaders::new();
    for pair in rest.split('&').filter(|p| !p.is_empty()) {
        let (n, v) = pair.split_once('=').ok_or_else(bad)?;
        let n = percent_decode_str(n).decode_utf8().map_err(|_| bad())?;
        let v = percent_decode_str(v).decode_utf8().map_err(|_| bad())?;
        headers.set(n.into_owned(), v.into_owned());
    }
    Ok(UploadId {
        nonce: nonce.to_owned(),
        headers,
    })
}

/// The prefix of every segment of one upload.
fn segment_prefix(location: &Path, nonce: &str) -> String {
    format!("{}/{nonce}/", location.as_ref())
}

fn segment_name(location: &Path, nonce: &str, idx: usize) -> String {
    format!("{}{idx:08}", segment_prefix(location, nonce))
}

/// An uploaded part, as a `PartId` carries it: `<index>:<size>:<etag>`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Part {
    idx: usize,
    size: u64,
    etag: String,
}

impl Part {
    fn to_id(&self) -> PartId {
        PartId {
            content_id: format!("{}:{}:{}", self.idx, self.size, self.etag),
        }
    }

    fn parse(p: &PartId) -> Result<Part> {
        let bad = || generic(format!("not a part id of this store: {:?}", p.content_id));
        let mut it = p.content_id.splitn(3, ':');
        let idx = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let size = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let etag = it.next().filter(|e| !e.is_empty()).ok_or_else(bad)?;
        Ok(Part {
            idx,
            size,
            etag: etag.to_owned(),
        })
    }
}

/// Makes sure the segment container exists (checked once per store; created with the
/// container's storage policy when missing).
async fn ensure_segment_container(store: &SwiftStore) -> Result<()> {
    store
        .inner
        .segments_ready
        .get_or_try_init(|| async {
            match store.conn().head_container(store.segment_container()).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => create_segment_container(store).await,
                Err(e) => Err(map(e, store.segment_container())),
            }
        })
        .await
        .map(|_| ())
}

async fn create_segment_container(store: &SwiftStore) -> Result<()> {
    let policy = match store.conn().head_container(store.container()).await {
        Ok(h) => h.headers().get("x-storage-policy").map(str::to_owned),
        Err(e) => return Err(map(e, store.container())),
    };
    let mut opts = RequestOptions::new();
    if let Some(p) = policy {
        opts.headers.set("x-storage-policy", p);
    }
    store
        .conn()
        .put_container_with(store.segment_container(), &opts)
        .await
        .map_err(|e| map(e, store.segment_container()))?;
    Ok(())
}

/// Uploads one part as a segment (checked against its MD5 by swiftclient). A segment
/// container deleted since it was checked is created again.
async fn upload_part(
    store: &SwiftStore,
    location: &Path,
    nonce: &str,
    idx: usize,
    chunks: Vec<Bytes>,
) -> Result<Part> {
    let name = segment_name(location, nonce, idx);
    let segc = store.segment_container();
    let size = chunks.iter().map(|c| c.len() as u64).sum();
    let resp = match store
        .conn()
        .put_object(segc, &name, Body::chunks(chunks.clone()))
        .await
    {
        Err(e) if e.is_not_found() => {
            create_segment_container(store).await?;
            store
                .conn()
                .put_object(segc, &name, Body::chunks(chunks))
                .await
        }
        r => r,
    }
    .map_err(|e| map(e, &name))?;
    let etag = resp
        .etag()
        .ok_or_else(|| generic(format!("PUT {segc}/{name}: no ETag in the answer")))?;
    Ok(Part {
        idx,
        size,
        etag: etag.to_owned(),
    })
}

fn put_result(resp: &Response) -> PutResult {
    PutResult {
        e_tag: resp.etag().map(str::to_owned),
        version: resp.headers().get("x-object-version-id").map(str::to_owned),
        extensions: Default::default(),
    }
}

fn headers_for(store_headers: RequestHeaders, create: bool) -> RequestHeaders {
    let mut h = store_headers;
    if create {
        h.set("if-none-match", "*");
    }
    h
}

/// Writes the object at `location` from `parts` (in the order given): an SLO manifest
/// (nested when there are more parts than a manifest may hold), a DLO manifest, or an empty
/// object when no part holds data. Then deletes the segments the object no longer needs:
/// empty parts, and those of the large object it replaced (if this store wrote it).
async fn finish(
    store: &SwiftStore,
    location: &Path,
    nonce: &str,
    headers: RequestHeaders,
    parts: Vec<Part>,
    create: bool,
) -> Result<PutResult> {
    let old = if create || !store.config().segment_cleanup {
        Vec::new()
    } else {
        old_uploads(store, location).await
    };
    let headers = headers_for(headers, create);
    let result = if parts.iter().all(|p| p.size == 0) {
        let r = write_empty(store, location, headers, create).await?;
        if !parts.is_empty() {
            delete_quietly(store, location, nonce).await;
        }
        r
    } else if store.use_slo().await {
        let r = write_slo(store, location, nonce, headers, &parts, create).await?;
        let empty: Vec<String> = parts
            .iter()
            .filter(|p| p.size == 0)
            .map(|p| segment_name(location, nonce, p.idx))
            .collect();
        if !empty.is_empty() {
            if let Err(e) = delete_names(store, empty).await {
                tracing::warn!(target: "swift_object_store", "{location}: empty segments left behind: {e}");
            }
        }
        r
    } else {
        write_dlo(store, location, nonce, headers, &parts, create).await?
    };
    let old: Vec<String> = old.into_iter().filter(|n| n != nonce).collect();
    delete_replaced(store, location, &old).await;
    Ok(result)
}

async fn write_empty(
    store: &SwiftStore,
    location: &Path,
    headers: RequestHeaders,
    create: bool,
) -> Result<PutResult> {
    let name = location.as_ref();
    let mut opts = PutOptions::new();
    opts.headers = headers;
    let resp = store
        .conn()
        .put_object_with(store.container(), name, Body::empty(), &opts)
        .await
        .map_err(|e| {
            if create {
                map_create(e, name)
            } else {
                map(e, name)
            }
        })?;
    Ok(put_result(&resp))
}

/// An SLO manifest body: `[{"path": "/container/object", "etag": ..., "size_bytes": ...}]`.
fn manifest_json(entries: &[(String, String, u64)]) -> Bytes {
    let list: Vec<Value> = entries
        .iter()
        .map(|(path, etag, size)| {
            serde_json::json!({ "path": path, "etag": etag, "size_bytes": size })
        })
        .collect();
    Bytes::from(Value::Array(list).to_string())
}

async fn write_slo(
    store: &SwiftStore,
    location: &Path,
    nonce: &str,
    headers: RequestHeaders,
    parts: &[Part],
    create: bool,
) -> Result<PutResult> {
    let segc = store.segment_container();
    let cluster = store
        .limit("slo", "max_manifest_segments")
        .await
        .unwrap_or(DEFAULT_MAX_MANIFEST_SEGMENTS);
    let max = store
        .config()
        .max_manifest_segments
        .map_or(cluster, |m| m.min(cluster))
        .max(2);
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let mut entries: Vec<(String, String, u64)> = parts
        .iter()
        .filter(|p| p.size > 0)
        .map(|p| {
            let path = format!("/{segc}/{}", segment_name(location, nonce, p.idx));
            (path, p.etag.clone(), p.size)
        })
        .collect();
    // More segments than one manifest may list: manifests of manifests (sub-SLOs) in the
    // segment container, each listing at most `max`.
    let mut level = 0;
    while entries.len() > max {
        let mut next = Vec::new();
        for (k, group) in entries.chunks(max).enumerate() {
            let sub = format!("{}manifest-{level}-{k:06}", segment_prefix(location, nonce));
            let opts = PutOptions::new().query_string("multipart-manifest=put");
            let resp = store
                .conn()
                .put_object_with(segc, &sub, manifest_json(group), &opts)
                .await
                .map_err(|e| map(e, &sub))?;
            let etag = resp
                .etag()
                .ok_or_else(|| generic(format!("PUT {segc}/{sub}: no ETag in the answer")))?
                .to_owned();
            let size = group.iter().map(|(_, _, s)| s).sum();
            next.push((format!("/{segc}/{sub}"), etag, size));
        }
        entries = next;
        level += 1;
    }
    let name = location.as_ref();
    let mut opts = PutOptions::new().query_string("multipart-manifest=put");
    opts.headers = headers;
    let resp = store
        .conn()
        .put_object_with(store.container(), name, manifest_json(&entries), &opts)
        .await
        .map_err(|e| {
            if create {
                map_create(e, name)
            } else {
                map(e, name)
            }
        })?;
    Ok(put_result(&resp))
}

async fn write_dlo(
    store: &SwiftStore,
    location: &Path,
    nonce: &str,
    headers: RequestHeaders,
    parts: &[Part],
    create: bool,
) -> Result<PutResult> {
    if parts.windows(2).any(|w| w[0].idx >= w[1].idx) {
        return Err(object_store::Error::NotSupported {
            source: Box::new(crate::error::StoreError(
                "a dynamic large object joins its segments in name order: complete it with its parts in upload order"
                    .into(),
            )),
        });
    }
    // A DLO is everything under its prefix: parts uploaded but not listed must go first.
    let keep: HashSet<String> = parts
        .iter()
        .map(|p| segment_name(location, nonce, p.idx))
        .collect();
    let extra: Vec<String> = upload_segments(store, location, nonce)
        .await?
        .into_iter()
        .filter(|n| !keep.contains(n))
        .collect();
    if !extra.is_empty() {
        delete_names(store, extra).await?;
    }
    let name = location.as_ref();
    let manifest = format!(
        "{}/{}",
        swiftclient::path::quote(store.segment_container()),
        swiftclient::path::quote(&segment_prefix(location, nonce))
    );
    let mut opts = PutOptions::new();
    opts.headers = headers;
    opts.headers.set("x-object-manifest", manifest);
    store
        .conn()
        .put_object_with(store.container(), name, Body::empty(), &opts)
        .await
        .map_err(|e| {
            if create {
                map_create(e, name)
            } else {
                map(e, name)
            }
        })?;
    // The PUT answers with the ETag of the empty manifest; the object's is the HEAD's.
    let head = store
        .conn()
        .head_object(store.container(), name)
        .await
        .map_err(|e| map(e, name))?;
    Ok(put_result(&head))
}

/// The nonces of this store's uploads whose segments the object at `location` uses now
/// (none for a plain or missing object, or a large object written by someone else).
pub(crate) async fn old_uploads(store: &SwiftStore, location: &Path) -> Vec<String> {
    let name = location.as_ref();
    let Ok(head) = store.conn().head_object(store.container(), name).await else {
        return Vec::new();
    };
    let ours = format!("{name}/");
    let segc = store.segment_container();
    let mut nonces: Vec<String> = Vec::new();
    let mut consider = |container: &str, object: &str| {
        if container != segc {
            return;
        }
        if let Some(n) = object.strip_prefix(&ours).and_then(|r| r.split('/').next()) {
            if is_nonce(n) && !nonces.iter().any(|x| x == n) {
                nonces.push(n.to_owned());
            }
        }
    };
    if head.headers().is_static_large_object() {
        let opts = RequestOptions::new().query_string("multipart-manifest=get");
        let body = match store
            .conn()
            .get_object_with(store.container(), name, &opts)
            .await
        {
            Ok(o) => o.bytes().await,
            Err(e) => Err(e),
        };
        let Ok(body) = body else { return Vec::new() };
        let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(&body) else {
            return Vec::new();
        };
        for seg in &list {
            if let Some((c, o)) = seg
                .get("name")
                .and_then(Value::as_str)
                .and_then(|n| n.trim_start_matches('/').split_once('/'))
            {
                consider(c, o);
            }
        }
    } else if let Some((c, prefix)) = head
        .headers()
        .object_manifest()
        .and_then(|m| m.split_once('/'))
    {
        consider(c, prefix);
    }
    nonces
}

/// Every segment name of one upload.
async fn upload_segments(store: &SwiftStore, location: &Path, nonce: &str) -> Result<Vec<String>> {
    let segc = store.segment_container();
    let listed: std::result::Result<Vec<String>, swiftclient::Error> = store
        .conn()
        .container_entries(
            segc,
            ListOptions::new().prefix(segment_prefix(location, nonce)),
        )
        .try_filter(|e| std::future::ready(!e.subdir))
        .map_ok(|e| e.name)
        .try_collect()
        .await;
    match listed {
        Ok(names) => Ok(names),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(map(e, segc)),
    }
}

/// Deletes segments by name (a missing one counts as deleted).
async fn delete_names(store: &SwiftStore, names: Vec<String>) -> Result<()> {
    let segc = store.segment_container();
    let job = store
        .transfer()
        .delete_objects(segc, names, &DeleteOptions::new().leave_segments(true))
        .map_err(|e| map(e, segc))?;
    for mut r in job.collect_all().await {
        if r.action != Action::DeleteObject || r.is_success() {
            continue;
        }
        match r.error.take() {
            Some(e) if e.is_not_found() => {}
            Some(e) => return Err(map(e, r.object.as_deref().unwrap_or(segc))),
            None => {
                return Err(generic(format!(
                    "deleting segment {}: {:?}",
                    r.object.as_deref().unwrap_or(""),
                    r.status
                )))
            }
        }
    }
    Ok(())
}

/// Deletes every segment of one upload.
async fn delete_upload(store: &SwiftStore, location: &Path, nonce: &str) -> Result<()> {
    let names = upload_segments(store, location, nonce).await?;
    if names.is_empty() {
        return Ok(());
    }
    delete_names(store, names).await
}

/// [`delete_upload`] after a write succeeded: a failure is logged, not returned.
async fn delete_quietly(store: &SwiftStore, location: &Path, nonce: &str) {
    if let Err(e) = delete_upload(store, location, nonce).await {
        tracing::warn!(target: "swift_object_store", "{location}: segments of upload {nonce} left behind: {e}");
    }
}

/// Deletes the segments of the uploads a write replaced (see [`old_uploads`]); failures
/// are logged: the write itself succeeded.
pub(crate) async fn delete_replaced(store: &SwiftStore, location: &Path, nonces: &[String]) {
    for n in nonces {
        delete_quietly(store, location, n).await;
    }
}

pub(crate) async fn create(
    store: &SwiftStore,
    location: &Path,
    opts: PutMultipartOptions,
) -> Result<MultipartId> {
    swiftclient::path::check_object(location.as_ref()).map_err(|e| map(e, location.as_ref()))?;
    let mut headers = RequestHeaders::new();
    attributes_to_headers(&opts.attributes, &mut headers)?;
    ensure_segment_container(store).await?;
    Ok(encode_id(&new_nonce(), &headers))
}

pub(crate) async fn put_part(
    store: &SwiftStore,
    location: &Path,
    id: &MultipartId,
    idx: usize,
    data: PutPayload,
) -> Result<PartId> {
    let up = decode_id(id)?;
    let part = upload_part(store, location, &up.nonce, idx, data.into_iter().collect()).await?;
    Ok(part.to_id())
}

pub(crate) async fn complete(
    store: &SwiftStore,
    location: &Path,
    id: &MultipartId,
    parts: Vec<PartId>,
) -> Result<PutResult> {
    let up = decode_id(id)?;
    let parts = parts.iter().map(Part::parse).collect::<Result<Vec<_>>>()?;
    finish(store, location, &up.nonce, up.headers, parts, false).await
}

pub(crate) async fn abort(store: &SwiftStore, location: &Path, id: &MultipartId) -> Result<()> {
    let up = decode_id(id)?;
    delete_upload(store, location, &up.nonce).await
}

/// A `put` of a payload too large for one object: segments of `segment_size` uploaded in
/// parallel, then the manifest; on failure the segments are deleted again.
pub(crate) async fn put_segmented(
    store: &SwiftStore,
    location: &Path,
    payload: PutPayload,
    headers: RequestHeaders,
    create: bool,
    segment_size: u64,
) -> Result<PutResult> {
    ensure_segment_container(store).await?;
    let nonce = new_nonce();
    let segments = split(payload, segment_size);
    let uploaded: Result<Vec<Part>> = futures_util::stream::iter(segments.into_iter().enumerate())
        .map(|(idx, chunks)| upload_part(store, location, &nonce, idx, chunks))
        .buffered(store.config().concurrency)
        .try_collect()
        .await;
    let result = match uploaded {
        Ok(parts) => finish(store, location, &nonce, headers, parts, create).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        delete_quietly(store, location, &nonce).await;
    }
    result
}

/// Cuts a payload into segments of `size` bytes (the last may be shorter), without copying.
fn split(payload: PutPayload, size: u64) -> Vec<Vec<Bytes>> {
    let size = usize::try_from(size.max(1)).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut cur_len = 0;
    for mut b in payload {
        while !b.is_empty() {
            let take = (size - cur_len).min(b.len());
            cur.push(b.split_to(take));
            cur_len += take;
            if cur_len == size {
                out.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The upload `put_multipart` returns: parts are numbered in the order `put_part` is called
/// and may be uploaded concurrently.
#[derive(Debug)]
pub(crate) struct SwiftUpload {
    store: SwiftStore,
    location: Path,
    nonce: String,
    headers: RequestHeaders,
    next: usize,
    parts: Arc<Mutex<Vec<Option<Part>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) async fn start_upload(
    store: &SwiftStore,
    location: &Path,
    opts: PutMultipartOptions,
) -> Result<Box<dyn MultipartUpload>> {
    swiftclient::path::check_object(location.as_ref()).map_err(|e| map(e, location.as_ref()))?;
    let mut headers = RequestHeaders::new();
    attributes_to_headers(&opts.attributes, &mut headers)?;
    ensure_segment_container(store).await?;
    Ok(Box::new(SwiftUpload {
        store: store.clone(),
        location: location.clone(),
        nonce: new_nonce(),
        headers,
        next: 0,
        parts: Arc::new(Mutex::new(Vec::new())),
    }))
}

#[async_trait]
impl MultipartUpload for SwiftUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let idx = self.next;
        self.next += 1;
        let store = self.store.clone();
        let location = self.location.clone();
        let nonce = self.nonce.clone();
        let parts = Arc::clone(&self.parts);
        Box::pin(async move {
            let part =
                upload_part(&store, &location, &nonce, idx, data.into_iter().collect()).await?;
            let mut g = lock(&parts);
            if g.len() <= idx {
                g.resize(idx + 1, None);
            }
            g[idx] = Some(part);
            Ok(())
        })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let parts = {
            let g = lock(&self.parts);
            (0..self.next)
                .map(|i| {
                    g.get(i).cloned().flatten().ok_or_else(|| {
                        generic(format!(
                            "{}: part {i} of {} was not uploaded (or its upload failed)",
                            self.location, self.next
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?
        };
        finish(
            &self.store,
            &self.location,
            &self.nonce,
            self.headers.clone(),
            parts,
            false,
        )
        .await
    }

    async fn abort(&mut self) -> Result<()> {
        delete_upload(&self.store, &self.location, &self.nonce).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_nonce_and_headers() {
        let nonce = new_nonce();
        assert!(is_nonce(&nonce), "{nonce}");
        assert_ne!(nonce, new_nonce());
        assert_eq!(
            decode_id(&encode_id(&nonce, &RequestHeaders::new()))
                .unwrap()
                .nonce,
            nonce
        );
        let h = RequestHeaders::new()
            .with("x-object-meta-a%5Fb", "x=y&z")
            .with("content-type", "text/plain; charset=utf-8");
        let id = encode_id(&nonce, &h);
        let back = decode_id(&id).unwrap();
        assert_eq!(back.nonce, nonce);
        assert_eq!(back.headers, h);
        assert!(decode_id("../../etc").is_err());
        assert!(decode_id(&format!("{nonce}:novalue")).is_err());
    }

    #[test]
    fn part_ids_round_trip() {
        let p = Part {
            idx: 7,
            size: 5 << 20,
            etag: "0123456789abcdef0123456789abcdef".into(),
        };
        assert_eq!(Part::parse(&p.to_id()).unwrap(), p);
        let bad = PartId {
            content_id: "x".into(),
        };
        assert!(Part::parse(&bad).is_err());
    }

    #[test]
    fn payloads_split_without_copies() {
        let payload = PutPayload::from_iter([
            Bytes::from_static(b"abcde"),
            Bytes::from_static(b"fg"),
            Bytes::from_static(b"hijklmn"),
        ]);
        let parts = split(payload, 4);
        let joined: Vec<Vec<u8>> = parts.iter().map(|p| p.concat()).collect();
        assert_eq!(
            joined,
            vec![
                b"abcd".to_vec(),
                b"efgh".to_vec(),
                b"ijkl".to_vec(),
                b"mn".to_vec()
            ]
        );
        assert!(split(PutPayload::new(), 4).is_empty());
    }

    #[test]
    fn segment_names_sort_by_index() {
        let loc = Path::from("a/b.parquet");
        let n = "0".repeat(NONCE_LEN);
        assert_eq!(
            segment_name(&loc, &n, 3),
            format!("a/b.parquet/{n}/00000003")
        );
        assert!(segment_name(&loc, &n, 9) < segment_name(&loc, &n, 10));
    }
}
