//! Pieces several transfer operations share (uploads, copies, deletes, archives), below all
//! of them: container creation, segment deletion, name listing, mtimes, blocking file work.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;
use tokio::task::JoinSet;

use crate::headers::RequestHeaders;
use crate::listing::ListOptions;
use crate::options::RequestOptions;
use crate::transfer::engine::Ctx;
use crate::transfer::progress::{Action, SegmentInfo, Status, TransferResult};
use crate::Connection;

/// `X-Object-Meta-Mtime` as python-swiftclient writes it (`"%f" % mtime`).
pub(crate) fn mtime_string(t: SystemTime) -> String {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => {
            let f = d.as_secs() as f64 + f64::from(d.subsec_nanos()) * 1e-9;
            format!("{f:.6}")
        }
        Err(e) => {
            let d = e.duration();
            let f = -(d.as_secs() as f64 + f64::from(d.subsec_nanos()) * 1e-9);
            format!("{f:.6}")
        }
    }
}

/// Creates a container (python-swiftclient's `_create_container_job`): with `headers`, plus
/// the storage policy of `policy_source` when given.
pub(crate) async fn create_container(
    ctx: &Ctx,
    container: &str,
    mut headers: RequestHeaders,
    policy_source: Option<&str>,
) -> TransferResult {
    let mut res = TransferResult::new(Action::CreateContainer, Some(container), None);
    let Some(_permit) = ctx.permit(&ctx.engine.containers).await else {
        return res.cancelled();
    };
    if let Some(src) = policy_source {
        match ctx.conn().head_container(src).await {
            Ok(h) => {
                if let Some(p) = h.headers().get("x-storage-policy") {
                    headers.set("X-Storage-Policy", p);
                }
            }
            Err(e) => {
                res.headers = headers;
                return res.fail(e);
            }
        }
    }
    res.headers = headers.clone();
    match ctx
        .conn()
        .put_container_with(container, &RequestOptions::from(headers))
        .await
    {
        Ok(resp) => {
            res.respond(resp);
            res.finish(Status::Completed)
        }
        Err(e) => res.fail(e),
    }
}

/// Every object name in `container` under `prefix`.
pub(crate) async fn list_names(
    conn: &Connection,
    container: &str,
    prefix: &str,
) -> crate::Result<Vec<String>> {
    conn.container_entries(container, ListOptions::new().prefix(prefix))
        .try_filter(|e| std::future::ready(!e.subdir))
        .map_ok(|e| e.name)
        .try_collect()
        .await
}

/// Deletes segments in parallel (bounded by the engine's segment concurrency), reporting each
/// as [`Action::DeleteSegment`] (a 404 counts as deleted). Returns how many were deleted and
/// whether all were.
pub(crate) async fn delete_segments(
    ctx: &Ctx,
    segments: Vec<(String, String)>,
    for_object: (String, String),
) -> (u64, bool) {
    let mut set: JoinSet<bool> = JoinSet::new();
    for (index, (c, o)) in segments.into_iter().enumerate() {
        let Ok(permit) = Arc::clone(&ctx.engine.segments).acquire_owned().await else {
            break;
        };
        let ctx = ctx.clone();
        let for_object = for_object.clone();
        set.spawn(async move {
            let _permit = permit;
            let mut res = TransferResult::new(Action::DeleteSegment, Some(&c), Some(&o));
            res.for_object = Some(for_object);
            res.segment = Some(SegmentInfo {
                index,
                container: c.clone(),
                name: o.clone(),
                size: 0,
                etag: None,
            });
            let r = match ctx.conn().delete_object(&c, &o).await {
                Ok(resp) => {
                    res.respond(resp);
                    res.finish(Status::Completed)
                }
                Err(e) if e.is_not_found() => {
                    res.attempts = e.attempts();
                    res.finish(Status::Completed)
                }
                Err(e) => res.fail(e),
            };
            let ok = r.is_success();
            ctx.emit(r).await;
            ok
        });
    }
    let mut deleted = 0;
    let mut all = true;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(true) => deleted += 1,
            _ => all = false,
        }
    }
    (deleted, all)
}

/// Runs blocking file work on Tokio's blocking pool.
pub(crate) async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(std::io::Error::other(e)),
    }
}
