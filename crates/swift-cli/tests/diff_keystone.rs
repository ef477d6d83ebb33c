//! Keystone authentication against the reference, through the Keystone test bed (a real
//! Keystone on 5000 and a Keystone-backed Swift proxy): v3 password options on the command
//! line and in the environment, application credentials, `auth`, and the failure messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fixture, keystone, unique, Cli};

/// The v3 password options of the test bed's user, as command-line arguments.
fn v3_args() -> Vec<String> {
    vec![
        "--os-auth-url".into(),
        keystone("OS_AUTH_URL"),
        "--auth-version".into(),
        "3".into(),
        "--os-username".into(),
        keystone("OS_USERNAME"),
        "--os-password".into(),
        keystone("OS_PASSWORD"),
        "--os-project-name".into(),
        keystone("OS_PROJECT_NAME"),
        "--os-user-domain-name".into(),
        keystone("OS_USER_DOMAIN_NAME"),
        "--os-project-domain-name".into(),
        keystone("OS_PROJECT_DOMAIN_NAME"),
        "--os-region-name".into(),
        keystone("OS_REGION_NAME"),
    ]
}

fn with(base: &[String], rest: &[&str]) -> Vec<String> {
    let mut v = base.to_vec();
    v.extend(rest.iter().map(|s| s.to_string()));
    v
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn v3_password_on_the_command_line() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    let base = v3_args();
    let c = unique("cli-ks");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), "keystone data").unwrap();
    fixture(
        &cli.clone().cwd(dir.path()),
        &refs(&with(&base, &["upload", &c, "k.txt", "-m", "Via:keystone"])),
    );
    for rest in [
        vec!["stat", "-v", &c, "k.txt"],
        vec!["list", "-l", &c],
        vec!["post", &c, "-m", "Team:blue"],
        vec!["stat", c.as_str()],
        vec!["list", &format!("{c}-missing")],
    ] {
        cli.assert_same(&refs(&with(&base, &rest)));
    }
    // `auth` prints the catalog's storage URL and a fresh token.
    cli.assert_same(&refs(&with(&base, &["auth"])));
    cli.assert_same(&refs(&with(&base, &["auth", "-v"])));
    fixture(&cli, &refs(&with(&base, &["delete", &c])));
}

#[test]
fn v3_password_from_the_environment() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare()
        .env("OS_AUTH_URL", &keystone("OS_AUTH_URL"))
        .env("OS_IDENTITY_API_VERSION", "3")
        .env("OS_USERNAME", &keystone("OS_USERNAME"))
        .env("OS_PASSWORD", &keystone("OS_PASSWORD"))
        .env("OS_PROJECT_NAME", &keystone("OS_PROJECT_NAME"))
        .env("OS_USER_DOMAIN_NAME", &keystone("OS_USER_DOMAIN_NAME"))
        .env(
            "OS_PROJECT_DOMAIN_NAME",
            &keystone("OS_PROJECT_DOMAIN_NAME"),
        );
    let c = unique("cli-ks-env");
    fixture(&cli, &["post", &c, "-m", "Env:yes"]);
    cli.assert_same(&["list", &c]);
    cli.assert_same(&["auth", "-v"]);
    // Without a version, domains make python-swiftclient choose v3.
    let no_version = Cli::bare()
        .env("OS_AUTH_URL", &keystone("OS_AUTH_URL"))
        .env("OS_USERNAME", &keystone("OS_USERNAME"))
        .env("OS_PASSWORD", &keystone("OS_PASSWORD"))
        .env("OS_PROJECT_NAME", &keystone("OS_PROJECT_NAME"))
        .env("OS_USER_DOMAIN_NAME", &keystone("OS_USER_DOMAIN_NAME"))
        .env(
            "OS_PROJECT_DOMAIN_NAME",
            &keystone("OS_PROJECT_DOMAIN_NAME"),
        );
    no_version.assert_same(&["stat", &c]);
    // Project by id, user by id.
    let by_id = Cli::bare().env("OS_IDENTITY_API_VERSION", "3");
    by_id.assert_same(&[
        "--os-auth-url",
        &keystone("OS_AUTH_URL"),
        "--os-user-id",
        &keystone("KEYSTONE_TESTBED_USER_ID"),
        "--os-password",
        &keystone("OS_PASSWORD"),
        "--os-project-id",
        &keystone("KEYSTONE_TESTBED_PROJECT_ID"),
        "stat",
        &c,
    ]);
    fixture(&cli, &["delete", &c]);
}

#[test]
fn application_credentials() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    let args = [
        "--os-auth-url".to_owned(),
        keystone("OS_AUTH_URL"),
        "--os-auth-type".into(),
        "v3applicationcredential".into(),
        "--os-application-credential-id".into(),
        keystone("OS_APPLICATION_CREDENTIAL_ID"),
        "--os-application-credential-secret".into(),
        keystone("OS_APPLICATION_CREDENTIAL_SECRET"),
    ];
    let c = unique("cli-ks-app");
    cli.assert_same(&refs(&with(&args, &["stat", &c])));
    let mut wrong = args.to_vec();
    wrong[7] = "wrong-secret".into();
    cli.assert_same(&refs(&with(&wrong, &["stat", &c])));
}

#[test]
fn keystone_failures() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    let base = v3_args();
    let c = unique("cli-ks-fail");
    let mut wrong_password = base.clone();
    wrong_password[7] = "wrong".into();
    cli.assert_same(&refs(&with(&wrong_password, &["stat", &c])));
    let mut wrong_project = base.clone();
    wrong_project[9] = "no-such-project".into();
    cli.assert_same(&refs(&with(&wrong_project, &["list"])));
    let mut wrong_region = base.clone();
    wrong_region[15] = "Nowhere".into();
    cli.assert_same(&refs(&with(&wrong_region, &["stat", &c])));
    cli.assert_same(&refs(&with(
        &base,
        &["--os-service-type", "nope", "stat", &c],
    )));
    let mut wrong_url = base.clone();
    wrong_url[1] = format!("{}/nope", keystone("OS_AUTH_URL").trim_end_matches("/v3"));
    cli.assert_same(&refs(&with(&wrong_url, &["stat", &c])));
    // No project at all.
    let no_project: Vec<String> = base
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 8 && *i != 9)
        .map(|(_, s)| s.clone())
        .collect();
    cli.assert_same(&refs(&with(&no_project, &["stat", &c])));
}
