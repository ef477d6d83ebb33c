//! The blocking facade against the real local Swift cluster.

use crate::support as common;

use std::io::Read;

use swiftclient::blocking::Connection;
use swiftclient::{ListOptions, PutOptions, RequestHeaders};

fn connect() -> Connection {
    Connection::new(common::builder()).unwrap()
}

#[test]
fn blocking_round_trip_of_every_kind_of_operation() {
    if common::skip() {
        return;
    }
    let conn = connect();
    conn.head_account().unwrap();
    let c = common::unique("blocking");
    conn.put_container(&c).unwrap();
    conn.post_container(&c, RequestHeaders::new().with("X-Container-Meta-A", "1"))
        .unwrap();
    assert_eq!(
        conn.head_container(&c)
            .unwrap()
            .headers()
            .get("x-container-meta-a"),
        Some("1")
    );
    conn.put_object(&c, "a b", "hello").unwrap();
    conn.post_object(
        &c,
        "a b",
        RequestHeaders::new().with("X-Object-Meta-B", "2"),
    )
    .unwrap();
    assert_eq!(
        conn.head_object(&c, "a b")
            .unwrap()
            .headers()
            .get("x-object-meta-b"),
        Some("2")
    );
    let mut s = String::new();
    conn.get_object(&c, "a b")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    assert_eq!(s, "hello");
    conn.copy_object(&c, "a b", &format!("/{c}/copy")).unwrap();
    let names: Vec<String> = conn
        .container_entries(&c, ListOptions::new().limit(1))
        .map(|e| e.unwrap().name)
        .collect();
    assert_eq!(names, vec!["a b", "copy"]);
    let listing = conn
        .get_container(&c, &ListOptions::new().full_listing(true))
        .unwrap();
    assert_eq!(listing.entries.len(), 2);
    assert!(conn.get_capabilities().unwrap().has("slo"));
    conn.delete_object(&c, "a b").unwrap();
    conn.delete_object(&c, "copy").unwrap();
    conn.delete_container(&c).unwrap();
}

#[test]
fn blocking_upload_from_a_std_reader_of_unknown_length() {
    if common::skip() {
        return;
    }
    let conn = connect();
    let c = common::unique("blocking-reader");
    conn.put_container(&c).unwrap();
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let resp = conn
        .put_object_reader(
            &c,
            "o",
            std::io::Cursor::new(data.clone()),
            None,
            &PutOptions::new(),
        )
        .unwrap();
    assert_eq!(resp.status(), 201);
    let got = conn.get_object(&c, "o").unwrap().bytes().unwrap();
    assert_eq!(&got[..], &data[..]);
    conn.delete_object(&c, "o").unwrap();
    conn.delete_container(&c).unwrap();
}
