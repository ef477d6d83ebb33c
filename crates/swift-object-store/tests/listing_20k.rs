//! A 20,000-object container (filled through the cluster's extract-archive) listed through
//! `SwiftStore` in bounded memory: the stream holds one page, not the listing. Alone in its
//! test binary, so that the peak RSS it reads is its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use futures_util::TryStreamExt;
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path;
use object_store::ObjectStore;
use swift_object_store::SwiftStore;
use swiftclient::transfer::{ArchiveOptions, ArchiveSource, Transfer, TransferOptions};

const N: usize = 20_000;
const MIB: u64 = 1 << 20;

fn name(i: usize) -> String {
    format!("logs/{:02}/{i:06}.json", i % 50)
}

/// Resets the peak RSS to the current RSS (Linux: `5` into `clear_refs`) and returns it.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

/// Lists everything, keeping only a count and the order check; returns the peak growth.
async fn list_all(store: &SwiftStore, expected: &[String]) -> u64 {
    let base = reset_peak();
    let mut stream = store.list(None);
    let mut i = 0;
    while let Some(m) = stream.try_next().await.unwrap() {
        assert_eq!(m.location.as_ref(), expected[i]);
        assert_eq!(m.size, 2);
        i += 1;
    }
    assert_eq!(i, N, "every object once");
    support::peak_rss().saturating_sub(base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20k_listing_in_bounded_memory() {
    if support::skip() {
        return;
    }
    let fx = support::Fixture::new("list20k").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.json");
    std::fs::write(&file, "{}").unwrap();
    let mut expected: Vec<String> = (0..N).map(name).collect();
    expected.sort();
    // Archives the cluster could not extract (a busy shared test cluster times some out)
    // are sent again: the fill is done when the listing has every name.
    let transfer = Transfer::with_options(
        fx.conn.clone(),
        TransferOptions::new().object_concurrency(4),
    );
    for round in 0.. {
        let present: std::collections::HashSet<String> =
            fx.names(&fx.container).await.into_iter().collect();
        let missing: Vec<_> = expected
            .iter()
            .filter(|n| !present.contains(*n))
            .map(|n| (file.clone(), n.clone()))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            round < 3,
            "{} objects still missing after {round} rounds",
            missing.len()
        );
        let results = transfer
            .extract_archive(
                &fx.container,
                ArchiveSource::Files(missing),
                &ArchiveOptions::new(),
            )
            .unwrap()
            .collect_all()
            .await;
        for r in results.iter().filter(|r| !r.is_success()) {
            println!("an archive failed (sent again): {:?}", r.error());
        }
    }

    // Pages of 1,000 entries, then whole pages (10,000, the cluster's limit). What the
    // allocator kept from earlier work is reused, not counted: these are upper bounds of
    // what listing adds, whatever the container holds.
    let small_pages = SwiftStore::builder()
        .with_connection(fx.conn.clone())
        .with_container(&fx.container)
        .with_list_page_size(1000)
        .build()
        .unwrap();
    let grown_small = list_all(&small_pages, &expected).await;
    let grown = list_all(&fx.store, &expected).await;
    println!(
        "peak RSS growth listing {N} objects: {:.1} MiB with 10,000-entry pages, {:.1} MiB with 1,000-entry pages",
        grown as f64 / MIB as f64,
        grown_small as f64 / MIB as f64
    );
    // One page of 10,000 entries is ~1.7 MB of JSON and ~3 MB of entries; all 20,000
    // ObjectMetas alone would be over 5 MB, with the pages on top.
    assert!(grown < 16 * MIB, "{grown} bytes");
    assert!(grown_small < 4 * MIB, "{grown_small} bytes");

    // An offset is a marker: only what follows it is fetched and returned.
    let offset = Path::from(expected[N - 3].as_str());
    let tail: Vec<String> = fx
        .store
        .list_with_offset(None, &offset)
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(tail, expected[N - 2..]);

    let dirs = fx
        .store
        .list_with_delimiter(Some(&Path::from("logs")))
        .await
        .unwrap();
    assert_eq!(dirs.common_prefixes.len(), 50);
    assert!(dirs.objects.is_empty());

    // Paginated: 7,000 a page, three pages, the last without a token.
    let mut opts = PaginatedListOptions {
        max_keys: Some(7000),
        ..Default::default()
    };
    let mut pages = Vec::new();
    loop {
        let page = fx.store.list_paginated(None, opts.clone()).await.unwrap();
        pages.push(page.result.objects.len());
        match page.page_token {
            Some(t) => opts.page_token = Some(t),
            None => break,
        }
    }
    assert_eq!(pages, vec![7000, 7000, 6000]);
    fx.cleanup().await;
}
