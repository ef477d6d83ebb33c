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

/// True (with a one-line notice) when the tests that need the local Swift cluster are to be
/// skipped: unless `TEST_INTEGRATION` is set, as `scripts/test` does (object_store's
/// pattern), so that a plain `cargo test` on a fresh checkout passes. With it set, nothing is
/// skipped: a missing cluster is then a failure, never a silent pass.
pub fn skip() -> bool {
    if std::env::var_os("TEST_INTEGRATION").is_some() {
        return false;
    }
    eprintln!(
        "skipping: this test needs the local Swift cluster (TEST_INTEGRATION=1, as scripts/test sets)"
    );
    true
}

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

    /// The main tempauth account (`test:tester`), through ST_AUTH / ST_USER / ST_KEY. Other
    /// tests share it: use it only where nothing depends on its contents.
    pub fn main_account() -> Cli {
        Cli::bare()
            .env("ST_AUTH", &env("ST_AUTH"))
            .env("ST_USER", &env("ST_USER"))
            .env("ST_KEY", &env("ST_KEY"))
    }

    /// v1 (tempauth) authentication through ST_AUTH / ST_USER / ST_KEY, as the reseller
    /// admin, in a fresh account of its own (`OS_STORAGE_URL` overrides the storage URL
    /// that authentication returns), so that no other test can disturb its contents.
    pub fn tempauth() -> Cli {
        let account = unique("AUTH_cli").replace('-', "_");
        let url = format!("{}/v1/{account}", env("SWIFT_TESTBED_PROXY_URL"));
        Cli::bare()
            .env("ST_AUTH", &env("ST_AUTH"))
            .env("ST_USER", &env("SWIFT_TESTBED_RESELLER_USER"))
            .env("ST_KEY", &env("SWIFT_TESTBED_RESELLER_KEY"))
            .env("OS_STORAGE_URL", &url)
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
        let token = auth_token(&out).expect("token");
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

    /// The value this environment gives `k`.
    pub fn get_env(&self, k: &str) -> Option<&str> {
        self.envs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
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
        let (stdout, stderr, code) = self.run_raw(bin, args);
        Run {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr,
            code,
        }
    }

    /// Runs the reference (`reference`) or ours; stdout as bytes.
    pub fn run_bytes(&self, reference: bool, args: &[&str]) -> (Vec<u8>, String, i32) {
        let bin = if reference {
            reference_bin()
        } else {
            our_bin()
        };
        self.run_raw(&bin, args)
    }

    /// Our CLI as a `Command` with this environment, to drive by hand (signals, timeouts).
    pub fn our_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(our_bin());
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
        cmd
    }

    fn run_raw(&self, bin: &Path, args: &[&str]) -> (Vec<u8>, String, i32) {
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
        (
            out.stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
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

/// Two environments set up alike (e.g. two private accounts with the same fixtures): runs the
/// reference in `a` and ours in `b`, with the account names of both replaced by `AUTH_X`.
pub struct Pair {
    pub a: Cli,
    pub b: Cli,
}

impl Pair {
    /// Two fresh private accounts (v1 auth as the reseller admin).
    pub fn new() -> Pair {
        Pair {
            a: Cli::tempauth(),
            b: Cli::tempauth(),
        }
    }

    /// Runs `args` in both with the reference (to build identical fixtures).
    pub fn fixture(&self, args: &[&str]) {
        fixture(&self.a, args);
        fixture(&self.b, args);
    }

    /// Sets the working directories.
    pub fn cwd(self, a: &Path, b: &Path) -> Pair {
        Pair {
            a: self.a.cwd(a),
            b: self.b.cwd(b),
        }
    }

    fn accounts(&self) -> Vec<String> {
        [&self.a, &self.b]
            .iter()
            .filter_map(|c| {
                c.envs
                    .iter()
                    .find(|(k, _)| k == "OS_STORAGE_URL")
                    .and_then(|(_, v)| v.rsplit('/').next().map(str::to_owned))
            })
            .collect()
    }

    /// Reference in `a`, ours in `b`; compared after `norm` and the account names.
    pub fn assert_same_with(&self, args: &[&str], norm: impl Fn(&str) -> String) -> Run {
        let accounts = self.accounts();
        let n = |s: &str| {
            let mut t = s.to_owned();
            for a in &accounts {
                t = t.replace(a.as_str(), "AUTH_X");
            }
            norm(&t)
        };
        let r = self.a.run_ref(args);
        let o = self.b.run_ours(args);
        compare(args, &r, &o, &n)
    }

    /// [`Pair::assert_same_with`] with the lines sorted (output in completion order) and
    /// the times of the two accounts' objects masked.
    pub fn assert_same_sorted(&self, args: &[&str]) -> Run {
        self.assert_same_with(args, |s| sorted_lines(&mask_times(&normalise(s))))
    }
}

/// Every file under `dir` with its content, for comparing downloaded trees.
/// The token `swift auth` printed (its `export OS_AUTH_TOKEN=` line).
pub fn auth_token(run: &Run) -> Option<String> {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("export OS_AUTH_TOKEN="))
        .map(str::to_owned)
}

pub fn tree_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
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
    // Keystone (fernet) tokens, e.g. in `stat -v`.
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=';
    let s = replace_runs(&s, "gAAAA", 20, b64, "KEYSTONE_TOKEN");
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

/// Masks what differs between two uploads of the same data at different moments: the
/// values of `X-Timestamp`, `Last Modified`/`Last-Modified`, `X-Put-Timestamp`, and the dates
/// and times of long listings.
pub fn mask_times(s: &str) -> String {
    let mut out = String::new();
    for l in s.lines() {
        let t = l.trim_start();
        let masked = [
            "X-Timestamp:",
            "Last Modified:",
            "Last-Modified:",
            "X-Put-Timestamp:",
            "X-Manifest-Etag:",
        ]
        .iter()
        .find(|k| t.starts_with(**k))
        .map(|k| format!("{}{k} TIME", &l[..l.len() - t.len()]));
        let line = match masked {
            Some(m) => m,
            None => mask_listing_dates(l),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if !s.ends_with('\n') {
        out.pop();
    }
    out
}

/// `2026-11-26 05:22:56` in a long listing line -> `DATE TIME`.
fn mask_listing_dates(l: &str) -> String {
    let b = l.as_bytes();
    for i in 0..b.len().saturating_sub(18) {
        let w = &b[i..i + 19];
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
        if w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b' '
            && w[13] == b':'
            && w[16] == b':'
            && digits.iter().all(|&j| w[j].is_ascii_digit())
        {
            return format!("{}DATE     TIME    {}", &l[..i], &l[i + 19..]);
        }
    }
    l.to_owned()
}

/// [`normalise_sorted`] and [`mask_times`], and `Meta Mtime` (stdin uploads take the time
/// of the upload).
pub fn normalise_upload_times(s: &str) -> String {
    let s = mask_times(&normalise(s));
    let s: String = s
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("Meta Mtime:") {
                "Meta Mtime: MTIME".to_owned()
            } else {
                // Segment names carry the mtime: `<obj>/slo/<mtime>/...`; ours add a random
                // part to stream uploads' (`<mtime>-<16 hex digits>`, on purpose).
                l.split('/')
                    .map(|part| {
                        let part = match part.rsplit_once('-') {
                            Some((t, r))
                                if r.len() == 16 && r.chars().all(|c| c.is_ascii_hexdigit()) =>
                            {
                                t
                            }
                            _ => part,
                        };
                        let is_time = part.len() > 7
                            && part.ends_with(".000000")
                            && part[..part.len() - 7].chars().all(|c| c.is_ascii_digit());
                        if is_time {
                            "MTIME"
                        } else {
                            part
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    sorted_lines(&s)
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

/// Polls until `f` is true; fails the test if it is not within 20 s.
pub fn wait_until(mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("wait_until: the condition did not hold within 20 s");
}
