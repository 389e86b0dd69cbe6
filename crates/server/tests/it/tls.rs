//! `serve --tls-cert/--tls-key`: the chat over wss:// with a certificate read from PEM files.

use std::net::TcpStream;
use std::sync::Arc;

use chinwag_client::state::Phase;
use chinwag_protocol::ServerFrame;
use chinwag_server::tls::TlsConfig;
use chinwag_server::{RunningServer, ServeOptions};
use chinwag_testkit::{LiveClient, PATIENCE, RawClient};
use tokio_rustls::rustls::{self, RootCertStore};
use tungstenite::Connector;
use tungstenite::stream::MaybeTlsStream;

/// A self-signed certificate for localhost and 127.0.0.1, written as PEM files into `dir`;
/// returns the TLS configuration read back from them and the certificate to trust.
fn self_signed(dir: &std::path::Path) -> (TlsConfig, rustls::pki_types::CertificateDer<'static>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let config = TlsConfig::load(&cert, &key).expect("the PEM files load");
    (config, certified.cert.der().clone())
}

/// A rustls client configuration that trusts `roots` only.
fn trusting(roots: RootCertStore) -> Arc<rustls::ClientConfig> {
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

fn connect_tls(
    url: &str,
    addr: std::net::SocketAddr,
    config: Arc<rustls::ClientConfig>,
) -> Result<RawClient, String> {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    tungstenite::client_tls_with_config(url, stream, None, Some(Connector::Rustls(config)))
        .map(|(socket, _)| RawClient { socket })
        .map_err(|err| err.to_string())
}

/// A server with a self-signed certificate made in `dir`, and that certificate.
fn start_tls(dir: &std::path::Path) -> (RunningServer, rustls::pki_types::CertificateDer<'static>) {
    let (tls, cert) = self_signed(dir);
    let server = RunningServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        &dir.join("chat.sqlite3"),
        ServeOptions {
            tls: Some(tls),
            ..Default::default()
        },
    )
    .unwrap();
    (server, cert)
}

#[test]
fn a_server_with_a_certificate_speaks_wss() {
    let dir = tempfile::tempdir().unwrap();
    let (server, cert) = start_tls(dir.path());
    let port = server.addr().port();
    assert_eq!(server.ws_url(), format!("wss://127.0.0.1:{port}/ws"));

    let mut roots = RootCertStore::empty();
    roots.add(cert).unwrap();
    let url = format!("wss://localhost:{port}/ws");
    let mut client = connect_tls(&url, server.addr(), trusting(roots)).expect("wss connects");
    assert!(matches!(client.socket.get_ref(), MaybeTlsStream::Rustls(_)));
    client.send(&chinwag_testkit::hello("secure"));
    assert!(matches!(client.recv(), ServerFrame::Welcome { name, .. } if name == "secure"));

    // A client that does not trust the certificate is refused by its own TLS, and a plain ws://
    // client gets no WebSocket.
    let refused = connect_tls(&url, server.addr(), trusting(RootCertStore::empty()));
    assert!(refused.is_err_and(|err| err.contains("certificate")));
    assert!(tungstenite::connect(format!("ws://localhost:{port}/ws")).is_err());
}

#[test]
fn the_native_client_connects_to_wss_urls_and_checks_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start_tls(dir.path());
    // The app's own client (ewebsock) trusts the public webpki roots, not this self-signed
    // certificate: it gets as far as the certificate check and says so.
    let url = format!("wss://localhost:{}/ws", server.addr().port());
    let mut client = LiveClient::new(&url, "native");
    client.pump_until("the certificate check", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    let Phase::Disconnected { reason } = client.state().phase() else {
        unreachable!()
    };
    assert!(reason.contains("certificate"), "{reason}");
}

#[test]
fn unreadable_certificate_files_are_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = TlsConfig::load(&missing, &missing).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let err = TlsConfig::load(&empty, &empty).unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
}
