//! A 10 MB streamed upload and download through the real cluster, in constant memory.
//!
//! Its own test binary, so that the process's peak RSS reflects this transfer alone.

use crate::support as common;

use bytes::Bytes;
use md5::{Digest, Md5};
use swiftclient::Body;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const SIZE: usize = 10_000_000;
const CHUNK: usize = 65_536;

#[tokio::test]
async fn ten_megabytes_streamed_up_and_down_in_constant_memory() {
    if common::skip() {
        return;
    }
    let conn = common::connect();
    let c = common::unique("stream10m");
    conn.put_container(&c).await.unwrap();
    let before = common::peak_rss();

    // Upload: chunks generated on the fly, never the whole object in memory.
    let mut sent = Md5::new();
    let stream = futures_util::stream::iter((0..SIZE.div_ceil(CHUNK)).map(|i| {
        let n = CHUNK.min(SIZE - i * CHUNK);
        Ok::<_, std::io::Error>(Bytes::from(vec![(i % 256) as u8; n]))
    }));
    for i in 0..SIZE.div_ceil(CHUNK) {
        let n = CHUNK.min(SIZE - i * CHUNK);
        sent.update(vec![(i % 256) as u8; n]);
    }
    let sent = hex(&sent.finalize());
    let put = conn
        .put_object(
            &c,
            "large-file.dat",
            Body::stream(stream, Some(SIZE as u64)),
        )
        .await
        .unwrap();
    assert_eq!(put.etag(), Some(sent.as_str()));

    // Download: chunk by chunk, counting and hashing.
    let mut obj = conn.get_object(&c, "large-file.dat").await.unwrap();
    assert_eq!(obj.headers().content_length(), Some(SIZE as u64));
    let mut total = 0usize;
    let mut biggest = 0usize;
    let mut got = Md5::new();
    while let Some(chunk) = obj.body.chunk().await.unwrap() {
        total += chunk.len();
        biggest = biggest.max(chunk.len());
        got.update(&chunk);
    }
    assert_eq!(total, SIZE);
    assert_eq!(hex(&got.finalize()), sent);
    assert!(biggest <= 1 << 20, "chunks stay small: {biggest}");

    let grown = common::peak_rss().saturating_sub(before);
    assert!(
        grown < 6 * 1024 * 1024,
        "peak RSS grew by {grown} bytes for a {SIZE}-byte transfer"
    );
    common::cleanup(&conn, &c).await;
}
