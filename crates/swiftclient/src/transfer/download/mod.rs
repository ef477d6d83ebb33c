//! Downloads: objects, containers, prefixes, the whole account; to files (temporary name,
//! fsync, rename when verified, mtime restored), to a writer, to stdout, or nowhere; SLOs
//! verified segment by segment, DLOs against their segment listing.
//!
//! This module lists and schedules the objects and fetches each one, checking it as it
//! streams; `options` holds what callers choose, `sink` where the bytes go, and `large` the
//! segment-by-segment download of large objects.

mod large;
mod options;
mod sink;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use futures_util::StreamExt;
use md5::{Digest, Md5};
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::listing::ListOptions;
use crate::numbers::hex;
use crate::object_body::{Object, ObjectBody};
use crate::options::RequestOptions;
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, Status, TransferResult, Verification};
use crate::transfer::segments::{
    dlo_segments, file_matches, file_md5, large_object_etag, read_manifest, slo_leaves,
    PieceVerifier,
};

use large::download_segments;
pub use options::{DownloadOptions, DownloadTarget, SharedWriter};
use sink::open_sink;

/// What one download operation shares.
#[derive(Debug)]
struct Plan {
    opts: DownloadOptions,
    /// Local names are `<container>/<object>` (whole-account downloads).
    account_mode: bool,
    /// `target` is `File` and applies (exactly one object).
    single_file: bool,
}

impl Plan {
    fn to_files(&self) -> bool {
        matches!(
            self.opts.target,
            DownloadTarget::Files | DownloadTarget::File(_)
        )
    }
}

impl Transfer {
    /// Downloads the named objects of `container`.
    /// Results: one [`Action::DownloadObject`] per object.
    pub fn download_objects<I, S>(
        &self,
        container: &str,
        objects: I,
        opts: &DownloadOptions,
    ) -> crate::Result<Job>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        crate::path::check_container(container)?;
        let names: Vec<String> = objects.into_iter().map(Into::into).collect();
        let plan = Arc::new(Plan {
            single_file: names.len() == 1,
            opts: opts.clone(),
            account_mode: false,
        });
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::DownloadObject,
            Some(container.clone()),
            async move {
                let mut set = JoinSet::new();
                let mut names = names.into_iter();
                while let Some(n) = names.next() {
                    if !schedule(&ctx, &mut set, &plan, &container, n).await {
                        for n in names.by_ref() {
                            let r = TransferResult::new(
                                Action::DownloadObject,
                                Some(&container),
                                Some(&n),
                            );
                            ctx.emit(r.cancelled()).await;
                        }
                        break;
                    }
                }
                join_all(&mut set).await;
            },
        );
        Ok(job)
    }

    /// Downloads every object of `container` (from `marker`, under `prefix`), listing it page
    /// by page as the downloads go. A listing failure (such as a missing container) is
    /// reported as a failed [`Action::ListContainer`] result.
    pub fn download_container(
        &self,
        container: &str,
        opts: &DownloadOptions,
    ) -> crate::Result<Job> {
        crate::path::check_container(container)?;
        let plan = Arc::new(Plan {
            opts: opts.clone(),
            account_mode: false,
            single_file: false,
        });
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::ListContainer,
            Some(container.clone()),
            async move {
                let mut set = JoinSet::new();
                download_listing(&ctx, &mut set, &plan, &container).await;
                join_all(&mut set).await;
            },
        );
        Ok(job)
    }

    /// Downloads every container of the account, each into `<out_directory>/<container>/`.
    pub fn download_account(&self, opts: &DownloadOptions) -> crate::Result<Job> {
        let plan = Arc::new(Plan {
            opts: opts.clone(),
            account_mode: true,
            single_file: false,
        });
        let (ctx, job) = self.start()?;
        Ctx::spawn_driver(ctx.clone(), Action::ListAccount, None, async move {
            let mut set = JoinSet::new();
            let mut containers = std::pin::pin!(ctx.conn().account_entries(ListOptions::new()));
            while let Some(c) = containers.next().await {
                if ctx.stopped() {
                    break;
                }
                match c {
                    Ok(c) => download_listing(&ctx, &mut set, &plan, &c.name).await,
                    Err(e) => {
                        let r = TransferResult::new(Action::ListAccount, None, None);
                        ctx.emit(r.fail(e)).await;
                        break;
                    }
                }
            }
            join_all(&mut set).await;
        });
        Ok(job)
    }
}

async fn download_listing(ctx: &Ctx, set: &mut JoinSet<()>, plan: &Arc<Plan>, container: &str) {
    let mut list = ListOptions::new();
    list.prefix = plan.opts.prefix.clone();
    list.marker = plan.opts.marker.clone();
    list.headers = plan.opts.headers.clone();
    list.headers.remove("range");
    let mut entries = std::pin::pin!(ctx.conn().container_entries(container, list));
    while let Some(e) = entries.next().await {
        match e {
            Ok(e) if e.subdir => {}
            Ok(e) => {
                if !schedule(ctx, set, plan, container, e.name).await {
                    return;
                }
            }
            Err(e) => {
                let r = TransferResult::new(Action::ListContainer, Some(container), None);
                ctx.emit(r.fail(e)).await;
                return;
            }
        }
    }
}

async fn schedule(
    ctx: &Ctx,
    set: &mut JoinSet<()>,
    plan: &Arc<Plan>,
    container: &str,
    name: String,
) -> bool {
    let mut skeleton = TransferResult::new(Action::DownloadObject, Some(container), Some(&name));
    let path = local_path(plan, container, &name);
    skeleton.path = path.as_ref().ok().cloned().flatten();
    let work = download_one(
        ctx.clone(),
        Arc::clone(plan),
        container.to_owned(),
        name,
        path,
    );
    ctx.schedule(set, &ctx.engine.objects, skeleton, work).await
}

/// The local file of an object (python-swiftclient's rules), or `None` for non-file targets.
/// Names that would leave the output directory (`..`, absolute after stripping) are refused.
fn local_path(plan: &Plan, container: &str, name: &str) -> crate::Result<Option<PathBuf>> {
    if !plan.to_files() {
        return Ok(None);
    }
    if let (true, DownloadTarget::File(f)) = (plan.single_file, &plan.opts.target) {
        return Ok(Some(f.clone()));
    }
    let mut obj = name;
    if let (Some(p), true) = (plan.opts.prefix.as_deref(), plan.opts.remove_prefix) {
        obj = obj.strip_prefix(p).unwrap_or(obj).trim_start_matches('/');
    }
    let rel = if plan.account_mode {
        format!("{container}/{obj}")
    } else {
        obj.to_owned()
    };
    let rel = rel.trim_start_matches('/');
    let rel_path = Path::new(rel);
    if rel.is_empty()
        || rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::invalid_name(format!(
            "refusing to write object {container}/{name} outside the output directory"
        )));
    }
    let mut path = match &plan.opts.out_directory {
        Some(d) => d.join(rel_path),
        None => rel_path.to_path_buf(),
    };
    if rel.ends_with('/') {
        // Keep the trailing slash visible: a pseudo-directory.
        path.push("");
    }
    Ok(Some(path))
}

async fn download_one(
    ctx: Ctx,
    plan: Arc<Plan>,
    container: String,
    name: String,
    path: crate::Result<Option<PathBuf>>,
) -> TransferResult {
    let mut res = TransferResult::new(Action::DownloadObject, Some(&container), Some(&name));
    let path = match path {
        Ok(p) => p,
        Err(e) => return res.fail(e),
    };
    res.path = path.clone();
    match fetch(&ctx, &plan, &container, &name, path.as_deref(), &mut res).await {
        Ok(status) => res.finish(status),
        Err(e) => res.fail(e),
    }
}

/// How the data of one object will be checked while it streams.
enum Check {
    /// MD5 of everything against this ETag.
    Md5(String),
    /// Piece by piece against a DLO's segment listing.
    Pieces(PieceVerifier),
    /// Only the length (the core checks it).
    Length,
    /// Nothing.
    None,
}

fn query(plan: &Plan, manifest: bool) -> Option<String> {
    let mut q = Vec::new();
    if manifest {
        q.push("multipart-manifest=get".to_owned());
    }
    if let Some(v) = &plan.opts.version_id {
        q.push(format!("version-id={}", crate::path::quote(v)));
    }
    (!q.is_empty()).then(|| q.join("&"))
}

fn get_opts(plan: &Plan, manifest: bool, if_none_match: Option<&str>) -> RequestOptions {
    let mut o = RequestOptions::new().headers(plan.opts.headers.clone());
    o.query_string = query(plan, manifest);
    if let Some(m) = if_none_match {
        o.headers.set("If-None-Match", m);
    }
    o
}

fn looks_like_md5(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn fetch(
    ctx: &Ctx,
    plan: &Plan,
    container: &str,
    name: &str,
    path: Option<&Path>,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let conn = ctx.conn();
    let ranged = plan.opts.headers.contains("range");
    let skip_identical = plan.opts.skip_identical && path.is_some();
    let local_md5 = match (skip_identical, path) {
        (true, Some(p)) => file_md5(p.to_owned()).await,
        _ => None,
    };
    let manifest = (plan.opts.verify_segments && !ranged) || local_md5.is_some();
    let first = conn
        .get_object_with(
            container,
            name,
            &get_opts(plan, manifest, local_md5.as_deref()),
        )
        .await;
    let obj = match first {
        Ok(o) => o,
        Err(e) if e.status() == Some(304) => {
            let headers = e.headers().cloned().unwrap_or_default();
            res.attempts = e.attempts();
            if let (Some(m), Some(p)) = (headers.object_manifest(), path) {
                // An empty local file against a DLO manifest: compare with the segments.
                let chunks = dlo_segments(conn, m).await?;
                if file_matches(p, chunks).await.unwrap_or(false) {
                    return Ok(Status::SkippedIdentical);
                }
                let obj = conn
                    .get_object_with(container, name, &get_opts(plan, false, None))
                    .await?;
                return stream_object(ctx, plan, name, path, obj, Check::Length, res).await;
            }
            if headers.is_static_large_object() {
                let obj = conn
                    .get_object_with(container, name, &get_opts(plan, false, None))
                    .await?;
                return stream_object(ctx, plan, name, path, obj, Check::Length, res).await;
            }
            return Ok(Status::SkippedIdentical);
        }
        Err(e) => return Err(e),
    };
    res.timing.headers_received = Some(SystemTime::now());
    let headers = obj.headers().clone();
    if manifest && headers.is_static_large_object() {
        res.large_object = true;
        res.attempts = attempts_of(&obj);
        let body = read_manifest(obj).await?;
        let leaves = slo_leaves(conn, &body).await?;
        if let (Some(leaves), Some(p), true) = (&leaves, path, skip_identical) {
            if file_matches(p, leaves.clone()).await.unwrap_or(false) {
                return Ok(Status::SkippedIdentical);
            }
        }
        return match leaves {
            Some(leaves) if plan.opts.verify_segments => {
                download_segments(ctx, plan, name, path, &headers, leaves, res).await
            }
            _ => {
                let obj = conn
                    .get_object_with(container, name, &get_opts(plan, false, None))
                    .await?;
                stream_object(ctx, plan, name, path, obj, Check::Length, res).await
            }
        };
    }
    if let (true, Some(m)) = (manifest, headers.object_manifest()) {
        res.large_object = true;
        let chunks = dlo_segments(conn, m).await?;
        if let (Some(p), true) = (path, skip_identical) {
            if file_matches(p, chunks.clone()).await.unwrap_or(false) {
                return Ok(Status::SkippedIdentical);
            }
        }
        drop(obj);
        let listed = large_object_etag(chunks.iter().map(|c| c.hash.as_str()));
        let to_file = matches!(
            plan.opts.target,
            DownloadTarget::Files | DownloadTarget::File(_)
        ) && path.is_some();
        if to_file && plan.opts.verify_segments && ctx.checksum() && chunks.len() > 1 {
            // Into a file, the segments are fetched in parallel when the listing is the one
            // the cluster serves (its ETag is the MD5 of the listed segments' ETags).
            let head = conn
                .head_object_with(container, name, &get_opts(plan, false, None))
                .await?;
            if head.etag() == Some(listed.as_str()) {
                let headers = head.headers().clone();
                return download_segments(ctx, plan, name, path, &headers, chunks, res).await;
            }
        }
        let obj = conn
            .get_object_with(container, name, &get_opts(plan, false, None))
            .await?;
        let check = match obj.headers().etag() {
            Some(e) if plan.opts.verify_segments && ctx.checksum() && e == listed => Check::Pieces(
                PieceVerifier::new(chunks.iter().map(|c| (c.bytes, c.hash.clone())).collect()),
            ),
            _ => Check::Length,
        };
        return stream_object(ctx, plan, name, path, obj, check, res).await;
    }
    let large = headers.is_static_large_object() || headers.object_manifest().is_some();
    res.large_object = large;
    let check = match headers.etag() {
        _ if !ctx.checksum() => Check::None,
        Some(e) if !large && !headers.contains("content-range") && !ranged && looks_like_md5(e) => {
            Check::Md5(e.to_owned())
        }
        _ => Check::Length,
    };
    stream_object(ctx, plan, name, path, obj, check, res).await
}

fn attempts_of(obj: &Object) -> u32 {
    u32::try_from(obj.response.attempts().len())
        .unwrap_or(u32::MAX)
        .max(obj.body.attempts())
        .max(1)
}

fn integrity(path_or_name: &str, msg: String, headers: &Headers) -> Error {
    let txn = headers.trans_id().unwrap_or("unknown");
    Error::new(
        ErrorKind::Integrity,
        format!("Error downloading {path_or_name}: {msg} (txn: {txn})"),
    )
}

fn shown(path: Option<&Path>, name: &str) -> String {
    path.map_or_else(|| name.to_owned(), |p| p.display().to_string())
}

/// Streams one response into the sink, checking it as asked.
async fn stream_object(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    path: Option<&Path>,
    obj: Object,
    mut check: Check,
    res: &mut TransferResult,
) -> crate::Result<Status> {
    let Object { response, body } = obj;
    let headers = response.headers().clone();
    if res.timing.headers_received.is_none() {
        res.timing.headers_received = Some(SystemTime::now());
    }
    let mut body: ObjectBody = body;
    if matches!(check, Check::None) {
        body.skip_md5_check();
    }
    let size = headers
        .content_length()
        .filter(|_| !headers.contains("transfer-encoding"));
    let mut sink = open_sink(plan, name, path, &headers, size, res).await?;
    // A plain object's body checks its own MD5 when read whole; hash here only if it does not.
    let mut md5 = (matches!(check, Check::Md5(_)) && !body.verifies_md5()).then(Md5::new);
    let mut n = 0u64;
    let outcome: crate::Result<()> = async {
        while let Some(c) = body.chunk().await? {
            n += c.len() as u64;
            ctx.counters.received(c.len() as u64);
            if let Some(h) = md5.as_mut() {
                h.update(&c);
            }
            if let Check::Pieces(v) = &mut check {
                v.update(&c)
                    .map_err(|m| integrity(&shown(path, name), m, &headers))?;
            }
            sink.write(c).await?;
        }
        Ok(())
    }
    .await;
    res.bytes = n;
    res.attempts = res
        .attempts
        .max(u32::try_from(response.attempts().len()).unwrap_or(u32::MAX))
        .max(body.attempts());
    res.response = Some(response);
    outcome?;
    if let Some(len) = headers.content_length() {
        if !headers.contains("transfer-encoding") && n != len {
            return Err(integrity(
                &shown(path, name),
                format!("read_length != content_length, {n} != {len}"),
                &headers,
            ));
        }
    }
    res.verification = match check {
        Check::Md5(etag) => {
            // Without our own hasher the body compared the MD5 already (an error otherwise).
            if let Some(got) = md5.map(|h| hex(&h.finalize())) {
                if !got.eq_ignore_ascii_case(&etag) {
                    return Err(integrity(
                        &shown(path, name),
                        format!("md5sum != etag, {got} != {etag}"),
                        &headers,
                    ));
                }
            }
            Verification::Md5
        }
        Check::Pieces(v) => Verification::Segments(
            v.finish()
                .map_err(|m| integrity(&shown(path, name), m, &headers))?,
        ),
        Check::Length => Verification::Length,
        Check::None => Verification::None,
    };
    sink.finish(plan, name, &headers, res).await?;
    Ok(Status::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(opts: DownloadOptions, account_mode: bool) -> Plan {
        Plan {
            opts,
            account_mode,
            single_file: false,
        }
    }

    #[test]
    fn local_paths_like_python() {
        let p = plan(DownloadOptions::new().out_directory("out"), false);
        assert_eq!(
            local_path(&p, "c", "a/b c.txt").unwrap(),
            Some(PathBuf::from("out/a/b c.txt"))
        );
        assert_eq!(
            local_path(&p, "c", "/abs/x").unwrap(),
            Some(PathBuf::from("out/abs/x"))
        );
        assert!(local_path(&p, "c", "a/../../etc/passwd").is_err());
        let p = plan(
            DownloadOptions::new().prefix("example").remove_prefix(true),
            false,
        );
        assert_eq!(
            local_path(&p, "c", "example/test").unwrap(),
            Some(PathBuf::from("test"))
        );
        let p = plan(DownloadOptions::new(), true);
        assert_eq!(
            local_path(&p, "c", "o").unwrap(),
            Some(PathBuf::from("c/o"))
        );
        let p = plan(
            DownloadOptions::new().target(DownloadTarget::Discard),
            false,
        );
        assert_eq!(local_path(&p, "c", "o").unwrap(), None);
        let p = plan(DownloadOptions::new(), false);
        assert!(local_path(&p, "c", "dir/")
            .unwrap()
            .is_some_and(|p| p.to_string_lossy().ends_with('/')));
    }
}
