//! `swift upload [options] <container> <file_or_directory>...` on the transfer engine.

use std::path::{Path, PathBuf};

use swiftclient::transfer::{
    Action, Transfer, TransferOptions, TransferResult, UploadObject, UploadOptions,
};

use super::{connect, service_headers, split_headers};
use crate::errors::{client_exception, CliError};
use crate::progress::Bar;
use crate::{CmdResult, Ctx};

const DEFAULT_STDIN_SEGMENT: u64 = 10 * 1024 * 1024;

fn usage(ctx: &Ctx<'_>, prefix: &str) -> CmdResult {
    if let Some(text) = crate::opts::command_usage("upload") {
        ctx.out.error(&format!("{prefix}{text}"));
    }
    Err(CliError::Reported)
}

/// `-S`: bytes, or a number with a `B`, `K`, `M` or `G` suffix.
fn segment_size(raw: &str) -> Result<i64, &'static str> {
    let size = match crate::argparse::py_int(raw) {
        Some(n) => n,
        None => {
            let mut chars = raw.chars();
            let last = chars.next_back().ok_or("Invalid segment size")?;
            let power = match last.to_ascii_uppercase() {
                'B' => 0,
                'K' => 1,
                'M' => 2,
                'G' => 3,
                _ => return Err("Invalid segment size"),
            };
            let n = crate::argparse::py_int(chars.as_str()).ok_or("Invalid segment size")?;
            n.checked_mul(1024i64.pow(power))
                .ok_or("Invalid segment size")?
        }
    };
    if size <= 0 {
        return Err("segment-size should be positive");
    }
    Ok(size)
}

/// The files under `dir` and its empty directories, as python's `os.walk` finds them
/// (top-down; links to directories are listed but not entered).
fn walk(dir: &Path, files: &mut Vec<String>, markers: &mut Vec<String>, top: &str) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(String, bool)> = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false)
            || (e.file_type().map(|t| t.is_symlink()).unwrap_or(false)
                && std::fs::metadata(e.path())
                    .map(|m| m.is_dir())
                    .unwrap_or(false));
        entries.push((name, is_dir));
    }
    entries.sort();
    if entries.is_empty() {
        markers.push(top.to_owned());
        return;
    }
    for (name, is_dir) in &entries {
        if !is_dir {
            files.push(join(top, name));
        }
    }
    for (name, is_dir) in &entries {
        if *is_dir {
            let child = dir.join(name);
            let link = std::fs::symlink_metadata(&child)
                .map(|m| m.file_type().is_symlink())
                .unwrap_or(false);
            if !link {
                walk(&child, files, markers, &join(top, name));
            }
        }
    }
}

/// Python's `os.path.join(a, b)` for a relative `b`.
fn join(a: &str, b: &str) -> String {
    if a.is_empty() || a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// The object name python-swiftclient gives a path: leading `/` removed.
fn object_name(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

pub async fn run(ctx: Ctx<'_>) -> CmdResult {
    let ns = &ctx.ns;
    let args = &ctx.args;
    if args.len() < 2 {
        return usage(&ctx, "");
    }
    let container = args[0].clone();
    let files = &args[1..];
    let from_stdin = files.iter().any(|f| f == "-");
    if from_stdin && files.len() > 1 {
        ctx.out
            .error("upload from stdin cannot be used along with other files");
        return Err(CliError::Reported);
    }
    let object_name_opt = ns.str("object_name").map(str::to_owned);
    if object_name_opt.is_some() {
        if files.len() > 1 {
            ctx.out.error("object-name only be used with 1 file or dir");
            return Err(CliError::Reported);
        }
    } else if from_stdin {
        ctx.out
            .error("object-name must be specified with uploads from stdin");
        return Err(CliError::Reported);
    }
    let mut seg_size: Option<u64> = None;
    if let Some(raw) = ns.nonempty("segment_size") {
        match segment_size(raw) {
            Ok(n) => seg_size = Some(n as u64),
            Err(msg) => {
                ctx.out.error(msg);
                return Err(CliError::Reported);
            }
        }
    }
    if ns.int("object_threads") <= 0 {
        return usage(
            &ctx,
            "ERROR: option --object-threads should be a positive integer.\n\n",
        );
    }
    if ns.int("segment_threads") <= 0 {
        return usage(
            &ctx,
            "ERROR: option --segment-threads should be a positive integer.\n\n",
        );
    }
    let mut use_slo = match ns.get("use_slo") {
        crate::argparse::Val::Bool(b) => Some(*b),
        _ => None,
    };
    if from_stdin {
        if use_slo.is_none() {
            use_slo = Some(true);
        }
        if seg_size.is_none() {
            seg_size = Some(DEFAULT_STDIN_SEGMENT);
        }
    }
    let mut opts = UploadOptions::new();
    let header = service_headers(&ns.list("header"), "")?;
    // A bad -m item fails every object (after the container is created), as in the reference.
    let meta_error = match split_headers(&ns.list("meta"), "X-Object-Meta-") {
        Ok(meta) => {
            opts.headers = meta;
            None
        }
        Err(msg) => Some(format!("ValueError({})", crate::pyfmt::py_repr_str(&msg))),
    };
    for (k, v) in header.iter() {
        opts.headers.set(k, v);
    }
    opts.segment_size = seg_size;
    opts.use_slo = use_slo;
    opts.segment_container = ns.str("segment_container").map(str::to_owned);
    opts.leave_segments = ns.truthy("leave_segments");
    opts.changed = ns.truthy("changed");
    opts.skip_identical = ns.truthy("skip_identical");
    opts.skip_container_put = ns.truthy("skip_container_put");

    // Collect the sources as the reference does (missing paths are reported and skipped).
    let mut objects: Vec<UploadObject> = Vec::new();
    let mut total_bytes: u64 = 0;
    let mut marker_names: std::collections::HashMap<String, String> = Default::default();
    if from_stdin {
        let name = object_name_opt.clone().unwrap_or_default();
        objects.push(UploadObject::reader(name, tokio::io::stdin(), None));
    } else {
        let mut paths: Vec<String> = Vec::new();
        let mut markers: Vec<String> = Vec::new();
        for f in files {
            let p = Path::new(f);
            match std::fs::metadata(p) {
                Ok(m) if m.is_file() => {
                    total_bytes += m.len();
                    paths.push(f.clone());
                }
                Ok(m) if m.is_dir() => walk(p, &mut paths, &mut markers, f),
                _ => ctx.out.error(&format!("Local file '{f}' not found")),
            }
        }
        let rename = |p: &str| -> String {
            match (&object_name_opt, files.first()) {
                (Some(new), Some(orig)) => p.replacen(orig.as_str(), new, 1),
                _ => object_name(p),
            }
        };
        for p in &paths {
            if let Ok(m) = std::fs::metadata(p) {
                if !files.contains(p) {
                    total_bytes += m.len();
                }
            }
            objects.push(UploadObject::file_as(PathBuf::from(p), rename(p)));
        }
        for d in &markers {
            let name = rename(d);
            // The reference reports a directory marker under the name it was given (with a
            // leading "./"), though the object is stored without it.
            if let Some(stripped) = name.strip_prefix("./") {
                if !container.contains('/') {
                    marker_names.insert(stripped.to_owned(), name.clone());
                }
            }
            objects.push(UploadObject::dir_marker_for(PathBuf::from(d), name));
        }
    }
    let count = objects.len() as u64;

    let c = connect(&ctx)?;
    if let Some(msg) = meta_error {
        if !opts.skip_container_put {
            let mut h = swiftclient::RequestHeaders::new();
            if let Some(p) = opts.headers.get("x-storage-policy") {
                h.set("X-Storage-Policy", p);
            }
            let container_name = container.split('/').next().unwrap_or(&container);
            if let Err(e) = c
                .conn
                .put_container_with(container_name, &swiftclient::RequestOptions::from(h))
                .await
            {
                ctx.out.warning(&format!(
                    "Warning: failed to create container '{container_name}': {} {}",
                    e.status().unwrap_or(0),
                    e.reason().unwrap_or("")
                ));
            }
        }
        for _ in 0..count {
            ctx.out.error(&msg);
        }
        c.save_token();
        return Ok(());
    }
    let topts = TransferOptions::new()
        .object_concurrency(ns.int("object_threads") as usize)
        .segment_concurrency(ns.int("segment_threads") as usize)
        .checksum(ns.truthy("checksum"));
    let transfer = Transfer::with_options(c.conn.clone(), topts);
    if !opts.skip_container_put {
        create_containers(&ctx, &c.conn, &container, &opts).await;
        // The containers are made as the reference makes them (the segment container up
        // front whenever a segment size is set); the engine need not try again.
        opts.skip_container_put = true;
    }
    let mut job = match transfer.upload(&container, objects, &opts) {
        Ok(j) => j,
        Err(e) => {
            c.save_token();
            return Err(CliError::Swift {
                value: e.to_string(),
                txn: None,
            });
        }
    };
    let bar = crate::progress::wanted();
    if bar {
        let mut b = Bar::new("uploading");
        b.total = Some(count);
        b.total_bytes = (!from_stdin).then_some(total_bytes);
        ctx.out.set_bar(Some(b));
    }
    let verbose = ns.int("verbose");
    while let Some(r) = job.next_result().await {
        if bar {
            let p = job.progress();
            ctx.out.update_bar(|b| {
                b.bytes = p.bytes_sent;
                if matches!(r.action, Action::UploadObject | Action::CreateDirMarker) {
                    b.done += 1;
                }
            });
        }
        let shown = match (r.action, r.object.as_deref()) {
            (Action::CreateDirMarker, Some(o)) => marker_names.get(o).map(String::as_str),
            _ => None,
        };
        report(&ctx, &container, &r, verbose, shown);
    }
    ctx.out.set_bar(None);
    c.save_token();
    Ok(())
}

fn report(ctx: &Ctx<'_>, container: &str, r: &TransferResult, verbose: i64, shown: Option<&str>) {
    let has_object = matches!(
        r.action,
        Action::UploadObject | Action::CreateDirMarker | Action::DeleteSegment
    );
    if r.is_success() {
        if verbose == 0 {
            return;
        }
        let name = shown.or(r.object.as_deref()).unwrap_or("");
        if r.attempts > 1 {
            if has_object {
                ctx.out
                    .print(&format!("{name} [after {} attempts]", r.attempts));
            }
        } else if has_object {
            ctx.out.print(name);
        } else if r.action == Action::UploadSegment {
            if let (Some((_, obj)), Some(seg)) = (&r.for_object, &r.segment) {
                ctx.out.print(&format!("{obj} segment {}", seg.index));
            }
        }
        return;
    }
    if r.status == swiftclient::transfer::Status::Cancelled {
        return;
    }
    let Some(err) = r.error() else { return };
    if r.action == Action::CreateContainer {
        let c = r.container.as_deref().unwrap_or(container);
        container_warning(
            ctx,
            c,
            err,
            r.headers.get("x-storage-policy"),
            container,
            r.object.as_deref(),
        );
        return;
    }
    ctx.out
        .error(&error_text(err, container, r.object.as_deref()));
    if err.status() == Some(413) && verbose > 0 {
        ctx.out
            .error("Consider using the --segment-size option to chunk the object");
    }
}

/// `Warning: failed to create container '<c>'...` as the reference words it.
fn container_warning(
    ctx: &Ctx<'_>,
    c: &str,
    err: &swiftclient::Error,
    policy: Option<&str>,
    container: &str,
    object: Option<&str>,
) {
    let msg = if err.status().is_some() {
        match policy {
            Some(p) => format!(" with Storage Policy {}", p.trim()),
            None => {
                let mut m = format!(
                    "{} {}",
                    err.status().unwrap_or(0),
                    err.reason().unwrap_or("")
                );
                if let Some(body) = err.body().filter(|b| !b.is_empty()) {
                    let head: String = body.chars().take(60).collect();
                    m.push_str(": ");
                    m.push_str(&head);
                }
                format!(": {m}")
            }
        }
    } else {
        format!(": {}", error_text(err, container, object))
    };
    ctx.out
        .warning(&format!("Warning: failed to create container '{c}'{msg}"));
}

/// python-swiftclient's container creation before an upload: the container (with the
/// `X-Storage-Policy` of `-H`, if any), then, with a segment size, the segment container
/// (with that policy, or the policy of the container, read with a HEAD).
async fn create_containers(
    ctx: &Ctx<'_>,
    conn: &swiftclient::Connection,
    target: &str,
    opts: &UploadOptions,
) {
    let container = target.split('/').next().unwrap_or(target);
    let policy = opts.headers.get("x-storage-policy").map(str::to_owned);
    let mut headers = swiftclient::RequestHeaders::new();
    if let Some(p) = &policy {
        headers.set("X-Storage-Policy", p.clone());
    }
    if let Err(e) = conn
        .put_container_with(
            container,
            &swiftclient::RequestOptions::from(headers.clone()),
        )
        .await
    {
        container_warning(ctx, container, &e, policy.as_deref(), container, None);
    }
    if opts.segment_size.is_none() {
        return;
    }
    let seg = opts
        .segment_container
        .clone()
        .unwrap_or_else(|| format!("{container}_segments"));
    if seg == container {
        return;
    }
    let mut seg_headers = headers;
    if policy.is_none() {
        match conn.head_container(container).await {
            Ok(h) => {
                if let Some(p) = h.headers().get("x-storage-policy") {
                    seg_headers.set("X-Storage-Policy", p);
                }
            }
            Err(e) => {
                container_warning(ctx, &seg, &e, None, container, None);
                return;
            }
        }
    }
    if let Err(e) = conn
        .put_container_with(&seg, &swiftclient::RequestOptions::from(seg_headers))
        .await
    {
        container_warning(ctx, &seg, &e, policy.as_deref(), container, None);
    }
}

/// `str(error)` as the reference prints a failed upload item.
fn error_text(err: &swiftclient::Error, container: &str, object: Option<&str>) -> String {
    let msg = err.message();
    if msg.starts_with("Aborting manifest creation") {
        return format!(
            "Aborting manifest creation because not all segments could be uploaded. {container}/{}",
            object.unwrap_or("")
        );
    }
    if err.status().is_some() {
        return client_exception(err, true);
    }
    if err.is_transport() {
        return crate::errors::network_error(err);
    }
    if let Some(rest) = msg.strip_prefix("Local file ") {
        // python's SwiftError text: repr of the message, then container and object.
        let path = rest
            .trim_end_matches(" not found")
            .trim_matches('"')
            .to_owned();
        return format!(
            "\"Local file '{path}' not found\" container:{container} object:{}",
            object.unwrap_or("")
        );
    }
    err.to_string()
}
