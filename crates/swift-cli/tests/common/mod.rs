//! Differential testing: run the reference `swift` (python-swiftclient 4.11, from the test
//! bed's venv) and ours with the same arguments and environment against the real local
//! cluster, normalise what legitimately differs (transaction ids, tokens, timings), and
//! compare stdout, stderr and the exit status.
//!
//! The cluster is started by `scripts/test` (or `eval "$(bash testbed/swift/start)"`), which
//! exports `ST_AUTH`, `ST_USER`, `ST_KEY` and the `SWIFT_TESTBED_*` variables read here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// An environment variable the test bed exports; a clear failure when it is missing.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the local Swift cluster and the reference CLI; \
             run scripts/test, or eval \"$(bash testbed/swift/start)\" first"
        )
    })
}

/// The reference CLI.
pub fn reference_bin() -> PathBuf {
    let p = Path::new(&env("SWIFT_TESTBED_BIN")).join("swift");
    assert!(
        p.exists(),
        "{} is missing: run testbed/swift/setup",
        p.display()
    );
    p
}

/// Our CLI.
pub fn our_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_swift"))
}

/// A name unique to this test run.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        nanos % 1_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// What one run printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// A command line environment shared by both CLIs.
#[derive(Clone, Debug, Default)]
pub struct Cli {
    envs: Vec<(String, String)>,
    cwd: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
}

impl Cli {
    /// No credentials at all (only PATH, HOME, locale).
    pub fn bare() -> Cli {
        // Fail clearly when the cluster's environment is missing.
        let _ = env("ST_AUTH");
        Cli::default()
    }

    /// The main tempauth account, through ST_AUTH / ST_USER / ST_KEY.
    pub fn tempauth() -> Cli {
        Cli::bare()
            .env("ST_AUTH", &env("ST_AUTH"))
            .env("ST_USER", &env("ST_USER"))
            .env("ST_KEY", &env("ST_KEY"))
    }

    /// A fresh account of its own (the reseller admin's token on `AUTH_<name>`), so that
    /// account-level output is not disturbed by other tests.
    pub fn own_account(name: &str) -> (Cli, String) {
        let admin = Cli::bare()
            .env("ST_AUTH", &env("ST_AUTH"))
            .env("ST_USER", &env("SWIFT_TESTBED_RESELLER_USER"))
            .env("ST_KEY", &env("SWIFT_TESTBED_RESELLER_KEY"));
        let out = admin.run_ref(&["auth"]);
        assert_eq!(out.code, 0, "reseller auth failed: {out:?}");
        let token = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("export OS_AUTH_TOKEN="))
            .expect("token")
            .to_owned();
        let account = format!("AUTH_{name}");
        let url = format!("{}/v1/{account}", env("SWIFT_TESTBED_PROXY_URL"));
        (
            Cli::bare()
                .env("OS_STORAGE_URL", &url)
                .env("OS_AUTH_TOKEN", &token),
            account,
        )
    }

    /// Adds an environment variable.
    pub fn env(mut self, k: &str, v: &str) -> Cli {
        self.envs.retain(|(n, _)| n != k);
        self.envs.push((k.to_owned(), v.to_owned()));
        self
    }

    /// Runs in this directory.
    pub fn cwd(mut self, dir: &Path) -> Cli {
        self.cwd = Some(dir.to_owned());
        self
    }

    /// Feeds this to stdin.
    pub fn stdin(mut self, data: &[u8]) -> Cli {
        self.stdin = Some(data.to_vec());
        self
    }

    fn run(&self, bin: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin);
        cmd.args(args).env_clear();
        for k in ["PATH", "HOME", "TMPDIR"] {
            if let Ok(v) = std::env::var(k) {
                cmd.env(k, v);
            }
        }
        cmd.env("LANG", "C.UTF-8");
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        if let Some(d) = &self.cwd {
            cmd.current_dir(d);
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        if let Some(data) = &self.stdin {
            let mut si = child.stdin.take().unwrap();
            let data = data.clone();
            std::thread::spawn(move || {
                let _ = si.write_all(&data);
            });
        }
        let out = child.wait_with_output().unwrap();
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Runs the reference.
    pub fn run_ref(&self, args: &[&str]) -> Run {
        self.run(&reference_bin(), args)
    }

    /// Runs ours.
    pub fn run_ours(&self, args: &[&str]) -> Run {
        self.run(&our_bin(), args)
    }

    /// Runs both and asserts identical output after [`normalise`]; returns ours.
    pub fn assert_same(&self, args: &[&str]) -> Run {
        self.assert_same_with(args, normalise)
    }

    /// Runs both and asserts identical output after `norm`; returns ours (normalised).
    pub fn assert_same_with(&self, args: &[&str], norm: impl Fn(&str) -> String) -> Run {
        let r = self.run_ref(args);
        let o = self.run_ours(args);
        compare(args, &r, &o, &norm)
    }
}

/// Asserts two runs are the same after `norm`.
pub fn compare(args: &[&str], r: &Run, o: &Run, norm: &dyn Fn(&str) -> String) -> Run {
    let r = Run {
        stdout: norm(&r.stdout),
        stderr: norm(&r.stderr),
        code: r.code,
    };
    let o = Run {
        stdout: norm(&o.stdout),
        stderr: norm(&o.stderr),
        code: o.code,
    };
    if r != o {
        panic!(
            "swift {args:?} differs from the reference\n--- reference (exit {}):\n[stdout]\n{}[stderr]\n{}\n--- ours (exit {}):\n[stdout]\n{}[stderr]\n{}\n--- first differing line:\n{}",
            r.code,
            r.stdout,
            r.stderr,
            o.code,
            o.stdout,
            o.stderr,
            first_diff(&r, &o),
        );
    }
    o
}

fn first_diff(r: &Run, o: &Run) -> String {
    for (what, a, b) in [
        ("stdout", &r.stdout, &o.stdout),
        ("stderr", &r.stderr, &o.stderr),
    ] {
        for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
            if x != y {
                return format!("{what} line {}:\n  ref:  {x:?}\n  ours: {y:?}", i + 1);
            }
        }
        if a.lines().count() != b.lines().count() {
            return format!(
                "{what}: {} lines vs {} lines",
                a.lines().count(),
                b.lines().count()
            );
        }
    }
    format!("exit status {} vs {}", r.code, o.code)
}

/// Replaces every match of "`prefix` followed by `n` characters accepted by `ok`" with `with`.
fn replace_runs(s: &str, prefix: &str, n: usize, ok: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        let after = &rest[i + prefix.len()..];
        let run: String = after.chars().take_while(|c| ok(*c)).collect();
        if run.chars().count() >= n {
            out.push_str(&rest[..i]);
            out.push_str(with);
            rest = &after[run.len()..];
        } else {
            out.push_str(&rest[..i + prefix.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Transaction ids, tempauth tokens, and the figures of download timing lines.
pub fn normalise(s: &str) -> String {
    let hex_dash = |c: char| c.is_ascii_hexdigit() || c == '-';
    let s = replace_runs(s, "tx", 32, hex_dash, "TXID");
    let s = replace_runs(&s, "AUTH_tk", 32, |c| c.is_ascii_hexdigit(), "AUTH_tkTOKEN");
    let s = replace_runs(&s, "req-", 36, hex_dash, "REQID");
    // Keystone (fernet) tokens in `auth` output.
    let s: String = s
        .lines()
        .map(|l| match l.strip_prefix("export OS_AUTH_TOKEN=gAAAA") {
            Some(_) => "export OS_AUTH_TOKEN=KEYSTONE_TOKEN".to_owned(),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if s.ends_with('\n') { "\n" } else { "" };
    normalise_timings(&s)
}

/// `[auth 0.010s, headers 0.020s, total 0.030s, 1.234 MB/s]` -> digits replaced by `N`.
pub fn normalise_timings(s: &str) -> String {
    s.lines()
        .map(|l| match l.rfind(" [auth ") {
            Some(i) if l.ends_with(']') => {
                let tail: String = l[i..]
                    .chars()
                    .map(|c| if c.is_ascii_digit() { 'N' } else { c })
                    .collect();
                let tail = collapse_n(&tail);
                format!("{}{}", &l[..i], tail)
            }
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if s.ends_with('\n') { "\n" } else { "" }
}

fn collapse_n(s: &str) -> String {
    let mut out = String::new();
    let mut prev_n = false;
    for c in s.chars() {
        if c == 'N' {
            if !prev_n {
                out.push(c);
            }
            prev_n = true;
        } else {
            out.push(c);
            prev_n = false;
        }
    }
    out
}

/// The lines sorted (for output in completion order, e.g. concurrent uploads).
pub fn sorted_lines(s: &str) -> String {
    let mut v: Vec<&str> = s.lines().collect();
    v.sort_unstable();
    let mut out = v.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// [`normalise`], then the lines sorted.
pub fn normalise_sorted(s: &str) -> String {
    sorted_lines(&normalise(s))
}

/// The account `stat` policy lines sorted by policy name (the reference prints policies in
/// Python set order, which changes from run to run).
pub fn normalise_policies(s: &str) -> String {
    let s = normalise(s);
    let lines: Vec<&str> = s.lines().collect();
    let policy = |l: &str| -> Option<String> {
        let i = l.find("policy \"")?;
        let rest = &l[i + 8..];
        Some(rest[..rest.find('"')?].to_owned())
    };
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if policy(lines[i]).is_some() {
            let mut block: Vec<(String, usize, &str)> = Vec::new();
            while i < lines.len() {
                match policy(lines[i]) {
                    Some(p) => block.push((p, block.len(), lines[i])),
                    None => break,
                }
                i += 1;
            }
            block.sort_by_key(|a| (a.0.clone(), a.1));
            out.extend(block.into_iter().map(|(_, _, l)| l.to_owned()));
        } else {
            out.push(lines[i].to_owned());
            i += 1;
        }
    }
    let mut joined = out.join("\n");
    if s.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// Runs the reference to set up a fixture; panics with its output when it fails.
pub fn fixture(cli: &Cli, args: &[&str]) -> Run {
    let r = cli.run_ref(args);
    assert_eq!(r.code, 0, "fixture swift {args:?} failed: {r:?}");
    r
}

/// Deletes a container and everything in it (ignores a missing container).
pub fn cleanup(cli: &Cli, container: &str) {
    let _ = cli.run_ref(&["delete", container]);
}

/// A setting of the Keystone test bed, read from its export file
/// (`$KEYSTONE_TESTBED_HOME/state/env.sh`) so that its `OS_*` variables never leak into the
/// environment of the other tests.
pub fn keystone(name: &str) -> String {
    let home =
        std::env::var("KEYSTONE_TESTBED_HOME").unwrap_or_else(|_| "/tmp/keystone-testbed".into());
    let path = format!("{home}/state/env.sh");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("{path} is missing: start Keystone with scripts/test or testbed/keystone/start-swift-proxy")
    });
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches(['\'', '"']).to_owned())
        .unwrap_or_else(|| panic!("{name} not in {path}"))
}

/// Polls until `f` is true (at most ~10 s).
pub fn wait_until(mut f: impl FnMut() -> bool) {
    for _ in 0..100 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
