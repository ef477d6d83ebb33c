//! Where the bytes of one object go ([`Sink`]): a file written under a temporary name, then
//! fsync'd, given its mode and mtime and renamed into place; a writer; stdout; or nowhere.
//! Also the checks that keep a download inside its output directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, ErrorKind};
use crate::headers::Headers;
use crate::transfer::common::run_blocking;
use crate::transfer::progress::TransferResult;
use crate::transfer::segments::DIR_MARKER_TYPES;

use super::options::DownloadTarget;
use super::Plan;

/// Objects up to this size are gathered in memory and written, fsync'd and renamed in one
/// blocking call: a file of a few KiB is not worth a thread hand-off per operation.
const SMALL_FILE_MAX: u64 = 256 * 1024;

/// Where the bytes of one object go.
pub(super) enum Sink {
    File {
        tmp: TempFile,
        file: BufWriter<tokio::fs::File>,
        dest: PathBuf,
    },
    /// A small file, created under its temporary name only when complete (see
    /// [`SMALL_FILE_MAX`]).
    SmallFile {
        tmp: TempFile,
        data: Vec<u8>,
        dest: PathBuf,
    },
    Writer(OwnedMutexGuard<Box<dyn AsyncWrite + Send + Unpin>>),
    Stdout {
        _lock: OwnedMutexGuard<()>,
    },
    Nothing,
}

/// A temporary file that is removed unless it was renamed into place.
pub(super) struct TempFile {
    pub(super) path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

static STDOUT: std::sync::OnceLock<Arc<Mutex<()>>> = std::sync::OnceLock::new();

fn temp_name(dest: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let base = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // NAME_MAX is 255 bytes: keep at most 100 bytes of the name (on a character boundary),
    // so that ".<base>.<pid>-<n>.swiftdl" always fits, whatever the script.
    let mut cut = base.len().min(100);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut base = base[..cut].to_owned();
    if base.is_empty() {
        base.push_str("download");
    }
    let n = N.fetch_add(1, Ordering::Relaxed);
    dest.with_file_name(format!(".{base}.{}-{n}.swiftdl", std::process::id()))
}

/// Where a verified download may be renamed to: the path itself, or the file a symbolic link
/// points to (the link stays a link). A device, FIFO or socket is never replaced by a file:
/// that is an error (write to it with [`DownloadTarget::Writer`] instead).
fn regular_destination(path: &Path) -> crate::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => {
                check_regular(&target)?;
                Ok(target)
            }
            // a dangling link: create the file it names, relative to the link's directory
            Err(_) => match std::fs::read_link(path) {
                Ok(t) if t.is_absolute() => Ok(t),
                Ok(t) => Ok(path.parent().map(|d| d.join(&t)).unwrap_or(t)),
                Err(e) => Err(io_err("cannot read the link", path, e)),
            },
        },
        Ok(_) => {
            check_regular(path)?;
            Ok(path.to_owned())
        }
        Err(_) => Ok(path.to_owned()),
    }
}

/// Checks that writing `path` (and creating its directories) stays under `root` once every
/// symbolic link on the way is resolved: a link planted in the output tree must not lead the
/// download elsewhere. A dangling link is refused too (where it points is not known).
fn stays_inside(root: &Path, path: &Path) -> crate::Result<()> {
    let Ok(root) = std::fs::canonicalize(root) else {
        // No output directory yet: nothing under it can be a link.
        return Ok(());
    };
    let mut probe = path;
    let existing = loop {
        if std::fs::symlink_metadata(probe).is_ok() {
            break Some(probe);
        }
        match probe.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe = p,
            _ => break None,
        }
    };
    let Some(existing) = existing else {
        return Ok(());
    };
    let outside = |why: &str| {
        Error::new(
            ErrorKind::Io,
            format!(
                "refusing to write {}: {why} (allow it with follow_symlinks)",
                path.display()
            ),
        )
    };
    match std::fs::canonicalize(existing) {
        Ok(real) if real.starts_with(&root) => Ok(()),
        Ok(real) => Err(outside(&format!(
            "a symbolic link leads out of the output directory, to {}",
            real.display()
        ))),
        Err(_) => Err(outside("a symbolic link on the way points nowhere")),
    }
}

fn check_regular(path: &Path) -> crate::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(Error::new(
            ErrorKind::Io,
            format!(
                "{} is not a regular file (a device, FIFO or socket): it is not replaced; \
                 download to a writer instead",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

pub(super) fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{what} {}: {e}", path.display())).with_source(e)
}

/// Opens the sink for an object whose response headers are `headers`; `size` is the length
/// of the data to come, when known.
pub(super) async fn open_sink(
    plan: &Plan,
    name: &str,
    path: Option<&Path>,
    headers: &Headers,
    size: Option<u64>,
    res: &mut TransferResult,
) -> crate::Result<Sink> {
    match &plan.opts.target {
        DownloadTarget::Writer(w) => Ok(Sink::Writer(Arc::clone(&w.0).lock_owned().await)),
        DownloadTarget::Stdout => {
            let lock = STDOUT.get_or_init(|| Arc::new(Mutex::new(())));
            Ok(Sink::Stdout {
                _lock: Arc::clone(lock).lock_owned().await,
            })
        }
        DownloadTarget::Discard => Ok(Sink::Nothing),
        DownloadTarget::Files | DownloadTarget::File(_) => {
            let Some(path) = path else {
                return Ok(Sink::Nothing);
            };
            let ct = headers
                .content_type()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim();
            let single = plan.single_file && matches!(plan.opts.target, DownloadTarget::File(_));
            if !single && !plan.opts.follow_symlinks {
                let root = plan.opts.out_directory.as_deref().unwrap_or(Path::new("."));
                stays_inside(root, path)?;
            }
            if DIR_MARKER_TYPES.contains(&ct) && !single {
                tokio::fs::create_dir_all(path)
                    .await
                    .map_err(|e| io_err("cannot create the directory", path, e))?;
                return Ok(Sink::Nothing);
            }
            if name.ends_with('/') && !single {
                res.pseudodir = true;
                tokio::fs::create_dir_all(path)
                    .await
                    .map_err(|e| io_err("cannot create the directory", path, e))?;
                return Ok(Sink::Nothing);
            }
            if let Some(small) = size.filter(|&n| n <= SMALL_FILE_MAX) {
                let path = regular_destination(path)?;
                return Ok(Sink::SmallFile {
                    tmp: TempFile {
                        path: temp_name(&path),
                        armed: false,
                    },
                    data: Vec::with_capacity(usize::try_from(small).unwrap_or(0)),
                    dest: path,
                });
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| io_err("cannot create the directory", dir, e))?;
            }
            let path = &regular_destination(path)?;
            let tmp_path = temp_name(path);
            let file = tokio::fs::OpenOptions::from(temp_options())
                .open(&tmp_path)
                .await
                .map_err(|e| io_err("cannot create", &tmp_path, e))?;
            Ok(Sink::File {
                tmp: TempFile {
                    path: tmp_path,
                    armed: true,
                },
                file: BufWriter::with_capacity(256 * 1024, file),
                dest: path.to_owned(),
            })
        }
    }
}

impl Sink {
    pub(super) async fn write(&mut self, data: Bytes) -> crate::Result<()> {
        match self {
            Sink::File { file, tmp, .. } => file
                .write_all(&data)
                .await
                .map_err(|e| io_err("cannot write", &tmp.path, e)),
            Sink::SmallFile { data: buf, .. } => {
                buf.extend_from_slice(&data);
                Ok(())
            }
            Sink::Writer(w) => w.write_all(&data).await.map_err(Error::from),
            Sink::Stdout { .. } => run_blocking(move || {
                let mut out = std::io::stdout().lock();
                out.write_all(&data)
            })
            .await
            .map_err(Error::from),
            Sink::Nothing => Ok(()),
        }
    }

    /// Completes the object: flush; for a file: fsync, mode, mtime, rename into place. An
    /// mtime that cannot be used is a warning in `res`, not a failure.
    pub(super) async fn finish(
        self,
        plan: &Plan,
        name: &str,
        headers: &Headers,
        res: &mut TransferResult,
    ) -> crate::Result<()> {
        let mtime = if plan.opts.ignore_mtime {
            None
        } else {
            mtime_of(name, headers, &mut res.warnings)
        };
        let fsync = plan.opts.fsync;
        match self {
            Sink::File {
                mut tmp,
                mut file,
                dest,
            } => {
                file.flush()
                    .await
                    .map_err(|e| io_err("cannot write", &tmp.path, e))?;
                let file = file.into_inner().into_std().await;
                let (tmp_path, dest2) = (tmp.path.clone(), dest.clone());
                let warning =
                    run_blocking(move || complete_file(file, &tmp_path, &dest2, fsync, mtime))
                        .await
                        .map_err(|e| io_err("cannot complete", &dest, e))?;
                tmp.armed = false;
                res.warnings.extend(warning);
                Ok(())
            }
            Sink::SmallFile {
                mut tmp,
                data,
                dest,
            } => {
                let (tmp_path, dest2) = (tmp.path.clone(), dest.clone());
                // Armed before the file exists, so that a failure part-way removes it.
                tmp.armed = true;
                let warning = run_blocking(move || {
                    Ok(write_small_file(&data, &tmp_path, &dest2, fsync, mtime))
                })
                .await
                .map_err(|e| io_err("cannot complete", &dest, e))??;
                tmp.armed = false;
                res.warnings.extend(warning);
                Ok(())
            }
            Sink::Writer(mut w) => w.flush().await.map_err(Error::from),
            Sink::Stdout { .. } => run_blocking(|| std::io::stdout().lock().flush())
                .await
                .map_err(Error::from),
            Sink::Nothing => Ok(()),
        }
    }
}

/// Creates the temporary file of a small download whole and makes it the download; each
/// step's error names the path it concerns, as the steps of a large download do.
fn write_small_file(
    data: &[u8],
    tmp_path: &Path,
    dest: &Path,
    fsync: bool,
    mtime: Option<SystemTime>,
) -> crate::Result<Option<String>> {
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err("cannot create the directory", dir, e))?;
    }
    let mut file = temp_options()
        .open(tmp_path)
        .map_err(|e| io_err("cannot create", tmp_path, e))?;
    std::io::Write::write_all(&mut file, data).map_err(|e| io_err("cannot write", tmp_path, e))?;
    complete_file(file, tmp_path, dest, fsync, mtime)
        .map_err(|e| io_err("cannot complete", dest, e))
}

/// How temporary download files are opened: a new file (never an existing one, never
/// through a link), readable by the owner only until it is complete.
fn temp_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// The mode a completed download gets: the replaced file's, or for a new file what the
/// process's umask leaves of 0666 (as `open()` would have made it).
#[cfg(unix)]
fn final_mode(dest: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(dest) {
        Ok(m) if m.is_file() => m.permissions().mode() & 0o777,
        _ => 0o666 & !crate::localfs::umask(),
    }
}

/// Makes a written temporary file the download: fsync (when asked), mode, mtime, rename,
/// and the directory's fsync. Returns a warning when the mtime could not be set.
fn complete_file(
    file: std::fs::File,
    tmp_path: &Path,
    dest: &Path,
    fsync: bool,
    mtime: Option<SystemTime>,
) -> std::io::Result<Option<String>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(final_mode(dest)))?;
    }
    if fsync {
        file.sync_all()?;
    }
    let mut warning = None;
    if let Some(t) = mtime {
        let times = std::fs::FileTimes::new().set_accessed(t).set_modified(t);
        if let Err(e) = file.set_times(times) {
            warning = Some(format!(
                "{}: the modification time could not be set: {e}",
                dest.display()
            ));
        }
    }
    drop(file);
    std::fs::rename(tmp_path, dest)?;
    if fsync {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
    }
    Ok(warning)
}

/// `X-Object-Meta-Mtime` as a time. Anyone who can write the object sets it, so a value
/// that is no usable time (`1e20`, `nan`, `-1`, text) is ignored with a warning.
fn mtime_of(name: &str, headers: &Headers, warnings: &mut Vec<String>) -> Option<SystemTime> {
    let text = headers.get("x-object-meta-mtime")?;
    let t = crate::numbers::parse_epoch_secs(text);
    if t.is_none() {
        warnings.push(format!(
            "{}: ignoring the unusable X-Object-Meta-Mtime {:?}",
            crate::path::escape_controls(name),
            crate::path::escape_controls(&text.chars().take(64).collect::<String>())
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtimes_parse_and_hostile_ones_warn() {
        use std::time::{Duration, UNIX_EPOCH};
        let mtime = |v: &str| {
            let mut h = Headers::new();
            h.append_raw("X-Object-Meta-Mtime", v);
            let mut warnings = Vec::new();
            let t = mtime_of("o", &h, &mut warnings);
            (t, warnings.len())
        };
        assert_eq!(
            mtime("1400000000.500000"),
            (
                Some(UNIX_EPOCH + Duration::from_millis(1_400_000_000_500)),
                0
            )
        );
        for bad in [
            "yesterday",
            "1e20",
            "-1",
            "nan",
            "inf",
            "1e400",
            "\u{1b}[2J",
        ] {
            assert_eq!(mtime(bad), (None, 1), "{bad:?}");
        }
        let mut warnings = Vec::new();
        assert_eq!(mtime_of("o", &Headers::new(), &mut warnings), None);
        assert!(warnings.is_empty(), "no header, no warning");
    }

    #[test]
    fn temporary_names_fit_name_max() {
        for base in [
            "a".repeat(255),
            "ü".repeat(127),
            "😀".repeat(63),
            "x".into(),
        ] {
            let t = temp_name(&Path::new("d").join(&base));
            let n = t.file_name().map_or(0, |n| n.len());
            assert!(n <= 255, "{} bytes for a {}-byte name", n, base.len());
        }
    }
}
