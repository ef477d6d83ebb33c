//! `swift stat` against the reference: account, container, object layouts, `--lh`, `-v`,
//! `-H`, `--version-id`, and its errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cleanup, fixture, normalise_policies, unique, wait_until, Cli};

#[test]
fn container_and_object_stat() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-stat");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    std::fs::write(dir.path().join("big.bin"), vec![7u8; 3000]).unwrap();
    let work = cli.clone().cwd(dir.path());
    fixture(
        &work,
        &[
            "upload",
            &c,
            "a.txt",
            "-m",
            "Color:Blue",
            "-m",
            "Unicode:\u{e9}t\u{e9}",
        ],
    );
    fixture(&work, &["upload", &c, "big.bin", "--use-dlo", "-S", "1000"]);
    fixture(
        &cli,
        &[
            "post",
            &c,
            "-r",
            ".r:*",
            "-w",
            "test:tester3",
            "-m",
            "Owner:me",
            "-H",
            "X-Container-Meta-Flavor: mint",
        ],
    );
    for args in [
        vec!["stat", c.as_str()],
        vec!["stat", "--lh", &c],
        vec!["stat", "-v", &c],
        vec!["stat", &c, "a.txt"],
        vec!["stat", "--lh", &c, "a.txt"],
        vec!["stat", "-v", &c, "a.txt"],
        vec!["stat", &c, "big.bin"],
        vec!["stat", "--lh", &c, "big.bin"],
        vec!["stat", &c, "a.txt", "-H", "X-Newest: true"],
        vec!["--verbose", "--verbose", "stat", &c, "a.txt"],
        vec!["stat", &c, "nope"],
        vec!["stat", "--version-id", "1", &c],
        vec!["stat", &c, "a", "b"],
    ] {
        cli.assert_same(&args);
    }
    cleanup(&cli, &c);
    cleanup(&cli, &format!("{c}_segments"));
}

#[test]
fn stat_errors() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-stat-missing");
    for args in [
        vec!["stat", c.as_str()],
        vec!["stat", &c, "obj"],
        vec!["stat", "a/b"],
        vec!["stat", "a/b/c", "o"],
        vec!["stat", "--version-id", "3"],
        vec!["stat", "--lh=1"],
        vec!["stat", "-H"],
    ] {
        cli.assert_same(&args);
    }
}

#[test]
fn account_stat_in_an_account_of_its_own() {
    if common::skip() {
        return;
    }
    let name = unique("clistat");
    let (cli, account) = Cli::own_account(&name);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), vec![1u8; 2500]).unwrap();
    let work = cli.clone().cwd(dir.path());
    fixture(&work, &["upload", "c1", "f"]);
    fixture(
        &work,
        &["upload", "c2", "f", "-H", "X-Storage-Policy: silver"],
    );
    fixture(
        &cli,
        &["post", "-m", "Quota-Bytes:5000000", "-m", "Book:Dune"],
    );
    // Account counts come from the container updater: wait until they are in.
    wait_until(|| {
        let r = cli.run_ref(&["stat"]);
        r.stdout.contains("Objects: 2") && r.stdout.contains("Bytes: 5000")
    });
    for args in [
        vec!["stat"],
        vec!["stat", "--lh"],
        vec!["stat", "-v"],
        vec!["-q", "stat"],
    ] {
        let o = cli.assert_same_with(&args, normalise_policies);
        assert!(o.stdout.contains(&account), "{o:?}");
    }
    cleanup(&cli, "c1");
    cleanup(&cli, "c2");
}

#[test]
fn versioned_object_stat() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-stat-ver");
    fixture(&cli, &["post", &c, "-H", "X-Versions-Enabled: true"]);
    let dir = tempfile::tempdir().unwrap();
    let work = cli.clone().cwd(dir.path());
    std::fs::write(dir.path().join("o"), "one").unwrap();
    fixture(&work, &["upload", &c, "o"]);
    std::fs::write(dir.path().join("o"), "two!").unwrap();
    fixture(&work, &["upload", &c, "o"]);
    let listing = fixture(&cli, &["list", "--versions", &c]).stdout;
    let first = listing.lines().last().unwrap();
    let vid = first.split_whitespace().nth(3).unwrap().to_owned();
    cli.assert_same(&["stat", "--version-id", &vid, &c, "o"]);
    cli.assert_same(&["stat", "--version-id", "nope", &c, "o"]);
    let _ = cli.run_ref(&["delete", "--versions", &c]);
    cleanup(&cli, &c);
}
