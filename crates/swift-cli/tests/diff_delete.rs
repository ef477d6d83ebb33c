//! `swift delete` against the reference: objects, containers with plain, SLO and DLO objects,
//! `--prefix`, `--leave-segments`, bulk deletes of many objects, `--versions`,
//! `--version-id`, `--all`, and the errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{normalise_sorted, Cli, Pair};

fn fixtures(p: &Pair, src: &std::path::Path) {
    std::fs::create_dir_all(src.join("d/e")).unwrap();
    std::fs::create_dir_all(src.join("many")).unwrap();
    std::fs::write(src.join("a.txt"), "hello\n").unwrap();
    std::fs::write(src.join("d/e/f.txt"), "x").unwrap();
    for i in 0..30 {
        std::fs::write(src.join(format!("many/{i:02}")), format!("{i}")).unwrap();
    }
    let big: Vec<u8> = (0..25_000u32).map(|i| (i % 249) as u8).collect();
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
    a.fixture(&["upload", "bulk", "many"]);
    a.fixture(&["upload", "keep", "a.txt"]);
}

#[test]
fn objects_prefixes_containers_and_bulk() {
    if common::skip() {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let p = Pair::new();
    fixtures(&p, src.path());
    for args in [
        vec!["delete", "c", "a.txt", "nope"],
        vec!["delete", "c", "slo.bin", "dlo.bin"],
        vec!["list", "c_segments"],
        vec!["delete", "c", "-p", "d/"],
        vec!["delete", "c"],
        vec!["delete", "c_segments"],
        vec!["delete", "bulk"],
        vec!["delete", "keep", "--leave-segments"],
        vec!["delete", "nosuch"],
        vec!["list"],
    ] {
        p.assert_same_sorted(&args);
    }
}

#[test]
fn versions_and_all() {
    if common::skip() {
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let p = Pair::new().cwd(src.path(), src.path());
    p.fixture(&["post", "v", "-H", "X-Versions-Enabled: true"]);
    for content in ["one", "two", "three"] {
        std::fs::write(src.path().join("o"), content).unwrap();
        p.fixture(&["upload", "v", "o"]);
    }
    p.fixture(&["upload", "w", "o"]);
    p.assert_same_sorted(&["delete", "v", "o", "--version-id", "null"]);
    p.assert_same_sorted(&["delete", "v", "--versions", "-p", "o"]);
    p.assert_same_sorted(&["list", "--versions", "v"]);
    p.assert_same_sorted(&["delete", "--all"]);
    p.assert_same_sorted(&["list"]);
}

#[test]
fn usage_errors() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    for args in [
        vec!["delete"],
        vec!["delete", "-a", "c"],
        vec!["delete", "c", "o", "--versions"],
        vec!["delete", "c", "--version-id", "1"],
        vec!["delete", "--object-threads", "0", "c"],
        vec!["delete", "--container-threads", "0", "c"],
        vec!["delete", "a/b"],
        vec!["delete", "a/b", "o"],
    ] {
        cli.assert_same_with(&args, normalise_sorted);
    }
}
