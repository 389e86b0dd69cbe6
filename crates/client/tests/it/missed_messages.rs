//! The real client recovers what it missed while away: 1,000 large messages, replayed in frames
//! within the server's limit, without a gap or a duplicate.

use chinwag_client::state::{Entry, Phase};
use chinwag_testkit::bulk::thousand_missed;
use chinwag_testkit::{LiveClient, TestServer};

#[test]
fn the_real_client_recovers_1000_missed_messages_without_gap_or_duplicate() {
    let server = TestServer::start_unlimited();
    let url = server.url();
    let mut bob = LiveClient::new(&url, "bob");
    let _alice = thousand_missed(&url, || {
        bob.pump_until("the first message", |state| {
            chinwag_testkit::lobby_messages(state).len() == 1
        });
        bob.disconnect();
    });
    bob.reconnect_now();
    bob.pump_until("the whole replay", |state| {
        state.phase() == &Phase::Joined && chinwag_testkit::lobby_messages(state).len() >= 1001
    });
    let timeline = bob.state().room("lobby").expect("in the lobby").timeline();
    assert!(
        !timeline
            .iter()
            .any(|entry| matches!(entry, Entry::Gap { .. }))
    );
    let received: Vec<u64> = chinwag_testkit::lobby_messages(bob.state())
        .iter()
        .map(|message| message.seq)
        .collect();
    assert_eq!(received, (1..=1001).collect::<Vec<_>>());
}
