//! A tar archive of local files, generated on the fly for extract-archive uploads.
//!
//! The layout (headers in memory, file data by reference) is computed up front, so the length
//! is known and the archive is a seekable reader: the upload has a `Content-Length` and can be
//! replayed on retry without holding file data in memory. Headers are POSIX ustar; every file
//! gets a pax header carrying its mtime as `SCHILY.xattr.user.meta.mtime`, which Swift's bulk
//! middleware turns into `X-Object-Meta-Mtime` (so the objects look like those an upload
//! writes), and names or sizes that do not fit ustar go into pax records too.

use std::io::{self, SeekFrom};
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};

const BLOCK: u64 = 512;
const ZEROS: [u8; 1024] = [0u8; 1024];

/// One file to put in the archive.
#[derive(Clone, Debug)]
pub(crate) struct TarFile {
    /// The local file.
    pub path: PathBuf,
    /// The name in the archive (relative, `/`-separated).
    pub name: String,
    /// Its size now (the archive holds exactly this many bytes of it).
    pub size: u64,
    /// `X-Object-Meta-Mtime` for it.
    pub mtime: String,
    /// Whole seconds of the mtime, for the ustar header.
    pub mtime_secs: u64,
}

#[derive(Clone, Debug)]
enum Part {
    Mem(Bytes),
    File { path: PathBuf, len: u64 },
    Zeros(u64),
}

impl Part {
    fn len(&self) -> u64 {
        match self {
            Part::Mem(b) => b.len() as u64,
            Part::File { len, .. } => *len,
            Part::Zeros(n) => *n,
        }
    }
}

/// The archive: its parts with their offsets.
#[derive(Clone, Debug)]
pub(crate) struct TarLayout {
    parts: Vec<(u64, Part)>,
    total: u64,
}

fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let s = format!("{value:0width$o}");
    let bytes = s.as_bytes();
    let start = bytes.len().saturating_sub(width);
    field[..width].copy_from_slice(&bytes[start..]);
    field[width] = 0;
}

fn put(field: &mut [u8], s: &[u8]) {
    let n = s.len().min(field.len());
    field[..n].copy_from_slice(&s[..n]);
}

/// A 512-byte ustar header.
fn header(name: &[u8], prefix: &[u8], size: u64, mtime: u64, typeflag: u8) -> [u8; 512] {
    let mut h = [0u8; 512];
    put(&mut h[0..100], name);
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = typeflag;
    put(&mut h[257..263], b"ustar\0");
    put(&mut h[263..265], b"00");
    put(&mut h[345..500], prefix);
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(&s.as_bytes()[..8]);
    h
}

/// One pax record, `"<len> <key>=<value>\n"` where `<len>` counts the whole record.
fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    loop {
        let total = body.len() + len.to_string().len();
        if total == len {
            return format!("{len}{body}");
        }
        len = total;
    }
}

/// Splits a name into ustar `prefix` and `name` fields, when it fits.
fn split_name(name: &str) -> Option<(&str, &str)> {
    if name.len() <= 100 {
        return Some(("", name));
    }
    for (i, _) in name.match_indices('/') {
        let (p, n) = (&name[..i], &name[i + 1..]);
        if p.len() <= 155 && !n.is_empty() && n.len() <= 100 {
            return Some((p, n));
        }
    }
    None
}

fn padding(len: u64) -> u64 {
    (BLOCK - len % BLOCK) % BLOCK
}

impl TarLayout {
    /// Lays out `files` in order.
    pub(crate) fn new(files: &[TarFile]) -> TarLayout {
        let mut parts = Vec::new();
        let mut at = 0u64;
        let mut push = |p: Part, parts: &mut Vec<(u64, Part)>| {
            let n = p.len();
            if n > 0 {
                parts.push((at, p));
                at += n;
            }
        };
        for f in files {
            let mut pax = pax_record("SCHILY.xattr.user.meta.mtime", &f.mtime);
            let fits = split_name(&f.name);
            if fits.is_none() {
                pax.push_str(&pax_record("path", &f.name));
            }
            // ustar sizes have 11 octal digits.
            let big = f.size >= 1 << 33;
            if big {
                pax.push_str(&pax_record("size", &f.size.to_string()));
            }
            let pax_len = pax.len() as u64;
            let ph = header(b"././@PaxHeader", b"", pax_len, f.mtime_secs, b'x');
            push(Part::Mem(Bytes::copy_from_slice(&ph)), &mut parts);
            push(Part::Mem(Bytes::from(pax)), &mut parts);
            push(Part::Zeros(padding(pax_len)), &mut parts);
            let (prefix, name) = fits.unwrap_or(("", "long-name"));
            let size_field = if big { 0 } else { f.size };
            let h = header(
                name.as_bytes(),
                prefix.as_bytes(),
                size_field,
                f.mtime_secs,
                b'0',
            );
            push(Part::Mem(Bytes::copy_from_slice(&h)), &mut parts);
            push(
                Part::File {
                    path: f.path.clone(),
                    len: f.size,
                },
                &mut parts,
            );
            push(Part::Zeros(padding(f.size)), &mut parts);
        }
        push(Part::Zeros(1024), &mut parts);
        TarLayout { parts, total: at }
    }

    /// The archive's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.total
    }

    /// A reader of the archive from its start.
    pub(crate) fn reader(self) -> TarReader {
        TarReader {
            layout: self,
            pos: 0,
            open: None,
            opening: None,
        }
    }
}

type Opening = Pin<Box<dyn std::future::Future<Output = io::Result<tokio::fs::File>> + Send>>;

/// Reads a [`TarLayout`]: headers from memory, file data from the files. Seekable.
pub(crate) struct TarReader {
    layout: TarLayout,
    pos: u64,
    /// The file being read: (part index, file, position in the file).
    open: Option<(usize, tokio::fs::File, u64)>,
    /// A file being opened: (part index, offset in it, future).
    opening: Option<(usize, u64, Opening)>,
}

impl std::fmt::Debug for TarReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TarReader")
            .field("len", &self.layout.total)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl TarReader {
    fn part_at(&self, pos: u64) -> Option<usize> {
        let i = self
            .layout
            .parts
            .partition_point(|(start, _)| *start <= pos);
        let i = i.checked_sub(1)?;
        let (start, part) = &self.layout.parts[i];
        (pos < start + part.len()).then_some(i)
    }
}

impl AsyncRead for TarReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let Some(i) = this.part_at(this.pos) else {
                return Poll::Ready(Ok(())); // the end
            };
            let (start, part) = this.layout.parts[i].clone();
            let off = this.pos - start;
            let left = part.len() - off;
            let want = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(buf.remaining());
            match part {
                Part::Mem(b) => {
                    let o = usize::try_from(off).unwrap_or(usize::MAX);
                    buf.put_slice(&b[o..o + want]);
                    this.pos += want as u64;
                    return Poll::Ready(Ok(()));
                }
                Part::Zeros(_) => {
                    let n = want.min(ZEROS.len());
                    buf.put_slice(&ZEROS[..n]);
                    this.pos += n as u64;
                    return Poll::Ready(Ok(()));
                }
                Part::File { path, .. } => {
                    let ready = matches!(&this.open, Some((j, _, at)) if *j == i && *at == off);
                    if !ready {
                        this.open = None;
                        let stale =
                            !matches!(&this.opening, Some((j, at, _)) if *j == i && *at == off);
                        if stale {
                            let p = path.clone();
                            let fut: Opening = Box::pin(async move {
                                use tokio::io::AsyncSeekExt;
                                let mut f = tokio::fs::File::open(&p).await?;
                                f.seek(SeekFrom::Start(off)).await?;
                                Ok(f)
                            });
                            this.opening = Some((i, off, fut));
                        }
                        let Some((_, _, fut)) = this.opening.as_mut() else {
                            continue;
                        };
                        match fut.as_mut().poll(cx) {
                            Poll::Pending => return Poll::Pending,
                            Poll::Ready(Err(e)) => {
                                this.opening = None;
                                return Poll::Ready(Err(e));
                            }
                            Poll::Ready(Ok(f)) => {
                                this.opening = None;
                                this.open = Some((i, f, off));
                            }
                        }
                    }
                    let Some((_, file, at)) = this.open.as_mut() else {
                        continue;
                    };
                    let mut tmp = vec![0u8; want.min(256 * 1024)];
                    let mut rb = ReadBuf::new(&mut tmp);
                    match Pin::new(file).poll_read(cx, &mut rb) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Ready(Ok(())) => {
                            let n = rb.filled().len();
                            if n == 0 {
                                return Poll::Ready(Err(io::Error::new(
                                    io::ErrorKind::UnexpectedEof,
                                    format!("{} became shorter while archiving it", path.display()),
                                )));
                            }
                            buf.put_slice(rb.filled());
                            *at += n as u64;
                            this.pos += n as u64;
                            return Poll::Ready(Ok(()));
                        }
                    }
                }
            }
        }
    }
}

impl AsyncSeek for TarReader {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        let target = match position {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => this.layout.total.checked_add_signed(d),
            SeekFrom::Current(d) => this.pos.checked_add_signed(d),
        };
        match target {
            Some(t) => {
                this.pos = t;
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the archive",
            )),
        }
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncSeekExt};

    #[test]
    fn pax_records_count_themselves() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let r = pax_record("path", &"x".repeat(95));
        assert_eq!(r.len().to_string(), r.split(' ').next().unwrap_or(""));
    }

    #[test]
    fn header_checksum_and_fields() {
        let h = header(b"dir/f.txt", b"", 5, 1_700_000_000, b'0');
        assert_eq!(&h[257..263], b"ustar\0");
        assert_eq!(&h[124..136], b"00000000005\0");
        let stored = std::str::from_utf8(&h[148..154]).unwrap();
        let mut copy = h;
        copy[148..156].copy_from_slice(b"        ");
        let sum: u64 = copy.iter().map(|b| u64::from(*b)).sum();
        assert_eq!(u64::from_str_radix(stored, 8).unwrap(), sum);
        assert!(split_name(&format!("{}/{}", "p".repeat(120), "n".repeat(90))).is_some());
        assert!(split_name(&"n".repeat(120)).is_none());
    }

    #[tokio::test]
    async fn archive_reads_and_seeks() {
        let dir = std::env::temp_dir().join(format!("swiftclient-tar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a");
        std::fs::write(&a, b"hello").unwrap();
        let files = vec![
            TarFile {
                path: a.clone(),
                name: "x/a".into(),
                size: 5,
                mtime: "1.000000".into(),
                mtime_secs: 1,
            },
            TarFile {
                path: a,
                name: format!("{}/ü", "d".repeat(200)),
                size: 5,
                mtime: "2.000000".into(),
                mtime_secs: 2,
            },
        ];
        let layout = TarLayout::new(&files);
        let len = layout.len();
        assert_eq!(len % 512, 0);
        let mut r = layout.reader();
        let mut all = Vec::new();
        r.read_to_end(&mut all).await.unwrap();
        assert_eq!(all.len() as u64, len);
        assert_eq!(&all[1536..1541], b"hello");
        r.seek(SeekFrom::Start(1537)).await.unwrap();
        let mut two = [0u8; 2];
        r.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"el");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
