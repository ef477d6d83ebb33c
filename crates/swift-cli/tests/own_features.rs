//! What our `swift` has beyond the reference: a progress bar on stderr only when stderr is a
//! terminal, the opt-in token cache (mode 0600, reused, refreshed after a 401), shell
//! completion scripts for bash, zsh and fish, and `--os-cloud` from clouds.yaml.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::{env, keystone, our_bin, unique, Cli};

fn tree(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("d/e")).unwrap();
    std::fs::write(dir.join("d/a.txt"), "hello\n").unwrap();
    std::fs::write(dir.join("d/e/big.bin"), vec![5u8; 300_000]).unwrap();
}

/// Runs our binary under `script`, so that stdin, stdout and stderr are a terminal.
fn in_a_terminal(cli_env: &[(String, String)], cwd: &std::path::Path, args: &str) -> Vec<u8> {
    let cmd = format!("{} {args}", our_bin().display());
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(cwd)
        .env_remove("SWIFTCLIENT_NO_PROGRESS")
        .env("TERM", "xterm");
    for (k, v) in cli_env {
        c.env(k, v);
    }
    let out = c.output().expect("script (util-linux) must be installed");
    assert!(out.status.success(), "{out:?}");
    out.stdout
}

#[test]
fn progress_bar_only_on_a_terminal() {
    if common::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let c = unique("cli-bar");
    let envs: Vec<(String, String)> = ["ST_AUTH", "ST_USER", "ST_KEY"]
        .iter()
        .map(|k| (k.to_string(), env(k)))
        .collect();
    // On a terminal: the bar is drawn (and cleared), and the object lines are still there.
    let tty = in_a_terminal(&envs, dir.path(), &format!("upload {c} d"));
    let text = String::from_utf8_lossy(&tty);
    assert!(text.contains("\r\x1b[Kuploading"), "{text:?}");
    assert!(
        text.contains("d/a.txt") && text.contains("d/e/big.bin"),
        "{text:?}"
    );
    let down = tempfile::tempdir().unwrap();
    let tty = in_a_terminal(&envs, down.path(), &format!("download {c}"));
    let text = String::from_utf8_lossy(&tty);
    assert!(text.contains("\r\x1b[Kdownloading"), "{text:?}");
    // In pipes: no bar, no control characters, stdout exactly the reference's lines.
    let cli = Cli::main_account().cwd(dir.path());
    let o = cli.run_ours(&["upload", &c, "d"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(o.stderr, "");
    assert!(!o.stdout.contains('\r') && !o.stdout.contains('\x1b'));
    let mut lines: Vec<&str> = o.stdout.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, vec!["d/a.txt", "d/e/big.bin"]);
    let o = Cli::main_account()
        .cwd(down.path())
        .run_ours(&["download", &c]);
    assert_eq!(o.stderr, "");
    assert!(!o.stdout.contains('\r'));
    common::cleanup(&Cli::main_account(), &c);
}

#[test]
fn token_cache_is_private_reused_and_refreshed() {
    if common::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("sub").join("tokens.json");
    let cli = Cli::main_account().env("SWIFTCLIENT_TOKEN_CACHE", cache.to_str().unwrap());
    let c = unique("cli-cache");
    let auth_requests = |r: &common::Run| r.stderr.matches("/auth/v1.0 -X GET").count();
    // Off by default: nothing is written.
    let o = Cli::main_account().run_ours(&["--debug", "stat", &c]);
    assert_eq!(auth_requests(&o), 1);
    // On: the first command authenticates and stores the token, mode 0600.
    let o = cli.run_ours(&["--debug", "stat", &c]);
    assert_eq!(auth_requests(&o), 1, "{}", o.stderr);
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(
        text.contains("AUTH_tk") && !text.contains(&env("ST_KEY")),
        "{text}"
    );
    // The next commands reuse it: no authentication, same output as without a cache.
    let o = cli.run_ours(&["--debug", "stat", &c]);
    assert_eq!(auth_requests(&o), 0, "{}", o.stderr);
    let plain = cli.run_ours(&["stat", &c]);
    let reference = Cli::main_account().run_ref(&["stat", &c]);
    assert_eq!(
        common::normalise(&plain.stderr),
        common::normalise(&reference.stderr)
    );
    // A token the cluster refuses (401) is replaced after one new authentication.
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = doc["entries"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let mut doc2 = doc.clone();
    doc2["entries"][&key]["token"] = serde_json::Value::String("AUTH_tkrevoked".into());
    std::fs::write(&cache, doc2.to_string()).unwrap();
    let o = cli.run_ours(&["--debug", "stat", &c]);
    assert_eq!(auth_requests(&o), 1, "{}", o.stderr);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(!text.contains("AUTH_tkrevoked"));
    assert_eq!(
        std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Other credentials never use this entry.
    let o = cli.clone().env("ST_KEY", "wrong").run_ours(&["stat", &c]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("401 Unauthorized"), "{}", o.stderr);
    // `--token-cache` turns it on at the default place ($XDG_CACHE_HOME/swiftclient-rs).
    let xdg = tempfile::tempdir().unwrap();
    let o = Cli::main_account()
        .env("XDG_CACHE_HOME", xdg.path().to_str().unwrap())
        .run_ours(&["--token-cache", "stat", &c]);
    assert_eq!(o.code, 1);
    let default = xdg.path().join("swiftclient-rs/tokens.json");
    assert_eq!(
        std::fs::metadata(&default).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn completion_scripts() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    let bash = cli.run_ours(&["completion", "bash"]);
    assert_eq!(bash.code, 0);
    for word in [
        "complete -o default -F _swift swift",
        "upload)",
        "--segment-size",
        "--os-auth-url",
        "stat",
    ] {
        assert!(bash.stdout.contains(word), "bash script lacks {word}");
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bash.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(file.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "bash -n: {check:?}");
    // The bash function completes subcommands and their options.
    let probe = format!(
        "source {}; COMP_WORDS=(swift up); COMP_CWORD=1; _swift; echo \"${{COMPREPLY[@]}}\"; \
         COMP_WORDS=(swift list --lo); COMP_CWORD=2; _swift; echo \"${{COMPREPLY[@]}}\"",
        file.path().display()
    );
    let out = Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "upload\n--long\n");
    let zsh = cli.run_ours(&["completion", "zsh"]);
    assert!(zsh.stdout.starts_with("#compdef swift") && zsh.stdout.contains("--object-threads"));
    let fish = cli.run_ours(&["completion", "fish"]);
    assert!(fish
        .stdout
        .contains("complete -c swift -n '__fish_use_subcommand' -f -a '"));
    assert!(fish
        .stdout
        .contains("__fish_seen_subcommand_from download' -l 'skip-identical'"));
    let bad = cli.run_ours(&["completion", "tcsh"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.starts_with("Usage: swift completion"));
    assert!(cli
        .run_ours(&["completion", "--help"])
        .stdout
        .contains("bash, zsh or fish"));
}

#[test]
fn os_cloud_from_clouds_yaml() {
    if common::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "clouds:\n  testbed:\n    auth:\n      auth_url: {}\n      username: {}\n      password: {}\n      project_name: {}\n      user_domain_name: {}\n      project_domain_name: {}\n    region_name: {}\n    identity_api_version: 3\n",
        keystone("OS_AUTH_URL"),
        keystone("OS_USERNAME"),
        keystone("OS_PASSWORD"),
        keystone("OS_PROJECT_NAME"),
        keystone("OS_USER_DOMAIN_NAME"),
        keystone("OS_PROJECT_DOMAIN_NAME"),
        keystone("OS_REGION_NAME"),
    );
    let path = dir.path().join("clouds.yaml");
    std::fs::write(&path, yaml).unwrap();
    let c = unique("cli-cloud");
    let cli = Cli::bare().env("OS_CLIENT_CONFIG_FILE", path.to_str().unwrap());
    let o = cli.run_ours(&["--os-cloud", "testbed", "stat", &c]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr
            .starts_with(&format!("Container '{c}' not found\n")),
        "{o:?}"
    );
    // OS_CLOUD works too when nothing else says how to authenticate.
    let o = cli.clone().env("OS_CLOUD", "testbed").run_ours(&["auth"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(
        o.stdout
            .contains(&keystone("KEYSTONE_TESTBED_SWIFT_PUBLIC_URL")),
        "{o:?}"
    );
    // An unknown cloud is a clear error.
    let o = cli.run_ours(&["--os-cloud", "nope", "stat"]);
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("testbed"), "{o:?}");
}
