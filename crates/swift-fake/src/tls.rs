//! [`TlsFixture`]: a generated CA with server and client certificates.

use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// A freshly generated certificate authority, a server certificate and a client
/// certificate (all ECDSA P-256, signed by the CA), as PEM strings and as files.
///
/// The files live in [`dir`](Self::dir), a temporary directory owned by the
/// fixture and deleted when it is dropped:
///
/// | file | content |
/// | --- | --- |
/// | `ca.pem` | the CA certificate ([`ca_path`](Self::ca_path)) |
/// | `server.pem`, `server.key` | the server certificate and its key |
/// | `client.pem` | the client certificate ([`client_cert_path`](Self::client_cert_path)) |
/// | `client.key` | the client key, PKCS#8 ([`client_key_path`](Self::client_key_path)) |
/// | `client-combined.pem` | the client key followed by the client certificate ([`client_combined_path`](Self::client_combined_path)) |
///
/// Serve HTTPS with it through [`FakeServer::start_tls`](crate::FakeServer::start_tls).
/// Two fixtures never trust each other, which makes "wrong CA" tests easy.
#[derive(Debug)]
pub struct TlsFixture {
    /// The CA certificate (PEM).
    pub ca_pem: String,
    /// The server certificate (PEM), signed by the CA; its subject alternative
    /// names are `localhost`, `127.0.0.1` and `::1`.
    pub server_cert_pem: String,
    /// The server's private key (PKCS#8 PEM).
    pub server_key_pem: String,
    /// The client certificate (PEM), signed by the CA, for client authentication.
    pub client_cert_pem: String,
    /// The client's private key (PKCS#8 PEM).
    pub client_key_pem: String,
    /// The temporary directory holding the PEM files (deleted on drop).
    pub dir: PathBuf,
    _tempdir: tempfile::TempDir,
}

impl TlsFixture {
    /// Generates a new CA, server and client certificate, and writes the files.
    pub fn generate() -> TlsFixture {
        let ca_key = KeyPair::generate().expect("generate CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "swift-fake test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = ca_params.self_signed(&ca_key).expect("self-sign CA");

        let sans = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
        let (server_cert, server_key) = leaf(
            sans,
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
            &ca,
            &ca_key,
        );
        let sans = vec!["swift-fake-client".to_owned()];
        let (client_cert, client_key) = leaf(
            sans,
            "swift-fake client",
            ExtendedKeyUsagePurpose::ClientAuth,
            &ca,
            &ca_key,
        );

        let tempdir = tempfile::Builder::new()
            .prefix("swift-fake-tls-")
            .tempdir()
            .expect("create temp dir");
        let fixture = TlsFixture {
            ca_pem: ca.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
            dir: tempdir.path().to_path_buf(),
            _tempdir: tempdir,
        };
        let write = |name: &str, content: &str| {
            std::fs::write(fixture.dir.join(name), content).expect("write fixture file");
        };
        write("ca.pem", &fixture.ca_pem);
        write("server.pem", &fixture.server_cert_pem);
        write("server.key", &fixture.server_key_pem);
        write("client.pem", &fixture.client_cert_pem);
        write("client.key", &fixture.client_key_pem);
        write(
            "client-combined.pem",
            &format!("{}{}", fixture.client_key_pem, fixture.client_cert_pem),
        );
        fixture
    }

    /// Path of `ca.pem`, the CA certificate.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Path of `client.pem`, the client certificate.
    pub fn client_cert_path(&self) -> PathBuf {
        self.dir.join("client.pem")
    }

    /// Path of `client.key`, the client's PKCS#8 private key.
    pub fn client_key_path(&self) -> PathBuf {
        self.dir.join("client.key")
    }

    /// Path of `client-combined.pem`: the client key followed by the client certificate.
    pub fn client_combined_path(&self) -> PathBuf {
        self.dir.join("client-combined.pem")
    }

    /// Path of `server.pem`, the server certificate.
    pub fn server_cert_path(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    /// Path of `server.key`, the server's PKCS#8 private key.
    pub fn server_key_path(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The rustls server configuration used by [`FakeServer::start_tls`](crate::FakeServer::start_tls)
    /// (ring provider, ALPN `http/1.1`).
    pub(crate) fn server_config(&self, require_client_cert: bool) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        for cert in certs(&self.ca_pem) {
            roots.add(cert).expect("add CA to root store");
        }
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
        let verifier = if require_client_cert {
            verifier
        } else {
            verifier.allow_unauthenticated()
        };
        let key = PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes())
            .expect("parse server key");
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_client_cert_verifier(verifier.build().expect("client verifier"))
            .with_single_cert(certs(&self.server_cert_pem), key)
            .expect("server certificate");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// Generates a key and a certificate signed by the CA.
fn leaf(
    sans: Vec<String>,
    common_name: &str,
    usage: ExtendedKeyUsagePurpose,
    ca: &Certificate,
    ca_key: &KeyPair,
) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().expect("generate key");
    // `CertificateParams::new` turns IP addresses into `SanType::IpAddress`.
    let mut params = CertificateParams::new(sans).expect("certificate params");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let cert = params
        .signed_by(&key, ca, ca_key)
        .expect("sign certificate");
    (cert, key)
}

/// Parses every certificate of a PEM string.
fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("parse PEM certificates")
}
