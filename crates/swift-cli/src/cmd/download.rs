//! `swift download [options] [container [object...]]` on the transfer engine.

use std::time::SystemTime;

use swiftclient::transfer::{
    Action, DownloadOptions, DownloadTarget, Status, Transfer, TransferOptions, TransferResult,
};

use super::{connect, slash_warning, split_headers};
use crate::errors::{client_exception, not_found, CliError};
use crate::progress::Bar;
use crate::pyfmt::py_repr_str;
use crate::{CmdResult, Ctx};

/// Segments of one large object downloaded at the same time (see `run`).
const DOWNLOAD_SEGMENT_STREAMS: usize = 2;

fn usage(ctx: &Ctx<'_>, prefix: &str) -> CmdResult {
    if let Some(text) = crate::opts::command_usage("download") {
        ctx.out.error(&format!("{prefix}{text}"));
    }
    Err(CliError::Reported)
}

/// The local path python-swiftclient reports for an object.
fn shown_path(ctx: &Ctx<'_>, container: &str, object: &str) -> String {
    let ns = &ctx.ns;
    let mut path = if ns.truthy("yes_all") {
        format!("{container}/{object}")
    } else {
        object.to_owned()
    };
    path = path.trim_start_matches('/').to_owned();
    if let (Some(prefix), true) = (ns.nonempty("prefix"), ns.truthy("remove_prefix")) {
        let cut: String = path.chars().skip(prefix.chars().count()).collect();
        path = cut.trim_start_matches('/').to_owned();
    }
    if let Some(dir) = ns.nonempty("out_directory") {
        path = if path.starts_with('/') {
            path
        } else if dir.ends_with('/') {
            format!("{dir}{path}")
        } else {
            format!("{dir}/{path}")
        };
    }
    path
}

fn secs(from: SystemTime, to: SystemTime) -> f64 {
    to.duration_since(from)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    let args = &ctx.args;
    let out_file = ns.str("out_file").map(str::to_owned);
    let to_stdout = out_file.as_deref() == Some("-");
    let verbose = if to_stdout { 0 } else { ns.int("verbose") };
    if out_file.is_some() && args.len() != 2 {
        return Err(CliError::Exit(
            "-o option only allowed for single file downloads".into(),
        ));
    }
    let remove_prefix = ns.truthy("remove_prefix") && ns.truthy("prefix");
    if ns.truthy("out_directory") && args.len() == 2 {
        return Err(CliError::Exit(
            "Please use -o option for single file downloads and renames".into(),
        ));
    }
    let yes_all = ns.truthy("yes_all");
    if (args.is_empty() && !yes_all) || (!args.is_empty() && yes_all) {
        return usage(&ctx, "");
    }
    if ns.str("version_id").is_some() && args.len() < 2 {
        return Err(CliError::Exit(
            "--version-id option only allowed for object downloads".into(),
        ));
    }
    if ns.int("object_threads") <= 0 {
        return usage(
            &ctx,
            "ERROR: option --object-threads should be a positive integer.\n\n",
        );
    }
    if ns.int("container_threads") <= 0 {
        return usage(
            &ctx,
            "ERROR: option --container-threads should be a positive integer.\n\n",
        );
    }
    let mut opts = DownloadOptions::new();
    opts.headers = split_headers(&ns.list("header"), "")
        .map_err(|value| CliError::Swift { value, txn: None })?;
    opts.prefix = ns.nonempty("prefix").map(str::to_owned);
    opts.remove_prefix = remove_prefix;
    opts.marker = ns.nonempty("marker").map(str::to_owned);
    opts.skip_identical = ns.truthy("skip_identical") && !to_stdout;
    opts.version_id = ns.str("version_id").map(str::to_owned);
    opts.ignore_mtime = ns.truthy("ignore_mtime");
    opts.out_directory = ns.nonempty("out_directory").map(Into::into);
    opts.follow_symlinks = ns.truthy("follow_symlinks");
    opts.target = if to_stdout {
        DownloadTarget::Stdout
    } else if ns.truthy("no_download") {
        DownloadTarget::Discard
    } else if let Some(f) = &out_file {
        if is_special(f) {
            // A device or FIFO (`-o /dev/stdout`, `-o /dev/null`), or a link to one: written
            // through, as python's open() does (the engine would refuse to replace it), but
            // opened only when the object's data arrives: a 404, an auth error or a broken
            // connection leaves it untouched.
            DownloadTarget::writer(LazyFile::new(f.into())).0
        } else {
            // A regular file, or a symbolic link to one (or to nothing yet): the engine
            // writes a temporary file and renames it onto the link's target once verified.
            DownloadTarget::File(f.into())
        }
    } else {
        DownloadTarget::Files
    };

    if let (Some(f), false, [container, object]) = (
        &out_file,
        to_stdout || ns.truthy("no_download"),
        args.as_slice(),
    ) {
        if let Some(text) = out_file_problem(f) {
            ctx.out.error(&format!(
                "Error downloading object '{container}/{object}': {text}\nFailed Transaction ID: unknown"
            ));
            return Err(CliError::Reported);
        }
    }
    let c = connect(&ctx)?;
    // python-swiftclient downloads a large object as one stream; we fetch its segments side
    // by side, DOWNLOAD_SEGMENT_STREAMS at a time: each stream holds about 1.2 MiB of buffers
    // (the HTTP client's read buffer and the file's write-behind), and on a loopback cluster
    // more streams are no faster (2.1-2.2 s for 512 MiB with 1 to 8 of them).
    let topts = TransferOptions::new()
        .object_concurrency(ns.int("object_threads") as usize)
        .container_concurrency(ns.int("container_threads") as usize)
        .segment_concurrency(DOWNLOAD_SEGMENT_STREAMS)
        .checksum(ns.truthy("checksum"));
    let transfer = Transfer::with_options(c.conn.clone(), topts);
    let job = match args.as_slice() {
        [] => transfer.download_account(&opts),
        [container, rest @ ..] => {
            if container.contains('/') {
                return slash_warning(&ctx, container);
            }
            if rest.is_empty() {
                transfer.download_container(container, &opts)
            } else {
                transfer.download_objects(container, rest.to_vec(), &opts)
            }
        }
    };
    let mut job = match job {
        Ok(j) => j,
        Err(e) => {
            return Err(CliError::Swift {
                value: e.to_string(),
                txn: None,
            })
        }
    };
    let bar = crate::progress::wanted() && !to_stdout;
    if bar {
        let mut b = Bar::new("downloading");
        if args.len() > 1 {
            b.total = Some(args.len() as u64 - 1);
        }
        ctx.out.set_bar(Some(b));
    }
    let mut fatal: Option<CliError> = None;
    while let Some(r) = job.next_result().await {
        if bar {
            let p = job.progress();
            ctx.out.update_bar(|b| {
                b.bytes = p.bytes_received;
                if r.action == Action::DownloadObject {
                    b.done += 1;
                }
            });
        }
        if let Some(e) = report(&ctx, &r, verbose) {
            fatal.get_or_insert(e);
        }
    }
    ctx.out.set_bar(None);
    ctx.out.flush();
    c.save_token();
    match fatal {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Prints one result; a failed listing ends the command as the reference's `SwiftError`.
fn report(ctx: &Ctx<'_>, r: &TransferResult, verbose: i64) -> Option<CliError> {
    let container = r.container.as_deref().unwrap_or("");
    match r.action {
        Action::ListContainer | Action::ListAccount => {
            let err = r.error()?;
            if not_found(err) {
                let value = if r.action == Action::ListAccount {
                    "Account not found".to_owned()
                } else {
                    format!("Container {} not found", py_repr_str(container))
                };
                return Some(CliError::swift(value, err));
            }
            // python-swiftclient's `except Exception as e: error(e)`: str() with the txn.
            ctx.out.error(&if err.status().is_some() {
                client_exception(err, true)
            } else if err.is_transport() {
                crate::errors::network_error(err)
            } else {
                err.to_string()
            });
            return None;
        }
        Action::DownloadObject => {}
        _ => return None,
    }
    let object = r.object.as_deref().unwrap_or("");
    let path = shown_path(ctx, container, object);
    match r.status {
        Status::Completed => {
            for w in &r.warnings {
                ctx.out.warning(&format!("Warning: {w}"));
            }
            if verbose == 0 {
                return None;
            }
            let t = &r.timing;
            let total = secs(t.started, t.finished);
            let headers = secs(t.started, t.headers_received.unwrap_or(t.finished));
            let auth = 0.0f64;
            let timing = if r.pseudodir || object.ends_with('/') {
                format!("auth {auth:.3}s, headers {headers:.3}s, total {total:.3}s, pseudo")
            } else {
                let down = (total - auth).max(1e-9);
                let speed = r.bytes as f64 / down / 1_000_000.0;
                format!(
                    "auth {auth:.3}s, headers {headers:.3}s, total {total:.3}s, {speed:.3} MB/s"
                )
            };
            if r.attempts > 1 {
                ctx.out
                    .print(&format!("{path} [{timing} after {} attempts]", r.attempts));
            } else {
                ctx.out.print(&format!("{path} [{timing}]"));
            }
        }
        Status::SkippedIdentical | Status::SkippedChanged => {
            for w in &r.warnings {
                ctx.out.warning(&format!("Warning: {w}"));
            }
            ctx.out.print(&format!("Skipped identical file '{path}'"));
        }
        Status::Failed => {
            let err = r.error()?;
            if not_found(err) {
                ctx.out
                    .error(&format!("Object '{container}/{object}' not found"));
                return None;
            }
            // python names the file it could not open: the -o file, else the object's path
            let os_path = match ctx.ns.str("out_file") {
                Some(f) if f != "-" => f.to_owned(),
                _ => path.clone(),
            };
            if let Some(text) = os_error_text(err, &os_path) {
                ctx.out.error(&format!(
                    "Error downloading object '{container}/{object}': {text}\nFailed Transaction ID: unknown"
                ));
                return None;
            }
            let text = if err.status().is_some() {
                client_exception(err, true)
            } else if err.is_transport() {
                crate::errors::network_error(err)
            } else {
                err.to_string()
            };
            // The engine asks for an SLO's manifest first; the reference GETs the object.
            let text = if ctx.ns.truthy("skip_identical") {
                text
            } else {
                text.replace("?multipart-manifest=get", "")
            };
            // python prints the exception's transaction_id: None for a ClientException
            // without one, `unknown` for other exceptions.
            let txn = match (err.trans_id(), err.status()) {
                (Some(t), _) => t.to_owned(),
                (None, Some(_)) => "None".to_owned(),
                (None, None) => "unknown".to_owned(),
            };
            ctx.out.error(&format!(
                "Error downloading object '{container}/{object}': {text}\nFailed Transaction ID: {txn}"
            ));
        }
        _ => {}
    }
    None
}

/// A local I/O failure as Python words an `OSError`: `[Errno 20] Not a directory: 'd/e'`.
fn os_error_text(err: &swiftclient::Error, shown: &str) -> Option<String> {
    if err.kind() != swiftclient::ErrorKind::Io {
        return None;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    let io = loop {
        let e = cur?;
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            break io;
        }
        cur = e.source();
    };
    io.raw_os_error()?;
    let display = io.to_string();
    let msg = err.message();
    let path = msg
        .strip_prefix("cannot create the directory ")
        .and_then(|rest| rest.strip_suffix(&format!(": {display}")))
        .unwrap_or(shown);
    Some(py_os_error(io, path))
}

/// `[Errno 20] Not a directory: 'd/e'`: an I/O error as Python's `OSError` prints.
fn py_os_error(e: &std::io::Error, path: &str) -> String {
    let errno = e.raw_os_error().unwrap_or(0);
    let display = e.to_string();
    let strerror = display
        .strip_suffix(&format!(" (os error {errno})"))
        .unwrap_or(&display);
    format!("[Errno {errno}] {strerror}: {}", py_repr_str(path))
}

/// python opens `-o FILE` itself, without creating its directory: a missing or non-directory
/// parent fails the download as `open()` fails.
fn out_file_problem(out_file: &str) -> Option<String> {
    let parent = std::path::Path::new(out_file).parent()?;
    if parent.as_os_str().is_empty() {
        return None;
    }
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => None,
        Ok(_) => Some(format!(
            "[Errno 20] Not a directory: {}",
            py_repr_str(out_file)
        )),
        Err(_) => Some(format!(
            "[Errno 2] No such file or directory: {}",
            py_repr_str(out_file)
        )),
    }
}

/// True when `path` is, or links to, something other than a regular file or a directory (a
/// device, a FIFO, a socket).
fn is_special(path: &str) -> bool {
    std::fs::metadata(path)
        .map(|m| !m.is_file() && !m.is_dir())
        .unwrap_or(false)
}

/// A file opened for writing on the first write or flush, not before: `-o /dev/fd/3` (or a
/// FIFO) is left alone until the object's data is there.
struct LazyFile {
    path: std::path::PathBuf,
    state: LazyState,
}

type OpenFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<tokio::fs::File>> + Send>>;

enum LazyState {
    Closed,
    Opening(OpenFuture),
    Open(tokio::fs::File),
}

impl LazyFile {
    fn new(path: std::path::PathBuf) -> Self {
        LazyFile {
            path,
            state: LazyState::Closed,
        }
    }

    /// Drives the open to completion; `Ready(Ok(()))` once the file is open.
    fn poll_open(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        loop {
            match &mut self.state {
                LazyState::Open(_) => return Poll::Ready(Ok(())),
                LazyState::Closed => {
                    let path = self.path.clone();
                    self.state = LazyState::Opening(Box::pin(async move {
                        tokio::fs::OpenOptions::new()
                            .write(true)
                            .create(true)
                            .truncate(true)
                            .open(path)
                            .await
                    }));
                }
                LazyState::Opening(fut) => match fut.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => {
                        self.state = LazyState::Closed;
                        return Poll::Ready(Err(e));
                    }
                    Poll::Ready(Ok(f)) => self.state = LazyState::Open(f),
                },
            }
        }
    }
}

impl tokio::io::AsyncWrite for LazyFile {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_open(cx))?;
        match &mut this.state {
            LazyState::Open(f) => std::pin::Pin::new(f).poll_write(cx, buf),
            _ => std::task::Poll::Ready(Err(std::io::ErrorKind::NotConnected.into())),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        // Reached when an object is complete: an empty object still makes an (empty) write.
        let this = self.get_mut();
        std::task::ready!(this.poll_open(cx))?;
        match &mut this.state {
            LazyState::Open(f) => std::pin::Pin::new(f).poll_flush(cx),
            _ => std::task::Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match &mut self.get_mut().state {
            LazyState::Open(f) => std::pin::Pin::new(f).poll_shutdown(cx),
            _ => std::task::Poll::Ready(Ok(())),
        }
    }
}
