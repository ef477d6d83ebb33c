//! Uploads from readers and streams: buffered whole when small, else segmented on the fly
//! with bounded memory (segments in memory or spooled to an unlinked temporary file).

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;
use crate::numbers::hex;
use crate::transfer::common::list_names;
use crate::transfer::engine::Ctx;
use crate::transfer::progress::{SegmentInfo, Status, TransferResult};
use crate::transfer::segments::{
    segment_prefix, segment_size_for, stream_segment_name, unique_token,
};
use crate::transport::body::Body;

use super::replace::{clean_up, inspect, old_segments, NewSegments};
use super::sized::{
    check_segment_count, collect_segments, finish_large, put_segment, SegmentOutcome,
};
use super::{now_mtime, put, put_headers, Item, Plan};

pub(super) type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A segment of a stream, read ahead: in memory or spooled to an unlinked file.
struct SegData {
    body: Body,
    len: u64,
    md5: String,
    /// The memory of an in-memory segment, to hand back to the pool after its upload.
    memory: Option<Bytes>,
}

/// Reads a stream segment by segment.
struct SegmentReader {
    stream: ByteStream,
    pending: Option<Bytes>,
    /// Segment buffers whose uploads are done, reused for the next segments: allocating a
    /// fresh multi-megabyte buffer per segment lets the allocator keep freed ones resident.
    pool: Arc<std::sync::Mutex<Vec<BytesMut>>>,
}

impl SegmentReader {
    fn new(stream: ByteStream) -> Self {
        SegmentReader {
            stream,
            pending: None,
            pool: Arc::default(),
        }
    }
}

/// Hands a segment's memory back to the pool once nothing else holds it.
fn recycle(pool: &std::sync::Mutex<Vec<BytesMut>>, memory: Option<Bytes>) {
    if let Some(Ok(mut buf)) = memory.map(Bytes::try_into_mut) {
        buf.clear();
        if let Ok(mut p) = pool.lock() {
            p.push(buf);
        }
    }
}

impl SegmentReader {
    async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        loop {
            match self.stream.next().await {
                Some(Ok(c)) if c.is_empty() => continue,
                Some(Ok(c)) => return Ok(Some(c)),
                Some(Err(e)) => return Err(e),
                None => return Ok(None),
            }
        }
    }

    /// Up to `limit` bytes: in memory when `limit <= mem_limit`, else spooled.
    async fn read_segment(
        &mut self,
        limit: u64,
        mem_limit: usize,
        spool_dir: Option<&Path>,
    ) -> io::Result<SegData> {
        let mut md5 = Md5::new();
        let mut len = 0u64;
        enum Sink {
            Mem(BytesMut),
            Spool(tokio::fs::File),
        }
        let mut sink = if limit <= mem_limit as u64 {
            let want = usize::try_from(limit).unwrap_or(0);
            let reused = self.pool.lock().ok().and_then(|mut p| p.pop());
            let mut buf = reused.unwrap_or_default();
            buf.reserve(want);
            Sink::Mem(buf)
        } else {
            Sink::Spool(spool_file(spool_dir).await?)
        };
        while len < limit {
            let Some(mut chunk) = self.next_chunk().await? else {
                break;
            };
            let room = limit - len;
            if chunk.len() as u64 > room {
                let rest = chunk.split_off(usize::try_from(room).unwrap_or(usize::MAX));
                self.pending = Some(rest);
            }
            md5.update(&chunk);
            len += chunk.len() as u64;
            match &mut sink {
                Sink::Mem(b) => b.extend_from_slice(&chunk),
                Sink::Spool(f) => f.write_all(&chunk).await?,
            }
        }
        let (body, memory) = match sink {
            Sink::Mem(b) => {
                let b = b.freeze();
                (Body::from(b.clone()), Some(b))
            }
            Sink::Spool(mut f) => {
                f.flush().await?;
                (Body::file_range(f.into_std().await, 0, len), None)
            }
        };
        Ok(SegData {
            body,
            len,
            md5: hex(&md5.finalize()),
            memory,
        })
    }

    /// Up to `limit` bytes in memory; the flag says whether the stream ended within them.
    async fn read_prefix(&mut self, limit: usize) -> io::Result<(Vec<Bytes>, bool)> {
        let mut out = Vec::new();
        let mut total = 0usize;
        while total <= limit {
            match self.next_chunk().await? {
                Some(c) => {
                    total += c.len();
                    out.push(c);
                }
                None => return Ok((out, true)),
            }
        }
        Ok((out, false))
    }
}

/// A new temporary file for spooling, already unlinked where the platform allows.
async fn spool_file(dir: Option<&Path>) -> io::Result<tokio::fs::File> {
    let dir = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let path = dir.join(format!(
        ".swiftclient-spool-{}-{}",
        std::process::id(),
        unique_token()
    ));
    // A new file (never one planted under the name, never through a link), readable by
    // this user only: the data may be anything piped in.
    let mut o = tokio::fs::OpenOptions::new();
    o.read(true).write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    let f = o.open(&path).await?;
    // Unlinked at once: the data lives as long as the open file, and nothing is left behind.
    let _ = tokio::fs::remove_file(&path).await;
    Ok(f)
}

pub(super) async fn upload_stream(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    stream: ByteStream,
    len: Option<u64>,
    own_headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let mtime = now_mtime();
    let headers = put_headers(plan, &mtime, &own_headers);
    res.headers = headers.clone();
    let existing = inspect(ctx, plan, name).await?;
    let old = old_segments(plan, existing.as_ref());
    let mut reader = SegmentReader::new(stream);
    let seg = match plan.opts.segment_size {
        Some(s) => Some(s),
        None => len.and_then(|l| segment_size_for(l, None, plan.max_file_size, plan.max_segments)),
    };
    let stream_err = |e: io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("reading the data for {name} failed: {e}"),
        )
        .with_source(e)
    };
    let new = match seg {
        None => {
            let mut sent_counter = None;
            let (prefix, ended) = reader
                .read_prefix(plan.opts.stream_buffer)
                .await
                .map_err(stream_err)?;
            let body = if ended {
                let mut buf = BytesMut::with_capacity(prefix.iter().map(Bytes::len).sum());
                for c in prefix {
                    buf.extend_from_slice(&c);
                }
                Body::from(buf.freeze())
            } else {
                let counted = Arc::new(std::sync::atomic::AtomicU64::new(0));
                let c2 = Arc::clone(&counted);
                let rest = futures_util::stream::iter(prefix.into_iter().map(Ok))
                    .chain(reader.stream)
                    .inspect(move |c| {
                        if let Ok(c) = c {
                            c2.fetch_add(c.len() as u64, Ordering::Relaxed);
                        }
                    });
                sent_counter = Some(counted);
                Body::stream(rest, len)
            };
            let n = body.len();
            let resp = put(ctx, &plan.container, name, body, headers, None).await?;
            res.respond(resp);
            let n = match (n, sent_counter) {
                (Some(n), _) => n,
                (None, Some(c)) => c.load(Ordering::Relaxed),
                (None, None) => 0,
            };
            ctx.counters.sent(n);
            res.bytes = n;
            NewSegments::default()
        }
        Some(seg_size) => {
            let item = Item {
                ctx,
                plan,
                name,
                mtime: &mtime,
            };
            match upload_stream_segments(item, seg_size, &mut reader, headers.clone(), res).await? {
                Some(segs) => {
                    res.bytes = segs.iter().map(|s| s.size).sum();
                    finish_large(ctx, plan, name, headers, segs, res).await?
                }
                None => NewSegments::default(),
            }
        }
    };
    res.segments_deleted = clean_up(ctx, plan, name, old, &new).await?;
    Ok(Status::Completed)
}

/// Segments a stream on the fly. `Ok(None)` when it fitted in one segment and was uploaded
/// as a plain object.
async fn upload_stream_segments(
    item: Item<'_>,
    seg_size: u64,
    reader: &mut SegmentReader,
    headers: RequestHeaders,
    res: &mut TransferResult,
) -> crate::Result<Option<Vec<SegmentInfo>>> {
    let Item {
        ctx,
        plan,
        name,
        mtime,
    } = item;
    let in_flight = Arc::new(Semaphore::new(plan.opts.stream_segments_in_flight.max(1)));
    let failed = Arc::new(AtomicBool::new(false));
    let mut set: JoinSet<SegmentOutcome> = JoinSet::new();
    let stream_err = |e: io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("reading the data for {name} failed: {e}"),
        )
        .with_source(e)
    };
    let upload_id = format!("{mtime}-{}", unique_token());
    let mut index = 0usize;
    loop {
        // Holding a permit while reading bounds the buffers: in flight plus the one filling.
        let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let data = reader
            .read_segment(
                seg_size,
                plan.opts.stream_buffer,
                plan.opts.spool_dir.as_deref(),
            )
            .await
            .map_err(stream_err)?;
        if index == 0 && data.len < seg_size {
            // It fits in one segment: a plain object.
            let resp = put(
                ctx,
                &plan.container,
                name,
                data.body,
                headers,
                Some(data.md5),
            )
            .await?;
            res.respond(resp);
            ctx.counters.sent(data.len);
            res.bytes = data.len;
            return Ok(None);
        }
        if data.len == 0 {
            break;
        }
        check_segment_count(plan, name, index as u64 + 1)?;
        if index == 0 {
            plan.ensure_segment_container(ctx).await;
            // The id is new, so nothing should be listed under it; if something is (a clash,
            // or a planted object), a DLO would take it in: refuse rather than splice.
            let first = stream_segment_name(name, &upload_id, seg_size, 0, plan.use_slo);
            let prefix = segment_prefix(&first);
            let found = list_names(ctx.conn(), &plan.seg_container, &prefix).await?;
            if !found.is_empty() {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "refusing to upload the segments of {name}: {}/{prefix} already lists objects",
                        plan.seg_container
                    ),
                ));
            }
        }
        let info = SegmentInfo {
            index,
            container: plan.seg_container.clone(),
            name: stream_segment_name(name, &upload_id, seg_size, index, plan.use_slo),
            size: data.len,
            etag: None,
        };
        let last = data.len < seg_size;
        let seg_permit = Arc::clone(&ctx.engine.segments).acquire_owned().await.ok();
        let ctx2 = ctx.clone();
        let for_object = (plan.container.clone(), name.to_owned());
        let failed2 = Arc::clone(&failed);
        let pool = Arc::clone(&reader.pool);
        set.spawn(async move {
            let SegData {
                body, md5, memory, ..
            } = data;
            let out = put_segment(&ctx2, info, for_object, Ok(body), Some(md5)).await;
            recycle(&pool, memory);
            drop((permit, seg_permit));
            if out.is_err() {
                failed2.store(true, Ordering::Relaxed);
            }
            out
        });
        if last {
            break;
        }
        index += 1;
    }
    collect_segments(set, plan, name).await.map(Some)
}
