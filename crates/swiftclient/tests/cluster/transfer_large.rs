//! 200 MiB large objects through the real cluster, as SLO and as DLO: upload in parallel
//! segments, skip-identical against the segments, download verified segment by segment,
//! re-upload with another segment size (the old segments go, the new ones stay), delete
//! (no segment left behind).

use crate::support as common;

use std::time::Instant;

use swiftclient::transfer::{
    Action, DeleteOptions, DownloadOptions, Status, Transfer, TransferResult, UploadObject,
    UploadOptions, Verification,
};

const SIZE: u64 = 200 << 20;

fn failures(results: &[TransferResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !r.is_success())
        .map(|r| format!("{:?} {:?}: {:?}", r.action, r.object, r.error))
        .collect()
}

fn main_result(results: &[TransferResult]) -> &TransferResult {
    results
        .iter()
        .find(|r| r.action == Action::UploadObject)
        .expect("an upload_object result")
}

async fn large_object_life_cycle(slo: bool) {
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let kind = if slo { "slo" } else { "dlo" };
    let c = common::unique(&format!("large-{kind}"));
    let segc = format!("{c}_segments");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("big file.bin");
    let md5 = common::write_random_file(&src, SIZE, 99);
    let name = "dir/big ü.bin";

    // Upload with 32 MiB segments: 7 segments.
    let started = Instant::now();
    let opts = UploadOptions::new().segment_size(32 << 20).use_slo(slo);
    let up = transfer
        .upload(&c, [UploadObject::file_as(&src, name)], &opts)
        .unwrap()
        .collect_all()
        .await;
    eprintln!("{kind}: uploaded {SIZE} bytes in {:?}", started.elapsed());
    assert!(failures(&up).is_empty(), "{:?}", failures(&up));
    let segs: Vec<_> = up
        .iter()
        .filter(|r| r.action == Action::UploadSegment)
        .collect();
    assert_eq!(segs.len(), 7);
    let mtime = up
        .iter()
        .find(|r| r.action == Action::UploadObject)
        .and_then(|r| r.headers.get("x-object-meta-mtime").map(str::to_owned))
        .unwrap();
    let infix = if slo { "slo/" } else { "" };
    for s in &segs {
        let seg = s.segment.as_ref().unwrap();
        assert_eq!(seg.container, segc);
        assert_eq!(
            seg.name,
            format!("{name}/{infix}{mtime}/{SIZE}/{}/{:08}", 32 << 20, seg.index)
        );
        assert!(seg.etag.is_some());
    }
    let created: Vec<_> = up
        .iter()
        .filter(|r| r.action == Action::CreateContainer)
        .map(|r| r.container.clone().unwrap())
        .collect();
    assert_eq!(created, [c.clone(), segc.clone()]);
    let main = main_result(&up);
    assert!(main.large_object);
    assert_eq!(main.segments.len(), 7);
    let head = conn.head_object(&c, name).await.unwrap();
    assert_eq!(head.headers().content_length(), Some(SIZE));
    assert_eq!(head.headers().is_static_large_object(), slo);
    assert_eq!(head.headers().object_manifest().is_some(), !slo);
    let policy = conn
        .head_container(&c)
        .await
        .unwrap()
        .headers()
        .get("x-storage-policy")
        .map(str::to_owned);
    let seg_policy = conn
        .head_container(&segc)
        .await
        .unwrap()
        .headers()
        .get("x-storage-policy")
        .map(str::to_owned);
    assert_eq!(policy, seg_policy);

    // The same file again with skip_identical: compared segment by segment, skipped.
    let again = transfer
        .upload(
            &c,
            [UploadObject::file_as(&src, name)],
            &UploadOptions::new()
                .segment_size(32 << 20)
                .use_slo(slo)
                .skip_identical(true),
        )
        .unwrap()
        .collect_all()
        .await;
    assert_eq!(main_result(&again).status, Status::SkippedIdentical);

    // Download, verified segment by segment.
    let started = Instant::now();
    let out = tmp.path().join("out");
    let down = transfer
        .download_objects(&c, [name], &DownloadOptions::new().out_directory(&out))
        .unwrap()
        .collect_all()
        .await;
    eprintln!("{kind}: downloaded in {:?}", started.elapsed());
    assert!(failures(&down).is_empty(), "{:?}", failures(&down));
    assert_eq!(down[0].verification, Verification::Segments(7));
    assert!(down[0].large_object);
    assert_eq!(down[0].bytes, SIZE);
    assert_eq!(common::md5_file(&out.join(name)), md5);

    // Downloading again with skip_identical: the local file is compared with the segments.
    let again = transfer
        .download_objects(
            &c,
            [name],
            &DownloadOptions::new()
                .out_directory(&out)
                .skip_identical(true),
        )
        .unwrap()
        .collect_all()
        .await;
    assert_eq!(
        again[0].status,
        Status::SkippedIdentical,
        "{:?}",
        again[0].error
    );

    // Re-upload with 48 MiB segments: 5 new segments; the 7 old ones are deleted.
    let re = transfer
        .upload(
            &c,
            [UploadObject::file_as(&src, name)],
            &UploadOptions::new().segment_size(48 << 20).use_slo(slo),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&re).is_empty(), "{:?}", failures(&re));
    let main = main_result(&re);
    assert_eq!(main.segments.len(), 5);
    assert_eq!(main.segments_deleted, 7);
    assert_eq!(
        re.iter()
            .filter(|r| r.action == Action::DeleteSegment)
            .count(),
        7
    );
    let mut left = common::object_names(&conn, &segc).await;
    left.sort();
    let mut new: Vec<String> = main.segments.iter().map(|s| s.name.clone()).collect();
    new.sort();
    assert_eq!(left, new, "exactly the new segments remain");
    let got = conn.get_object(&c, name).await.unwrap();
    assert_eq!(got.headers().content_length(), Some(SIZE));
    drop(got);

    // Delete: the object and all its segments.
    let del = transfer
        .delete_objects(&c, [name], &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&del).is_empty(), "{:?}", failures(&del));
    let d = del
        .iter()
        .find(|r| r.action == Action::DeleteObject)
        .unwrap();
    assert!(d.large_object);
    assert!(
        common::object_names(&conn, &segc).await.is_empty(),
        "no segment left behind"
    );
    assert!(common::object_names(&conn, &c).await.is_empty());
    conn.delete_container(&c).await.unwrap();
    conn.delete_container(&segc).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slo_200_mib_life_cycle() {
    if common::skip() {
        return;
    }
    large_object_life_cycle(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dlo_200_mib_life_cycle() {
    if common::skip() {
        return;
    }
    large_object_life_cycle(false).await;
}

// A stream whose segments are larger than the in-memory buffer: each segment is spooled to an
// unlinked temporary file (replayable, bounded memory), here as a DLO. Nothing is left in the
// spool directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_segments_spooled_to_disk() {
    if common::skip() {
        return;
    }
    use bytes::Bytes;
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("spool");
    let spool = tempfile::tempdir().unwrap();
    let data = Bytes::from(common::random_bytes(11, 20_000_000));
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(300_000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let opts = UploadOptions::new()
        .segment_size(6 << 20)
        .use_slo(false)
        .stream_buffer(1 << 20)
        .spool_dir(spool.path());
    let up = transfer
        .upload(
            &c,
            [UploadObject::stream(
                "spooled",
                futures_util::stream::iter(chunks),
                None,
            )],
            &opts,
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&up).is_empty(), "{:?}", failures(&up));
    let main = main_result(&up);
    assert_eq!(main.segments.len(), 4);
    assert_eq!(main.bytes, 20_000_000);
    assert!(std::fs::read_dir(spool.path()).unwrap().next().is_none());
    let head = conn.head_object(&c, "spooled").await.unwrap();
    assert!(head.headers().object_manifest().is_some());
    let down = transfer
        .download_objects(
            &c,
            ["spooled"],
            &DownloadOptions::new().out_directory(spool.path()),
        )
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&down).is_empty(), "{:?}", failures(&down));
    assert_eq!(down[0].verification, Verification::Segments(4));
    assert_eq!(std::fs::read(spool.path().join("spooled")).unwrap(), data);
    let del = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(failures(&del).is_empty(), "{:?}", failures(&del));
    assert_eq!(
        del.iter()
            .filter(|r| r.action == Action::DeleteSegment)
            .count(),
        4
    );
    assert!(common::object_names(&conn, &format!("{c}_segments"))
        .await
        .is_empty());
    common::cleanup(&conn, &format!("{c}_segments")).await;
}
