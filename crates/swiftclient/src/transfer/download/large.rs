//! SLOs (and DLOs whose listing checks out) fetched segment by segment, each checked against
//! its manifest entry: in parallel into a file, in order into other sinks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::numbers::hex;
use crate::object_body::Object;
use crate::options::RequestOptions;
use crate::transfer::engine::Ctx;
use crate::transfer::progress::{Status, TransferResult, Verification};
use crate::transfer::segments::Chunk;

use super::sink::{io_err, open_sink, Sink};
use super::{integrity, shown, Plan};

/// Downloads an SLO segment by segment (each GET resumable), checking each segment's ETag
/// and MD5 against the manifest. Into a file, the segments are fetched in parallel (bounded
/// by the engine's segment concurrency), each written at its offset through its own handle;
/// into a writer or stdout, one after the other.
pub(super) async fn download_segments(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    path: Option<&Path>,
    headers: &Headers,
    leaves: Vec<Chunk>,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let shown_name = shown(path, name);
    let mut sink = open_sink(plan, name, path, headers, None, res).await?;
    let total: u64 = leaves.iter().map(Chunk::len).sum();
    let mut retries = res.attempts.saturating_sub(1);
    let parallel = match &sink {
        Sink::File { tmp, .. } if leaves.len() > 1 && ctx.engine.opts.segment_concurrency > 1 => {
            Some(tmp.path.clone())
        }
        _ => None,
    };
    if let Some(tmp_path) = parallel {
        if let Sink::File { file, .. } = &mut sink {
            file.get_mut()
                .set_len(total)
                .await
                .map_err(|e| io_err("cannot write", &tmp_path, e))?;
        }
        let mut set: JoinSet<crate::Result<u32>> = JoinSet::new();
        let mut offset = 0u64;
        for (i, leaf) in leaves.iter().cloned().enumerate() {
            let Ok(permit) = Arc::clone(&ctx.engine.segments).acquire_owned().await else {
                break;
            };
            // A failure already reported by a finished task stops the rest early.
            while let Some(done) = set.try_join_next() {
                retries += joined(done)?;
            }
            let (ctx2, shown2, tmp2) = (ctx.clone(), shown_name.clone(), tmp_path.clone());
            let at = offset;
            offset += leaf.len();
            set.spawn(async move {
                let _permit = permit;
                let mut f = tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(&tmp2)
                    .await
                    .map_err(|e| io_err("cannot write", &tmp2, e))?;
                f.seek(std::io::SeekFrom::Start(at))
                    .await
                    .map_err(|e| io_err("cannot write", &tmp2, e))?;
                let mut out = SegmentOut::File(BufWriter::with_capacity(64 * 1024, f), tmp2);
                let attempts = fetch_segment(&ctx2, i, &leaf, &shown2, &mut out).await?;
                out.flush().await?;
                Ok(attempts.saturating_sub(1))
            });
        }
        while let Some(done) = set.join_next().await {
            retries += joined(done)?;
        }
    } else {
        for (i, leaf) in leaves.iter().enumerate() {
            let mut out = SegmentOut::Sink(&mut sink);
            let attempts = fetch_segment(ctx, i, leaf, &shown_name, &mut out).await?;
            retries += attempts.saturating_sub(1);
        }
    }
    res.bytes = total;
    res.attempts = retries + 1;
    res.verification = if ctx.checksum() {
        Verification::Segments(leaves.len())
    } else {
        Verification::Length
    };
    sink.finish(plan, name, headers, res).await?;
    Ok(Status::Completed)
}

fn joined(r: Result<crate::Result<u32>, tokio::task::JoinError>) -> crate::Result<u32> {
    match r {
        Ok(r) => r,
        Err(e) => Err(Error::new(
            ErrorKind::Io,
            format!("a segment download task failed: {e}"),
        )),
    }
}

/// Where the bytes of one segment go.
enum SegmentOut<'a> {
    /// The object's sink, in order.
    Sink(&'a mut Sink),
    /// A handle of its own on the temporary file, positioned at the segment's offset.
    File(BufWriter<tokio::fs::File>, PathBuf),
}

impl SegmentOut<'_> {
    async fn write(&mut self, data: Bytes) -> crate::Result<()> {
        match self {
            SegmentOut::Sink(s) => s.write(data).await,
            SegmentOut::File(f, p) => f
                .write_all(&data)
                .await
                .map_err(|e| io_err("cannot write", p, e)),
        }
    }

    async fn flush(&mut self) -> crate::Result<()> {
        match self {
            SegmentOut::Sink(_) => Ok(()),
            SegmentOut::File(f, p) => f.flush().await.map_err(|e| io_err("cannot write", p, e)),
        }
    }
}

/// GETs one segment (a range of it, when the manifest says so) into `out`, checking it
/// against its manifest entry; returns the attempts it took.
async fn fetch_segment(
    ctx: &Ctx,
    i: usize,
    leaf: &Chunk,
    shown_name: &str,
    out: &mut SegmentOut<'_>,
) -> crate::Result<u32> {
    let mut ro = RequestOptions::new();
    if let Some((a, b)) = leaf.range {
        ro = ro.header("Range", format!("bytes={a}-{b}"));
    }
    let seg = ctx
        .conn()
        .get_object_with(&leaf.container, &leaf.name, &ro)
        .await?;
    let seg_headers = seg.headers().clone();
    let whole = leaf.range.is_none();
    if whole && ctx.checksum() {
        if let Some(e) = seg_headers.etag() {
            if !e.eq_ignore_ascii_case(&leaf.hash) {
                return Err(integrity(
                    shown_name,
                    format!(
                        "segment {i} ({}/{}) has ETag {e} but the manifest says {}",
                        leaf.container, leaf.name, leaf.hash
                    ),
                    &seg_headers,
                ));
            }
        }
    }
    let Object { response, mut body } = seg;
    if !ctx.checksum() {
        body.skip_md5_check();
    }
    // A whole segment whose ETag matched the manifest is MD5-checked by the body itself;
    // hash here only when it is not (one pass over the data, not two).
    let mut h = (whole && ctx.checksum() && !body.verifies_md5()).then(Md5::new);
    let mut got = 0u64;
    while let Some(c) = body.chunk().await? {
        got += c.len() as u64;
        ctx.counters.received(c.len() as u64);
        if let Some(h) = h.as_mut() {
            h.update(&c);
        }
        out.write(c).await?;
    }
    if got != leaf.len() {
        return Err(integrity(
            shown_name,
            format!(
                "segment {i} ({}/{}): read {got} bytes, the manifest says {}",
                leaf.container,
                leaf.name,
                leaf.len()
            ),
            &seg_headers,
        ));
    }
    if let Some(h) = h {
        let md5 = hex(&h.finalize());
        if !md5.eq_ignore_ascii_case(&leaf.hash) {
            return Err(integrity(
                shown_name,
                format!(
                    "segment {i} ({}/{}): md5sum != etag, {md5} != {}",
                    leaf.container, leaf.name, leaf.hash
                ),
                &seg_headers,
            ));
        }
    }
    Ok(u32::try_from(response.attempts().len())
        .unwrap_or(u32::MAX)
        .max(body.attempts()))
}
