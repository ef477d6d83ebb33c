//! The transfer engine against the scripted fake server: faults the real cluster cannot make
//! on demand. A corrupted download leaves no file that looks whole; a broken download resumes;
//! SLO segments are checked against the manifest; objects beyond `max_file_size` are segmented
//! automatically; bulk deletes are batched and their reports read per object; expired tokens
//! and rate limiting in the middle of a job lose and duplicate nothing.

use crate::support as common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use swift_fake::{FakeServer, RecordedRequest, Reply};
use swiftclient::transfer::{
    Action, DeleteOptions, DownloadOptions, Status, Transfer, TransferOptions, TransferResult,
    UploadObject, UploadOptions, Verification,
};
use swiftclient::Connection;
use swiftclient::ManualClock;

fn preauth(server: &FakeServer) -> Connection {
    crate::support::fake(server, &ManualClock::new())
        .build()
        .unwrap()
}

fn failures(results: &[TransferResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !r.is_success())
        .map(|r| format!("{:?} {:?}: {:?}", r.action, r.object, r.error))
        .collect()
}

/// Every entry of a directory (temporary files included).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn plain(body: &[u8]) -> Reply {
    Reply::status(200)
        .header("ETag", &format!("\"{}\"", common::md5_hex(body)))
        .header("Content-Type", "application/octet-stream")
        .header("X-Object-Meta-Mtime", "1400000000.000000")
        .body(body.to_vec())
}

// A body whose MD5 does not match its ETag: the download fails as an integrity error, and
// neither the final file nor the temporary one is left.
#[tokio::test]
async fn corrupted_download_leaves_no_file() {
    let server = FakeServer::start().await;
    let transfer = Transfer::new(preauth(&server));
    let good = common::random_bytes(1, 100_000);
    let mut bad = good.clone();
    bad[50_000] ^= 0xff;
    for verify_segments in [true, false] {
        server.push(
            Reply::status(200)
                .header("ETag", &format!("\"{}\"", common::md5_hex(&good)))
                .body(bad.clone()),
        );
        let dir = tempfile::tempdir().unwrap();
        let opts = DownloadOptions::new()
            .out_directory(dir.path())
            .verify_segments(verify_segments);
        let r = transfer
            .download_objects("c", ["sub/o.bin"], &opts)
            .unwrap()
            .collect_all()
            .await;
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].status, Status::Failed);
        let err = r[0].error().unwrap();
        assert!(err.is_integrity(), "{err}");
        assert!(err.to_string().to_lowercase().contains("md5"), "{err}");
        assert!(!dir.path().join("sub/o.bin").exists());
        assert_eq!(entries(&dir.path().join("sub")), Vec::<String>::new());
    }
}

// A broken body is resumed with Range and If-Match; the file is complete and verified, the
// result counts the extra attempt, and the mtime comes from X-Object-Meta-Mtime.
#[tokio::test]
async fn broken_download_is_resumed() {
    let server = FakeServer::start().await;
    let transfer = Transfer::new(preauth(&server));
    let data = common::random_bytes(2, 200_000);
    let etag = common::md5_hex(&data);
    server.push(plain(&data).truncate_after(70_000));
    server.push(
        Reply::status(206)
            .header("ETag", &format!("\"{etag}\""))
            .header(
                "Content-Range",
                &format!("bytes 70000-199999/{}", data.len()),
            )
            .body(data[70_000..].to_vec()),
    );
    let dir = tempfile::tempdir().unwrap();
    let r = transfer
        .download_objects(
            "c",
            ["o"],
            &DownloadOptions::new().out_directory(dir.path()),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r[0].verification, Verification::Md5);
    assert_eq!(r[0].attempts, 2);
    assert_eq!(r[0].bytes, data.len() as u64);
    assert_eq!(std::fs::read(dir.path().join("o")).unwrap(), data);
    assert_eq!(entries(dir.path()), ["o"]);
    let mtime = std::fs::metadata(dir.path().join("o"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        mtime,
        std::time::UNIX_EPOCH + Duration::from_secs(1_400_000_000)
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("range"), Some("bytes=70000-"));
    assert_eq!(
        reqs[1].header("if-match"),
        Some(format!("\"{etag}\"").as_str())
    );
}

// An SLO is fetched as its manifest, then segment by segment; a segment whose data does not
// match the manifest fails the download and no file is left.
#[tokio::test]
async fn slo_segments_checked_against_the_manifest() {
    let server = FakeServer::start().await;
    let transfer = Transfer::new(preauth(&server));
    let s1 = common::random_bytes(3, 1000);
    let s2 = common::random_bytes(4, 500);
    let manifest = json!([
        {"name": "/c_segments/o/1", "hash": common::md5_hex(&s1), "bytes": 1000},
        {"name": "/c_segments/o/2", "hash": common::md5_hex(&s2), "bytes": 500},
    ])
    .to_string();
    let slo = |m: &str| {
        Reply::status(200)
            .header("X-Static-Large-Object", "True")
            .header("ETag", &common::md5_hex(m.as_bytes()))
            .header("X-Object-Meta-Mtime", "1.000000")
            .json(m)
    };
    let corrupt = Arc::new(Mutex::new(false));
    {
        let (corrupt, s1, s2, manifest) = (
            Arc::clone(&corrupt),
            s1.clone(),
            s2.clone(),
            manifest.clone(),
        );
        server.set_handler(move |r| match r.path.as_str() {
            "/v1/AUTH_t/c/o" => slo(&manifest),
            "/v1/AUTH_t/c_segments/o/1" => plain(&s1),
            "/v1/AUTH_t/c_segments/o/2" if *corrupt.lock().unwrap() => {
                // The server's ETag agrees with the manifest, the data does not.
                let mut bad = s2.clone();
                bad[0] ^= 1;
                Reply::status(200)
                    .header("ETag", &common::md5_hex(&s2))
                    .body(bad)
            }
            "/v1/AUTH_t/c_segments/o/2" => plain(&s2),
            _ => Reply::status(404),
        });
    }
    // Good: the manifest, then the two segments (fetched in parallel into the file).
    let dir = tempfile::tempdir().unwrap();
    let opts = DownloadOptions::new().out_directory(dir.path());
    let r = transfer
        .download_objects("c", ["o"], &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r[0].verification, Verification::Segments(2));
    let mut whole = s1.clone();
    whole.extend_from_slice(&s2);
    assert_eq!(std::fs::read(dir.path().join("o")).unwrap(), whole);
    let reqs = server.requests();
    assert_eq!(reqs[0].query.as_deref(), Some("multipart-manifest=get"));
    let mut segs: Vec<&str> = reqs[1..].iter().map(|r| r.path.as_str()).collect();
    segs.sort();
    assert_eq!(
        segs,
        ["/v1/AUTH_t/c_segments/o/1", "/v1/AUTH_t/c_segments/o/2"]
    );

    // Into a writer the segments come one after the other, in order.
    let (target, _w) = swiftclient::transfer::DownloadTarget::writer(tokio::io::sink());
    server.clear_requests();
    let r = transfer
        .download_objects("c", ["o"], &DownloadOptions::new().target(target))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/v1/AUTH_t/c/o",
            "/v1/AUTH_t/c_segments/o/1",
            "/v1/AUTH_t/c_segments/o/2"
        ]
    );

    // Bad: the second segment's bytes differ from the manifest.
    std::fs::remove_file(dir.path().join("o")).unwrap();
    *corrupt.lock().unwrap() = true;
    let r = transfer
        .download_objects("c", ["o"], &opts)
        .unwrap()
        .collect_all()
        .await;
    assert_eq!(r[0].status, Status::Failed);
    assert!(r[0].error().unwrap().is_integrity());
    assert_eq!(entries(dir.path()), Vec::<String>::new());

    // With checksums off (python's --ignore-checksum) nothing is hashed: the same bytes are
    // written, only their lengths checked.
    let unchecked =
        Transfer::with_options(preauth(&server), TransferOptions::new().checksum(false));
    let r = unchecked
        .download_objects("c", ["o"], &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r[0].verification, Verification::Length);
    let written = std::fs::read(dir.path().join("o")).unwrap();
    assert_eq!(written.len(), whole.len());
    assert_ne!(written, whole, "the corrupt segment was written as served");
}

/// A small in-memory Swift: containers, objects, SLO manifests, listings, bulk delete, /info,
/// v1 auth; `fault` may answer a request first (to inject 401s, 498s, ...).
#[derive(Default)]
struct MiniSwift {
    objects: Mutex<BTreeMap<(String, String), Stored>>,
    containers: Mutex<BTreeMap<String, Vec<(String, String)>>>,
    info: Mutex<Value>,
    fault: Mutex<Option<Fault>>,
}

/// Answers a request before the store does, when it returns a reply.
type Fault = Box<dyn Fn(&RecordedRequest) -> Option<Reply> + Send + Sync>;

#[derive(Clone, Debug)]
struct Stored {
    data: Bytes,
    etag: String,
    headers: Vec<(String, String)>,
    manifest: Option<Vec<(String, String, u64)>>,
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

impl MiniSwift {
    fn start(server: &FakeServer, info: Value) -> Arc<MiniSwift> {
        let m = Arc::new(MiniSwift {
            info: Mutex::new(info),
            ..MiniSwift::default()
        });
        let m2 = Arc::clone(&m);
        let base = server.url();
        server.set_handler(move |r| m2.handle(r, &base));
        m
    }

    fn object(&self, c: &str, o: &str) -> Option<Stored> {
        self.objects
            .lock()
            .unwrap()
            .get(&(c.to_owned(), o.to_owned()))
            .cloned()
    }

    fn names(&self, c: &str) -> Vec<String> {
        self.objects
            .lock()
            .unwrap()
            .keys()
            .filter(|(cc, _)| cc == c)
            .map(|(_, o)| o.clone())
            .collect()
    }

    fn handle(&self, r: &RecordedRequest, base: &str) -> Reply {
        if let Some(f) = self.fault.lock().unwrap().as_ref() {
            if let Some(reply) = f(r) {
                return reply;
            }
        }
        if r.path == "/info" {
            return Reply::status(200).json(&self.info.lock().unwrap().to_string());
        }
        if r.path == "/auth/v1.0" {
            return Reply::status(200)
                .header("X-Storage-Url", &format!("{base}/v1/AUTH_t"))
                .header("X-Auth-Token", "tok");
        }
        let q = r.query.clone().unwrap_or_default();
        let parts: Vec<&str> = r.path.splitn(5, '/').collect();
        // ["", "v1", "AUTH_t", container, object]
        match (parts.get(3), parts.get(4)) {
            (None, _) => self.account(r, &q),
            (Some(c), None) => self.container(r, &decode(c), &q),
            (Some(c), Some(o)) => self.obj(r, &decode(c), &decode(o), &q),
        }
    }

    fn account(&self, r: &RecordedRequest, q: &str) -> Reply {
        if r.method == "POST" && q.contains("bulk-delete") {
            let body = String::from_utf8_lossy(&r.body).into_owned();
            let (mut deleted, mut missing) = (0, 0);
            for line in body.lines().filter(|l| !l.is_empty()) {
                let path = decode(line);
                let (c, o) = path.trim_start_matches('/').split_once('/').unwrap();
                match self
                    .objects
                    .lock()
                    .unwrap()
                    .remove(&(c.to_owned(), o.to_owned()))
                {
                    Some(_) => deleted += 1,
                    None => missing += 1,
                }
            }
            return Reply::status(200).json(
                &json!({"Response Status": "200 OK", "Response Body": "", "Number Deleted": deleted,
                        "Number Not Found": missing, "Errors": []})
                .to_string(),
            );
        }
        Reply::status(204)
    }

    fn container(&self, r: &RecordedRequest, c: &str, q: &str) -> Reply {
        match r.method.as_str() {
            "PUT" => {
                let h: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .filter(|(k, _)| k == "x-storage-policy")
                    .cloned()
                    .collect();
                let mut cs = self.containers.lock().unwrap();
                let entry = cs.entry(c.to_owned()).or_default();
                if !h.is_empty() {
                    *entry = h;
                }
                Reply::status(201)
            }
            "HEAD" => match self.containers.lock().unwrap().get(c) {
                Some(h) => h
                    .iter()
                    .fold(Reply::status(204), |rep, (k, v)| rep.header(k, v)),
                None => Reply::status(404),
            },
            "GET" => {
                let param = |k: &str| {
                    q.split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .find(|(kk, _)| *kk == k)
                        .map(|(_, v)| decode(v))
                };
                let prefix = param("prefix").unwrap_or_default();
                let marker = param("marker").unwrap_or_default();
                let list: Vec<Value> = self
                    .objects
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|((cc, o), _)| cc == c && o.starts_with(&prefix) && *o > marker)
                    .map(|((_, o), s)| {
                        json!({"name": o, "bytes": s.data.len(), "hash": s.etag,
                                             "content_type": "x", "last_modified": "x"})
                    })
                    .collect();
                Reply::status(200).json(&Value::Array(list).to_string())
            }
            "DELETE" => Reply::status(204),
            _ => Reply::status(405),
        }
    }

    fn obj(&self, r: &RecordedRequest, c: &str, o: &str, q: &str) -> Reply {
        let key = (c.to_owned(), o.to_owned());
        match r.method.as_str() {
            "PUT" => {
                let headers: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .filter(|(k, _)| k.starts_with("x-object-") || k == "content-type")
                    .cloned()
                    .collect();
                let stored = if q.contains("multipart-manifest=put") {
                    let m: Vec<Value> = serde_json::from_slice(&r.body).unwrap();
                    let segs: Vec<(String, String, u64)> = m
                        .iter()
                        .map(|s| {
                            (
                                s["path"].as_str().unwrap().to_owned(),
                                s["etag"].as_str().unwrap().to_owned(),
                                s["size_bytes"].as_u64().unwrap(),
                            )
                        })
                        .collect();
                    let cat: String = segs.iter().map(|s| s.1.clone()).collect();
                    Stored {
                        data: Bytes::new(),
                        etag: common::md5_hex(cat.as_bytes()),
                        headers,
                        manifest: Some(segs),
                    }
                } else {
                    let etag = common::md5_hex(&r.body);
                    if let Some(want) = r.header("etag") {
                        if want != etag {
                            return Reply::status(422);
                        }
                    }
                    Stored {
                        data: r.body.clone(),
                        etag,
                        headers,
                        manifest: None,
                    }
                };
                let etag = stored.etag.clone();
                self.objects.lock().unwrap().insert(key, stored);
                Reply::status(201).header("ETag", &format!("\"{etag}\""))
            }
            "HEAD" | "GET" => {
                let Some(s) = self.objects.lock().unwrap().get(&key).cloned() else {
                    return Reply::status(404);
                };
                let mut rep = Reply::status(200).header("ETag", &format!("\"{}\"", s.etag));
                for (k, v) in &s.headers {
                    rep = rep.header(k, v);
                }
                match &s.manifest {
                    None => rep.body(s.data.clone()),
                    Some(m) => {
                        rep = rep.header("X-Static-Large-Object", "True");
                        if q.contains("multipart-manifest=get") {
                            let list: Vec<Value> = m
                                .iter()
                                .map(|(p, e, n)| json!({"name": p, "hash": e, "bytes": n}))
                                .collect();
                            return rep.body(Value::Array(list).to_string());
                        }
                        let mut all = Vec::new();
                        for (p, _, _) in m {
                            let (sc, so) = p.trim_start_matches('/').split_once('/').unwrap();
                            all.extend_from_slice(&self.object(sc, so).unwrap().data);
                        }
                        rep.body(all)
                    }
                }
            }
            "DELETE" => match self.objects.lock().unwrap().remove(&key) {
                Some(_) => Reply::status(204),
                None => Reply::status(404),
            },
            _ => Reply::status(405),
        }
    }
}

fn default_info() -> Value {
    json!({"swift": {"max_file_size": 5_368_709_122u64}, "slo": {"max_manifest_segments": 1000},
           "bulk_delete": {"max_deletes_per_request": 10000}})
}

// A file larger than the cluster's max_file_size is segmented without being asked: into
// max_file_size segments here, as an SLO, in `<container>_segments` created with the
// container's storage policy.
#[tokio::test]
async fn beyond_max_file_size_is_segmented_automatically() {
    let server = FakeServer::start().await;
    let info = json!({"swift": {"max_file_size": 1000}, "slo": {"max_manifest_segments": 1000}});
    let swift = MiniSwift::start(&server, info);
    swift.containers.lock().unwrap().insert(
        "c".into(),
        vec![("x-storage-policy".into(), "silver".into())],
    );
    let transfer = Transfer::new(preauth(&server));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    let data = common::random_bytes(5, 2500);
    std::fs::write(&path, &data).unwrap();
    let r = transfer
        .upload(
            "c",
            [
                UploadObject::file_as(&path, "big"),
                UploadObject::bytes("small", "x"),
            ],
            &UploadOptions::new().skip_container_put(false),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let segs: Vec<_> = r
        .iter()
        .filter(|x| x.action == Action::UploadSegment)
        .map(|x| x.segment.clone().unwrap())
        .collect();
    assert_eq!(segs.len(), 3);
    let mut sizes: Vec<u64> = segs.iter().map(|s| s.size).collect();
    sizes.sort();
    assert_eq!(sizes, [500, 1000, 1000]);
    let big = swift.object("c", "big").unwrap();
    assert_eq!(big.manifest.as_ref().unwrap().len(), 3);
    assert!(swift.object("c", "small").unwrap().manifest.is_none());
    let seg_policy = swift.containers.lock().unwrap()["c_segments"].clone();
    assert_eq!(
        seg_policy,
        [("x-storage-policy".to_owned(), "silver".to_owned())]
    );
    let mut whole = Vec::new();
    for n in swift.names("c_segments") {
        whole.extend_from_slice(&swift.object("c_segments", &n).unwrap().data);
    }
    assert_eq!(whole, data);
}

// 30 objects (more than twice the 10 workers) are deleted with bulk requests: 10 requests of
// 3, each `POST <account>?bulk-delete` with quoted paths, one per line. An SLO among them is
// found by its HEAD and deleted on its own with `multipart-manifest=delete`.
#[tokio::test]
async fn bulk_delete_in_batches_without_orphaning_segments() {
    let server = FakeServer::start().await;
    let swift = MiniSwift::start(&server, default_info());
    let transfer = Transfer::new(preauth(&server));
    let names: Vec<String> = (0..30).map(|i| format!("dir/o b {i:02} ü")).collect();
    let mut objs: Vec<UploadObject> = names
        .iter()
        .map(|n| UploadObject::bytes(n.clone(), n.clone()))
        .collect();
    objs.push(UploadObject::bytes("slo", Bytes::from(vec![7u8; 3000])));
    let r = transfer
        .upload("c", objs, &UploadOptions::new().segment_size(1000))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(swift.names("c_segments").len(), 3);
    server.clear_requests();

    let mut doomed = names.clone();
    doomed.push("slo".into());
    let r = transfer
        .delete_objects("c", doomed, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let per_object = r
        .iter()
        .filter(|x| x.action == Action::DeleteObject)
        .count();
    assert_eq!(per_object, 31);
    let bulk: Vec<_> = r
        .iter()
        .filter(|x| x.action == Action::BulkDelete)
        .collect();
    assert_eq!(bulk.len(), 10);
    assert!(bulk.iter().all(|b| b.bulk.as_ref().unwrap().deleted == 3));
    assert!(swift.names("c").is_empty());

    let reqs = server.requests();
    let posts: Vec<_> = reqs.iter().filter(|x| x.method == "POST").collect();
    assert_eq!(posts.len(), 10);
    for p in &posts {
        assert_eq!(p.path, "/v1/AUTH_t");
        assert_eq!(p.query.as_deref(), Some("bulk-delete"));
        assert_eq!(p.header("accept"), Some("application/json"));
        assert_eq!(p.header("content-type"), Some("text/plain"));
        let body = std::str::from_utf8(&p.body).unwrap();
        assert!(body.ends_with('\n'));
        for line in body.lines() {
            assert!(line.starts_with("/c/dir/o%20b%20"), "{line}");
            assert!(line.ends_with("%20%C3%BC"), "{line}");
        }
    }
    let slo_delete = reqs
        .iter()
        .find(|x| x.method == "DELETE" && x.path == "/v1/AUTH_t/c/slo")
        .unwrap();
    assert_eq!(
        slo_delete.query.as_deref(),
        Some("multipart-manifest=delete")
    );
}

// In the middle of a job the token expires (401, then a new token from the auth server) and
// the cluster rate-limits (498 on some writes). Every object and segment ends up stored once
// with the right content, and each retried body is the same as the first.
#[tokio::test]
async fn token_expiry_and_rate_limits_lose_nothing() {
    if common::skip() {
        return;
    }
    let server = FakeServer::start().await;
    let swift = MiniSwift::start(&server, default_info());
    let writes = Arc::new(AtomicUsize::new(0));
    let expired = Arc::new(Mutex::new(false));
    {
        let writes = Arc::clone(&writes);
        let expired = Arc::clone(&expired);
        *swift.fault.lock().unwrap() = Some(Box::new(move |r: &RecordedRequest| {
            if r.path == "/auth/v1.0" {
                *expired.lock().unwrap() = false;
                return None;
            }
            if r.method != "PUT" {
                return None;
            }
            let n = writes.fetch_add(1, Ordering::SeqCst);
            if n == 15 {
                *expired.lock().unwrap() = true;
            }
            if *expired.lock().unwrap() {
                return Some(Reply::status(401));
            }
            (n % 4 == 3).then(|| Reply::status(498).header("Retry-After", "0"))
        }));
    }
    let conn = Connection::builder()
        .auth_url(format!("{}/auth/v1.0", server.url()))
        .user("t:u")
        .key("k")
        .sleeper(Arc::new(ManualClock::new()))
        .retries(10)
        .build()
        .unwrap();
    let transfer = Transfer::with_options(conn, TransferOptions::new().object_concurrency(4));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    let big = common::random_bytes(6, 10_000);
    std::fs::write(&path, &big).unwrap();
    let mut objs: Vec<UploadObject> = (0..20)
        .map(|i| UploadObject::bytes(format!("o{i}"), format!("data {i}")))
        .collect();
    objs.push(UploadObject::file_as(&path, "big"));
    let r = transfer
        .upload("c", objs, &UploadOptions::new().segment_size(3000))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert!(
        r.iter().any(|x| x.attempts > 1),
        "some requests were retried"
    );
    let auths = server
        .requests()
        .iter()
        .filter(|x| x.path == "/auth/v1.0")
        .count();
    assert!(
        auths >= 2,
        "the expired token was replaced ({auths} authentications)"
    );
    for i in 0..20 {
        let s = swift.object("c", &format!("o{i}")).unwrap();
        assert_eq!(s.data, Bytes::from(format!("data {i}")));
    }
    let manifest = swift.object("c", "big").unwrap().manifest.unwrap();
    assert_eq!(manifest.len(), 4);
    let mut whole = Vec::new();
    for (p, etag, n) in &manifest {
        let (sc, so) = p.trim_start_matches('/').split_once('/').unwrap();
        let seg = swift.object(sc, so).unwrap();
        assert_eq!(seg.data.len() as u64, *n);
        assert_eq!(&seg.etag, etag);
        whole.extend_from_slice(&seg.data);
    }
    assert_eq!(whole, big);
    assert_eq!(swift.names("c_segments").len(), 4, "no extra segment");
    // Every PUT the server accepted carried the bytes its object ended with.
    for req in server.requests().iter().filter(|x| x.method == "PUT") {
        let parts: Vec<&str> = req.path.splitn(5, '/').collect();
        if let (Some(c), Some(o)) = (parts.get(3), parts.get(4)) {
            if let Some(s) = swift.object(&decode(c), &decode(o)) {
                if s.manifest.is_none() {
                    assert_eq!(req.body, s.data, "{}", req.path);
                }
            }
        }
    }
}

fn slow_store(server: &FakeServer, delay: Duration) {
    server.set_handler(move |r| {
        if r.path == "/info" {
            return Reply::status(200).json("{}");
        }
        Reply::status(201)
            .header("ETag", &format!("\"{}\"", common::md5_hex(&r.body)))
            .delay(delay)
    });
}

// Cancelling a job: what has not started is reported cancelled, nothing new is sent, and the
// stream ends with one result per object.
#[tokio::test]
async fn cancel_stops_the_job() {
    let server = FakeServer::start().await;
    slow_store(&server, Duration::from_millis(200));
    let transfer = Transfer::with_options(
        preauth(&server),
        TransferOptions::new().object_concurrency(2),
    );
    let objects: Vec<UploadObject> = (0..10)
        .map(|i| UploadObject::bytes(format!("o{i}"), "x"))
        .collect();
    let opts = UploadOptions::new()
        .leave_segments(true)
        .skip_container_put(true);
    let mut job = transfer.upload("c", objects, &opts).unwrap();
    let first = job.next_result().await.unwrap();
    assert_eq!(first.status, Status::Completed);
    job.cancel();
    let rest = job.collect_all().await;
    assert_eq!(rest.len(), 9);
    let cancelled = rest
        .iter()
        .filter(|r| r.status == Status::Cancelled)
        .count();
    assert!(cancelled >= 6, "{cancelled} of 9 cancelled");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = server
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    // At most two rounds of two workers: those done before the cancel arrived and those in
    // flight then (abandoned, but their requests may have reached the server).
    assert!(after <= 4, "nothing new after the cancel ({after} PUTs)");
}

// fail_fast: after the first failure nothing new starts; the rest is reported cancelled.
#[tokio::test]
async fn fail_fast_stops_after_the_first_failure() {
    let server = FakeServer::start().await;
    server.set_handler(|r| {
        if r.path == "/info" {
            return Reply::status(200).json("{}");
        }
        if r.path.ends_with("/o0") {
            return Reply::status(403);
        }
        Reply::status(201).header("ETag", &format!("\"{}\"", common::md5_hex(&r.body)))
    });
    let transfer = Transfer::with_options(
        preauth(&server),
        TransferOptions::new().object_concurrency(1).fail_fast(true),
    );
    let objects: Vec<UploadObject> = (0..5)
        .map(|i| UploadObject::bytes(format!("o{i}"), "x"))
        .collect();
    let opts = UploadOptions::new()
        .leave_segments(true)
        .skip_container_put(true);
    let r = transfer
        .upload("c", objects, &opts)
        .unwrap()
        .collect_all()
        .await;
    assert_eq!(r.len(), 5);
    assert_eq!(r[0].status, Status::Failed);
    assert!(r[0].error().unwrap().is_forbidden());
    let cancelled = r.iter().filter(|x| x.status == Status::Cancelled).count();
    assert!(
        cancelled >= 3,
        "{:?}",
        r.iter().map(|x| x.status).collect::<Vec<_>>()
    );
    let puts = server
        .requests()
        .iter()
        .filter(|x| x.method == "PUT")
        .count();
    assert!(puts <= 2, "{puts} PUTs");
}

// A failed segment aborts the manifest: the object fails with python-swiftclient's message,
// and no manifest is written.
#[tokio::test]
async fn failed_segment_aborts_the_manifest() {
    let server = FakeServer::start().await;
    let swift = MiniSwift::start(&server, default_info());
    *swift.fault.lock().unwrap() = Some(Box::new(|r: &RecordedRequest| {
        (r.method == "PUT" && r.path.ends_with("/00000001")).then(|| Reply::status(403))
    }));
    let transfer = Transfer::new(preauth(&server));
    let r = transfer
        .upload(
            "c",
            [UploadObject::bytes("big", vec![1u8; 5000])],
            &UploadOptions::new().segment_size(1000),
        )
        .unwrap()
        .collect_all()
        .await;
    let main = r.iter().find(|x| x.action == Action::UploadObject).unwrap();
    assert_eq!(main.status, Status::Failed);
    let msg = main.error().unwrap().to_string();
    assert!(
        msg.starts_with(
            "Aborting manifest creation because not all segments could be uploaded. c/big"
        ),
        "{msg}"
    );
    assert!(swift.object("c", "big").is_none());
    let failed_segments = r
        .iter()
        .filter(|x| x.action == Action::UploadSegment && x.status == Status::Failed)
        .count();
    assert_eq!(failed_segments, 1);
}

// With write-only access the HEAD of the container (for its storage policy) is refused: the
// segment container's creation is reported failed, and the upload goes on (python-swiftclient
// treats container creation failures as warnings). `leave_segments` keeps the segments of the
// object it replaces.
#[tokio::test]
async fn forbidden_policy_lookup_and_leave_segments() {
    let server = FakeServer::start().await;
    let swift = MiniSwift::start(&server, default_info());
    *swift.fault.lock().unwrap() = Some(Box::new(|r: &RecordedRequest| {
        (r.method == "HEAD" && r.path == "/v1/AUTH_t/c").then(|| Reply::status(403))
    }));
    let transfer = Transfer::new(preauth(&server));
    let upload = |seg: u64, leave: bool| {
        let transfer = transfer.clone();
        async move {
            transfer
                .upload(
                    "c",
                    [UploadObject::bytes("big", vec![3u8; 2500])],
                    &UploadOptions::new().segment_size(seg).leave_segments(leave),
                )
                .unwrap()
                .collect_all()
                .await
        }
    };
    let r = upload(1000, false).await;
    let created: Vec<_> = r
        .iter()
        .filter(|x| x.action == Action::CreateContainer)
        .map(|x| (x.container.clone().unwrap(), x.status))
        .collect();
    assert_eq!(
        created,
        [
            ("c".to_owned(), Status::Completed),
            ("c_segments".to_owned(), Status::Failed)
        ]
    );
    let failed = r.iter().find(|x| x.status == Status::Failed).unwrap();
    assert!(failed.error().unwrap().is_forbidden());
    let main = r.iter().find(|x| x.action == Action::UploadObject).unwrap();
    assert_eq!(main.status, Status::Completed);
    assert_eq!(swift.names("c_segments").len(), 3);

    // Replaced with other segments, leaving the old ones: 3 old + 2 new.
    let r = upload(2000, true).await;
    assert!(failures(&r).iter().all(|f| f.contains("CreateContainer")));
    assert_eq!(swift.names("c_segments").len(), 5);
    // Replaced again without leave_segments: only the newest remain.
    let r = upload(1500, false).await;
    let main = r.iter().find(|x| x.action == Action::UploadObject).unwrap();
    assert_eq!(
        main.segments_deleted, 2,
        "the manifest's segments, not the left ones"
    );
    assert_eq!(swift.names("c_segments").len(), 3 + 2);
}

// out_file writes the one object to the named file (through a temporary file beside it);
// a prefix delete removes only the objects under it and keeps the container.
#[tokio::test]
async fn out_file_and_prefix_delete() {
    let server = FakeServer::start().await;
    let swift = MiniSwift::start(&server, default_info());
    let transfer = Transfer::new(preauth(&server));
    let objs =
        ["keep/a", "drop/b", "drop/c"].map(|n| UploadObject::bytes(n, format!("data of {n}")));
    let r = transfer
        .upload("c", objs, &UploadOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("renamed.txt");
    let r = transfer
        .download_objects("c", ["drop/b"], &DownloadOptions::new().out_file(&out))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r[0].path.as_deref(), Some(out.as_path()));
    assert_eq!(std::fs::read(&out).unwrap(), b"data of drop/b");
    assert_eq!(entries(dir.path()), ["renamed.txt"]);

    let r = transfer
        .delete_container("c", &DeleteOptions::new().prefix("drop/"))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|x| x.action == Action::DeleteObject));
    assert_eq!(swift.names("c"), ["keep/a"]);
}

// Swift's bulk middleware starts its answer (headers, then whitespace every 10 s) while it
// is still reading a large archive: the upload must go on to its end and the report be read.
#[tokio::test]
async fn an_extract_archive_answer_that_starts_before_the_upload_ends() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body_len = 4 << 20;
    let server = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let mut r = BufReader::new(sock);
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).await.unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        // read a quarter of the body, answer, then read the rest
        let mut buf = vec![0u8; len / 4];
        r.read_exact(&mut buf).await.unwrap();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n \r\n";
        r.get_mut().write_all(head.as_bytes()).await.unwrap();
        let mut rest = vec![0u8; len - len / 4];
        r.read_exact(&mut rest).await.unwrap();
        let report =
            r#"{"Number Files Created": 3, "Response Status": "201 Created", "Errors": []}"#;
        let tail = format!("{:x}\r\n{report}\r\n0\r\n\r\n", report.len());
        r.get_mut().write_all(tail.as_bytes()).await.unwrap();
        buf.len() + rest.len()
    });
    let conn = Connection::builder()
        .preauth_url(format!("http://{addr}/v1/AUTH_t"))
        .preauth_token("tok")
        .retries(0)
        .build()
        .unwrap();
    let body = swiftclient::Body::from(vec![0u8; body_len]);
    let mut opts = swiftclient::RequestOptions::new();
    opts.headers.set("Accept", "application/json");
    let (resp, report) = conn.extract_archive("c", "tar", body, &opts).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(String::from_utf8_lossy(&report).contains("Number Files Created"));
    assert_eq!(
        server.await.unwrap(),
        body_len,
        "the whole archive was sent"
    );
}
