//! The parser and the error paths against the reference: help texts, unknown commands and
//! options, abbreviations, argparse errors, missing or wrong credentials, unreachable
//! clusters, and every subcommand's usage error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{env, Cli};

#[test]
fn help_usage_and_version() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    for args in [
        vec![],
        vec!["-h"],
        vec!["--help"],
        vec!["--os-help"],
        vec!["--os_help"],
        vec!["--version"],
        vec!["-v"],
        vec!["-q"],
        vec!["foo"],
        vec!["-x"],
        vec!["--foo", "stat"],
        vec!["-h", "nope"],
        vec!["--os-help", "stat"],
        vec!["stat", "--version"],
    ] {
        cli.assert_same(&args);
    }
    for cmd in [
        "delete",
        "download",
        "list",
        "post",
        "copy",
        "stat",
        "upload",
        "capabilities",
        "info",
        "tempurl",
        "auth",
        "bash_completion",
    ] {
        cli.assert_same(&[cmd, "--help"]);
        cli.assert_same(&["-h", cmd]);
    }
}

#[test]
fn argparse_errors() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    for args in [
        vec!["--retries", "abc", "stat"],
        vec!["stat", "--retries", "abc"],
        vec!["stat", "-R"],
        vec!["stat", "-V"],
        vec!["stat", "--timeout", "xx"],
        vec!["upload", "--object-threads", "abc", "c", "f"],
        vec!["download", "--container-threads=x", "c"],
        vec!["delete", "--object-threads", "1.5", "c"],
        vec!["list", "--os"],
        vec!["list", "--p", "x"],
        vec!["stat", "--lh=1"],
        vec!["tempurl", "--digest", "md5", "GET", "60", "/v1/a/c/o", "k"],
        vec!["upload", "-S"],
        vec!["copy", "-d"],
    ] {
        cli.assert_same(&args);
    }
}

#[test]
fn accepted_spellings() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    for args in [
        // Global options after the subcommand, abbreviations, underscores, `=` forms.
        vec!["capabilities", "--ret", "1", "--json"],
        vec![
            "--os_storage_url",
            "http://127.0.0.1:1/v1/AUTH_x",
            "--os_auth_token",
            "t",
            "-R",
            "0",
            "stat",
        ],
        vec![
            "stat",
            "--timeout=2.5min",
            "--retries=0",
            "--insec",
            "--no-ssl",
            "cli-no-such-container",
        ],
        vec![
            "-V",
            "2",
            "-V",
            "1",
            "--auth-version",
            "1.0",
            "stat",
            "--lh",
            "-q",
            "-v",
            "cli-no-such-container",
        ],
        vec![
            "stat",
            "-T",
            "10s",
            "--force-auth-retry",
            "cli-no-such-container",
            "--",
            "o",
        ],
        vec!["list", "--lh", "-vv", "cli-no-such-container"],
    ] {
        let o = cli.assert_same(&args);
        let _ = o;
    }
}

#[test]
fn credential_errors() {
    if common::skip() {
        return;
    }
    let bare = Cli::bare();
    for args in [
        vec!["stat"],
        vec!["list", "c"],
        vec!["-V", "3", "stat"],
        vec!["--os-auth-url", "http://k/v3", "-V", "3", "stat"],
        vec![
            "--os-auth-url",
            "http://k/v3",
            "-V",
            "3",
            "--os-username",
            "u",
            "stat",
        ],
        vec!["--os-auth-type", "token", "stat"],
        vec!["--os-auth-type", "v3applicationcredential", "stat"],
        vec![
            "--os-auth-type",
            "v3applicationcredential",
            "--os-application-credential-id",
            "x",
            "list",
        ],
        vec!["--os-user-domain-name", "d", "stat"],
        vec!["-A", &env("ST_AUTH"), "stat"],
        vec!["-A", &env("ST_AUTH"), "-U", "test:tester", "post"],
        vec!["list", "-d", "/"],
        vec!["stat", "a", "b", "c"],
    ] {
        bare.assert_same(&args);
    }
    let wrong = Cli::main_account().env("ST_KEY", "wrong");
    for args in [
        vec!["stat"],
        vec!["list"],
        vec!["list", "c"],
        vec!["stat", "c", "o"],
        vec!["capabilities"],
    ] {
        wrong.assert_same(&args);
    }
    let nobody = Cli::main_account().env("ST_USER", "nobody:nothing");
    nobody.assert_same(&["stat"]);
    // A storage URL and a token the cluster refuses, with no credentials to re-authenticate.
    let refused = Cli::bare()
        .env("OS_STORAGE_URL", &env("SWIFT_TESTBED_STORAGE_URL"))
        .env("OS_AUTH_TOKEN", "AUTH_tkbogus");
    refused.assert_same(&["stat"]);
    refused.assert_same(&["list", "cli-no-such-container"]);
}

#[test]
fn unreachable_cluster() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare()
        .env("ST_AUTH", "http://127.0.0.1:1/auth/v1.0")
        .env("ST_USER", "u")
        .env("ST_KEY", "k");
    for args in [
        vec!["-R", "0", "stat"],
        vec!["--retries=0", "list"],
        vec!["-R", "0", "post", "c"],
        vec!["-R", "0", "capabilities", "http://127.0.0.1:1/info"],
    ] {
        cli.assert_same(&args);
    }
    let pre = Cli::bare()
        .env("OS_STORAGE_URL", "http://127.0.0.1:1/v1/AUTH_x")
        .env("OS_AUTH_TOKEN", "tok");
    pre.assert_same(&["-R", "0", "stat"]);
}

#[test]
fn usage_errors_of_every_command() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    for args in [
        vec!["upload"],
        vec!["upload", "c"],
        vec!["download"],
        vec!["download", "-a", "c"],
        vec!["delete"],
        vec!["delete", "-a", "c"],
        vec!["copy"],
        vec!["copy", "c"],
        vec!["post", "a", "b", "c"],
        vec!["list", "a", "b"],
        vec!["stat", "a", "b", "c"],
        vec!["tempurl", "GET"],
        vec!["capabilities", "a", "b"],
    ] {
        cli.assert_same(&args);
    }
}

#[test]
fn permission_errors_of_a_user_without_access() {
    if common::skip() {
        return;
    }
    let owner = Cli::main_account();
    let c = common::unique("cli-acl");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    std::fs::write(dir.path().join("big.bin"), vec![9u8; 25_000]).unwrap();
    common::fixture(&owner.clone().cwd(dir.path()), &["upload", &c, "a.txt"]);
    let stranger = Cli::main_account()
        .env("ST_USER", &env("SWIFT_TESTBED_USER3"))
        .env("ST_KEY", &env("SWIFT_TESTBED_KEY3"))
        .cwd(dir.path());
    for args in [
        vec!["list", c.as_str()],
        vec!["stat", &c, "a.txt"],
        vec!["upload", &c, "a.txt"],
        vec!["upload", "-S", "10000", &c, "big.bin"],
        vec!["upload", &c, "a.txt", "-H", "X-Storage-Policy: silver"],
        vec!["download", &c, "a.txt", "-o", "-"],
        vec!["download", &c],
        vec!["delete", &c, "a.txt"],
        vec!["delete", &c],
        vec!["post", &c, "a.txt", "-m", "k:v"],
        vec!["copy", &c, "a.txt", "-d", "/elsewhere"],
    ] {
        stranger.assert_same_with(&args, common::normalise_sorted);
    }
    common::cleanup(&owner, &c);
}

#[test]
fn ctrl_c_aborts_with_status_2() {
    if common::skip() {
        return;
    }
    for bin in [common::reference_bin(), common::our_bin()] {
        let child = std::process::Command::new(&bin)
            .args([
                "-A",
                "http://127.0.0.1:1/auth/v1.0",
                "-U",
                "u",
                "-K",
                "k",
                "stat",
            ])
            .env_remove("ST_AUTH")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // While it waits to retry the refused connection.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let killed = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).as_ref()
            ),
            (Some(2), " Aborted\n"),
            "{}",
            bin.display()
        );
    }
}

#[test]
fn prompt_for_the_password() {
    if common::skip() {
        return;
    }
    // Under `script` (a terminal), the password typed at `Password: ` is used.
    let mut outputs = Vec::new();
    for bin in [common::reference_bin(), common::our_bin()] {
        let cmd = format!("{} --prompt stat cli-no-such-container", bin.display());
        let mut child = std::process::Command::new("script")
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .env("ST_AUTH", env("ST_AUTH"))
            .env("ST_USER", env("ST_USER"))
            .env("ST_KEY", "wrong-key-the-prompt-replaces")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script (util-linux) must be installed");
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1000));
        use std::io::Write as _;
        stdin
            .write_all(format!("{}\n", env("ST_KEY")).as_bytes())
            .unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        outputs.push(common::normalise(&String::from_utf8_lossy(&out.stdout)));
    }
    assert_eq!(outputs[0], outputs[1]);
    assert!(
        outputs[1].starts_with("Password: \nContainer 'cli-no-such-container' not found"),
        "{:?}",
        outputs[1]
    );
    // Without a terminal.
    Cli::main_account().assert_same(&["--prompt", "stat"]);
}
