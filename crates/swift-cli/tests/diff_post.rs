//! `swift post` against the reference: account, container (ACLs, sync, creation of a
//! missing container), object metadata, and its errors; the effect is checked with `stat`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cleanup, fixture, normalise_policies, unique, Cli};

#[test]
fn container_post_and_creation() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-post");
    let d = unique("cli-post");
    // Our post first: the container does not exist and is created.
    let o = cli.run_ours(&[
        "post",
        &c,
        "-r",
        ".r:*,.rlistings",
        "-w",
        "test:tester3",
        "-m",
        "Color:Blue",
        "-H",
        "X-Container-Meta-Size: large",
    ]);
    assert_eq!(
        (o.code, o.stdout.as_str(), o.stderr.as_str()),
        (0, "", ""),
        "{o:?}"
    );
    fixture(
        &cli,
        &[
            "post",
            &d,
            "-r",
            ".r:*,.rlistings",
            "-w",
            "test:tester3",
            "-m",
            "Color:Blue",
            "-H",
            "X-Container-Meta-Size: large",
        ],
    );
    let ours = cli.run_ref(&["stat", &c]);
    let theirs = cli.run_ref(&["stat", &d]);
    let strip = |s: &str, name: &str| -> Vec<String> {
        s.lines()
            .filter(|l| {
                !l.contains("X-Timestamp")
                    && !l.contains("Last-Modified")
                    && !l.contains("X-Trans-Id")
                    && !l.contains("X-Openstack-Request-Id")
            })
            .map(|l| l.replace(name, "NAME"))
            .collect()
    };
    assert_eq!(strip(&ours.stdout, &c), strip(&theirs.stdout, &d));
    // Sync settings, meta removal, and then both on the same container.
    for args in [
        vec![
            "post",
            c.as_str(),
            "-t",
            "//testbed/local/AUTH_test/other",
            "-k",
            "secret",
        ],
        vec!["post", &c, "-m", "Color:"],
        vec!["post", &c, "-r", ""],
        vec!["post", &c, "-m", "bad"],
        vec!["post", &c, "-H", "nocolon"],
        vec!["post", "a/b"],
        vec!["post", "-r", "x"],
        vec!["post", "-k", "x"],
        vec!["post", &c, "o", "extra"],
    ] {
        cli.assert_same(&args);
        cli.assert_same(&["stat", &c]);
    }
    cleanup(&cli, &c);
    cleanup(&cli, &d);
}

#[test]
fn object_post() {
    if common::skip() {
        return;
    }
    let cli = Cli::tempauth();
    let c = unique("cli-post-obj");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("o.txt"), "data").unwrap();
    fixture(&cli.clone().cwd(dir.path()), &["upload", &c, "o.txt"]);
    for args in [
        vec![
            "post",
            c.as_str(),
            "o.txt",
            "-m",
            "Color:Red",
            "-m",
            "x-object-meta-abc1def:v",
        ],
        vec![
            "post",
            &c,
            "o.txt",
            "-H",
            "Content-Type: text/x-special",
            "-m",
            "SIZE: big ",
        ],
        vec!["post", &c, "missing"],
        vec!["post", &c, "o.txt", "-m", "nocolon"],
    ] {
        cli.assert_same(&args);
        cli.assert_same(&["stat", &c, "o.txt"]);
    }
    cleanup(&cli, &c);
}

#[test]
fn account_post_in_an_account_of_its_own() {
    if common::skip() {
        return;
    }
    let (cli, _) = Cli::own_account(&unique("clipost"));
    for args in [
        vec![
            "post",
            "-m",
            "Book:Dune",
            "-H",
            "X-Account-Meta-Author: Herbert",
        ],
        vec!["post", "-m", "Book:"],
        vec!["post", "-m", "nocolon"],
    ] {
        cli.assert_same(&args);
        cli.assert_same_with(&["stat"], normalise_policies);
    }
}

#[test]
fn post_with_bad_credentials() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account().env("ST_KEY", "wrong");
    cli.assert_same(&["post", "somecontainer"]);
    cli.assert_same(&["post"]);
}
