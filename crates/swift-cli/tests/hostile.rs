//! Hostile input through the `swift` command line, on the real cluster (and the fake server
//! where the cluster cannot stall on demand): planted dot-segment names in a shared
//! container, `-o` links and FIFOs, links in the output tree, file modes, control characters,
//! the token cache's files, Ctrl-C, and concurrent stream uploads of one name.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{unique, Cli};

/// A fresh account, and a library connection to it for planting what the CLI must not touch.
fn account(name: &str) -> (Cli, swiftclient::blocking::Connection) {
    let (cli, _) = Cli::own_account(&unique(name).replace('-', "_"));
    let url = cli_env(&cli, "OS_STORAGE_URL");
    let token = cli_env(&cli, "OS_AUTH_TOKEN");
    let conn = swiftclient::blocking::Connection::preauth(url, token).unwrap();
    (cli, conn)
}

fn cli_env(cli: &Cli, name: &str) -> String {
    cli.get_env(name).unwrap().to_owned()
}

fn body(conn: &swiftclient::blocking::Connection, c: &str, o: &str) -> Vec<u8> {
    conn.get_object(c, o).unwrap().bytes().unwrap().to_vec()
}

/// Names a co-tenant can plant in a shared container to reach `other/precious`.
const PLANTED: &[&str] = &["x/../../other/precious", "../other/precious", "..", "a/./b"];

fn plant(conn: &swiftclient::blocking::Connection) {
    conn.put_container("shared").unwrap();
    conn.put_container("other").unwrap();
    conn.put_object("other", "precious", "precious data")
        .unwrap();
    for (i, name) in PLANTED.iter().enumerate() {
        conn.put_object("shared", name, format!("planted {i}"))
            .unwrap();
    }
    conn.put_object("shared", "plain", "plain").unwrap();
}

fn precious_intact(conn: &swiftclient::blocking::Connection) {
    assert_eq!(body(conn, "other", "precious"), b"precious data");
    let h = conn.head_object("other", "precious").unwrap();
    assert!(h.headers().get("x-object-meta-planted").is_none());
}

// `swift stat`, `download`, `post`, `copy` and `delete` on a container holding planted
// dot-segment names touch exactly those objects; `other/precious` stays as it was.
#[test]
fn planted_dot_segment_names_never_reach_another_container() {
    if common::skip() {
        return;
    }
    let (cli, conn) = account("hostile-dots");
    plant(&conn);
    // The listing shows the names as planted.
    let o = cli.run_ours(&["list", "shared"]);
    assert_eq!(o.code, 0, "{o:?}");
    for name in PLANTED {
        assert!(o.stdout.lines().any(|l| l == *name), "{name}: {}", o.stdout);
    }
    let o = cli.run_ours(&["stat", "shared", "x/../../other/precious"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("Content Length: 9"), "{}", o.stdout);
    let o = cli.run_ours(&[
        "post",
        "-m",
        "planted:yes",
        "shared",
        "x/../../other/precious",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    let o = cli.run_ours(&[
        "copy",
        "shared",
        "../other/precious",
        "-d",
        "/shared/copied",
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(body(&conn, "shared", "copied"), b"planted 1");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("one");
    let o = cli.run_ours(&[
        "download",
        "shared",
        "x/../../other/precious",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(std::fs::read(&out).unwrap(), b"planted 0");
    // A whole-container download refuses the names that would leave the directory, one
    // error each, and writes the rest (exit 1).
    let down = tempfile::tempdir().unwrap();
    let o = cli
        .clone()
        .cwd(down.path())
        .run_ours(&["download", "shared"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(std::fs::read(down.path().join("plain")).unwrap(), b"plain");
    assert!(
        o.stderr.contains("outside the output directory"),
        "{}",
        o.stderr
    );
    precious_intact(&conn);
    // Delete the container: one DELETE per object (5 objects, 10 threads), then in bulk
    // (more than twice as many objects as threads).
    for threads in ["10", "1"] {
        let o = cli.run_ours(&["delete", "shared", "--object-threads", threads]);
        assert_eq!(o.code, 0, "{o:?}");
        precious_intact(&conn);
        assert!(conn.head_container("shared").unwrap_err().is_not_found());
        plant(&conn);
    }
}

// Replacing an SLO whose (planted) manifest lists dot-segment segment names deletes those
// segments, not the objects their folded paths would name.
#[test]
fn replacing_a_planted_slo_deletes_only_its_own_segments() {
    if common::skip() {
        return;
    }
    let (cli, conn) = account("hostile-slo");
    conn.put_container("other").unwrap();
    conn.put_object("other", "precious", "precious data")
        .unwrap();
    conn.put_container("shared").unwrap();
    conn.put_container("shared_segments").unwrap();
    let seg = "s/../../other/precious";
    let r = conn.put_object("shared_segments", seg, "segment").unwrap();
    let etag = r.etag().unwrap().to_owned();
    let manifest =
        format!(r#"[{{"path": "/shared_segments/{seg}", "etag": "{etag}", "size_bytes": 7}}]"#);
    let mut opts = swiftclient::PutOptions::new();
    opts.query_string = Some("multipart-manifest=put".into());
    conn.put_object_with("shared", "big", manifest, &opts)
        .unwrap();
    assert_eq!(body(&conn, "shared", "big"), b"segment");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big");
    std::fs::write(&file, b"new contents").unwrap();
    let o = cli.cwd(dir.path()).run_ours(&["upload", "shared", "big"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(body(&conn, "shared", "big"), b"new contents");
    assert!(conn
        .head_object("shared_segments", seg)
        .unwrap_err()
        .is_not_found());
    precious_intact(&conn);
}

// `-o FILE` where FILE is a link: a 404 (or any failure) leaves the link's target alone; a
// success writes the target through a temporary file and keeps the link a link. A FIFO is
// not even opened when the object is missing.
#[test]
fn out_file_links_and_fifos_are_touched_only_by_data() {
    if common::skip() {
        return;
    }
    let (cli, conn) = account("hostile-out");
    conn.put_container("c").unwrap();
    conn.put_object("c", "o", "fresh data").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    std::fs::write(&target, b"keep me").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let link_s = link.to_str().unwrap();
    for missing in [
        ["download", "c", "missing", "-o", link_s],
        ["download", "nope", "o", "-o", link_s],
    ] {
        let o = cli.run_ours(&missing);
        assert_eq!(o.code, 1, "{o:?}");
        assert_eq!(std::fs::read(&target).unwrap(), b"keep me", "{missing:?}");
    }
    let o = cli.run_ours(&["download", "c", "o", "-o", link_s]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), b"fresh data");
    // The replaced file keeps its mode.
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // A FIFO nobody reads: opening it would block; a missing object never opens it.
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = cli
        .our_command(&["download", "c", "missing", "-o", fifo.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("swift download opened the FIFO before the object's data arrived");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
}

// Downloading over an existing file keeps its mode; a new file gets what the umask leaves
// of 0666; a link in the output tree that leads out of it is not followed unless asked.
#[test]
fn modes_kept_and_links_out_of_the_tree_refused() {
    if common::skip() {
        return;
    }
    let (cli, conn) = account("hostile-modes");
    conn.put_container("c").unwrap();
    conn.put_object("c", "secret.txt", "s3cret").unwrap();
    conn.put_object("c", "new.txt", "new").unwrap();
    conn.put_object("c", "d/passwd", "pwned").unwrap();
    let down = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = down.path().join("secret.txt");
    std::fs::write(&secret, b"old").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(outside.path().join("passwd"), b"root:x:0:0").unwrap();
    std::os::unix::fs::symlink(outside.path(), down.path().join("d")).unwrap();
    let o = cli.clone().cwd(down.path()).run_ours(&["download", "c"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr.contains("leads out of the output directory"),
        "{}",
        o.stderr
    );
    assert_eq!(
        std::fs::read(outside.path().join("passwd")).unwrap(),
        b"root:x:0:0"
    );
    assert_eq!(std::fs::read(&secret).unwrap(), b"s3cret");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&secret), 0o600);
    let umask = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("Umask:")
                .map(|v| u32::from_str_radix(v.trim(), 8).unwrap())
        })
        .unwrap();
    assert_eq!(mode(&down.path().join("new.txt")), 0o666 & !umask);
    // No temporary file is left, none was readable by others.
    let leftovers: Vec<_> = std::fs::read_dir(down.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".swiftdl"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let o = cli
        .cwd(down.path())
        .run_ours(&["download", "c", "d/passwd", "--follow-symlinks"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(
        std::fs::read(outside.path().join("passwd")).unwrap(),
        b"pwned"
    );
}

// Object names are printed with their control characters escaped: a planted escape
// sequence cannot rewrite the terminal.
#[test]
fn control_characters_in_names_are_escaped() {
    if common::skip() {
        return;
    }
    let (cli, conn) = account("hostile-ctl");
    conn.put_container("c").unwrap();
    conn.put_object("c", "a\u{1b}[2Jb", "x").unwrap();
    conn.put_object("c", "line\rover", "x").unwrap();
    for args in [vec!["list", "c"], vec!["list", "-l", "c"]] {
        let o = cli.run_ours(&args);
        assert_eq!(o.code, 0, "{o:?}");
        assert!(
            !o.stdout.contains('\u{1b}') && !o.stdout.contains('\r'),
            "{:?}",
            o.stdout
        );
        assert!(o.stdout.contains("a\\u{1b}[2Jb"), "{}", o.stdout);
        assert!(o.stdout.contains("line\\u{d}over"), "{}", o.stdout);
    }
    let dir = tempfile::tempdir().unwrap();
    let o = cli
        .cwd(dir.path())
        .run_ours(&["download", "c", "-D", "out"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(!o.stdout.contains('\u{1b}') && !o.stderr.contains('\u{1b}'));
}

// The token cache is not used in a directory others can write, and never follows a link
// planted at its place.
#[test]
fn token_cache_refuses_shared_directories_and_links() {
    if common::skip() {
        return;
    }
    let open = tempfile::tempdir().unwrap();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let cache = open.path().join("tokens.json");
    let c = unique("cli-cache-hostile");
    let cli = Cli::main_account().env("SWIFTCLIENT_TOKEN_CACHE", cache.to_str().unwrap());
    let o = cli.run_ours(&["stat", &c]);
    assert_eq!(o.code, 1);
    assert!(
        !cache.exists(),
        "a cache was written in a world-writable directory"
    );
    // A private directory, but the cache file is a link to another file of the user.
    let private = tempfile::tempdir().unwrap();
    let victim = private.path().join("victim");
    std::fs::write(&victim, b"do not touch").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cache = private.path().join("tokens.json");
    std::os::unix::fs::symlink(&victim, &cache).unwrap();
    let cli = Cli::main_account().env("SWIFTCLIENT_TOKEN_CACHE", cache.to_str().unwrap());
    let o = cli.run_ours(&["stat", &c]);
    assert_eq!(o.code, 1);
    assert_eq!(std::fs::read(&victim).unwrap(), b"do not touch");
    assert!(std::fs::symlink_metadata(&cache)
        .unwrap()
        .file_type()
        .is_symlink());
    // Nothing in the key reveals the password, and the salt differs per file.
    let good = tempfile::tempdir().unwrap();
    let cache = good.path().join("tokens.json");
    let cli = Cli::main_account().env("SWIFTCLIENT_TOKEN_CACHE", cache.to_str().unwrap());
    assert_eq!(cli.run_ours(&["stat", &c]).code, 1);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(doc["salt"].as_str().map(str::len), Some(64));
    let key = doc["entries"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let unsalted = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(common::env("ST_KEY"));
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_ne!(key, unsalted);
    let names: Vec<String> = std::fs::read_dir(good.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["tokens.json"], "temporary files left behind");
}

// Two stream uploads of one name started in the same second get segment prefixes of their
// own: the DLO holds one upload's data whole, never a splice of both.
#[test]
fn concurrent_stream_uploads_never_splice() {
    if common::skip() {
        return;
    }
    let (cli, conn) = account("hostile-dlo");
    conn.put_container("c").unwrap();
    let a: Vec<u8> = std::iter::repeat_n(b'a', 40_000).collect();
    let b: Vec<u8> = std::iter::repeat_n(b'b', 40_000).collect();
    let args = [
        "upload",
        "c",
        "-",
        "--object-name",
        "log",
        "--use-dlo",
        "-S",
        "10000",
    ];
    let (ca, cb) = (cli.clone().stdin(&a), cli.clone().stdin(&b));
    let ta = std::thread::spawn(move || ca.run_ours(&args));
    let tb = std::thread::spawn(move || cb.run_ours(&args));
    let (ra, rb) = (ta.join().unwrap(), tb.join().unwrap());
    assert_eq!((ra.code, rb.code), (0, 0), "{ra:?} {rb:?}");
    let got = body(&conn, "c", "log");
    assert!(
        got == a || got == b,
        "a spliced object: {} bytes",
        got.len()
    );
    let segs = conn
        .get_container("c_segments", &swiftclient::ListOptions::new())
        .unwrap()
        .entries;
    assert_eq!(segs.len(), 8, "each upload keeps its own 4 segments");
}

// Ctrl-C in the middle of a download exits 2 and leaves no temporary file.
#[test]
fn ctrl_c_removes_temporary_files() {
    if common::skip() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(swift_fake::FakeServer::start());
    server.set_handler(|_| {
        swift_fake::Reply::status(200)
            .header("Etag", "0123456789abcdef0123456789abcdef")
            .body(vec![7u8; 4 << 20])
            .stall_after(1 << 20, Duration::from_secs(60))
    });
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli::bare()
        .env("OS_STORAGE_URL", &format!("{}/v1/AUTH_t", server.url()))
        .env("OS_AUTH_TOKEN", "tok")
        .cwd(dir.path());
    let child = cli
        .our_command(&["download", "c", "big"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let temp_files = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".swiftdl"))
            .count()
    };
    common::wait_until(|| temp_files() == 1);
    assert_eq!(temp_files(), 1, "the download never started");
    let tmp = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let mode = tmp.metadata().unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a temporary file others can read");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(temp_files(), 0, "temporary files left after Ctrl-C");
    assert!(!dir.path().join("big").exists());
}
