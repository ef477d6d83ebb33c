//! `swift list` against the reference: plain, `-l`, `--lh`, `-t`, `-p`, `-d`, `--json`,
//! `--versions`, account and container listings, and the option errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cleanup, fixture, unique, wait_until, Cli};

fn tree(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("d/e")).unwrap();
    std::fs::create_dir_all(dir.join("d/empty")).unwrap();
    std::fs::write(dir.join("a.txt"), "hello\n").unwrap();
    std::fs::write(dir.join("d/e/f.txt"), "x").unwrap();
    std::fs::write(dir.join("d/big.bin"), vec![3u8; 5000]).unwrap();
    std::fs::write(dir.join("sp ace \u{e9}.txt"), "unicode").unwrap();
}

#[test]
fn container_listings() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-list");
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    fixture(
        &cli.clone().cwd(dir.path()),
        &["upload", &c, "a.txt", "d", "sp ace \u{e9}.txt"],
    );
    for args in [
        vec!["list", c.as_str()],
        vec!["list", "-l", &c],
        vec!["list", "--lh", &c],
        vec!["list", "--long", "--totals", &c],
        vec!["list", "--lh", "-t", &c],
        vec!["list", "-p", "d/", &c],
        vec!["list", "--prefix=d/e", "-l", &c],
        vec!["list", "-d", "/", &c],
        vec!["list", "-d", "/", "-l", &c],
        vec!["list", "-d", "/", "-p", "d/", "--lh", &c],
        vec!["list", "--json", &c],
        vec!["list", "-j", "-d", "/", &c],
        vec!["list", "--versions", &c],
        vec!["list", "--versions", "-l", &c],
        vec!["list", &c, "-H", "X-Newest: true"],
        vec!["list", "--pre", "zzz", &c],
        vec!["list", "--json", "--prefix", "zzz", &c],
        vec!["list", "-t", &c],
        vec!["list", &c, "extra"],
        vec!["list", "a/b"],
    ] {
        cli.assert_same(&args);
    }
    cleanup(&cli, &c);
}

#[test]
fn missing_container_and_option_errors() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-list-missing");
    for args in [
        vec!["list", c.as_str()],
        vec!["list", "--json", &c],
        vec!["list", "-l", &c],
        vec!["list", "-d", "/"],
        vec!["list", "--versions"],
        vec!["list", "-t"],
        vec!["list", "--p", "x"],
        vec!["list", "-lx"],
        vec!["list", "--json=1"],
        vec!["list", "--prefix"],
    ] {
        cli.assert_same(&args);
    }
}

#[test]
fn versioned_listing() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-list-ver");
    fixture(&cli, &["post", &c, "-H", "X-Versions-Enabled: true"]);
    let dir = tempfile::tempdir().unwrap();
    let work = cli.clone().cwd(dir.path());
    for content in ["one", "two!", "three"] {
        std::fs::write(dir.path().join("o"), content).unwrap();
        fixture(&work, &["upload", &c, "o"]);
    }
    fixture(&work, &["delete", &c, "o"]);
    for args in [
        vec!["list", "--versions", c.as_str()],
        vec!["list", "--versions", "--lh", &c],
        vec!["list", "--versions", "--json", &c],
        vec!["list", &c],
    ] {
        cli.assert_same(&args);
    }
    let _ = cli.run_ref(&["delete", "--versions", &c]);
    cleanup(&cli, &c);
}

#[test]
fn account_listings_in_an_account_of_its_own() {
    if common::skip() {
        return;
    }
    let (cli, _) = Cli::own_account(&unique("clilist"));
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let work = cli.clone().cwd(dir.path());
    fixture(&work, &["upload", "alpha", "a.txt", "d"]);
    fixture(
        &work,
        &["upload", "beta", "a.txt", "-H", "X-Storage-Policy: silver"],
    );
    fixture(&cli, &["post", "gamma"]);
    wait_until(|| {
        cli.run_ref(&["list", "-l"])
            .stdout
            .contains("           4   ")
    });
    for args in [
        vec!["list"],
        vec!["list", "-l"],
        vec!["list", "--lh"],
        vec!["list", "--lh", "--totals"],
        vec!["list", "-p", "b"],
        vec!["list", "-p", "b", "-l"],
        vec!["list", "--json"],
        vec!["list", "--json", "-p", "nothing"],
    ] {
        cli.assert_same(&args);
    }
    for c in ["alpha", "beta", "gamma"] {
        cleanup(&cli, c);
    }
}
