//! Uploads: files, directory trees, bytes, readers and streams; large objects (SLO/DLO) with
//! parallel segments; skip-identical and changed; replacement of old segments.
//!
//! This module plans an `upload` call and drives its objects; `options` holds what callers
//! build, `replace` what concerns the object being replaced, `sized` uploads of known size
//! and `stream` uploads from streams.

mod options;
mod replace;
mod sized;
mod stream;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio::sync::OnceCell;
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;
use crate::listing::ListOptions;
use crate::listing::ObjectEntry;
use crate::options::PutOptions;
use crate::transfer::common::{create_container, mtime_string};
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, Status, TransferResult};
use crate::transfer::segments::{DIR_MARKER_TYPES, EMPTY_MD5};
use crate::transport::body::Body;

use options::{resolve_name, Source};
pub use options::{UploadObject, UploadOptions};
use sized::{upload_bytes, upload_file};
use stream::upload_stream;

/// The mtime of data without a file: now, in whole seconds (python-swiftclient's `round(time())`).
fn now_mtime() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64().round())
        .unwrap_or(0.0);
    format!("{secs:.6}")
}

/// What one `upload` call shares between its objects.
#[derive(Debug)]
struct Plan {
    container: String,
    opts: UploadOptions,
    use_slo: bool,
    max_file_size: Option<u64>,
    max_segments: Option<u64>,
    seg_container: String,
    seg_container_ready: OnceCell<()>,
    /// The container's objects under the upload's common prefix, when listed up front.
    listed: Option<HashMap<String, ObjectEntry>>,
}

impl Transfer {
    /// Uploads `objects` into `container` (python-swiftclient's `SwiftService.upload`).
    ///
    /// `container` may carry a pseudo-folder, `"container/folder/sub"`: the objects then go
    /// under `folder/sub/`. Unless `skip_container_put`, the container is created first (a
    /// failure is reported and the upload goes on, as the objects may still be writable).
    /// Results: [`Action::CreateContainer`], then per object [`Action::UploadObject`] or
    /// [`Action::CreateDirMarker`], per segment [`Action::UploadSegment`], per replaced old
    /// segment [`Action::DeleteSegment`].
    pub fn upload(
        &self,
        container: &str,
        objects: impl IntoIterator<Item = UploadObject>,
        opts: &UploadOptions,
    ) -> crate::Result<Job> {
        let (container, folder) = match container.split_once('/') {
            Some((c, f)) => (c.to_owned(), f.trim_matches('/').to_owned()),
            None => (container.to_owned(), String::new()),
        };
        crate::path::check_container(&container)?;
        if opts.segment_size == Some(0) {
            return Err(Error::invalid_input("the segment size must be positive"));
        }
        if let Some(sc) = &opts.segment_container {
            crate::path::check_container(sc)?;
        }
        let objects: Vec<UploadObject> = objects.into_iter().collect();
        let (ctx, job) = self.start()?;
        let opts = opts.clone();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::UploadObject,
            Some(container.clone()),
            async move {
                drive(ctx, container, folder, objects, opts).await;
            },
        );
        Ok(job)
    }
}

async fn drive(
    ctx: Ctx,
    container: String,
    folder: String,
    objects: Vec<UploadObject>,
    opts: UploadOptions,
) {
    let caps = ctx.engine.capabilities().await;
    let use_slo = opts
        .use_slo
        .unwrap_or_else(|| caps.as_ref().is_some_and(|c| c.has("slo")));
    let max_file_size = caps
        .as_ref()
        .and_then(|c| c.limit("swift", "max_file_size"));
    let max_segments = caps
        .as_ref()
        .and_then(|c| c.limit("slo", "max_manifest_segments"));
    if !opts.skip_container_put {
        let mut headers = RequestHeaders::new();
        if let Some(p) = opts.headers.get("x-storage-policy") {
            headers.set("X-Storage-Policy", p);
        }
        let r = create_container(&ctx, &container, headers, None).await;
        ctx.emit(r).await;
    }
    let seg_container = opts
        .segment_container
        .clone()
        .unwrap_or_else(|| format!("{container}_segments"));
    let mut resolved = Vec::with_capacity(objects.len());
    for obj in objects {
        let action = match obj.source {
            Source::DirMarker(_) => Action::CreateDirMarker,
            _ => Action::UploadObject,
        };
        match resolve_name(&obj, &folder) {
            Ok(name) => resolved.push((obj, name, action)),
            Err(e) => {
                let mut r = TransferResult::new(action, Some(&container), obj.name.as_deref());
                r.path = local_path(&obj);
                ctx.emit(r.fail(e)).await;
            }
        }
    }
    let names: Vec<String> = resolved.iter().map(|(_, n, _)| n.clone()).collect();
    let listed = pre_list(&ctx, &container, &opts, &names).await;
    let plan = Arc::new(Plan {
        container,
        opts,
        use_slo,
        max_file_size,
        max_segments,
        seg_container,
        seg_container_ready: OnceCell::new(),
        listed,
    });
    let mut set = JoinSet::new();
    let mut objects = resolved.into_iter();
    while let Some((obj, name, action)) = objects.next() {
        let mut skeleton = TransferResult::new(action, Some(&plan.container), Some(&name));
        skeleton.path = local_path(&obj);
        let work = upload_one(ctx.clone(), Arc::clone(&plan), obj, name);
        if !ctx
            .schedule(&mut set, &ctx.engine.objects, skeleton, work)
            .await
        {
            for (obj, name, action) in objects.by_ref() {
                let mut r = TransferResult::new(action, Some(&plan.container), Some(&name));
                r.path = local_path(&obj);
                ctx.emit(r.cancelled()).await;
            }
            break;
        }
    }
    join_all(&mut set).await;
}

/// The longest prefix all `names` share (on a character boundary).
fn common_prefix(names: &[String]) -> &str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = first
            .bytes()
            .zip(n.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    &first[..len]
}

/// For many objects, one listing instead of a HEAD per object (python-swiftclient HEADs
/// every object unless `leave_segments`): the objects under the names' common prefix, unless
/// there are far more of them than objects to upload. `None`: not listed.
async fn pre_list(
    ctx: &Ctx,
    container: &str,
    opts: &UploadOptions,
    names: &[String],
) -> Option<HashMap<String, ObjectEntry>> {
    let heads_needed = opts.changed || opts.skip_identical || !opts.leave_segments;
    if !heads_needed || names.len() <= 2 * ctx.engine.opts.object_concurrency {
        return None;
    }
    let prefix = common_prefix(names);
    let cap = 2 * names.len() + 10_000;
    let mut out = HashMap::new();
    let mut entries = std::pin::pin!(ctx
        .conn()
        .container_entries(container, ListOptions::new().prefix(prefix)));
    while let Some(e) = entries.next().await {
        match e {
            Ok(e) => {
                if out.len() >= cap {
                    return None;
                }
                out.insert(e.name.clone(), e);
            }
            Err(e) if e.is_not_found() => return Some(HashMap::new()),
            Err(_) => return None,
        }
    }
    Some(out)
}

fn local_path(obj: &UploadObject) -> Option<PathBuf> {
    match &obj.source {
        Source::File(p) | Source::DirMarker(Some(p)) => Some(p.clone()),
        _ => None,
    }
}

impl Plan {
    /// Creates the segment container once, before the first segment (a failure is reported
    /// and the segments are tried anyway, as they may be writable).
    async fn ensure_segment_container(&self, ctx: &Ctx) {
        if self.opts.skip_container_put || self.seg_container == self.container {
            return;
        }
        self.seg_container_ready
            .get_or_init(|| async {
                let mut headers = RequestHeaders::new();
                let source = match self.opts.headers.get("x-storage-policy") {
                    Some(p) => {
                        headers.set("X-Storage-Policy", p);
                        None
                    }
                    None => Some(self.container.as_str()),
                };
                let r = create_container(ctx, &self.seg_container, headers, source).await;
                ctx.emit(r).await;
            })
            .await;
    }
}

async fn upload_one(ctx: Ctx, plan: Arc<Plan>, obj: UploadObject, name: String) -> TransferResult {
    let UploadObject {
        source, headers, ..
    } = obj;
    match source {
        Source::DirMarker(path) => dir_marker(&ctx, &plan, name, path).await,
        // A directory given as a file becomes a directory marker, as in python-swiftclient.
        Source::File(path) if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) => {
            dir_marker(&ctx, &plan, name, Some(path)).await
        }
        source => {
            let mut res =
                TransferResult::new(Action::UploadObject, Some(&plan.container), Some(&name));
            let outcome = match source {
                Source::File(path) => {
                    res.path = Some(path.clone());
                    upload_file(&ctx, &plan, &name, &path, headers, &mut res).await
                }
                Source::Bytes(b) => upload_bytes(&ctx, &plan, &name, b, headers, &mut res).await,
                Source::Stream(s, len) => {
                    upload_stream(&ctx, &plan, &name, s, len, headers, &mut res).await
                }
                Source::DirMarker(_) => Ok(Status::Completed),
            };
            match outcome {
                Ok(status) => res.finish(status),
                Err(e) => res.fail(e),
            }
        }
    }
}

/// One object's upload, as its steps share it: the job, the plan, the object's name and the
/// mtime it is stored with.
#[derive(Clone, Copy)]
struct Item<'a> {
    ctx: &'a Ctx,
    plan: &'a Plan,
    name: &'a str,
    mtime: &'a str,
}

/// The PUT headers: the mtime, then the options' headers, then the object's own.
fn put_headers(plan: &Plan, mtime: &str, own: &RequestHeaders) -> RequestHeaders {
    let mut h = RequestHeaders::new();
    h.set("x-object-meta-mtime", mtime);
    for (k, v) in plan.opts.headers.iter().chain(own.iter()) {
        h.set(k, v);
    }
    h
}

fn io_error(what: &str, path: &Path, e: io::Error) -> Error {
    let msg = if e.kind() == io::ErrorKind::NotFound {
        format!("Local file {:?} not found", path.display().to_string())
    } else {
        format!("{what} {}: {e}", path.display())
    };
    Error::new(ErrorKind::Io, msg).with_source(e)
}

/// One PUT through the connection, checking the ETag unless checksums are off.
async fn put(
    ctx: &Ctx,
    container: &str,
    name: &str,
    body: Body,
    headers: RequestHeaders,
    etag: Option<String>,
) -> crate::Result<crate::Response> {
    let opts = PutOptions {
        headers,
        etag,
        skip_etag_check: !ctx.checksum(),
        ..PutOptions::default()
    };
    ctx.conn()
        .put_object_with(container, name, body, &opts)
        .await
}

async fn dir_marker(ctx: &Ctx, plan: &Plan, name: String, path: Option<PathBuf>) -> TransferResult {
    let mut res = TransferResult::new(Action::CreateDirMarker, Some(&plan.container), Some(&name));
    res.path = path.clone();
    let mtime = match &path {
        Some(p) => match std::fs::metadata(p) {
            Ok(m) => mtime_string(m.modified().unwrap_or(UNIX_EPOCH)),
            Err(e) => return res.fail(io_error("cannot read", p, e)),
        },
        None => now_mtime(),
    };
    let mut headers = RequestHeaders::new();
    headers.set("x-object-meta-mtime", mtime.clone());
    res.headers = headers.clone();
    if plan.opts.changed {
        match ctx.conn().head_object(&plan.container, &name).await {
            Ok(h) => {
                let ct = h
                    .headers()
                    .content_type()
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim();
                if DIR_MARKER_TYPES.contains(&ct)
                    && h.headers().content_length() == Some(0)
                    && h.etag() == Some(EMPTY_MD5)
                    && h.headers().get("x-object-meta-mtime") == Some(mtime.as_str())
                {
                    return res.finish(Status::SkippedChanged);
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return res.fail(e),
        }
    }
    headers.set("content-type", DIR_MARKER_TYPES[0]);
    match put(ctx, &plan.container, &name, Body::empty(), headers, None).await {
        Ok(resp) => {
            res.respond(resp);
            res.finish(Status::Completed)
        }
        Err(e) => res.fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtime_like_python() {
        let t = UNIX_EPOCH + std::time::Duration::new(1_400_000_000, 123_456_789);
        assert_eq!(mtime_string(t), "1400000000.123457");
        let t = UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 0);
        assert_eq!(mtime_string(t), "1700000000.000000");
        assert!(now_mtime().ends_with(".000000"));
    }

    #[test]
    fn common_prefixes() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&v(&["a/b/c", "a/b/d", "a/bx"])), "a/b");
        assert_eq!(common_prefix(&v(&["dü", "dü/x"])), "dü");
        assert_eq!(common_prefix(&v(&["dé", "dè"])), "d");
        assert_eq!(common_prefix(&v(&["x", "y"])), "");
        assert_eq!(common_prefix(&[]), "");
    }
}
