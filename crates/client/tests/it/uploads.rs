//! Files through the real client against a real server: a file goes up in chunks and its
//! message is posted exactly once, even when the server restarts in the middle of the upload;
//! what another member downloads is byte for byte what was sent.

use std::sync::mpsc;

use chinwag_client::download::Download;
use chinwag_client::state::ChatState;
use chinwag_protocol::attachments::MAX_CHUNK_BYTES;
use chinwag_testkit::{LiveClient, PATIENCE, RawClient, TestServer, token_of};

/// Three and a half chunks, every byte different from its neighbour.
fn file() -> Vec<u8> {
    (0..3 * MAX_CHUNK_BYTES + MAX_CHUNK_BYTES / 2)
        .map(|i| (i % 251) as u8)
        .collect()
}

fn sent(state: &ChatState) -> u64 {
    state
        .pending()
        .first()
        .and_then(|m| m.upload.as_ref())
        .map_or(0, |upload| upload.sent())
}

#[test]
fn a_file_interrupted_by_a_server_restart_is_posted_once_and_downloads_intact() {
    let mut server = TestServer::start();
    let mut alice = LiveClient::new(&server.url(), "alice");
    alice.pump_until("the welcome", |state| state.current().is_some());
    let bytes = file();
    assert!(
        alice
            .state_mut()
            .attach("data.bin", bytes.clone(), "the data", None)
    );
    alice.pump_until("the first chunk stored", |state| {
        sent(state) >= MAX_CHUNK_BYTES as u64
    });
    assert!(
        sent(alice.state()) < bytes.len() as u64,
        "the upload is not over yet"
    );
    let addr = server.stop();
    server.start_on(addr);
    alice.pump_until("the message acknowledged", |state| {
        state.pending().is_empty() && state.current().is_some_and(|room| room.last_seq() > 0)
    });
    assert!(alice.state_mut().send("after the file"));
    alice.pump_until("the second message acknowledged", |state| {
        state.pending().is_empty()
    });

    // bob sees the file's message once, then the next.
    let (_bob, room) = RawClient::join(&server.url(), "bob", "lobby");
    let with_file: Vec<_> = room
        .history
        .iter()
        .filter(|message| message.attachment.is_some())
        .collect();
    assert_eq!(with_file.len(), 1, "posted exactly once");
    let message = with_file[0];
    assert_eq!(message.text, "the data");
    let attachment = message.attachment.as_deref().unwrap();
    assert_eq!(
        (attachment.name.as_str(), attachment.size, attachment.image),
        ("data.bin", bytes.len() as u64, None)
    );
    assert_eq!(
        room.history.last().map(|m| m.text.as_str()),
        Some("after the file")
    );

    let (woke, woken) = mpsc::channel();
    let download = Download::start(
        &server.url(),
        &token_of("bob"),
        "lobby",
        &attachment.hash,
        false,
        move || {
            let _ = woke.send(());
        },
    );
    woken.recv_timeout(PATIENCE).expect("the download answered");
    let downloaded = download
        .try_take()
        .ok()
        .expect("ready")
        .expect("downloaded");
    assert!(downloaded == bytes, "the same bytes");
}
