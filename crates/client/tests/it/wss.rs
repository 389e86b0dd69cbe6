//! The real client over wss://: it checks the server's certificate against the public roots.

use chinwag_client::state::Phase;
use chinwag_testkit::LiveClient;
use chinwag_testkit::tls::start_tls;

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
