//! Temp URLs compared byte for byte with python-swiftclient's `generate_temp_url` (the oracle,
//! from the test bed's venv) over a grid of inputs.

use crate::support as common;

use swiftclient::tempurl::{generate_temp_url, Digest, TempUrlOptions};

#[test]
fn temp_urls_match_python_swiftclient() {
    if common::skip() {
        return;
    }
    let python = format!("{}/python", common::env("SWIFT_TESTBED_BIN"));
    let mut cases = Vec::new();
    for digest in ["sha1", "sha256", "sha512"] {
        for method in ["GET", "PUT", "head"] {
            for (path, prefix) in [
                ("/v1/AUTH_test/c/o", false),
                ("/v1/AUTH_test/c ü/dir/ö €.txt", false),
                ("/v1/AUTH_test/c/pre", true),
                ("/v1/AUTH_test/c/", true),
            ] {
                for ip in [None, Some("10.0.0.0/24")] {
                    for (time, absolute, iso) in [
                        ("1700000000", true, false),
                        ("1700000000", true, true),
                        ("2030-01-02T03:04:05Z", false, false),
                        ("2030-01-02T03:04:05Z", false, true),
                    ] {
                        cases.push((digest, method, path, prefix, ip, time, absolute, iso));
                    }
                }
            }
        }
    }
    let key = "sëcret key";
    let mut script = String::from("import sys\nfrom swiftclient.utils import generate_temp_url\n");
    for (digest, method, path, prefix, ip, time, absolute, iso) in &cases {
        script.push_str(&format!(
            "print(generate_temp_url({path:?}, {time:?}, {key:?}, {method:?}, absolute={}, prefix={}, iso8601={}, ip_range={}, digest={digest:?}))\n",
            py_bool(*absolute),
            py_bool(*prefix),
            py_bool(*iso),
            ip.map(|i| format!("{i:?}")).unwrap_or_else(|| "None".into()),
        ));
    }
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run the reference python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(expected.len(), cases.len());
    for ((digest, method, path, prefix, ip, time, absolute, iso), want) in
        cases.iter().zip(&expected)
    {
        let mut o = TempUrlOptions::default();
        o.absolute = *absolute;
        o.prefix = *prefix;
        o.iso8601 = *iso;
        o.ip_range = ip.map(str::to_owned);
        o.digest = digest.parse::<Digest>().unwrap();
        let got = generate_temp_url(path, time, key, method, &o).unwrap();
        assert_eq!(
            &got, want,
            "{digest} {method} {path} prefix={prefix} ip={ip:?} {time}"
        );
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}
