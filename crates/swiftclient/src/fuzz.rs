//! Property tests ("fuzzing") of every parser that reads server or user input: listings,
//! headers, quoting, auth answers and catalogs, ISO 8601 times, temp URL inputs, clouds.yaml.
//! They run a bounded number of cases in CI (`PROPTEST_CASES`, default 256); run longer on
//! demand with e.g. `PROPTEST_CASES=100000 cargo test -p swiftclient --lib fuzz`.

use proptest::prelude::*;

use crate::auth::catalog::{select_v2, select_v3, EndpointFilter};
use crate::headers::Headers;
use crate::listing::{parse_page, ContainerEntry, ObjectEntry};
use crate::path::{quote, unquote_lossless};

/// Arbitrary JSON text: random JSON-ish tokens glued together, so most cases parse.
fn jsonish() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"name\"".to_owned()),
        Just("\"subdir\"".to_owned()),
        Just("\"bytes\"".to_owned()),
        Just("\"type\"".to_owned()),
        Just("\"endpoints\"".to_owned()),
        Just("\"object-store\"".to_owned()),
        Just("\"interface\"".to_owned()),
        Just("\"public\"".to_owned()),
        Just("\"url\"".to_owned()),
        Just("\"publicURL\"".to_owned()),
        Just("\"hash\"".to_owned()),
        Just("\"range\"".to_owned()),
        Just("\"sub_slo\"".to_owned()),
        Just("\"path\"".to_owned()),
        Just("\"/c/o\"".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("-1".to_owned()),
        Just("1e999".to_owned()),
        Just("18446744073709551616".to_owned()),
        "\"[^\"\\\\]{0,8}\"",
        "[0-9]{1,4}",
    ];
    prop::collection::vec(atom, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn listings_never_panic(body in prop_oneof![jsonish(), ".{0,200}"]) {
        let _ = parse_page::<ObjectEntry>(body.as_bytes(), "container");
        let _ = parse_page::<ContainerEntry>(body.as_bytes(), "account");
    }

    #[test]
    fn listings_of_valid_entries_round_trip(names in prop::collection::vec("\\PC{1,20}", 0..20)) {
        let body = serde_json::to_vec(
            &names.iter().map(|n| serde_json::json!({"name": n, "bytes": 1, "hash": "h"})).collect::<Vec<_>>(),
        ).unwrap_or_default();
        let got = parse_page::<ObjectEntry>(&body, "container");
        prop_assert!(got.is_ok());
        let got: Vec<String> = got.unwrap_or_default().into_iter().map(|e| e.name).collect();
        prop_assert_eq!(got, names);
    }

    #[test]
    fn keystone_replies_never_panic(body in prop_oneof![jsonish(), ".{0,200}"], v2 in any::<bool>(), subject in prop::option::of("[a-z]{0,8}")) {
        use crate::auth::keystone::{Credentials, KeystoneAuth, KeystoneVersion};
        let version = if v2 { KeystoneVersion::V2 } else { KeystoneVersion::V3 };
        let url = if v2 { "http://k/v2.0" } else { "http://k/v3" };
        let auth = KeystoneAuth::new(url, version, Credentials::Token(crate::Secret::new("t")));
        let _ = auth.parse_reply(url, subject.as_deref(), body.as_bytes());
    }

    #[test]
    fn slo_manifests_never_panic(body in prop_oneof![jsonish(), ".{0,200}"]) {
        let _ = crate::transfer::parse_manifest(body.as_bytes());
    }

    #[test]
    fn quoting_round_trips(s in "\\PC{0,40}") {
        let q = quote(&s);
        prop_assert!(q.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)));
        prop_assert_eq!(unquote_lossless(&q), s);
    }

    #[test]
    fn header_decoding_never_panics(name in ".{0,30}", value in ".{0,60}") {
        let mut h = Headers::new();
        h.append_raw(&name, &value);
        h.append_raw(&name, &value);
        let _ = (h.content_length(), h.etag(), h.timestamp(), h.last_modified(), h.metadata(), format!("{h:?}"));
    }

    #[test]
    fn catalogs_never_panic(text in jsonish(), iface in prop::option::of("[a-zA-Z]{0,12}"), region in prop::option::of(".{0,6}")) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            let f = EndpointFilter::new(None, iface, region);
            let _ = select_v3(&v, &f);
            let _ = select_v2(&v, &f);
        }
    }

    #[test]
    fn iso8601_never_panics(s in prop_oneof![".{0,40}", "[0-9]{1,20}-[0-9]{1,3}-[0-9]{1,3}T[0-9]{1,3}:[0-9]{1,3}:[0-9.]{1,8}(Z|[+-][0-9]{1,20}:[0-9]{1,20})?"]) {
        let _ = crate::auth::keystone::parse_iso8601(&s);
    }

    #[test]
    fn temp_url_inputs_never_panic(path in ".{0,40}", time in prop_oneof![".{0,20}", "[0-9]{1,25}", "[0-9.]{1,8}(s|m|min|h|hr|d)"], key in ".{0,20}", method in "[A-Za-z]{0,8}", prefix in any::<bool>(), absolute in any::<bool>(), iso in any::<bool>()) {
        let o = crate::tempurl::TempUrlOptions { prefix, absolute, iso8601: iso, ..Default::default() };
        if let Ok(url) = crate::tempurl::generate_temp_url(&path, &time, &key, &method, &o) {
            prop_assert!(url.starts_with(&path));
        }
    }

    #[test]
    fn clouds_yaml_never_panics(text in ".{0,200}") {
        let _ = crate::settings::Settings::from_cloud_yaml("c", &text, Some(&text));
    }

    #[test]
    fn error_display_never_panics(body in prop::collection::vec(any::<u8>(), 0..3000), reason in ".{0,20}", status in 100u16..600) {
        let e = crate::error::Error::from_status("Object GET failed", "GET", "http://h/v1/a/c/o?temp_url_sig=secret", status, &reason, Headers::new(), &body);
        let text = e.to_string();
        prop_assert!(!text.contains("secret"));
    }

    // Numbers anyone can plant (X-Object-Meta-Mtime, X-Timestamp, Retry-After,
    // X-Auth-Token-Expires): any text, any float, never a panic.
    #[test]
    fn planted_numbers_never_panic(
        text in prop_oneof![
            ".{0,30}",
            "-?[0-9]{0,40}(\\.[0-9]{0,20})?(e[+-]?[0-9]{1,4})?",
            Just("1e20".to_owned()), Just("NaN".to_owned()), Just("-inf".to_owned()),
        ],
        f in any::<f64>(),
    ) {
        let _ = crate::numbers::parse_epoch_secs(&text);
        let _ = crate::numbers::epoch_secs(f);
        let _ = crate::numbers::from_now(f);
        let _ = crate::numbers::secs_to_duration(f);
        let _ = crate::retry::parse_retry_after(&text);
        let mut h = Headers::new();
        h.append_raw("X-Timestamp", &text);
        h.append_raw("X-Object-Meta-Mtime", &text);
        let _ = h.timestamp();
        let mut b = crate::retry::Backoff::new(&crate::RetryConfig::default());
        let sleep = b.next_sleep(crate::retry::parse_retry_after(&text));
        prop_assert!(sleep <= std::time::Duration::from_secs(64));
        let _ = crate::auth::keystone::parse_iso8601(&text);
    }

    // Whatever the name, the URL built for it reaches exactly that name's path.
    #[test]
    fn every_object_name_reaches_its_own_path(
        parts in prop::collection::vec(prop_oneof![
            Just(".".to_owned()), Just("..".to_owned()), Just("".to_owned()),
            "[a-z.%]{1,4}", "\\PC{1,4}",
        ], 1..6),
    ) {
        let name = parts.join("/");
        if let Ok(t) = crate::path::Target::object("c", &name) {
            let url = t.url("http://h/v1/AUTH_a", "");
            let sent = reqwest::Url::parse(&url).map(|u| u.path().to_owned());
            prop_assert!(sent.is_ok_and(|p| crate::path::check_sent_path("/v1/AUTH_a", &t, &p)), "{name:?}: {url}");
        }
    }

    // The streaming page scanner cuts any array of entries, split anywhere, into exactly the
    // elements serde_json sees in the whole text.
    #[test]
    fn streamed_pages_match_whole_parses(
        names in prop::collection::vec("\\PC{0,12}", 0..12),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        pretty in any::<bool>(),
    ) {
        let page: Vec<serde_json::Value> = names.iter().map(|n| serde_json::json!({"name": n, "bytes": 1, "hash": "h", "x": [n, {"y": n}]})).collect();
        let text = if pretty { serde_json::to_string_pretty(&page) } else { serde_json::to_string(&page) }.unwrap_or_default();
        let bytes = text.as_bytes();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut scanner = crate::listing::scan::ArrayScanner::new();
        let mut got = Vec::new();
        let mut from = 0;
        for p in points.into_iter().chain([bytes.len()]) {
            let r = scanner.feed(&bytes[from..p], |e| {
                got.push(serde_json::from_slice::<serde_json::Value>(e).map_err(|e| e.to_string())?);
                Ok::<(), String>(())
            });
            prop_assert!(r.is_ok(), "{r:?}");
            from = p;
        }
        prop_assert!(scanner.finish().is_ok());
        prop_assert_eq!(got, page);
    }
}
