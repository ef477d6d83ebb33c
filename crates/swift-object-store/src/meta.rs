//! Object metadata both ways: `object_store` attributes as Swift headers, and Swift headers
//! and listing entries as `ObjectMeta` and attributes.

use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use object_store::path::Path;
use object_store::{Attribute, AttributeValue, Attributes, ObjectMeta};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use swiftclient::{Headers, ObjectEntry, RequestHeaders};

/// The prefix of user metadata headers.
const META_PREFIX: &str = "x-object-meta-";

/// Metadata keys travel percent-encoded in the header name: Swift's WSGI layer turns `_`
/// into `-` (and drops headers whose names carry `_`), so only letters, digits and `-` go
/// as they are. swiftclient decodes header names when reading them back.
const KEY_ENCODE: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-');

/// Metadata values: `%` must be escaped (swiftclient decodes `%xx` in values it reads),
/// and so must control characters and anything beyond ASCII (not valid in a header).
const VALUE_ENCODE: &AsciiSet = &CONTROLS.add(b'%');

/// The standard headers that carry attributes, as Swift stores them.
const STANDARD: [(&str, Attribute); 5] = [
    ("content-type", Attribute::ContentType),
    ("content-disposition", Attribute::ContentDisposition),
    ("content-encoding", Attribute::ContentEncoding),
    ("content-language", Attribute::ContentLanguage),
    ("cache-control", Attribute::CacheControl),
];

/// The header for a user metadata key.
pub(crate) fn meta_header(key: &str) -> String {
    format!("{META_PREFIX}{}", utf8_percent_encode(key, KEY_ENCODE))
}

/// Adds the headers that store `attrs` to `headers`. A storage class cannot be set per
/// object in Swift (storage policies belong to containers): that is an error, as
/// `object_store` asks of attributes a store does not support.
pub(crate) fn attributes_to_headers(
    attrs: &Attributes,
    headers: &mut RequestHeaders,
) -> object_store::Result<()> {
    for (attr, value) in attrs {
        let value: &str = value.as_ref();
        match attr {
            Attribute::Metadata(key) => {
                headers.set(
                    meta_header(key),
                    utf8_percent_encode(value, VALUE_ENCODE).to_string(),
                );
            }
            Attribute::StorageClass => return Err(object_store::Error::NotSupported {
                source: Box::new(crate::error::StoreError(
                    "Swift has no per-object storage class: the storage policy is the container's"
                        .into(),
                )),
            }),
            other => match STANDARD.iter().find(|(_, a)| a == other) {
                Some((name, _)) => headers.set(*name, value),
                None => {
                    return Err(object_store::Error::NotSupported {
                        source: Box::new(crate::error::StoreError(format!(
                            "the attribute {other:?} is not supported by Swift"
                        ))),
                    })
                }
            },
        }
    }
    Ok(())
}

/// The attributes of an object, from its GET or HEAD headers. Standard headers are taken
/// exactly as received; metadata keys come back lower-case (Swift does not keep their case).
pub(crate) fn headers_to_attributes(headers: &Headers) -> Attributes {
    let mut attrs = Attributes::new();
    for (name, attr) in STANDARD {
        if let Some(v) = headers.raw(name) {
            attrs.insert(attr, AttributeValue::from(v.to_owned()));
        }
    }
    for (name, value) in headers.iter() {
        if let Some(key) = name.strip_prefix(META_PREFIX) {
            attrs.insert(
                Attribute::Metadata(key.to_owned().into()),
                AttributeValue::from(value.to_owned()),
            );
        }
    }
    attrs
}

/// `ObjectMeta` from the headers of a GET or HEAD of `location`, for an object of `size`
/// bytes. `last_modified` is the `Last-Modified` header (whole seconds, as Swift compares
/// `If-Modified-Since`), so that it can be handed back in a conditional request.
pub(crate) fn meta_from_headers(location: &Path, headers: &Headers, size: u64) -> ObjectMeta {
    let last_modified = headers
        .last_modified()
        .or_else(|| headers.timestamp())
        .map(DateTime::<Utc>::from)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    ObjectMeta {
        location: location.clone(),
        last_modified,
        size,
        e_tag: headers.etag().map(str::to_owned),
        version: headers.get("x-object-version-id").map(str::to_owned),
    }
}

/// `ObjectMeta` from a listing entry; `None` for a subdir or a directory marker (a name
/// ending in `/`, as `swift upload` writes for empty directories: no `Path` names it).
pub(crate) fn meta_from_entry(e: &ObjectEntry) -> Option<object_store::Result<ObjectMeta>> {
    if e.subdir || e.name.ends_with('/') {
        return None;
    }
    let location = match Path::parse(&e.name) {
        Ok(p) => p,
        Err(source) => return Some(Err(object_store::Error::InvalidPath { source })),
    };
    // An SLO's `hash` is the MD5 of its manifest; the ETag a HEAD shows is `slo_etag`.
    let e_tag = if e.raw_json().contains("\"slo_etag\"") {
        e.raw()
            .get("slo_etag")
            .and_then(|v| v.as_str())
            .map(|s| s.trim_matches('"').to_owned())
    } else {
        None
    }
    .unwrap_or_else(|| e.hash.clone());
    Some(Ok(ObjectMeta {
        location,
        last_modified: parse_listing_time(&e.last_modified).unwrap_or(DateTime::UNIX_EPOCH),
        size: e.bytes,
        e_tag: Some(e_tag),
        version: e.version_id.clone(),
    }))
}

/// A listing's `last_modified` (`2024-05-01T10:00:00.123450`, UTC), rounded up to the whole
/// second as Swift rounds `Last-Modified`: a listed object and its HEAD then agree.
pub(crate) fn parse_listing_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let year: i32 = d.next()?.parse().ok()?;
    let month: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.splitn(3, ':');
    let hour: u32 = t.next()?.parse().ok()?;
    let minute: u32 = t.next()?.parse().ok()?;
    let second: u32 = t.next()?.parse().ok()?;
    let whole = NaiveDate::from_ymd_opt(year, month, day)?
        .and_hms_opt(hour, minute, second)?
        .and_utc();
    if frac.bytes().any(|b| b != b'0') {
        whole.checked_add_signed(TimeDelta::try_seconds(1)?)
    } else {
        Some(whole)
    }
}

/// An HTTP date for a conditional header.
pub(crate) fn http_date(t: DateTime<Utc>) -> String {
    httpdate::fmt_http_date(SystemTime::from(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_times_round_up_like_last_modified() {
        let t = parse_listing_time("2026-12-03T06:53:09.295320").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-03T06:53:10+00:00");
        let t = parse_listing_time("2026-12-03T06:53:09.000000").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-03T06:53:09+00:00");
        let t = parse_listing_time("2026-12-31T23:59:59.5").unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert!(parse_listing_time("yesterday").is_none());
        assert!(parse_listing_time("2026-13-01T00:00:00").is_none());
    }

    #[test]
    fn http_dates_are_whole_seconds() {
        let t = parse_listing_time("2026-12-03T06:53:09").unwrap();
        assert_eq!(http_date(t), "Thu, 03 Dec 2026 06:53:09 GMT");
    }

    #[test]
    fn metadata_keys_and_values_survive_the_wire() {
        let attrs = Attributes::from_iter([
            (Attribute::Metadata("test_key".into()), "100% sure"),
            (Attribute::Metadata("é".into()), "naïve"),
            (Attribute::ContentType, "text/html; charset=utf-8"),
        ]);
        let mut h = RequestHeaders::new();
        attributes_to_headers(&attrs, &mut h).unwrap();
        assert_eq!(h.get("x-object-meta-test%5Fkey"), Some("100%25 sure"));
        assert_eq!(h.get("x-object-meta-%C3%A9"), Some("na%C3%AFve"));
        assert_eq!(h.get("content-type"), Some("text/html; charset=utf-8"));
        // What swiftclient's Headers makes of those headers when the server echoes them.
        let mut back = Headers::new();
        for (n, v) in h.iter() {
            back.append_raw(n, v);
        }
        let read = headers_to_attributes(&back);
        assert_eq!(read, attrs);
    }

    #[test]
    fn storage_class_is_not_supported() {
        let attrs = Attributes::from_iter([(Attribute::StorageClass, "GOLD")]);
        let err = attributes_to_headers(&attrs, &mut RequestHeaders::new()).unwrap_err();
        assert!(
            matches!(err, object_store::Error::NotSupported { .. }),
            "{err}"
        );
    }
}
