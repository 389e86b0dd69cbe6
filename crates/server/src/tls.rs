//! TLS for `serve --tls-cert FILE --tls-key FILE`: the page and the socket as `https:`/`wss:` on
//! one port. rustls with the ring provider; the certificate chain and key are PEM files.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A server certificate with its key, ready to accept TLS connections.
#[derive(Clone)]
pub struct TlsConfig(Arc<ServerConfig>);

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig")
    }
}

impl TlsConfig {
    /// Reads the certificate chain (leaf first) from `cert` and its private key from `key`, both
    /// PEM; errors name the file and what is wrong with it.
    pub fn load(cert: &Path, key: &Path) -> std::io::Result<Self> {
        let problem = |path: &Path, what: &dyn std::fmt::Display| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {what}", path.display()),
            )
        };
        let cert_pem = std::fs::read(cert).map_err(|err| problem(cert, &err))?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| problem(cert, &err))?;
        if chain.is_empty() {
            return Err(problem(cert, &"no PEM certificate in the file"));
        }
        let key_pem = std::fs::read(key).map_err(|err| problem(key, &err))?;
        let private_key =
            PrivateKeyDer::from_pem_slice(&key_pem).map_err(|err| problem(key, &err))?;
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(chain, private_key)
            .map_err(|err| problem(key, &format_args!("does not fit the certificate: {err}")))?;
        // HTTP/1.1 only: WebSockets upgrade over it.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self(Arc::new(config)))
    }

    /// Accepts TLS connections with this certificate.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.0.clone())
    }
}
