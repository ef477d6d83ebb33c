//! `swift auth` against the reference: the exports after authenticating, and `-v` (the
//! credentials, shell-quoted), for v1 and Keystone settings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{env, Cli};

#[test]
fn auth_exports() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    cli.assert_same(&["auth"]);
    cli.assert_same(&["auth", "-v"]);
    cli.assert_same(&["auth", "--verbose", "--verbose"]);
    // A given storage URL overrides the one authentication returns.
    let url = format!("{}/v1/AUTH_other", env("SWIFT_TESTBED_PROXY_URL"));
    cli.assert_same(&["--os-storage-url", &url, "auth"]);
    cli.assert_same(&["--os-storage-url", &url, "--os-auth-token", "tok", "auth"]);
    // Quoting.
    cli.clone()
        .env("ST_KEY", "te$tin&")
        .assert_same(&["auth", "-v"]);
    cli.clone()
        .env("ST_KEY", "it's")
        .assert_same(&["auth", "-v"]);
}

#[test]
fn auth_verbose_keystone_style() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    cli.assert_same(&[
        "-v",
        "auth",
        "--os-auth-url",
        "http://k.example:5000/v3",
        "--os-username",
        "alice",
        "--os-password",
        "s3cr3t p",
        "--os-project-name",
        "proj",
        "--os-user-domain-name",
        "Default",
        "--os-project-domain-name",
        "Default",
        "--os-region-name",
        "RegionOne",
        "--os-endpoint-type",
        "internalURL",
    ]);
    cli.assert_same(&[
        "auth",
        "-v",
        "-V",
        "2",
        "--os-auth-url",
        "http://k.example:5000/v2.0",
        "--os-username",
        "bob",
        "--os-password",
        "pw",
        "--os-tenant-name",
        "t",
    ]);
    cli.clone()
        .env("OS_AUTH_URL", "http://k.example:5000/v3")
        .env("OS_USERNAME", "u")
        .env("OS_PASSWORD", "p")
        .env("OS_PROJECT_ID", "abc")
        .env("OS_IDENTITY_API_VERSION", "3")
        .assert_same(&["auth", "-v"]);
}

#[test]
fn auth_failures() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account().env("ST_KEY", "wrong");
    cli.assert_same(&["auth"]);
    Cli::bare().assert_same(&["auth"]);
    Cli::bare().assert_same(&["auth", "-v"]);
}
