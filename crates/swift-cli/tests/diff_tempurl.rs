//! `swift tempurl` against the reference: every digest, prefix-based, ISO 8601 in and out,
//! absolute times, IP ranges, full URLs, odd methods and the error texts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Cli;

#[test]
fn signatures_are_identical() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/o",
            "secret_key",
            "--absolute",
            "--digest",
            "sha1",
        ],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/o",
            "secret_key",
            "--absolute",
        ],
        vec![
            "tempurl",
            "PUT",
            "60",
            "/v1/a/c/o",
            "secret_key",
            "--absolute",
            "--digest",
            "sha512",
        ],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/",
            "secret_key",
            "--absolute",
            "--prefix-based",
            "--digest",
            "sha1",
        ],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/pre",
            "secret_key",
            "--absolute",
            "--prefix",
        ],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/o",
            "secret_key",
            "--absolute",
            "--ip-range",
            "1.2.3.4",
            "--digest",
            "sha1",
        ],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/o",
            "k",
            "--absolute",
            "--ip-range",
            "10.0.0.0/8",
        ],
        vec![
            "tempurl",
            "HEAD",
            "1700000000",
            "/v1/a/c/o",
            "k",
            "--absolute",
            "--iso8601",
        ],
        vec!["tempurl", "GET", "2015-05-01T01:00:00Z", "/v1/a/c/o", "k"],
        vec![
            "tempurl",
            "GET",
            "2015-05-01T01:00:00Z",
            "/v1/a/c/o",
            "k",
            "--iso8601",
        ],
        vec![
            "tempurl",
            "DELETE",
            "2030-01-01T00:00:00Z",
            "http://h.example:8080/v1/AUTH_a/c/o?x=y",
            "k",
        ],
        vec![
            "tempurl",
            "POST",
            "2030-01-01T00:00:00Z",
            "https://h/v1/AUTH_a/c/a b/\u{e9}",
            "k",
            "--digest=sha512",
        ],
        vec!["tempurl", "get", "2030-01-01T00:00:00Z", "/v1/a/c/o", "k"],
        vec!["tempurl", "FOO", "2030-01-01T00:00:00Z", "/v1/a/c/o", "k"],
        vec!["tempurl", "GET", "1.5", "/v1/a/c/o", "k"],
        vec!["tempurl", "GET", "-1", "/v1/a/c/o", "k"],
        vec!["tempurl", "GET", "2015-05", "/v1/a/c/o", "k"],
        vec!["tempurl", "GET", "60", "/v1/a/c", "k", "--absolute"],
        vec!["tempurl", "GET", "60", "/v2/a/c/o", "k", "--absolute"],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c",
            "k",
            "--absolute",
            "--prefix-based",
        ],
        vec![
            "tempurl",
            "GET",
            "60",
            "/info",
            "k",
            "--absolute",
            "--prefix-based",
            "--ip-range",
            "1.1.1.1",
        ],
        vec!["tempurl", "GET", "60", "/v1/a/c/o"],
        vec!["tempurl", "--digest", "md5", "GET", "60", "/v1/a/c/o", "k"],
        vec![
            "tempurl",
            "GET",
            "60",
            "/v1/a/c/o",
            "k",
            "extra",
            "--absolute",
        ],
    ];
    for args in cases {
        cli.assert_same(&args);
    }
}

#[test]
fn relative_times_match_within_the_same_second() {
    if common::skip() {
        return;
    }
    let cli = Cli::bare();
    for args in [
        vec!["tempurl", "GET", "3600", "/v1/a/c/o", "k"],
        vec![
            "tempurl",
            "GET",
            "15min",
            "/v1/a/c/o",
            "k",
            "--digest",
            "sha1",
        ],
        vec!["tempurl", "GET", "2hr", "/v1/a/c/o", "k", "--iso8601"],
        vec!["tempurl", "GET", "1d", "/v1/a/c/o", "k"],
    ] {
        // The two runs may straddle a second boundary; retry a few times.
        let mut last = None;
        for _ in 0..5 {
            let r = cli.run_ref(&args);
            let o = cli.run_ours(&args);
            if r == o {
                last = None;
                break;
            }
            last = Some((r, o));
        }
        if let Some((r, o)) = last {
            panic!("tempurl {args:?}: reference {r:?} vs ours {o:?}");
        }
    }
}
