//! `swift capabilities` / `swift info` against the reference, plain and `--json`, with and
//! without a proxy URL, and its errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{env, Cli};

#[test]
fn capabilities_forms() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    let proxy = env("SWIFT_TESTBED_PROXY_URL");
    let info = format!("{proxy}/info");
    let storage = env("SWIFT_TESTBED_STORAGE_URL");
    let missing = format!("{proxy}/nowhere/");
    for args in [
        vec!["capabilities"],
        vec!["info"],
        vec!["capabilities", "--json"],
        vec!["info", "--json"],
        vec!["capabilities", info.as_str()],
        vec!["capabilities", &storage, "--json"],
        vec!["capabilities", &missing],
        vec!["capabilities", "a", "b"],
    ] {
        cli.assert_same(&args);
    }
}

#[test]
fn capabilities_with_a_url_need_no_credentials() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    let info = format!("{}/info", env("SWIFT_TESTBED_PROXY_URL"));
    cli.assert_same(&["capabilities", &info]);
    // `info <url>` is not exempt from the credential check in the reference.
    cli.assert_same(&["info", &info]);
    cli.assert_same(&["capabilities"]);
}
