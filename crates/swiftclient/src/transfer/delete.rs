//! Deletes: objects, prefixes, containers, the whole account; large objects with their
//! segments; bulk delete when the cluster offers it.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, TryStreamExt};
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;
use crate::listing::ListOptions;
use crate::options::RequestOptions;
use crate::path::query_string;
use crate::transfer::bulk::bulk_delete;
use crate::transfer::common::{delete_segments, list_names};
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, Status, TransferResult};
use crate::transfer::segments::maybe_large;

/// Options of the delete operations (python-swiftclient's delete options).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct DeleteOptions {
    /// Delete only the manifests of large objects, not their segments (and skip the HEAD that
    /// finds them).
    pub leave_segments: bool,
    /// Only objects whose names start with this (a container is then not deleted itself).
    pub prefix: Option<String>,
    /// Delete every version of every object (listing with `versions`).
    pub versions: bool,
    /// The version to delete (`version-id=`), for [`Transfer::delete_objects`].
    pub version_id: Option<String>,
    /// Headers sent with every request.
    pub headers: RequestHeaders,
    /// Use bulk delete (`POST ?bulk-delete`) when the cluster offers it and there are more
    /// than twice `object_concurrency` objects. Default true.
    pub bulk: bool,
}

impl Default for DeleteOptions {
    fn default() -> Self {
        DeleteOptions {
            leave_segments: false,
            prefix: None,
            versions: false,
            version_id: None,
            headers: RequestHeaders::new(),
            bulk: true,
        }
    }
}

impl DeleteOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`DeleteOptions::leave_segments`].
    pub fn leave_segments(mut self, on: bool) -> Self {
        self.leave_segments = on;
        self
    }

    /// Sets [`DeleteOptions::prefix`].
    pub fn prefix(mut self, p: impl Into<String>) -> Self {
        self.prefix = Some(p.into());
        self
    }

    /// Sets [`DeleteOptions::versions`].
    pub fn versions(mut self, on: bool) -> Self {
        self.versions = on;
        self
    }

    /// Sets [`DeleteOptions::version_id`].
    pub fn version_id(mut self, v: impl Into<String>) -> Self {
        self.version_id = Some(v.into());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Sets [`DeleteOptions::bulk`].
    pub fn bulk(mut self, on: bool) -> Self {
        self.bulk = on;
        self
    }
}

impl Transfer {
    /// Deletes objects of `container` (those starting with `opts.prefix`, when given).
    ///
    /// Unless `leave_segments`, large objects go with their segments. Many objects (more than
    /// twice `object_concurrency`) are deleted with bulk requests when the cluster offers
    /// them; objects that a HEAD shows to be large are still deleted one by one, so that no
    /// segment is orphaned. Results: [`Action::DeleteObject`] per object (also for those in a
    /// bulk request), [`Action::BulkDelete`] per bulk request, [`Action::DeleteSegment`].
    pub fn delete_objects<I, S>(
        &self,
        container: &str,
        objects: I,
        opts: &DeleteOptions,
    ) -> crate::Result<Job>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        crate::path::check_container(container)?;
        let mut names: Vec<String> = objects.into_iter().map(Into::into).collect();
        if let Some(p) = &opts.prefix {
            names.retain(|n| n.starts_with(p.as_str()));
        }
        let (ctx, job) = self.start()?;
        let plan = Arc::new(DelPlan {
            container: container.to_owned(),
            opts: opts.clone(),
        });
        Ctx::spawn_driver(
            ctx.clone(),
            Action::DeleteObject,
            Some(container.to_owned()),
            async move {
                let items = names
                    .into_iter()
                    .map(|n| (n, plan.opts.version_id.clone()))
                    .collect();
                let mut set = JoinSet::new();
                delete_items(&ctx, &mut set, &plan, items, false).await;
                join_all(&mut set).await;
            },
        );
        Ok(job)
    }

    /// Deletes every object of `container` (or those under `opts.prefix`), then, without a
    /// prefix, the container itself ([`Action::DeleteContainer`]).
    pub fn delete_container(&self, container: &str, opts: &DeleteOptions) -> crate::Result<Job> {
        crate::path::check_container(container)?;
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        let opts = opts.clone();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::DeleteContainer,
            Some(container.clone()),
            async move {
                drive_container(&ctx, container, opts).await;
            },
        );
        Ok(job)
    }

    /// Deletes every container of the account with everything in it, one container after
    /// the other.
    pub fn delete_account(&self, opts: &DeleteOptions) -> crate::Result<Job> {
        if opts.prefix.is_some() {
            return Err(Error::invalid_input("Prefix specified without container"));
        }
        let (ctx, job) = self.start()?;
        let opts = opts.clone();
        Ctx::spawn_driver(ctx.clone(), Action::DeleteContainer, None, async move {
            let names: crate::Result<Vec<String>> = ctx
                .conn()
                .account_entries(ListOptions::new())
                .map_ok(|c| c.name)
                .try_collect()
                .await;
            match names {
                Ok(names) => {
                    for c in names {
                        if ctx.stopped() {
                            break;
                        }
                        drive_container(&ctx, c, opts.clone()).await;
                    }
                }
                Err(e) => {
                    let r = TransferResult::new(Action::ListAccount, None, None);
                    ctx.emit(r.fail(e)).await;
                }
            }
        });
        Ok(job)
    }
}

/// What one delete operation shares.
#[derive(Debug)]
struct DelPlan {
    container: String,
    opts: DeleteOptions,
}

/// The bulk-delete page size, when bulk delete is to be used for `count` objects.
async fn bulk_limit(ctx: &Ctx, opts: &DeleteOptions, count: usize) -> Option<usize> {
    if !opts.bulk || count <= 2 * ctx.engine.opts.object_concurrency {
        return None;
    }
    let caps = ctx.engine.capabilities().await?;
    if !caps.has("bulk_delete") {
        return None;
    }
    let limit = caps
        .limit("bulk_delete", "max_deletes_per_request")
        .unwrap_or(10_000);
    usize::try_from(limit.max(1)).ok()
}

/// Deletes `items` (name, version): in bulk when possible, else one by one. `classified`:
/// the caller already picked out the large objects (from a listing).
async fn delete_items(
    ctx: &Ctx,
    set: &mut JoinSet<()>,
    plan: &Arc<DelPlan>,
    items: Vec<(String, Option<String>)>,
    classified: bool,
) {
    let versioned = items.iter().any(|(_, v)| v.is_some());
    let limit = if versioned {
        None
    } else {
        bulk_limit(ctx, &plan.opts, items.len()).await
    };
    let Some(limit) = limit else {
        one_by_one(ctx, set, plan, items).await;
        return;
    };
    let names: Vec<String> = items.into_iter().map(|(n, _)| n).collect();
    let (plain, large) = if classified || plan.opts.leave_segments {
        (names, Vec::new())
    } else {
        classify(ctx, plan, names).await
    };
    one_by_one(
        ctx,
        set,
        plan,
        large.into_iter().map(|n| (n, None)).collect(),
    )
    .await;
    let groups = ctx.engine.opts.object_concurrency.max(1);
    for page in plain.chunks(limit) {
        let per_group = page.len().div_ceil(groups).max(1);
        for group in page.chunks(per_group) {
            if ctx.stopped() {
                break;
            }
            let names = group.to_vec();
            let mut skeleton = TransferResult::new(Action::BulkDelete, Some(&plan.container), None);
            skeleton.bulk = Some(crate::transfer::BulkReport {
                objects: names.clone(),
                ..Default::default()
            });
            let ctx2 = ctx.clone();
            let container = plan.container.clone();
            let headers = plan.opts.headers.clone();
            let work = async move {
                let (summary, per_object) = bulk_delete(&ctx2, &container, names, headers).await;
                for r in per_object {
                    ctx2.emit(r).await;
                }
                summary
            };
            if !ctx.schedule(set, &ctx.engine.objects, skeleton, work).await {
                return;
            }
        }
    }
}

/// Schedules one delete job per item.
async fn one_by_one(
    ctx: &Ctx,
    set: &mut JoinSet<()>,
    plan: &Arc<DelPlan>,
    items: Vec<(String, Option<String>)>,
) {
    let mut items = items.into_iter();
    while let Some((name, version)) = items.next() {
        let skeleton =
            TransferResult::new(Action::DeleteObject, Some(&plan.container), Some(&name));
        let work = delete_one(ctx.clone(), Arc::clone(plan), name, version);
        if !ctx.schedule(set, &ctx.engine.objects, skeleton, work).await {
            for (name, _) in items.by_ref() {
                let r =
                    TransferResult::new(Action::DeleteObject, Some(&plan.container), Some(&name));
                ctx.emit(r.cancelled()).await;
            }
            return;
        }
    }
}

/// HEADs the objects (in parallel) to split plain objects from large ones; an object whose
/// HEAD fails other than with 404 goes the one-by-one way, which reports the error.
async fn classify(
    ctx: &Ctx,
    plan: &Arc<DelPlan>,
    names: Vec<String>,
) -> (Vec<String>, Vec<String>) {
    let mut set: JoinSet<(String, bool)> = JoinSet::new();
    let mut plain = Vec::new();
    let mut large = Vec::new();
    let opts = RequestOptions::new()
        .headers(plan.opts.headers.clone())
        .query_string("symlink=get");
    for name in names {
        let Some(permit) = ctx.permit(&ctx.engine.objects).await else {
            break;
        };
        let conn = ctx.conn().clone();
        let container = plan.container.clone();
        let opts = opts.clone();
        set.spawn(async move {
            let _permit = permit;
            // A panic here counts as "large": the one-by-one way then reports on the object.
            let head = AssertUnwindSafe(conn.head_object_with(&container, &name, &opts));
            let large = match head.catch_unwind().await {
                Ok(Ok(h)) => {
                    h.headers().is_static_large_object() || h.headers().object_manifest().is_some()
                }
                Ok(Err(e)) => !e.is_not_found(),
                Err(_) => true,
            };
            (name, large)
        });
        while let Some(Ok((n, l))) = set.try_join_next() {
            if l {
                large.push(n)
            } else {
                plain.push(n)
            }
        }
    }
    while let Some(r) = set.join_next().await {
        if let Ok((n, l)) = r {
            if l {
                large.push(n)
            } else {
                plain.push(n)
            }
        }
    }
    (plain, large)
}

/// Deletes one object (python-swiftclient's `_delete_object`): HEAD (unless
/// `leave_segments`) to find a large object, DELETE (`multipart-manifest=delete` for an SLO,
/// whose report is checked), then a DLO's segments.
async fn delete_one(
    ctx: Ctx,
    plan: Arc<DelPlan>,
    name: String,
    version: Option<String>,
) -> TransferResult {
    let mut res = TransferResult::new(Action::DeleteObject, Some(&plan.container), Some(&name));
    match delete_object(&ctx, &plan, &name, version, &mut res).await {
        Ok(()) => res.finish(Status::Completed),
        Err(e) => res.fail(e),
    }
}

async fn delete_object(
    ctx: &Ctx,
    plan: &DelPlan,
    name: &str,
    version: Option<String>,
    res: &mut TransferResult,
) -> crate::Result<()> {
    let conn = ctx.conn();
    let mut old_manifest = None;
    let mut slo = false;
    if !plan.opts.leave_segments {
        let opts = RequestOptions::new()
            .headers(plan.opts.headers.clone())
            .query_string("symlink=get");
        match conn.head_object_with(&plan.container, name, &opts).await {
            Ok(h) => {
                old_manifest = h.headers().object_manifest().map(str::to_owned);
                slo = h.headers().is_static_large_object();
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    let mut params = Vec::new();
    if slo {
        params.push(("multipart-manifest", Some("delete".to_owned())));
    }
    if let Some(v) = version {
        params.push(("version-id", Some(v)));
    }
    let mut opts = RequestOptions::new()
        .headers(plan.opts.headers.clone())
        .query_string(query_string(&params));
    if slo {
        opts.headers.set("accept", "application/json");
    }
    let (resp, body) = conn
        .delete_object_report(&plan.container, name, &opts)
        .await?;
    res.respond(resp);
    if slo {
        res.large_object = true;
        let report = crate::transfer::bulk::parse_report(&body);
        if let Some(rep) = report {
            res.segments_deleted = rep.deleted.saturating_sub(1);
            if !rep.is_success() {
                let first = rep
                    .errors
                    .first()
                    .map(|(p, s)| format!(": {p}: {s}"))
                    .unwrap_or_default();
                let msg = format!(
                    "Object DELETE failed: {}/{name}: deleting the SLO and its segments answered {}{first}",
                    plan.container, rep.response_status
                );
                res.bulk = Some(rep);
                return Err(Error::new(ErrorKind::Status, msg));
            }
            res.bulk = Some(rep);
        }
    }
    if let Some(m) = old_manifest {
        res.large_object = true;
        let Some((c, prefix)) = m.split_once('/') else {
            res.dlo_segments_deleted = Some(false);
            return Ok(());
        };
        let prefix = format!("{}/", prefix.trim_end_matches('/'));
        let names = match list_names(conn, c, &prefix).await {
            Ok(n) => n,
            Err(e) => {
                res.dlo_segments_deleted = Some(false);
                return Err(e);
            }
        };
        let segs = names.into_iter().map(|n| (c.to_owned(), n)).collect();
        let (deleted, all) =
            delete_segments(ctx, segs, (plan.container.clone(), name.to_owned())).await;
        res.segments_deleted = deleted;
        res.dlo_segments_deleted = Some(all);
    }
    Ok(())
}

/// Deletes the objects of a container page by page, then the container (without a prefix).
async fn drive_container(ctx: &Ctx, container: String, opts: DeleteOptions) {
    let plan = Arc::new(DelPlan {
        container: container.clone(),
        opts,
    });
    let mut set = JoinSet::new();
    let mut list = ListOptions::new();
    list.headers = plan.opts.headers.clone();
    list.prefix = plan.opts.prefix.clone();
    if plan.opts.versions {
        list.query_string = Some("versions=true".into());
    }
    let mut failed_listing = None;
    loop {
        if ctx.stopped() {
            break;
        }
        let page = match ctx.conn().get_container(&container, &list).await {
            Ok(p) => p.entries,
            Err(e) => {
                failed_listing = Some(e);
                break;
            }
        };
        let Some(last) = page.last() else { break };
        if let Err(e) = crate::listing::advance(&mut list, last) {
            failed_listing = Some(e);
            break;
        }
        let mut plain = Vec::new();
        let mut large = Vec::new();
        for e in page.into_iter().filter(|e| !e.subdir) {
            let version = if plan.opts.versions {
                e.version_id.clone()
            } else {
                None
            };
            if version.is_some() || (!plan.opts.leave_segments && maybe_large(&e)) {
                large.push((e.name, version));
            } else {
                plain.push((e.name, None));
            }
        }
        one_by_one(ctx, &mut set, &plan, large).await;
        delete_items(ctx, &mut set, &plan, plain, true).await;
    }
    join_all(&mut set).await;
    let mut res = TransferResult::new(Action::DeleteContainer, Some(&container), None);
    if let Some(e) = failed_listing {
        ctx.emit(res.fail(e)).await;
        return;
    }
    if plan.opts.prefix.is_some() || ctx.stopped() {
        return;
    }
    let Some(_permit) = ctx.permit(&ctx.engine.containers).await else {
        return;
    };
    let opts = RequestOptions::from(plan.opts.headers.clone());
    // Object deletions reach the container listing asynchronously at times: a 409 right after
    // deleting everything is retried twice.
    let mut tries = 0;
    let r = loop {
        tries += 1;
        match ctx.conn().delete_container_with(&container, &opts).await {
            Err(e) if e.is_conflict() && tries < 3 => {
                ctx.conn().sleep(Duration::from_secs(1)).await;
            }
            r => break r,
        }
    };
    let r = match r {
        Ok(resp) => {
            res.respond(resp);
            res.finish(Status::Completed)
        }
        Err(e) => res.fail(e),
    };
    ctx.emit(r).await;
}
