//! TLS options mapped onto the HTTP client: custom CA bundle, client certificate, insecure.

use crate::config::TlsOptions;
use crate::error::Error;

/// Installs the ring crypto provider for rustls once per process (if the application installed
/// another one first, that one is used).
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

fn read(path: &std::path::Path, what: &str) -> crate::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::invalid_input(format!("cannot read the {what} {}", path.display())).with_source(e)
    })
}

pub(crate) fn configure(
    mut b: reqwest::ClientBuilder,
    tls: &TlsOptions,
) -> crate::Result<reqwest::ClientBuilder> {
    ensure_crypto_provider();
    b = b.tls_backend_rustls();
    if tls.insecure {
        tracing::warn!(target: "swiftclient", "TLS certificate verification is disabled (insecure)");
        b = b.tls_danger_accept_invalid_certs(true);
    } else if let Some(ca) = &tls.cacert {
        let pem = read(ca, "CA bundle")?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::invalid_input(format!("{} is not a PEM CA bundle", ca.display())).with_source(e)
        })?;
        if certs.is_empty() {
            return Err(Error::invalid_input(format!(
                "{} holds no certificate",
                ca.display()
            )));
        }
        b = b.tls_certs_only(certs);
    }
    if let Some(cert) = &tls.cert {
        let mut pem = Vec::new();
        if let Some(key) = &tls.cert_key {
            pem.extend(read(key, "client key")?);
            pem.push(b'\n');
        }
        pem.extend(read(cert, "client certificate")?);
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
            Error::invalid_input(format!(
                "{} (with its key) is not a usable PEM client certificate",
                cert.display()
            ))
            .with_source(e)
        })?;
        b = b.identity(identity);
    }
    Ok(b)
}
