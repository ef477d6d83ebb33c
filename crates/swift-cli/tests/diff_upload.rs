//! `swift upload` against the reference: files, trees with empty directories, pseudo-folders,
//! `--object-name`, stdin, SLO and DLO segmenting (`-S` with units), re-uploads that replace
//! segments, `--changed`, `--skip-identical`, `--leave-segments`, headers and metadata, and
//! every usage error. Each CLI works in a private account of its own with the same fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{normalise_sorted, Cli, Pair};

fn local_tree(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("d/e")).unwrap();
    std::fs::create_dir_all(dir.join("d/empty")).unwrap();
    std::fs::write(dir.join("a.txt"), "hello\n").unwrap();
    std::fs::write(dir.join("d/e/f.txt"), "x").unwrap();
    let big: Vec<u8> = (0..25_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("big.bin"), big).unwrap();
    std::fs::write(dir.join("sp ace \u{e9}.txt"), "unicode").unwrap();
}

#[test]
fn files_trees_and_names() {
    if common::skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    local_tree(tmp.path());
    let p = Pair::new().cwd(tmp.path(), tmp.path());
    for args in [
        vec!["upload", "c", "a.txt"],
        vec!["upload", "c", "a.txt", "d", "sp ace \u{e9}.txt"],
        vec!["upload", "c", "missing", "a.txt"],
        vec!["upload", "c2", "missing"],
        vec!["upload", "c/pseudo/folder", "a.txt", "d"],
        vec!["upload", "c", "d", "--object-name", "renamed"],
        vec!["upload", "c", "a.txt", "--object-name", "other.txt"],
        vec!["upload", "c", "./a.txt"],
        vec!["upload", "c", "./d"],
        vec!["upload", "c", "d/"],
        vec!["upload", "c3", "."],
        vec![
            "upload",
            "c",
            "a.txt",
            "-m",
            "Color:Blue",
            "-H",
            "Content-Type: text/x-mine",
            "-H",
            "X-Object-Meta-Size: big",
        ],
        vec!["upload", "-q", "c", "a.txt"],
        vec!["upload", "--skip-container-put", "c", "a.txt"],
        vec!["upload", "c", "a.txt", "-m", "bad"],
        vec!["list", "-l", "c"],
        vec!["stat", "c", "a.txt"],
    ] {
        p.assert_same_sorted(&args);
    }
    // An absolute path loses its leading slash.
    let abs = tmp.path().join("a.txt");
    let abs = abs.to_str().unwrap();
    p.assert_same_sorted(&["upload", "c", abs]);
    p.assert_same_sorted(&["list", "c"]);
}

#[test]
fn large_objects_and_replacements() {
    if common::skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    local_tree(tmp.path());
    let p = Pair::new().cwd(tmp.path(), tmp.path());
    for args in [
        vec!["upload", "c", "big.bin", "-S", "10000", "--use-slo"],
        vec!["stat", "c", "big.bin"],
        vec!["list", "c_segments"],
        // The same file again (same mtime): nothing to delete.
        vec!["upload", "c", "big.bin", "-S", "10000", "--use-slo"],
        vec![
            "upload",
            "c",
            "big.bin",
            "-S",
            "10K",
            "--use-dlo",
            "--object-name",
            "dlo.bin",
        ],
        vec!["stat", "c", "dlo.bin"],
        vec![
            "upload",
            "c",
            "big.bin",
            "-S",
            "12000",
            "--use-slo",
            "-C",
            "segs",
            "--object-name",
            "other.bin",
        ],
        vec!["list", "segs"],
        vec!["upload", "c", "a.txt", "-S", "100000"],
    ] {
        p.assert_same_sorted(&args);
    }
    // A new mtime: the old segments of the SLO are deleted (and printed).
    let f = tmp.path().join("big.bin");
    let data = std::fs::read(&f).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&f, data).unwrap();
    p.assert_same_sorted(&["upload", "c", "big.bin", "-S", "10000", "--use-slo"]);
    p.assert_same_sorted(&["list", "c_segments"]);
    p.assert_same_sorted(&["upload", "c", "big.bin", "-S", "10000", "--use-dlo"]);
    p.assert_same_sorted(&["list", "c_segments"]);
    p.assert_same_sorted(&["upload", "c", "big.bin", "--leave-segments"]);
    p.assert_same_sorted(&["list", "c_segments"]);
}

#[test]
fn changed_and_skip_identical() {
    if common::skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    local_tree(tmp.path());
    let p = Pair::new().cwd(tmp.path(), tmp.path());
    p.fixture(&["upload", "c", "a.txt", "d", "big.bin"]);
    p.fixture(&[
        "upload",
        "c",
        "big.bin",
        "-S",
        "10000",
        "--use-slo",
        "--object-name",
        "slo.bin",
    ]);
    for args in [
        vec!["upload", "--changed", "c", "a.txt", "d"],
        vec!["upload", "--skip-identical", "c", "a.txt", "big.bin"],
        vec![
            "upload",
            "--skip-identical",
            "c",
            "big.bin",
            "--object-name",
            "slo.bin",
            "-S",
            "10000",
        ],
        vec!["upload", "--skip-identical", "c", "sp ace \u{e9}.txt"],
    ] {
        p.assert_same_sorted(&args);
    }
}

#[test]
fn stdin_uploads() {
    if common::skip() {
        return;
    }
    let data: Vec<u8> = (0..30_000u32).map(|i| (i % 253) as u8).collect();
    let p = Pair::new();
    let p = Pair {
        a: p.a.stdin(&data),
        b: p.b.stdin(&data),
    };
    p.assert_same_sorted(&["upload", "c", "-", "--object-name", "from-stdin"]);
    p.assert_same_with(&["stat", "c", "from-stdin"], common::normalise_upload_times);
    p.assert_same_sorted(&["upload", "c", "-", "--object-name", "seg", "-S", "12000"]);
    p.assert_same_with(&["list", "c_segments"], common::normalise_upload_times);
}

#[test]
fn usage_errors() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    for args in [
        vec!["upload"],
        vec!["upload", "c"],
        vec!["upload", "c", "-", "a"],
        vec!["upload", "c", "-"],
        vec!["upload", "c", "a", "b", "--object-name", "x"],
        vec!["upload", "-S", "1234X", "c", "a"],
        vec!["upload", "-S", "K1234", "c", "a"],
        vec!["upload", "-S", "K", "c", "a"],
        vec!["upload", "-S=-40K", "c", "a"],
        vec!["upload", "-S", "0", "c", "a"],
        vec!["upload", "--object-threads", "0", "c", "a"],
        vec!["upload", "--segment-threads=-1", "c", "a"],
        vec!["upload", "--object-threads", "x", "c", "a"],
    ] {
        cli.assert_same_with(&args, normalise_sorted);
    }
}
