//! Reads: GET and HEAD with ranges and conditions, and ranged bodies that resume.

use std::ops::Range;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetResult, GetResultPayload, Result};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use swiftclient::{Headers, ObjectBody, RequestOptions};

use crate::error::{generic, map};
use crate::meta::{headers_to_attributes, http_date, meta_from_headers};
use crate::SwiftStore;

/// The request options for `options` (conditions, version), without the range.
fn request(options: &GetOptions) -> RequestOptions {
    let mut req = RequestOptions::new();
    if let Some(v) = &options.if_match {
        req.headers.set("if-match", v.clone());
    }
    if let Some(v) = &options.if_none_match {
        req.headers.set("if-none-match", v.clone());
    }
    if let Some(t) = options.if_modified_since {
        req.headers.set("if-modified-since", http_date(t));
    }
    if let Some(t) = options.if_unmodified_since {
        req.headers.set("if-unmodified-since", http_date(t));
    }
    if let Some(v) = &options.version {
        req.query_string = Some(version_query(v));
    }
    req
}

fn version_query(version: &str) -> String {
    format!(
        "version-id={}",
        utf8_percent_encode(version, NON_ALPHANUMERIC)
    )
}

/// `bytes a-b/total` as `(a..b+1, total)`.
pub(crate) fn parse_content_range(v: &str) -> Option<(Range<u64>, u64)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let a: u64 = a.trim().parse().ok()?;
    let b: u64 = b.trim().parse().ok()?;
    let total: u64 = total.trim().parse().ok()?;
    (a <= b && b < total).then_some((a..b + 1, total))
}

pub(crate) async fn get_opts(
    store: &SwiftStore,
    location: &Path,
    options: GetOptions,
) -> Result<GetResult> {
    let name = location.as_ref();
    let container = store.container();
    let mut req = request(&options);
    if let Some(r) = &options.range {
        r.is_valid().map_err(|e| generic(e.to_string()))?;
    }
    if options.head {
        let resp = store
            .conn()
            .head_object_with(container, name, &req)
            .await
            .map_err(|e| map(e, name))?;
        let size = resp.headers().content_length().unwrap_or(0);
        return Ok(GetResult {
            payload: GetResultPayload::Stream(futures_util::stream::empty().boxed()),
            meta: meta_from_headers(location, resp.headers(), size),
            range: 0..size,
            attributes: headers_to_attributes(resp.headers()),
            extensions: Default::default(),
        });
    }
    if let Some(r) = &options.range {
        req.headers.set("range", r.to_string());
    }
    let obj = store
        .conn()
        .get_object_with(container, name, &req)
        .await
        .map_err(|e| map(e, name))?;
    let headers = obj.headers().clone();
    let length = headers
        .content_length()
        .or(obj.body.content_length())
        .unwrap_or(0);
    let (range, size, partial) = match headers.get("content-range") {
        Some(cr) => {
            let (range, total) = parse_content_range(cr)
                .ok_or_else(|| generic(format!("GET {name}: unusable Content-Range {cr:?}")))?;
            (range, total, true)
        }
        None => (0..length, length, false),
    };
    let meta = meta_from_headers(location, &headers, size);
    let attributes = headers_to_attributes(&headers);
    let payload = if partial {
        ranged_stream(store, location, &options, &headers, range.clone(), obj.body)
    } else {
        let path = name.to_owned();
        obj.body
            .into_stream()
            .map_err(move |e| map(e, &path))
            .boxed()
    };
    Ok(GetResult {
        payload: GetResultPayload::Stream(payload),
        meta,
        range,
        attributes,
        extensions: Default::default(),
    })
}

/// What a ranged body needs to resume.
struct Ranged {
    store: SwiftStore,
    name: String,
    version: Option<String>,
    etag: Option<String>,
    /// The next byte to deliver, and the end of the range (exclusive).
    pos: u64,
    end: u64,
    body: ObjectBody,
    resumes_left: u32,
}

/// The body of a ranged GET. swiftclient resumes whole-object reads itself; a ranged one it
/// hands back as it came, so a broken connection is resumed here: the rest of the range
/// with `If-Match: <etag>`, so that a replaced object is a `Precondition` error, never
/// spliced data.
fn ranged_stream(
    store: &SwiftStore,
    location: &Path,
    options: &GetOptions,
    headers: &Headers,
    range: Range<u64>,
    body: ObjectBody,
) -> BoxStream<'static, Result<Bytes>> {
    let st = Ranged {
        store: store.clone(),
        name: location.as_ref().to_owned(),
        version: options.version.clone(),
        etag: headers.etag().map(str::to_owned),
        pos: range.start,
        end: range.end,
        body,
        resumes_left: store.config().resume_attempts,
    };
    futures_util::stream::try_unfold(st, |mut st| async move {
        loop {
            match st.body.chunk().await {
                Ok(Some(c)) => {
                    st.pos += c.len() as u64;
                    return Ok(Some((c, st)));
                }
                Ok(None) => return Ok(None),
                Err(e) => {
                    let resumable = (e.is_transport() || e.is_integrity())
                        && st.resumes_left > 0
                        && st.pos < st.end
                        && st.etag.is_some();
                    if !resumable {
                        return Err(map(e, &st.name));
                    }
                    st.resumes_left -= 1;
                    tracing::info!(target: "swift_object_store", "resuming {} at byte {} of range end {} after: {e}", st.name, st.pos, st.end);
                    st.body = resume(&st).await?;
                }
            }
        }
    })
    .boxed()
}

/// Re-issues the GET for the rest of the range.
async fn resume(st: &Ranged) -> Result<ObjectBody> {
    let mut req = RequestOptions::new()
        .header("range", format!("bytes={}-{}", st.pos, st.end - 1))
        .header("if-match", st.etag.clone().unwrap_or_default());
    if let Some(v) = &st.version {
        req.query_string = Some(version_query(v));
    }
    let obj = st
        .store
        .conn()
        .get_object_with(st.store.container(), &st.name, &req)
        .await
        .map_err(|e| map(e, &st.name))?;
    let got = obj
        .headers()
        .get("content-range")
        .and_then(parse_content_range)
        .map(|(r, _)| r);
    if got != Some(st.pos..st.end) {
        return Err(generic(format!(
            "GET {}: resuming at byte {} got range {got:?}, not {}..{}",
            st.name, st.pos, st.pos, st.end
        )));
    }
    Ok(obj.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 2-13/14"), Some((2..14, 14)));
        assert_eq!(parse_content_range("bytes 0-0/1"), Some((0..1, 1)));
        assert_eq!(parse_content_range("bytes 5-2/14"), None);
        assert_eq!(parse_content_range("bytes 0-14/14"), None);
        assert_eq!(parse_content_range("bytes */14"), None);
    }

    #[test]
    fn conditions_become_headers() {
        let t = crate::meta::parse_listing_time("2026-12-03T06:53:09").unwrap();
        let o = GetOptions::new()
            .with_if_match(Some("abc"))
            .with_if_none_match(Some("*"))
            .with_if_modified_since(Some(t))
            .with_if_unmodified_since(Some(t))
            .with_version(Some("1700000000.12345"));
        let r = request(&o);
        assert_eq!(r.headers.get("if-match"), Some("abc"));
        assert_eq!(r.headers.get("if-none-match"), Some("*"));
        assert_eq!(
            r.headers.get("if-modified-since"),
            Some("Thu, 03 Dec 2026 06:53:09 GMT")
        );
        assert_eq!(
            r.headers.get("if-unmodified-since"),
            Some("Thu, 03 Dec 2026 06:53:09 GMT")
        );
        assert_eq!(
            r.query_string.as_deref(),
            Some("version-id=1700000000%2E12345")
        );
    }
}
