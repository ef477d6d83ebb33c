//! Bulk operations of Swift's `bulk` middleware: bulk delete (`POST ?bulk-delete`) and
//! archive extraction (`PUT ?extract-archive=tar`), with their JSON reports.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;
use crate::options::RequestOptions;
use crate::path::{quote, Target};
use crate::transfer::common::mtime_string;
use crate::transfer::common::run_blocking;
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, BulkReport, Status, TransferResult};
use crate::transfer::tar::{TarFile, TarLayout};
use crate::transport::body::Body;

/// Parses a bulk middleware report (JSON, possibly after keep-alive whitespace).
pub(crate) fn parse_report(body: &[u8]) -> Option<BulkReport> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let v: Value = serde_json::from_str(text).ok()?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let errors = v
        .get("Errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let pair = e.as_array()?;
                    let p = pair.first()?.as_str()?.to_owned();
                    let st = pair.get(1).map_or(String::new(), |x| match x.as_str() {
                        Some(s) => s.to_owned(),
                        None => x.to_string(),
                    });
                    Some((p, st))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(BulkReport {
        response_status: s("Response Status"),
        response_body: s("Response Body"),
        deleted: n("Number Deleted"),
        not_found: n("Number Not Found"),
        created: n("Number Files Created"),
        errors,
        objects: Vec::new(),
    })
}

/// One bulk-delete request for `names` in `container`: the request's result and one
/// [`Action::DeleteObject`] result per object (a missing object counts as deleted).
pub(crate) async fn bulk_delete(
    ctx: &Ctx,
    container: &str,
    names: Vec<String>,
    headers: RequestHeaders,
) -> (TransferResult, Vec<TransferResult>) {
    let mut res = TransferResult::new(Action::BulkDelete, Some(container), None);
    let paths: Vec<String> = names
        .iter()
        .map(|n| quote(&format!("/{container}/{n}")))
        .collect();
    let mut body = String::with_capacity(paths.iter().map(|p| p.len() + 1).sum());
    for p in &paths {
        body.push_str(p);
        body.push('\n');
    }
    let mut opts = RequestOptions::new()
        .headers(headers)
        .query_string("bulk-delete");
    opts.headers.set("Accept", "application/json");
    opts.headers.set("Content-Type", "text/plain");
    let outcome = ctx
        .conn()
        .post_account_with(&opts, Some(Bytes::from(body)))
        .await;
    let per_object = |res: &TransferResult, failure: &dyn Fn(usize) -> Option<String>| {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut r = TransferResult::new(Action::DeleteObject, Some(container), Some(n));
                r.attempts = res.attempts;
                match failure(i) {
                    None => r.finish(Status::Completed),
                    Some(msg) => r.fail(Error::new(
                        ErrorKind::Status,
                        format!("Error Deleting: {container}/{n}: {msg}"),
                    )),
                }
            })
            .collect::<Vec<_>>()
    };
    match outcome {
        Err(e) => {
            let msg = e.to_string();
            let res = res.fail(e);
            let objs = per_object(&res, &|_| Some(msg.clone()));
            (with_objects(res, names.clone()), objs)
        }
        Ok((resp, body)) => {
            res.respond(resp);
            let Some(report) = parse_report(&body) else {
                let err = if body.iter().all(u8::is_ascii_whitespace) {
                    "No content received on account POST. Is the bulk operations middleware enabled?"
                } else {
                    "The bulk delete report is not JSON"
                };
                let res = res.fail(Error::new(ErrorKind::Decode, err));
                let objs = per_object(&res, &|_| Some(err.to_owned()));
                return (with_objects(res, names.clone()), objs);
            };
            // An error without a per-object list (or a server error) leaves the other
            // objects in doubt: they are reported failed, a retry deletes them.
            let in_doubt = !report.response_body.is_empty()
                || report.response_status.starts_with('5')
                || report.response_status.is_empty();
            let objs = per_object(&res, &|i| {
                let p = &paths[i];
                let listed = report
                    .errors
                    .iter()
                    .find(|(ep, _)| ep == p || *ep == format!("/{container}/{}", names[i]));
                match listed {
                    Some((_, status)) => Some(status.clone()),
                    None if in_doubt => Some(format!(
                        "{} {}",
                        report.response_status, report.response_body
                    )),
                    None => None,
                }
            });
            let ok = report.is_success();
            let summary = format!("{} {}", report.response_status, report.response_body);
            let mut report = report;
            report.objects = names.clone();
            res.bulk = Some(report);
            let res = if ok {
                res.finish(Status::Completed)
            } else {
                res.fail(Error::new(
                    ErrorKind::Status,
                    format!("Bulk delete in {container} failed: {}", summary.trim()),
                ))
            };
            (res, objs)
        }
    }
}

fn with_objects(mut res: TransferResult, names: Vec<String>) -> TransferResult {
    let mut report = res.bulk.take().unwrap_or_default();
    report.objects = names;
    res.bulk = Some(report);
    res
}

/// What to extract: local files packed into tar archives on the fly, or an existing archive.
#[non_exhaustive]
pub enum ArchiveSource {
    /// Local files and their names in the archive (relative to the target).
    Files(Vec<(PathBuf, String)>),
    /// Every file under a directory, named by its path below it.
    Tree(PathBuf),
    /// An existing archive, sent as it is: its body and format (`tar`, `tar.gz`, `tar.bz2`).
    Archive(Body, String),
}

impl fmt::Debug for ArchiveSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveSource::Files(v) => write!(f, "Files({} files)", v.len()),
            ArchiveSource::Tree(p) => write!(f, "Tree({})", p.display()),
            ArchiveSource::Archive(b, fmt_) => write!(f, "Archive({b:?}, {fmt_})"),
        }
    }
}

/// Options of [`Transfer::extract_archive`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ArchiveOptions {
    /// Headers of the request; `X-Object-Meta-*`, `X-Delete-At` and `X-Delete-After` are
    /// applied to every extracted object by the cluster.
    pub headers: RequestHeaders,
    /// Files per generated archive; the archives are uploaded in parallel (bounded by the
    /// engine's object concurrency), as the cluster extracts each one sequentially.
    /// Default 1000.
    pub files_per_archive: usize,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            headers: RequestHeaders::new(),
            files_per_archive: 1000,
        }
    }
}

impl ArchiveOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Sets [`ArchiveOptions::files_per_archive`] (at least 1).
    pub fn files_per_archive(mut self, n: usize) -> Self {
        self.files_per_archive = n.max(1);
        self
    }
}

impl Transfer {
    /// Uploads files as tar archives that the cluster extracts (`PUT ?extract-archive=tar`),
    /// which python-swiftclient lacks: one request per archive instead of one per file.
    ///
    /// `target` is `container`, `container/prefix`, or empty for the account (then the first
    /// path component of each name is the container, and top-level files are ignored by the
    /// cluster). Generated archives have a known length and are replayed on retry; every
    /// object gets `X-Object-Meta-Mtime` from its file. Results: one
    /// [`Action::ExtractArchive`] per archive with the cluster's [`BulkReport`] (created
    /// count, per-file errors) and the names it contained.
    pub fn extract_archive(
        &self,
        target: &str,
        source: ArchiveSource,
        opts: &ArchiveOptions,
    ) -> crate::Result<Job> {
        let target = target.trim_matches('/');
        let dest = match target.split_once('/') {
            None if target.is_empty() => Target::Account,
            None => Target::container(target)?,
            Some((c, p)) => Target::object(c, p)?,
        };
        let (ctx, job) = self.start()?;
        let opts = opts.clone();
        Ctx::spawn_driver(ctx.clone(), Action::ExtractArchive, None, async move {
            drive_extract(ctx, dest, source, opts).await;
        });
        Ok(job)
    }
}

fn target_names(t: &Target) -> (Option<String>, Option<String>) {
    match t {
        Target::Account => (None, None),
        Target::Container(c) => (Some(c.clone()), None),
        Target::Object(c, o) => (Some(c.clone()), Some(o.clone())),
    }
}

async fn drive_extract(ctx: Ctx, dest: Target, source: ArchiveSource, opts: ArchiveOptions) {
    let (container, prefix) = target_names(&dest);
    let skeleton = || {
        TransferResult::new(
            Action::ExtractArchive,
            container.as_deref(),
            prefix.as_deref(),
        )
    };
    let files = match source {
        ArchiveSource::Archive(body, format) => {
            let Some(_permit) = ctx.permit(&ctx.engine.objects).await else {
                ctx.emit(skeleton().cancelled()).await;
                return;
            };
            let len = body.len().unwrap_or(0);
            let r = match ctx
                .abortable(extract_one(
                    &ctx,
                    &dest,
                    &format,
                    &opts.headers,
                    body,
                    Vec::new(),
                ))
                .await
            {
                Some(r) => r,
                None => skeleton().cancelled(),
            };
            if r.is_success() {
                ctx.counters.sent(len);
            }
            ctx.emit(r).await;
            return;
        }
        ArchiveSource::Files(v) => v,
        ArchiveSource::Tree(dir) => match run_blocking(move || walk_files(&dir)).await {
            Ok(v) => v,
            Err(e) => {
                ctx.emit(skeleton().fail(
                    Error::new(ErrorKind::Io, format!("cannot read the tree: {e}")).with_source(e),
                ))
                .await;
                return;
            }
        },
    };
    let described = match run_blocking(move || describe(files)).await {
        Ok(v) => v,
        Err(e) => {
            ctx.emit(skeleton().fail(
                Error::new(ErrorKind::Io, format!("cannot read a file: {e}")).with_source(e),
            ))
            .await;
            return;
        }
    };
    let described = Arc::new(described);
    let mut set = JoinSet::new();
    let per = opts.files_per_archive.max(1);
    for start in (0..described.len()).step_by(per) {
        let end = (start + per).min(described.len());
        let batch: Vec<TarFile> = described[start..end].to_vec();
        let names: Vec<String> = batch.iter().map(|f| f.name.clone()).collect();
        let mut sk = skeleton();
        sk.bulk = Some(BulkReport {
            objects: names.clone(),
            ..BulkReport::default()
        });
        let ctx2 = ctx.clone();
        let dest = dest.clone();
        let headers = opts.headers.clone();
        let work = async move {
            let layout = TarLayout::new(&batch);
            let len = layout.len();
            let body = Body::seekable(layout.reader(), 0, Some(len));
            let r = extract_one(&ctx2, &dest, "tar", &headers, body, names).await;
            if r.is_success() {
                ctx2.counters.sent(len);
            }
            r
        };
        if !ctx.schedule(&mut set, &ctx.engine.objects, sk, work).await {
            break;
        }
    }
    join_all(&mut set).await;
}

/// Every file under `dir`, named by its `/`-separated path below it, sorted.
fn walk_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let name = e.file_name();
            let name = name.to_str().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("file name {:?} is not UTF-8", e.path()),
                )
            })?;
            let child = if rel.is_empty() {
                name.to_owned()
            } else {
                format!("{rel}/{name}")
            };
            let link = e.file_type()?.is_symlink();
            let meta = match std::fs::metadata(e.path()) {
                Ok(m) => m,
                Err(_) if link => continue,
                Err(err) => return Err(err),
            };
            if meta.is_dir() {
                if !link {
                    stack.push((e.path(), child));
                }
            } else if meta.is_file() {
                out.push((e.path(), child));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn describe(files: Vec<(PathBuf, String)>) -> std::io::Result<Vec<TarFile>> {
    files
        .into_iter()
        .map(|(path, name)| {
            let m = std::fs::metadata(&path)?;
            let mt = m.modified().unwrap_or(UNIX_EPOCH);
            Ok(TarFile {
                size: m.len(),
                mtime: mtime_string(mt),
                mtime_secs: mt
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
                name: name.trim_start_matches('/').to_owned(),
                path,
            })
        })
        .collect()
}

/// One extract-archive request.
async fn extract_one(
    ctx: &Ctx,
    dest: &Target,
    format: &str,
    headers: &RequestHeaders,
    body: Body,
    names: Vec<String>,
) -> TransferResult {
    let (container, prefix) = target_names(dest);
    let mut res = TransferResult::new(
        Action::ExtractArchive,
        container.as_deref(),
        prefix.as_deref(),
    );
    res.bytes = body.len().unwrap_or(0);
    let mut opts = RequestOptions::new().headers(headers.clone());
    opts.headers.set("accept", "application/json");
    let path = match (&container, &prefix) {
        (None, _) => String::new(),
        (Some(c), None) => c.clone(),
        (Some(c), Some(p)) => format!("{c}/{p}"),
    };
    let (resp, text) = match ctx.conn().extract_archive(&path, format, body, &opts).await {
        Ok(x) => x,
        Err(e) => {
            res.bulk = Some(BulkReport {
                objects: names,
                ..BulkReport::default()
            });
            return res.fail(e);
        }
    };
    res.respond(resp);
    let Some(mut report) = parse_report(&text) else {
        res.bulk = Some(BulkReport {
            objects: names,
            ..BulkReport::default()
        });
        return res.fail(Error::new(
            ErrorKind::Decode,
            "No report received for the archive upload. Is the bulk operations middleware enabled?",
        ));
    };
    report.objects = names;
    let ok = report.is_success();
    let msg = format!(
        "Archive extraction failed: {} {}{}",
        report.response_status,
        report.response_body,
        report
            .errors
            .first()
            .map(|(p, s)| format!(" ({p}: {s}, {} errors)", report.errors.len()))
            .unwrap_or_default()
    );
    res.bulk = Some(report);
    if ok {
        res.finish(Status::Completed)
    } else {
        res.fail(Error::new(ErrorKind::Status, msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse_after_whitespace() {
        let r = parse_report(
            b"  \r\n\r\n{\"Response Status\": \"400 Bad Request\", \"Response Body\": \"\", \
              \"Number Deleted\": 2, \"Number Not Found\": 1, \
              \"Errors\": [[\"/c/o%20x\", \"409 Conflict\"]]}",
        )
        .unwrap();
        assert_eq!(r.deleted, 2);
        assert_eq!(r.not_found, 1);
        assert_eq!(
            r.errors,
            vec![("/c/o%20x".to_owned(), "409 Conflict".to_owned())]
        );
        assert!(!r.is_success());
        assert!(parse_report(b"").is_none());
        let ok = parse_report(
            br#"{"Response Status": "201 Created", "Number Files Created": 3, "Errors": []}"#,
        )
        .unwrap();
        assert!(ok.is_success());
        assert_eq!(ok.created, 3);
    }
}
