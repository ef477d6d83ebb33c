//! The transfer engine against the real cluster: directory trees with unicode and space names,
//! skip-identical and changed, pseudo-folders, streams, copies and posts.

use crate::support as common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use swiftclient::transfer::{
    Action, CopyJobOptions, CopyObject, DeleteOptions, DownloadOptions, DownloadTarget,
    PostOptions, Status, Transfer, TransferResult, UploadObject, UploadOptions, Verification,
};

/// Files of the test tree: (relative path, content).
fn tree_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("dir one/ü €.txt", b"unicode and spaces".to_vec()),
        (
            "dir one/sub dir/naïve café.bin",
            common::random_bytes(1, 70_000),
        ),
        ("日本語/ファイル.dat", common::random_bytes(2, 3_000)),
        ("top file", b"top".to_vec()),
        ("zero", Vec::new()),
    ]
}

fn make_tree(root: &Path) {
    for (rel, data) in tree_files() {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
    }
    std::fs::create_dir_all(root.join("empty dir")).unwrap();
    // A fixed mtime with a fraction, to check that it is restored on download.
    let t = UNIX_EPOCH + Duration::new(1_500_000_000, 250_000_000);
    let f = std::fs::File::options()
        .write(true)
        .open(root.join("top file"))
        .unwrap();
    f.set_modified(t).unwrap();
}

fn failures(results: &[TransferResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !r.is_success())
        .map(|r| format!("{:?} {:?}: {:?}", r.action, r.object, r.error))
        .collect()
}

/// Every file under `dir` (relative path -> content); temporary download files would show.
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

fn mtime(p: &Path) -> f64 {
    std::fs::metadata(p)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::test]
async fn unicode_tree_round_trip_with_dir_markers_and_mtimes() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("tree ü");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_tree(&src);

    let objects = UploadObject::tree(&src, Some("up")).unwrap();
    let results = transfer
        .upload(&c, objects, &UploadOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&results).is_empty(), "{:?}", failures(&results));
    let created = results
        .iter()
        .filter(|r| r.action == Action::CreateContainer)
        .count();
    assert_eq!(created, 1);
    let markers: Vec<_> = results
        .iter()
        .filter(|r| r.action == Action::CreateDirMarker)
        .collect();
    assert_eq!(markers.len(), 1);
    assert_eq!(markers[0].object.as_deref(), Some("up/empty dir"));
    let uploaded = results
        .iter()
        .filter(|r| r.action == Action::UploadObject)
        .inspect(|r| assert_eq!(r.status, Status::Completed))
        .count();
    assert_eq!(uploaded, tree_files().len());

    let mut names = common::object_names(&conn, &c).await;
    names.sort();
    let mut want: Vec<String> = tree_files()
        .iter()
        .map(|(rel, _)| format!("up/{rel}"))
        .chain(["up/empty dir".to_owned()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    let head = conn.head_object(&c, "up/top file").await.unwrap();
    assert_eq!(
        head.headers().get("x-object-meta-mtime"),
        Some("1500000000.250000")
    );

    // A directory given as a file becomes a directory marker, as in python-swiftclient.
    let r = transfer
        .upload(
            &c,
            [UploadObject::file_as(src.join("empty dir"), "extra/marker")],
            &UploadOptions::new(),
        )
        .unwrap()
        .collect_all()
        .await;
    let marker = r
        .iter()
        .find(|x| x.action == Action::CreateDirMarker)
        .unwrap();
    assert!(marker.is_success());
    let head = conn.head_object(&c, "extra/marker").await.unwrap();
    assert_eq!(head.headers().content_type(), Some("application/directory"));
    conn.delete_object(&c, "extra/marker").await.unwrap();

    // Download it all under out/, without the "up/" prefix.
    let out = tmp.path().join("out");
    let opts = DownloadOptions::new()
        .out_directory(&out)
        .prefix("up/")
        .remove_prefix(true);
    let results = transfer
        .download_container(&c, &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&results).is_empty(), "{:?}", failures(&results));
    for r in results
        .iter()
        .filter(|r| r.action == Action::DownloadObject)
    {
        let name = r.object.as_deref().unwrap();
        if name == "up/empty dir" {
            continue;
        }
        assert_eq!(r.verification, Verification::Md5, "{name}");
    }
    let got = read_tree(&out);
    let want: BTreeMap<String, Vec<u8>> = tree_files()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(got, want, "downloaded files, and nothing else");
    assert!(out.join("empty dir").is_dir());
    assert!((mtime(&out.join("top file")) - 1_500_000_000.25).abs() < 1e-5);

    let del = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&del).is_empty(), "{:?}", failures(&del));
    assert!(conn.head_container(&c).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn skip_identical_and_changed() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("skip");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_tree(&src);
    let upload = |opts: UploadOptions| {
        let transfer = transfer.clone();
        let src = src.clone();
        let c = c.clone();
        async move {
            let objects = UploadObject::tree(&src, Some("t")).unwrap();
            let r = transfer
                .upload(&c, objects, &opts)
                .unwrap()
                .collect_all()
                .await;
            assert!(failures(&r).is_empty(), "{:?}", failures(&r));
            let mut by_name = BTreeMap::new();
            for x in r
                .into_iter()
                .filter(|x| matches!(x.action, Action::UploadObject | Action::CreateDirMarker))
            {
                by_name.insert(x.object.clone().unwrap(), x.status);
            }
            by_name
        }
    };
    let first = upload(UploadOptions::new()).await;
    assert!(first.values().all(|s| *s == Status::Completed));

    // Nothing changed: everything is skipped.
    let again = upload(UploadOptions::new().changed(true)).await;
    assert!(
        again.values().all(|s| *s == Status::SkippedChanged),
        "{again:?}"
    );
    let again = upload(UploadOptions::new().skip_identical(true)).await;
    let files = again.iter().filter(|(n, _)| n.as_str() != "t/empty dir");
    for (n, s) in files {
        assert_eq!(*s, Status::SkippedIdentical, "{n}");
    }

    // Same size, new content and mtime: `changed` uploads it; `skip_identical` too.
    std::fs::write(src.join("top file"), b"TOP").unwrap();
    let changed = upload(UploadOptions::new().changed(true)).await;
    assert_eq!(changed["t/top file"], Status::Completed);
    assert_eq!(changed["t/zero"], Status::SkippedChanged);
    let body = conn
        .get_object(&c, "t/top file")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"TOP");
    // Same size and mtime but other content: `changed` misses it, `skip_identical` does not.
    let t = SystemTime::now() - Duration::from_secs(3600);
    std::fs::write(src.join("top file"), b"tip").unwrap();
    std::fs::File::options()
        .write(true)
        .open(src.join("top file"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    let first = upload(UploadOptions::new()).await;
    assert_eq!(first["t/top file"], Status::Completed);
    std::fs::write(src.join("top file"), b"TAP").unwrap();
    std::fs::File::options()
        .write(true)
        .open(src.join("top file"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    let changed = upload(UploadOptions::new().changed(true)).await;
    assert_eq!(changed["t/top file"], Status::SkippedChanged);
    let ident = upload(UploadOptions::new().skip_identical(true)).await;
    assert_eq!(ident["t/top file"], Status::Completed);

    // Downloads: identical local files are skipped, a different one is fetched.
    let out = tmp.path().join("out");
    let opts = DownloadOptions::new()
        .out_directory(&out)
        .skip_identical(true);
    let r = transfer
        .download_container(&c, &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(
        r.iter().all(|x| x.status == Status::Completed),
        "{:?}",
        failures(&r)
    );
    std::fs::write(out.join("t/top file"), b"xxx").unwrap();
    let r = transfer
        .download_container(&c, &opts)
        .unwrap()
        .collect_all()
        .await;
    let statuses: BTreeMap<String, Status> = r
        .iter()
        .map(|x| (x.object.clone().unwrap(), x.status))
        .collect();
    assert_eq!(statuses["t/top file"], Status::Completed);
    assert_eq!(statuses["t/dir one/ü €.txt"], Status::SkippedIdentical);
    assert_eq!(std::fs::read(out.join("t/top file")).unwrap(), b"TAP");

    transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
}

#[tokio::test]
async fn pseudo_folder_streams_copy_and_post() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("misc");
    let c2 = common::unique("misc-copy");

    // A stream of unknown length, segmented on the fly into 1 MiB SLO segments.
    let data = Bytes::from(common::random_bytes(7, 3_500_000));
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(100_000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let objects = vec![
        UploadObject::stream("streamed ü", futures_util::stream::iter(chunks), None),
        UploadObject::bytes("small", "tiny"),
        UploadObject::reader("from reader", &b"reader data"[..], None).meta("Color", "blue"),
    ];
    let opts = UploadOptions::new()
        .segment_size(1 << 20)
        .meta("Batch", "42");
    let results = transfer
        .upload(&format!("{c}/folder/sub"), objects, &opts)
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&results).is_empty(), "{:?}", failures(&results));
    let segs: Vec<_> = results
        .iter()
        .filter(|r| r.action == Action::UploadSegment)
        .collect();
    assert_eq!(segs.len(), 4);
    for s in &segs {
        let (fc, fo) = s.for_object.clone().unwrap();
        assert_eq!(fc, c);
        assert_eq!(fo, "folder/sub/streamed ü");
        assert_eq!(
            s.container.as_deref(),
            Some(format!("{c}_segments").as_str())
        );
        assert!(s
            .object
            .as_deref()
            .unwrap()
            .starts_with("folder/sub/streamed ü/slo/"));
    }
    let main = results
        .iter()
        .find(|r| r.object.as_deref() == Some("folder/sub/streamed ü"))
        .unwrap();
    assert!(main.large_object);
    assert_eq!(main.segments.len(), 4);
    assert_eq!(main.bytes, 3_500_000);
    let head = conn.head_object(&c, "folder/sub/streamed ü").await.unwrap();
    assert!(head.headers().is_static_large_object());
    assert_eq!(head.headers().get("x-object-meta-batch"), Some("42"));
    let head = conn
        .head_object(&c, "folder/sub/from reader")
        .await
        .unwrap();
    assert_eq!(head.headers().get("x-object-meta-color"), Some("blue"));
    assert!(!head.headers().is_static_large_object());

    // Download the SLO to a writer: verified segment by segment.
    let sink = Collect::default();
    let (target, _shared) = DownloadTarget::writer(sink.clone());
    let r = transfer
        .download_objects(
            &c,
            ["folder/sub/streamed ü"],
            &DownloadOptions::new().target(target),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(r[0].verification, Verification::Segments(4));
    assert!(r[0].large_object);
    assert_eq!(&sink.0.lock().unwrap()[..], &data[..]);

    // Copy into another container with fresh metadata; post new metadata on the originals.
    let copy = transfer
        .copy(
            &c,
            vec![
                CopyObject::new("folder/sub/small"),
                CopyObject::new("folder/sub/from reader").destination(format!("/{c2}/renamed")),
            ],
            &CopyJobOptions::new()
                .destination(format!("/{c2}"))
                .fresh_metadata(true)
                .meta("Fresh", "yes"),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&copy).is_empty(), "{:?}", failures(&copy));
    assert_eq!(
        copy.iter()
            .filter(|r| r.action == Action::CreateContainer)
            .count(),
        1
    );
    let h = conn.head_object(&c2, "folder/sub/small").await.unwrap();
    assert_eq!(h.headers().get("x-object-meta-fresh"), Some("yes"));
    assert_eq!(h.headers().get("x-object-meta-batch"), None);
    let h = conn.head_object(&c2, "renamed").await.unwrap();
    assert_eq!(h.headers().get("x-object-meta-color"), None);

    let post = transfer
        .post(
            &c,
            ["folder/sub/small", "folder/sub/from reader"],
            &PostOptions::new().meta("Posted", "ü"),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&post).is_empty(), "{:?}", failures(&post));
    let h = conn.head_object(&c, "folder/sub/small").await.unwrap();
    assert_eq!(h.headers().get("x-object-meta-posted"), Some("ü"));

    for container in [&c, &c2] {
        let r = transfer
            .delete_container(container, &DeleteOptions::new())
            .unwrap()
            .collect_all()
            .await;
        assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    }
    // The SLO went with its segments.
    assert!(common::object_names(&conn, &format!("{c}_segments"))
        .await
        .is_empty());
    common::cleanup(&conn, &format!("{c}_segments")).await;
}

/// A writer collecting into shared memory.
#[derive(Clone, Default)]
struct Collect(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl tokio::io::AsyncWrite for Collect {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.lock().unwrap().extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

// With many objects the engine lists the container once instead of a HEAD per object; a large
// object among them is still recognised (by `slo_etag` in the listing, or as an empty DLO
// manifest) and its old segments are deleted when it is replaced.
#[tokio::test]
async fn many_objects_replacing_large_ones() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("many");
    let segc = format!("{c}_segments");
    let objects = |big: bool| {
        let mut v: Vec<UploadObject> = (0..25)
            .map(|i| UploadObject::bytes(format!("p/o{i:02}"), format!("small {i}")))
            .collect();
        let data = Bytes::from(common::random_bytes(9, if big { 2_500_000 } else { 10 }));
        v.push(UploadObject::bytes("p/slo", data.clone()));
        v.push(UploadObject::bytes("p/dlo", data).header("X-Test", "dlo"));
        v
    };
    // First the large objects: p/slo as SLO, p/dlo as DLO (1 MiB segments).
    let mut first = objects(true);
    let dlo = first.pop().unwrap();
    let r = transfer
        .upload(&c, first, &UploadOptions::new().segment_size(1 << 20))
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let r = transfer
        .upload(
            &c,
            [dlo],
            &UploadOptions::new().segment_size(1 << 20).use_slo(false),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    assert_eq!(common::object_names(&conn, &segc).await.len(), 6);

    // Then everything again, small: the listing shows which ones need a HEAD.
    let r = transfer
        .upload(&c, objects(false), &UploadOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    let deleted: u64 = r.iter().map(|x| x.segments_deleted).sum();
    assert_eq!(deleted, 6);
    assert!(common::object_names(&conn, &segc).await.is_empty());
    let h = conn.head_object(&c, "p/slo").await.unwrap();
    assert!(!h.headers().is_static_large_object());
    assert_eq!(h.headers().content_length(), Some(10));
    let h = conn.head_object(&c, "p/dlo").await.unwrap();
    assert!(h.headers().object_manifest().is_none());

    // skip_identical for many plain objects needs no HEAD: all skipped from the listing.
    let r = transfer
        .upload(
            &c,
            objects(false),
            &UploadOptions::new().skip_identical(true),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(r
        .iter()
        .filter(|x| x.action == Action::UploadObject)
        .all(|x| x.status == Status::SkippedIdentical));

    let r = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    common::cleanup(&conn, &segc).await;
}
