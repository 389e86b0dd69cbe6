//! The real client against the server's rate limits: it rides out a burst far over the message
//! limit, waiting as told, without losing, duplicating or reordering anything.

use chinwag_client::state::Phase;
use chinwag_protocol::{MAX_TEXT_BYTES, ServerFrame};
use chinwag_server::limits::{Rate, RateLimits};
use chinwag_testkit::{LiveClient, PATIENCE, RawClient, TestServer};

#[test]
fn the_real_client_rides_out_a_burst_far_over_the_limit_losing_and_repeating_nothing() {
    const BURST: u32 = 20;
    const MESSAGES: usize = 100;
    let server = TestServer::start_with_limits(RateLimits {
        messages: Rate::per_second(BURST, 50.0),
        ..RateLimits::unlimited()
    });
    let (mut watcher, _) = RawClient::join(&server.url(), "watcher", "lobby");
    // The watcher reads as the messages come (8 KiB each), in a thread of its own.
    let watching = std::thread::spawn(move || {
        let mut received = Vec::new();
        while received.len() < MESSAGES {
            if let ServerFrame::Message(message) = watcher.recv() {
                received.push((message.seq, message.text));
            }
        }
        received
    });
    let mut alice = LiveClient::new(&server.url(), "alice");
    alice.pump_until("the welcome", |state| state.phase() == &Phase::Joined);
    let text = |n: usize| format!("{n:03} {}", "y".repeat(MAX_TEXT_BYTES - 4));
    for n in 1..=MESSAGES {
        assert!(alice.state_mut().send(&text(n)));
    }
    // Pump until every message is acknowledged; the client must have been told to wait, and
    // must never have shown a message as refused.
    let mut waited = false;
    let give_up = std::time::Instant::now() + PATIENCE * 3;
    alice.pump();
    while !alice.state().pending().is_empty() {
        assert!(
            std::time::Instant::now() < give_up,
            "{} still pending",
            alice.state().pending().len()
        );
        waited |= alice.state().sending_paused_for().is_some();
        assert!(
            alice.state().pending().iter().all(|m| m.refused.is_none()),
            "a message shows as refused"
        );
        alice.wait_and_pump(PATIENCE);
    }
    assert!(waited, "the burst never hit the limit");
    let expected: Vec<String> = (1..=MESSAGES).map(text).collect();
    assert_eq!(alice.texts(), expected, "alice's view: once each, in order");
    // What the room received: every message once, in order, numbered without gaps.
    let numbered: Vec<(u64, String)> = (1..=MESSAGES as u64).zip(expected).collect();
    assert_eq!(watching.join().expect("the watcher"), numbered);
}
