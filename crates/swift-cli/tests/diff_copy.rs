//! `swift copy` against the reference: onto itself (metadata), to another container and
//! name, `--fresh-metadata`, several objects, destination errors, missing objects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{normalise_sorted, Cli, Pair};

#[test]
fn copies() {
    if common::skip() {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("a.txt"), "hello\n").unwrap();
    std::fs::write(src.path().join("b.txt"), "bee\n").unwrap();
    let p = Pair::new().cwd(src.path(), src.path());
    p.fixture(&["upload", "c", "a.txt", "b.txt", "-m", "Color:Blue"]);
    for args in [
        vec!["copy", "c", "a.txt", "-m", "Size:Large"],
        vec!["stat", "c", "a.txt"],
        vec!["copy", "c", "a.txt", "-d", "/c2/copied.txt"],
        vec!["stat", "c2", "copied.txt"],
        vec!["copy", "c", "a.txt", "b.txt", "-d", "/c3"],
        vec!["list", "c3"],
        vec![
            "copy",
            "c",
            "a.txt",
            "--fresh-metadata",
            "-d",
            "/c3/fresh.txt",
            "-m",
            "Only:this",
        ],
        vec!["stat", "c3", "fresh.txt"],
        vec!["copy", "c", "b.txt", "-M", "-H", "Content-Type: text/x-new"],
        vec!["stat", "c", "b.txt"],
        vec!["copy", "c", "nope", "a.txt", "-d", "/c4"],
        vec!["copy", "c", "a.txt", "-d", "c5"],
        vec!["copy", "c", "a.txt", "b.txt", "-d", "/c5/x"],
        vec!["copy", "c", "a.txt", "-d", "/c5/"],
        vec!["copy", "c", "a.txt", "b.txt", "-d", "/c5/"],
        vec!["copy", "c", "a.txt", "-m", "bad"],
        vec!["copy", "-q", "c", "a.txt"],
    ] {
        p.assert_same_sorted(&args);
    }
}

#[test]
fn usage_errors() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    for args in [
        vec!["copy"],
        vec!["copy", "c"],
        vec!["copy", "a/b", "o"],
        vec!["copy", "-d"],
    ] {
        cli.assert_same_with(&args, normalise_sorted);
    }
}
