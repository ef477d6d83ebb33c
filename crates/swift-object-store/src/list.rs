//! Listings: Swift's marker listings, lazily page by page, and paginated on request.

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::list::{PaginatedListOptions, PaginatedListResult};
use object_store::path::Path;
use object_store::{ListResult, ObjectMeta, Result};
use swiftclient::{ListOptions, ObjectEntry};

use crate::error::map;
use crate::meta::meta_from_entry;
use crate::SwiftStore;

/// Swift's default (and usual maximum) `limit` of one listing request.
const SWIFT_LISTING_LIMIT: u64 = 10_000;

/// The Swift prefix for an `object_store` prefix: segment-wise, so `a/b` lists `a/b/...`
/// and neither `a/b` itself nor `a/bc`.
fn swift_prefix(prefix: Option<&Path>) -> Option<String> {
    prefix
        .map(|p| p.as_ref())
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}/"))
}

fn base_options(store: &SwiftStore, prefix: Option<&Path>) -> ListOptions {
    let mut opts = ListOptions::new();
    opts.prefix = swift_prefix(prefix);
    opts.limit = store.config().list_page_size;
    opts
}

/// Every object under `prefix` (after `offset`, exclusive), fetched one page at a time as
/// the stream is read: memory stays at one page, whatever the container holds.
pub(crate) fn list(
    store: &SwiftStore,
    prefix: Option<&Path>,
    offset: Option<&Path>,
) -> BoxStream<'static, Result<ObjectMeta>> {
    let mut opts = base_options(store, prefix);
    if let Some(o) = offset.map(|o| o.as_ref()).filter(|o| !o.is_empty()) {
        opts.marker = Some(o.to_owned());
    }
    let container = store.container().to_owned();
    store
        .conn()
        .container_entries(&container, opts)
        .map_err(move |e| map(e, &container))
        .try_filter_map(|e| std::future::ready(meta_from_entry(&e).transpose()))
        .boxed()
}

/// The objects and common prefixes directly under `prefix`.
pub(crate) async fn list_with_delimiter(
    store: &SwiftStore,
    prefix: Option<&Path>,
) -> Result<ListResult> {
    let mut opts = base_options(store, prefix);
    opts.delimiter = Some("/".into());
    let container = store.container();
    let mut stream = std::pin::pin!(store.conn().container_entries(container, opts));
    let mut result = ListResult {
        common_prefixes: Vec::new(),
        objects: Vec::new(),
        extensions: Default::default(),
    };
    while let Some(e) = stream.next().await {
        let e = e.map_err(|e| map(e, container))?;
        add_entry(&mut result, &e, "/")?;
    }
    Ok(result)
}

/// Files a listing entry as an object or a common prefix.
fn add_entry(result: &mut ListResult, e: &ObjectEntry, delimiter: &str) -> Result<()> {
    if e.subdir {
        let name = e.name.strip_suffix(delimiter).unwrap_or(&e.name);
        result.common_prefixes.push(Path::parse(name)?);
    } else if let Some(meta) = meta_from_entry(e) {
        result.objects.push(meta?);
    }
    Ok(())
}

/// One page: `max_keys` entries (objects and common prefixes) at most, from the page token
/// (or `offset`) on. The token is the last name of a full page, which Swift takes as the
/// marker of the next; a page shorter than asked is the last.
pub(crate) async fn list_paginated(
    store: &SwiftStore,
    prefix: Option<&str>,
    opts: PaginatedListOptions,
) -> Result<PaginatedListResult> {
    let max = store
        .limit("swift", "container_listing_limit")
        .await
        .unwrap_or(SWIFT_LISTING_LIMIT)
        .max(1);
    let limit = opts
        .max_keys
        .map(|k| k as u64)
        .or(store.config().list_page_size)
        .unwrap_or(max)
        .clamp(1, max);
    let mut lo = ListOptions::new().limit(limit);
    lo.prefix = prefix.filter(|p| !p.is_empty()).map(str::to_owned);
    let delimiter = opts.delimiter.as_deref().filter(|d| !d.is_empty());
    lo.delimiter = delimiter.map(str::to_owned);
    lo.marker = opts.page_token.or(opts.offset).filter(|m| !m.is_empty());
    let container = store.container();
    let page = store
        .conn()
        .get_container(container, &lo)
        .await
        .map_err(|e| map(e, container))?
        .entries;
    let mut result = ListResult {
        common_prefixes: Vec::new(),
        objects: Vec::new(),
        extensions: Default::default(),
    };
    for e in &page {
        add_entry(&mut result, e, delimiter.unwrap_or("/"))?;
    }
    let page_token = if page.len() as u64 >= limit {
        page.last().map(|e| e.name.clone())
    } else {
        None
    };
    Ok(PaginatedListResult { result, page_token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_segment_wise() {
        assert_eq!(swift_prefix(None), None);
        assert_eq!(swift_prefix(Some(&Path::from("/"))), None);
        assert_eq!(
            swift_prefix(Some(&Path::from("a/b"))).as_deref(),
            Some("a/b/")
        );
    }
}
