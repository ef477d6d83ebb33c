//! TLS mode of `FakeServer` and the `TlsFixture` files, checked with tokio-rustls.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::io;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use swift_fake::{FakeServer, Reply, TlsFixture};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A client trusting `ca_pem`, presenting the fixture's client certificate if `client`.
fn connector(ca_pem: &[u8], client: Option<&TlsFixture>) -> TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem).unwrap())
        .unwrap();
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some(fx) => {
            let certs = CertificateDer::pem_file_iter(fx.client_cert_path())
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(fx.client_key_path()).unwrap();
            builder.with_client_auth_cert(certs, key).unwrap()
        }
    };
    TlsConnector::from(Arc::new(config))
}

/// One `GET /` over TLS to `server`, verifying the certificate for `name`.
async fn https_get(server: &FakeServer, tls: &TlsConnector, name: &str) -> io::Result<String> {
    let tcp = TcpStream::connect(server.addr()).await?;
    let name = ServerName::try_from(name.to_owned()).unwrap();
    let mut stream = tls.connect(name, tcp).await?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await?;
    if out.is_empty() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no response"));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn fixture_files() {
    let fx = TlsFixture::generate();
    assert_eq!(std::fs::read_to_string(fx.ca_path()).unwrap(), fx.ca_pem);
    assert_eq!(
        std::fs::read_to_string(fx.client_cert_path()).unwrap(),
        fx.client_cert_pem
    );
    assert_eq!(
        std::fs::read_to_string(fx.client_key_path()).unwrap(),
        fx.client_key_pem
    );
    assert!(fx.client_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let combined = std::fs::read_to_string(fx.client_combined_path()).unwrap();
    assert_eq!(
        combined,
        format!("{}{}", fx.client_key_pem, fx.client_cert_pem)
    );
    assert!(fx.server_cert_path().exists() && fx.server_key_path().exists());
    let other = TlsFixture::generate();
    assert_ne!(other.ca_pem, fx.ca_pem);
    assert_ne!(other.dir, fx.dir);
    let dir = fx.dir.clone();
    drop(fx);
    assert!(!dir.exists(), "temp dir must be deleted on drop");
}

#[tokio::test]
async fn https_with_fixture_ca() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    assert_eq!(
        server.url(),
        format!("https://localhost:{}", server.addr().port())
    );
    server.set_handler(|_| Reply::status(200).body("secure"));
    let ca = std::fs::read(fx.ca_path()).unwrap();
    let plain = connector(&ca, None);
    for name in ["localhost", "127.0.0.1"] {
        let response = https_get(&server, &plain, name).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.ends_with("secure"));
    }
    // An optional client certificate is recorded when presented.
    let with_cert = connector(&ca, Some(&fx));
    https_get(&server, &with_cert, "localhost").await.unwrap();
    let seen: Vec<bool> = server.requests().iter().map(|r| r.client_cert).collect();
    assert_eq!(seen, [false, false, true]);
}

#[tokio::test]
async fn untrusted_ca_is_rejected_by_the_client() {
    let fx = TlsFixture::generate();
    let other = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    let wrong = connector(other.ca_pem.as_bytes(), None);
    assert!(https_get(&server, &wrong, "localhost").await.is_err());
    assert_eq!(server.request_count(), 0);
    // The failed handshake did not stop the server.
    server.push(Reply::status(204));
    let right = connector(fx.ca_pem.as_bytes(), None);
    let response = https_get(&server, &right, "localhost").await.unwrap();
    assert!(response.starts_with("HTTP/1.1 204"));
}

#[tokio::test]
async fn required_client_cert() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, true).await;
    server.set_handler(|req| Reply::status(200).body(format!("cert={}", req.client_cert)));

    let without = connector(fx.ca_pem.as_bytes(), None);
    assert!(https_get(&server, &without, "localhost").await.is_err());

    // A client certificate from another CA is rejected too.
    let other = TlsFixture::generate();
    let foreign = connector(fx.ca_pem.as_bytes(), Some(&other));
    assert!(https_get(&server, &foreign, "localhost").await.is_err());
    assert_eq!(server.request_count(), 0);

    let with = connector(fx.ca_pem.as_bytes(), Some(&fx));
    let response = https_get(&server, &with, "localhost").await.unwrap();
    assert!(response.ends_with("cert=true"), "{response}");
    assert!(server.requests()[0].client_cert);
}

#[tokio::test]
async fn faults_over_tls() {
    let fx = TlsFixture::generate();
    let server = FakeServer::start_tls(&fx, false).await;
    server.push(Reply::status(200).body("0123456789").truncate_after(3));
    let tls = connector(fx.ca_pem.as_bytes(), None);
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let mut stream = tls
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    // Abrupt close: no close_notify, so rustls reports an unexpected EOF at the end.
    let end = loop {
        match stream.read(&mut buf).await {
            Ok(0) => break None,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => break Some(e.kind()),
        }
    };
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("content-length: 10"), "{text}");
    assert!(text.ends_with("\r\n\r\n012"), "{text}");
    assert_eq!(end, Some(io::ErrorKind::UnexpectedEof));
}
