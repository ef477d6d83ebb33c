//! Memory stays bounded: a 1 GiB object uploaded from a generated stream (segmented on the fly
//! into an SLO) and downloaded (verified segment by segment) into a hashing sink, with the peak
//! resident memory of this process (`VmHWM`) under 64 MiB.
//!
//! Its own test binary, so that the peak reflects this transfer alone. Three 8 MiB segments
//! are in memory at most (two uploading, one filling): about 24 MiB above the ~7 MiB the
//! test process starts with. Measured: 34 MiB peak; upload ~8 s, download ~7 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod common;

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use swiftclient::transfer::{
    Action, DeleteOptions, DownloadOptions, DownloadTarget, Transfer, UploadObject, UploadOptions,
    Verification,
};

const SIZE: u64 = 1 << 30;
const CHUNK: usize = 256 * 1024;
const SEGMENT: u64 = 8 << 20;
const LIMIT: u64 = 64 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_segmented_upload_and_download_under_64_mib() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let transfer = Transfer::new(conn.clone());
    let c = common::unique("memory");
    let start_rss = common::peak_rss();

    // 1 GiB generated chunk by chunk: never in memory as a whole.
    let chunks = (SIZE / CHUNK as u64) as usize;
    let stream = futures_util::stream::iter(0..chunks).map(|i| {
        let mut buf = vec![0u8; CHUNK];
        common::fill_random(i as u64, &mut buf);
        Ok::<_, std::io::Error>(Bytes::from(buf))
    });
    let t = Instant::now();
    let up = transfer
        .upload(
            &c,
            [UploadObject::stream("one gib", stream, None)],
            &UploadOptions::new()
                .segment_size(SEGMENT)
                .use_slo(true)
                .stream_segments_in_flight(3),
        )
        .unwrap()
        .collect_all()
        .await;
    let up_time = t.elapsed();
    for r in &up {
        assert!(
            r.is_success(),
            "{:?} {:?}: {:?}",
            r.action,
            r.object,
            r.error
        );
    }
    let segments = up
        .iter()
        .filter(|r| r.action == Action::UploadSegment)
        .count();
    assert_eq!(segments as u64, SIZE / SEGMENT);
    let after_upload = common::peak_rss();

    // Expected MD5 of the whole, recomputed chunk by chunk.
    let mut want = Md5::new();
    let mut buf = vec![0u8; CHUNK];
    for i in 0..chunks {
        common::fill_random(i as u64, &mut buf);
        want.update(&buf);
    }
    let want = common::hex(&want.finalize());

    // Download into a sink that only hashes, each segment checked against the manifest.
    let sink = HashSink::default();
    let (target, _shared) = DownloadTarget::writer(sink.clone());
    let t = Instant::now();
    let down = transfer
        .download_objects(&c, ["one gib"], &DownloadOptions::new().target(target))
        .unwrap()
        .collect_all()
        .await;
    let down_time = t.elapsed();
    assert!(down[0].is_success(), "{:?}", down[0].error);
    assert_eq!(down[0].bytes, SIZE);
    assert_eq!(
        down[0].verification,
        Verification::Segments((SIZE / SEGMENT) as usize)
    );
    // And the content is what was sent.
    let got = sink.0.lock().unwrap().clone().finalize();
    assert_eq!(common::hex(&got), want);

    let peak = common::peak_rss();
    eprintln!(
        "1 GiB: upload {up_time:?}, download {down_time:?}; peak RSS {} MiB at the start, {} MiB after the upload, {} MiB at the end",
        start_rss >> 20,
        after_upload >> 20,
        peak >> 20
    );
    assert!(
        peak < LIMIT,
        "peak RSS {} MiB for a 1 GiB transfer",
        peak >> 20
    );

    let del = transfer
        .delete_container(&c, &DeleteOptions::new())
        .unwrap()
        .collect_all()
        .await;
    assert!(del.iter().all(|r| r.is_success()));
    common::cleanup(&conn, &format!("{c}_segments")).await;
}

/// A writer that keeps only the MD5 of what it is given.
#[derive(Clone, Default)]
struct HashSink(std::sync::Arc<std::sync::Mutex<Md5>>);

impl tokio::io::AsyncWrite for HashSink {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0.lock().unwrap().update(buf);
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
