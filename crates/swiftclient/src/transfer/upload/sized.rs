//! Uploads of known size (files and bytes): whole, or as a large object whose segments go up
//! in parallel, then its manifest.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;
use crate::options::PutOptions;
use crate::transfer::common::mtime_string;
use crate::transfer::engine::Ctx;
use crate::transfer::progress::{Action, SegmentInfo, Status, TransferResult};
use crate::transfer::segments::{
    data_matches, dlo_manifest_value, file_matches, file_segment_name, large_object_etag,
    segment_prefix, segment_size_for, slo_manifest, SEGMENT_CONTENT_TYPE,
};
use crate::transport::body::Body;

use super::replace::{clean_up, inspect, old_segments, Existing, NewSegments, OldSegments};
use super::{io_error, now_mtime, put, put_headers, Item, Plan};

/// The chunk size of file segments uploaded in parallel (a plain upload reads 256 KiB at a
/// time): 8 segments in flight hold 8 x 3 x 64 KiB of data, not 8 x 6 x 256 KiB.
const SEGMENT_CHUNK_SIZE: usize = 64 * 1024;

pub(super) async fn upload_file(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    path: &Path,
    own_headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    // Local metadata and opens are quick system calls, made in place: a hand-off to the
    // blocking pool per call costs more than the call (500 small files: 3 hand-offs each).
    let meta = std::fs::metadata(path).map_err(|e| io_error("cannot read", path, e))?;
    let size = meta.len();
    let mtime = mtime_string(meta.modified().unwrap_or(UNIX_EPOCH));
    let headers = put_headers(plan, &mtime, &own_headers);
    res.headers = headers.clone();

    let existing = inspect(ctx, plan, name).await?;
    if let Some(ex) = &existing {
        if plan.opts.skip_identical {
            if let Some(chunks) = ex.chunks.clone() {
                if file_matches(path, chunks)
                    .await
                    .map_err(|e| io_error("cannot read", path, e))?
                {
                    return Ok(Status::SkippedIdentical);
                }
            }
        }
        if plan.opts.changed
            && ex.headers.content_length() == Some(size)
            && ex.headers.get("x-object-meta-mtime") == Some(mtime.as_str())
        {
            return Ok(Status::SkippedChanged);
        }
    }
    let old = old_segments(plan, existing.as_ref());
    let source = SegSource::File(path.to_owned());
    let item = Item {
        ctx,
        plan,
        name,
        mtime: &mtime,
    };
    store_sized(item, size, headers, source, old, res).await
}

/// Stores an object of known size, whole or as a large object, then deletes the segments
/// of the object it replaced.
async fn store_sized(
    item: Item<'_>,
    size: u64,
    headers: RequestHeaders,
    source: SegSource,
    old: OldSegments,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let Item {
        ctx,
        plan,
        name,
        mtime,
    } = item;
    let seg = segment_size_for(
        size,
        plan.opts.segment_size,
        plan.max_file_size,
        plan.max_segments,
    );
    let new = match seg {
        None => {
            let body = match source {
                SegSource::File(p) => Body::file_range(open_std(&p)?, 0, size),
                SegSource::Bytes(b) => Body::from(b),
            };
            let resp = put(ctx, &plan.container, name, body, headers, None).await?;
            res.respond(resp);
            ctx.counters.sent(size);
            res.bytes = size;
            NewSegments::default()
        }
        Some(seg) => {
            let segs = upload_fixed_segments(ctx, plan, name, mtime, size, seg, source).await?;
            res.bytes = size;
            finish_large(ctx, plan, name, headers, segs, res).await?
        }
    };
    res.segments_deleted = clean_up(ctx, plan, name, old, &new).await?;
    Ok(Status::Completed)
}

/// Writes the manifest of a large object whose segments are stored.
pub(super) async fn finish_large(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    headers: RequestHeaders,
    segs: Vec<SegmentInfo>,
    res: &mut TransferResult,
) -> crate::Result<NewSegments> {
    res.large_object = true;
    put_manifest(ctx, plan, name, headers, &segs, res).await?;
    let new = NewSegments::of(&segs);
    res.segments = segs;
    Ok(new)
}

/// Opens a local file in place (a quick system call: see `upload_file`).
fn open_std(path: &Path) -> crate::Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| io_error("cannot open", path, e))
}

pub(super) async fn upload_bytes(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    data: Bytes,
    own_headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let size = data.len() as u64;
    let mtime = now_mtime();
    let headers = put_headers(plan, &mtime, &own_headers);
    res.headers = headers.clone();
    let existing = inspect(ctx, plan, name).await?;
    if let (
        true,
        Some(Existing {
            chunks: Some(chunks),
            ..
        }),
    ) = (plan.opts.skip_identical, existing.as_ref())
    {
        if data_matches(&data[..], chunks).unwrap_or(false) {
            return Ok(Status::SkippedIdentical);
        }
    }
    let old = old_segments(plan, existing.as_ref());
    let source = SegSource::Bytes(data);
    let item = Item {
        ctx,
        plan,
        name,
        mtime: &mtime,
    };
    store_sized(item, size, headers, source, old, res).await
}

/// Where the segments of a fixed-size upload come from.
#[derive(Clone)]
enum SegSource {
    File(PathBuf),
    Bytes(Bytes),
}

/// Uploads the segments of an object of known size in parallel (bounded by the engine's
/// segment concurrency); stops starting new ones after a failure.
async fn upload_fixed_segments(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    mtime: &str,
    size: u64,
    seg_size: u64,
    source: SegSource,
) -> crate::Result<Vec<SegmentInfo>> {
    let count = usize::try_from(size.div_ceil(seg_size)).unwrap_or(usize::MAX);
    check_segment_count(plan, name, count as u64)?;
    plan.ensure_segment_container(ctx).await;
    let failed = Arc::new(AtomicBool::new(false));
    let mut set: JoinSet<SegmentOutcome> = JoinSet::new();
    let sem = Arc::clone(&ctx.engine.segments);
    for index in 0..count {
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let Ok(permit) = Arc::clone(&sem).acquire_owned().await else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let start = index as u64 * seg_size;
        let len = seg_size.min(size - start);
        let seg_name = file_segment_name(name, mtime, size, seg_size, index, plan.use_slo);
        let info = SegmentInfo {
            index,
            container: plan.seg_container.clone(),
            name: seg_name,
            size: len,
            etag: None,
        };
        let ctx = ctx.clone();
        let source = source.clone();
        let for_object = (plan.container.clone(), name.to_owned());
        let failed = Arc::clone(&failed);
        set.spawn(async move {
            let _permit = permit;
            let body = match source {
                // Segments go up side by side: smaller chunks keep the memory of their
                // read-ahead (two chunks each) small in total.
                SegSource::File(path) => open_std(&path)
                    .map(|f| Body::file_range(f, start, len).with_chunk_size(SEGMENT_CHUNK_SIZE)),
                SegSource::Bytes(b) => {
                    let (a, z) = (
                        usize::try_from(start).unwrap_or(usize::MAX),
                        usize::try_from(start + len).unwrap_or(usize::MAX),
                    );
                    Ok(Body::from(b.slice(a.min(b.len())..z.min(b.len()))))
                }
            };
            let out = put_segment(&ctx, info, for_object, body, None).await;
            if out.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            out
        });
    }
    collect_segments(set, plan, name).await
}

pub(super) type SegmentOutcome = Result<SegmentInfo, (ErrorKind, String)>;

pub(super) fn check_segment_count(plan: &Plan, name: &str, count: u64) -> crate::Result<()> {
    if let (true, Some(max)) = (plan.use_slo, plan.max_segments) {
        if count > max {
            return Err(Error::invalid_input(format!(
                "{}/{name}: {count} segments exceed the cluster's max_manifest_segments ({max}); use a larger segment size",
                plan.container
            )));
        }
    }
    Ok(())
}

/// Uploads one segment and reports it; returns the segment with its ETag.
pub(super) async fn put_segment(
    ctx: &Ctx,
    mut info: SegmentInfo,
    for_object: (String, String),
    body: crate::Result<Body>,
    etag: Option<String>,
) -> SegmentOutcome {
    let mut res = TransferResult::new(
        Action::UploadSegment,
        Some(&info.container),
        Some(&info.name),
    );
    res.for_object = Some(for_object);
    res.bytes = info.size;
    res.segment = Some(info.clone());
    let result = match body {
        Ok(body) => {
            let mut h = RequestHeaders::new();
            h.set("content-type", SEGMENT_CONTENT_TYPE);
            put(ctx, &info.container, &info.name, body, h, etag).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(resp) => {
            info.etag = resp.etag().map(str::to_owned);
            res.segment = Some(info.clone());
            res.respond(resp);
            ctx.counters.sent(info.size);
            ctx.emit(res.finish(Status::Completed)).await;
            Ok(info)
        }
        Err(e) => {
            let msg = format!("segment {}: {e}", info.index);
            let kind = e.kind();
            ctx.emit(res.fail(e)).await;
            Err((kind, msg))
        }
    }
}

/// Waits for the segment tasks; the segments in order, or the first failure.
pub(super) async fn collect_segments(
    mut set: JoinSet<SegmentOutcome>,
    plan: &Plan,
    name: &str,
) -> crate::Result<Vec<SegmentInfo>> {
    let mut segs = Vec::new();
    let mut first_err: Option<(ErrorKind, String)> = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(info)) => segs.push(info),
            Ok(Err(e)) => {
                if first_err.is_none() {
                    first_err = Some(e);
                }
            }
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some((ErrorKind::Io, format!("a segment task failed: {e}")));
                }
            }
        }
    }
    if let Some((kind, msg)) = first_err {
        return Err(Error::new(
            kind,
            format!(
                "Aborting manifest creation because not all segments could be uploaded. {}/{name}: {msg}",
                plan.container
            ),
        ));
    }
    segs.sort_by_key(|s| s.index);
    Ok(segs)
}

/// Uploads the manifest of a large object: SLO JSON, or a DLO's `X-Object-Manifest`.
async fn put_manifest(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    mut headers: RequestHeaders,
    segs: &[SegmentInfo],
    res: &mut TransferResult,
) -> crate::Result<()> {
    let resp = if plan.use_slo {
        let body = slo_manifest(segs);
        let opts = PutOptions {
            headers,
            query_string: Some("multipart-manifest=put".into()),
            ..PutOptions::default()
        };
        let resp = ctx
            .conn()
            .put_object_with(&plan.container, name, body, &opts)
            .await?;
        if ctx.checksum() {
            let want = large_object_etag(segs.iter().map(|s| s.etag.as_deref().unwrap_or("")));
            if let Some(got) = resp.etag() {
                if !got.eq_ignore_ascii_case(&want) {
                    return Err(Error::new(
                        ErrorKind::Integrity,
                        format!(
                            "{}/{name}: the SLO was stored with ETag {got}, but its segments add up to {want}",
                            plan.container
                        ),
                    ));
                }
            }
        }
        resp
    } else {
        let prefix = segs
            .first()
            .map(|s| segment_prefix(&s.name))
            .unwrap_or_default();
        headers.set(
            "x-object-manifest",
            dlo_manifest_value(&plan.seg_container, &prefix),
        );
        res.headers = headers.clone();
        put(ctx, &plan.container, name, Body::empty(), headers, None).await?
    };
    res.respond(resp);
    Ok(())
}
