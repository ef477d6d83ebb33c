//! Bulk operations against the real cluster: extract-archive uploads generated from a
//! directory tree, a 1,000-object round trip, and a bulk delete of 2,000 objects.

use crate::support as common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use swiftclient::transfer::{
    Action, ArchiveOptions, ArchiveSource, DeleteOptions, DownloadOptions, Status, Transfer,
    TransferOptions, TransferResult, UploadObject, UploadOptions, Verification,
};

fn failures(results: &[TransferResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !r.is_success())
        .map(|r| format!("{:?} {:?}: {:?}", r.action, r.object, r.error))
        .collect()
}

fn count(results: &[TransferResult], action: Action) -> usize {
    results.iter().filter(|r| r.action == action).count()
}

/// Writes `n` small files in `dirs` sub-directories; returns relative name -> content.
fn small_tree(root: &Path, n: usize, dirs: usize) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for i in 0..n {
        let rel = format!("d {:02}/fïle {i:04}.txt", i % dirs);
        let data = common::random_bytes(i as u64, 100 + (i * 37) % 2000);
        let p = root.join(&rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &data).unwrap();
        out.insert(rel, data);
    }
    out
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_archive_from_a_tree() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("extract");
    conn.put_container(&c).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = small_tree(tmp.path(), 25, 3);
    let long = format!("{}/{}", "long dir ü".repeat(12), "n".repeat(120));
    let p = tmp.path().join(&long);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"long name").unwrap();
    files.insert(long.clone(), b"long name".to_vec());

    let r = transfer
        .extract_archive(
            &format!("{c}/pre fix"),
            ArchiveSource::Tree(tmp.path().to_path_buf()),
            &ArchiveOptions::new()
                .files_per_archive(10)
                .header("X-Object-Meta-Source", "archive"),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r.len(), 3, "26 files in archives of 10");
    let created: u64 = r.iter().map(|x| x.bulk.as_ref().unwrap().created).sum();
    assert_eq!(created, 26);
    assert!(r.iter().all(|x| x.action == Action::ExtractArchive));

    let mut names = common::object_names(&conn, &c).await;
    names.sort();
    let want: Vec<String> = files.keys().map(|k| format!("pre fix/{k}")).collect();
    assert_eq!(names, want);
    let got = conn
        .get_object(&c, &format!("pre fix/{long}"))
        .await
        .unwrap();
    assert_eq!(got.headers().get("x-object-meta-source"), Some("archive"));
    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
    let mtime = mtime
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let stored: f64 = got
        .headers()
        .get("x-object-meta-mtime")
        .unwrap()
        .parse()
        .unwrap();
    assert!((stored - mtime).abs() < 1e-5);
    assert_eq!(&got.bytes().await.unwrap()[..], b"long name");

    // The objects round-trip, mtimes included.
    let out = tmp
        .path()
        .join("..")
        .join(format!("out-{}", std::process::id()));
    let d = transfer
        .download_container(
            &c,
            &DownloadOptions::new()
                .out_directory(&out)
                .prefix("pre fix/")
                .remove_prefix(true),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&d).is_empty(), "{:?}", failures(&d));
    assert_eq!(read_tree(&out), files);
    std::fs::remove_dir_all(&out).unwrap();
    let del = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&del).is_empty(), "{:?}", failures(&del));
}

// A 1,000-object container: upload the tree with the engine, download it, compare, delete it
// (with bulk deletes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_object_round_trip() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer =
        Transfer::with_options(conn.clone(), TransferOptions::new().object_concurrency(16));
    let c = common::unique("thousand");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let files = small_tree(&src, 1000, 10);

    let t = Instant::now();
    let up = transfer
        .upload(
            &c,
            UploadObject::tree(&src, Some("")).unwrap(),
            &UploadOptions::new(),
        )
        .unwrap()
        .collect_all()
        .await;
    eprintln!("1000 objects uploaded in {:?}", t.elapsed());
    assert!(failures(&up).is_empty(), "{:?}", failures(&up));
    assert_eq!(count(&up, Action::UploadObject), 1000);
    assert_eq!(common::object_names(&conn, &c).await.len(), 1000);

    let t = Instant::now();
    let out = tmp.path().join("out");
    let mut job = transfer
        .download_container(&c, &DownloadOptions::new().out_directory(&out))
        .unwrap();
    let mut down = Vec::new();
    while let Some(r) = futures_util::StreamExt::next(&mut job).await {
        down.push(r);
    }
    let progress = job.progress();
    eprintln!("1000 objects downloaded in {:?}", t.elapsed());
    assert!(failures(&down).is_empty(), "{:?}", failures(&down));
    assert_eq!(progress.results, 1000);
    let total: u64 = files.values().map(|v| v.len() as u64).sum();
    assert_eq!(progress.bytes_received, total);
    assert!(down.iter().all(|r| r.verification == Verification::Md5));
    assert_eq!(read_tree(&out), files);

    let t = Instant::now();
    let del = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    eprintln!("1000 objects deleted in {:?}", t.elapsed());
    assert!(failures(&del).is_empty(), "{:?}", failures(&del));
    assert_eq!(count(&del, Action::DeleteObject), 1000);
    assert!(count(&del, Action::BulkDelete) > 0);
    assert_eq!(count(&del, Action::DeleteContainer), 1);
    assert!(conn.head_container(&c).await.unwrap_err().is_not_found());
}

// 2,000 objects, uploaded with extract-archive, deleted with bulk requests (within the
// cluster's max_deletes_per_request) with a result per object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_delete_of_two_thousand_objects() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("bulk2000");
    conn.put_container(&c).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<(std::path::PathBuf, String)> = (0..2000)
        .map(|i| {
            let p = tmp.path().join(format!("{i}"));
            std::fs::write(&p, format!("object {i}")).unwrap();
            (p, format!("o {i:04} ü"))
        })
        .collect();
    let t = Instant::now();
    let up = transfer
        .extract_archive(
            &c,
            ArchiveSource::Files(files),
            &ArchiveOptions::new().files_per_archive(200),
        )
        .unwrap()
        .collect_all()
        .await;
    eprintln!("2000 objects extracted in {:?}", t.elapsed());
    assert!(failures(&up).is_empty(), "{:?}", failures(&up));
    assert_eq!(common::object_names(&conn, &c).await.len(), 2000);

    let t = Instant::now();
    let del = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    eprintln!("2000 objects bulk-deleted in {:?}", t.elapsed());
    assert!(failures(&del).is_empty(), "{:?}", failures(&del));
    let bulk: Vec<_> = del
        .iter()
        .filter(|r| r.action == Action::BulkDelete)
        .collect();
    assert_eq!(bulk.len(), 10, "2000 objects in 10 groups");
    let deleted: u64 = bulk.iter().map(|b| b.bulk.as_ref().unwrap().deleted).sum();
    assert_eq!(deleted, 2000);
    assert_eq!(count(&del, Action::DeleteObject), 2000);
    assert!(del
        .iter()
        .filter(|r| r.action == Action::DeleteObject)
        .all(|r| r.status == Status::Completed));
    assert!(conn.head_container(&c).await.unwrap_err().is_not_found());
}
