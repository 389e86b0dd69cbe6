//! `ChatClient` paging older history over HTTP from a real server: a jump target further back
//! than a page is reached in one request, then the rest comes page by page.

use chinwag_client::state::Phase;
use chinwag_protocol::ServerFrame;
use chinwag_testkit::{LiveClient, RawClient, TestServer};

/// The oldest loaded message of the lobby.
fn oldest(client: &LiveClient) -> Option<u64> {
    client
        .state()
        .room("lobby")
        .and_then(|room| room.oldest_seq())
}

#[test]
fn older_history_reaches_a_jump_target_in_one_page_then_comes_page_by_page() {
    let server = TestServer::start_unlimited();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for n in 1..=250 {
        bob.post(&format!("b{n}"), "lobby", &format!("old message {n}"));
    }
    bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { seq: 250, .. }));
    let mut alice = LiveClient::new(&server.url(), "alice");
    alice.pump_until("the welcome", |state| state.phase() == &Phase::Joined);
    assert_eq!(
        oldest(&alice),
        Some(151),
        "the welcome brings the newest 100"
    );

    // Message 120 is 31 behind: one page of 31 + 20 reaches it (100 to 150).
    alice.load_back_to(120);
    assert!(alice.loading_older());
    alice.pump_until("the page to the target", |state| {
        state.room("lobby").and_then(|room| room.oldest_seq()) != Some(151)
    });
    assert_eq!(oldest(&alice), Some(100));
    alice.load_back_to(120);
    assert!(
        !alice.loading_older(),
        "the target is loaded: nothing asked"
    );

    // The rest (1 to 99) is less than a page.
    alice.load_older(None);
    alice.pump_until("the last page", |state| {
        state.room("lobby").is_some_and(|room| !room.has_older)
    });
    assert_eq!(oldest(&alice), Some(1));
    assert_eq!(
        chinwag_testkit::texts(alice.state()).len(),
        250,
        "each once"
    );
    assert!(alice.paging_error().is_none());
}
