//! Secrets never leak: every subcommand run with `--debug` against the real cluster (tempauth
//! and Keystone), asserting that no key, password, token or temp-URL key appears in stdout or
//! stderr, except where the user asks for it (`swift auth` prints the token, `stat` prints the
//! metadata it was asked for).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{auth_token, env, keystone, unique, Cli, Run};

fn assert_clean(what: &str, run: &Run, secrets: &[&str], check_stdout: bool) {
    for s in secrets {
        assert!(
            !run.stderr.contains(s),
            "{what}: a secret ({}...) appears on stderr:\n{}",
            &s[..s.len().min(4)],
            run.stderr
        );
        if check_stdout {
            assert!(
                !run.stdout.contains(s),
                "{what}: a secret ({}...) appears on stdout:\n{}",
                &s[..s.len().min(4)],
                run.stdout
            );
        }
    }
}

#[test]
fn every_command_with_debug_keeps_tempauth_secrets_out_of_the_output() {
    if common::skip() {
        return;
    }
    let cli = Cli::main_account();
    let key = env("ST_KEY");
    let auth = cli.run_ours(&["auth"]);
    assert_eq!(auth.code, 0, "{auth:?}");
    let token = auth_token(&auth).expect("swift auth prints the token: the user asked for it");
    assert!(token.len() > 10);
    let temp_url_key = format!("tuk{}", unique("k").replace('-', ""));
    let secrets = [key.as_str(), token.as_str(), temp_url_key.as_str()];

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file.txt"), b"some data").unwrap();
    let cli = cli.cwd(dir.path());
    let c = unique("secrets");
    let path = format!("/v1/{}/{c}/file.txt", env("SWIFT_TESTBED_ACCOUNT"));
    let dest = format!("/{c}/copy.txt");
    let meta = format!("Temp-URL-Key:{temp_url_key}");
    let commands: Vec<(Vec<&str>, bool)> = vec![
        (vec!["--debug", "post", &c, "-m", &meta], true),
        (vec!["--debug", "stat"], true),
        // stat of the container prints the metadata the user asked for; its log must not
        (vec!["--debug", "stat", &c], false),
        (vec!["--debug", "upload", &c, "file.txt"], true),
        (vec!["--debug", "list"], true),
        (vec!["--debug", "list", "--lh", &c], true),
        (
            vec!["--debug", "download", &c, "file.txt", "-o", "got.txt"],
            true,
        ),
        (vec!["--debug", "copy", &c, "file.txt", "-d", &dest], true),
        (
            vec!["--debug", "post", &c, "file.txt", "-m", "colour:blue"],
            true,
        ),
        (vec!["--debug", "stat", &c, "file.txt"], true),
        (vec!["--debug", "capabilities"], true),
        (
            vec!["--debug", "tempurl", "GET", "60", &path, &temp_url_key],
            true,
        ),
        (vec!["--info", "stat", &c, "missing-object"], true),
        (vec!["--debug", "delete", &c], true),
    ];
    for (args, check_stdout) in &commands {
        let run = cli.run_ours(args);
        assert!(
            run.code == 0 || args.contains(&"missing-object"),
            "swift {args:?} failed: {run:?}"
        );
        assert_clean(&format!("swift {args:?}"), &run, &secrets, *check_stdout);
        if args[1] == "upload" {
            assert!(
                run.stderr.contains("REQ: curl"),
                "--debug logs the requests: {run:?}"
            );
        }
    }
    // a wrong key is reported without the key
    let wrong = Cli::bare()
        .env("ST_AUTH", &env("ST_AUTH"))
        .env("ST_USER", &env("ST_USER"))
        .env("ST_KEY", "wrong-key-0xDEADBEEF");
    let run = wrong.run_ours(&["--debug", "stat"]);
    assert_ne!(run.code, 0);
    assert_clean("wrong key", &run, &["wrong-key-0xDEADBEEF"], true);
}

#[test]
fn keystone_password_and_tokens_stay_out_of_debug_output() {
    if common::skip() {
        return;
    }
    let password = keystone("OS_PASSWORD");
    let args_base = [
        "--os-auth-url".to_owned(),
        keystone("OS_AUTH_URL"),
        "--auth-version".to_owned(),
        "3".to_owned(),
        "--os-username".to_owned(),
        keystone("OS_USERNAME"),
        "--os-password".to_owned(),
        password.clone(),
        "--os-project-name".to_owned(),
        keystone("OS_PROJECT_NAME"),
        "--os-user-domain-name".to_owned(),
        keystone("OS_USER_DOMAIN_NAME"),
        "--os-project-domain-name".to_owned(),
        keystone("OS_PROJECT_DOMAIN_NAME"),
        "--debug".to_owned(),
    ];
    let cli = Cli::bare();
    for cmd in [vec!["stat"], vec!["list"], vec!["capabilities"]] {
        let mut args: Vec<&str> = args_base.iter().map(String::as_str).collect();
        args.extend(cmd.iter().copied());
        let run = cli.run_ours(&args);
        assert_eq!(run.code, 0, "{run:?}");
        // fernet tokens start with gAAAAA; neither the token nor the password may show
        assert_clean(
            &format!("keystone {cmd:?}"),
            &run,
            &[password.as_str(), "gAAAAA"],
            true,
        );
    }
}
