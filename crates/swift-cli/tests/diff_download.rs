//! `swift download` against the reference: containers, objects, `-o`, `-o -`, `-D`,
//! `--prefix` with `--remove-prefix`, `--skip-identical`, `--no-download`, large objects,
//! missing objects and containers, `--all`, and the usage errors. The progress lines are
//! compared with their timings normalised; the downloaded trees are compared byte by byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{normalise_sorted, tree_of, Cli, Pair};

fn fixtures(p: &Pair, src: &std::path::Path) {
    std::fs::create_dir_all(src.join("d/e")).unwrap();
    std::fs::create_dir_all(src.join("d/empty")).unwrap();
    std::fs::write(src.join("a.txt"), "hello\n").unwrap();
    std::fs::write(src.join("d/e/f.txt"), "x").unwrap();
    let big: Vec<u8> = (0..25_000u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write(src.join("big.bin"), big).unwrap();
    let a = Pair {
        a: p.a.clone().cwd(src),
        b: p.b.clone().cwd(src),
    };
    a.fixture(&["upload", "c", "a.txt", "d", "big.bin"]);
    a.fixture(&[
        "upload",
        "c",
        "big.bin",
        "-S",
        "10000",
        "--use-slo",
        "--object-name",
        "slo.bin",
    ]);
    a.fixture(&[
        "upload",
        "c",
        "big.bin",
        "-S",
        "9000",
        "--use-dlo",
        "--object-name",
        "dlo.bin",
    ]);
    a.fixture(&["upload", "other", "a.txt"]);
}

#[test]
fn downloads_and_trees() {
    if common::skip() {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let ra = tempfile::tempdir().unwrap();
    let rb = tempfile::tempdir().unwrap();
    let p = Pair::new();
    fixtures(&p, src.path());
    let p = p.cwd(ra.path(), rb.path());
    for args in [
        vec!["download", "c"],
        vec!["download", "c", "a.txt", "big.bin", "nope"],
        vec!["download", "c", "a.txt", "-o", "renamed.txt"],
        vec!["download", "c", "slo.bin", "-o", "slo-copy.bin"],
        vec![
            "download",
            "c",
            "-D",
            "outdir",
            "-p",
            "d/",
            "--remove-prefix",
        ],
        vec!["download", "c", "-D", "outdir2/", "-p", "d/e"],
        vec!["download", "c", "-p", "d/", "-r", "--no-shuffle"],
        vec!["download", "c", "--no-download"],
        vec![
            "download",
            "--skip-identical",
            "c",
            "a.txt",
            "big.bin",
            "slo.bin",
            "dlo.bin",
        ],
        vec!["download", "--all", "-D", "everything"],
        vec![
            "download",
            "c",
            "--ignore-checksum",
            "a.txt",
            "--ignore-mtime",
        ],
        vec![
            "download",
            "c",
            "a.txt",
            "-H",
            "Range: bytes=1-3",
            "-o",
            "part.txt",
        ],
        vec![
            "download",
            "c",
            "--object-threads",
            "1",
            "--container-threads",
            "1",
            "-m",
            "b",
        ],
    ] {
        p.assert_same_sorted(&args);
        assert_eq!(tree_of(ra.path()), tree_of(rb.path()), "after {args:?}");
    }
    // `-o` through a symbolic link writes the link's target, as python's open() does (the
    // link stays a link).
    for dir in [ra.path(), rb.path()] {
        std::fs::write(dir.join("target.txt"), "old").unwrap();
        std::os::unix::fs::symlink("target.txt", dir.join("link.txt")).unwrap();
    }
    p.assert_same_sorted(&["download", "c", "a.txt", "-o", "link.txt"]);
    assert_eq!(tree_of(ra.path()), tree_of(rb.path()));
    for dir in [ra.path(), rb.path()] {
        let meta = std::fs::symlink_metadata(dir.join("link.txt")).unwrap();
        assert!(meta.file_type().is_symlink());
        assert_eq!(std::fs::read(dir.join("target.txt")).unwrap(), b"hello\n");
    }
    // Raw bytes on stdout.
    for args in [
        vec!["download", "c", "big.bin", "-o", "-"],
        vec!["download", "c", "slo.bin", "-o", "-"],
        vec!["download", "c", "dlo.bin", "--output=-"],
    ] {
        let r = p.a.run_bytes(true, &args);
        let o = p.b.run_bytes(false, &args);
        assert_eq!((r.2, r.1.as_str()), (o.2, o.1.as_str()), "{args:?}");
        assert!(
            r.0 == o.0 && r.0.len() == 25_000,
            "{args:?}: {} vs {} bytes",
            r.0.len(),
            o.0.len()
        );
    }
    // mtimes are set from X-Object-Meta-Mtime, as by the reference.
    let ma = std::fs::metadata(ra.path().join("d/e/f.txt"))
        .unwrap()
        .modified()
        .unwrap();
    let mb = std::fs::metadata(rb.path().join("d/e/f.txt"))
        .unwrap()
        .modified()
        .unwrap();
    // Both set the file's mtime from the same `X-Object-Meta-Mtime` (python converts the
    // float to nanoseconds with rounding noise, so compare to the microsecond).
    let micros = |t: std::time::SystemTime| {
        let d = t.duration_since(std::time::UNIX_EPOCH).unwrap();
        (d.as_nanos() as f64 / 1000.0).round() as u128
    };
    let (ma, mb) = (micros(ma), micros(mb));
    assert!(ma.abs_diff(mb) <= 1, "mtimes {ma} vs {mb}");
}

#[test]
fn failures_and_usage() {
    if common::skip() {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let ra = tempfile::tempdir().unwrap();
    let rb = tempfile::tempdir().unwrap();
    let p = Pair::new();
    fixtures(&p, src.path());
    let p = p.cwd(ra.path(), rb.path());
    // Local files in the way: a file where a directory should be.
    for dir in [ra.path(), rb.path()] {
        std::fs::write(dir.join("d"), "in the way").unwrap();
    }
    for args in [
        vec!["download", "c", "d/e/f.txt"],
        vec!["download", "c", "a.txt", "-o", "no/such/dir/x"],
        vec!["download", "c", "a.txt", "-o", "d/x"],
        vec!["download", "nosuch"],
        vec!["download", "c", "nope"],
        vec!["download", "a/b"],
        vec!["download"],
        vec!["download", "-a", "c"],
        vec!["download", "c", "-o", "x"],
        vec!["download", "c", "a.txt", "-D", "x"],
        vec!["download", "c", "--version-id", "1"],
        vec!["download", "c", "--object-threads", "0"],
        vec!["download", "c", "--container-threads", "-2"],
    ] {
        p.assert_same_sorted(&args);
    }
    let wrong = Cli::main_account().env("ST_KEY", "wrong");
    wrong.assert_same_with(&["download", "c"], normalise_sorted);
}
