//! A server that speaks wss:// with a self-signed certificate made on the spot.

use std::net::SocketAddr;
use std::path::Path;

use chinwag_server::tls::TlsConfig;
use chinwag_server::{RunningServer, ServeOptions};
use tokio_rustls::rustls::pki_types::CertificateDer;

/// A self-signed certificate for localhost and 127.0.0.1, written as PEM files into `dir`;
/// returns the TLS configuration read back from them and the certificate to trust.
fn self_signed(dir: &Path) -> (TlsConfig, CertificateDer<'static>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("a self-signed certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("the certificate is written");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("the key is written");
    let config = TlsConfig::load(&cert, &key).expect("the PEM files load");
    (config, certified.cert.der().clone())
}

/// A server with a self-signed certificate made in `dir`, and that certificate.
pub fn start_tls(dir: &Path) -> (RunningServer, CertificateDer<'static>) {
    let (tls, cert) = self_signed(dir);
    let server = RunningServer::start_with(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        dir.join("chat.sqlite3"),
        ServeOptions {
            tls: Some(tls),
            ..Default::default()
        },
    )
    .expect("the server starts with TLS");
    (server, cert)
}
