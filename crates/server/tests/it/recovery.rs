//! Recovery rules on the server side: idempotent retries, replay of exactly what was missed,
//! name takeover by the same client.

use chinwag_protocol::{
    ClientFrame, ErrorCode, MAX_REPLAY, PROTOCOL_VERSION, RoomCursor, ServerFrame, close_code,
};
use chinwag_server::ServeOptions;
use chinwag_testkit::{RawClient, StoreKind, TestServer, came, unlimited};

/// A hello for `name` with `token` (its test token if none), reconnecting to the lobby after
/// `last_seq` if given.
fn hello(name: &str, token: Option<&str>, last_seq: Option<u64>) -> ClientFrame {
    ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: name.into(),
        token: token.map_or_else(|| chinwag_testkit::token_of(name), Into::into),
        since: last_seq
            .map(|last_seq| RoomCursor {
                room: "lobby".into(),
                last_seq,
            })
            .into_iter()
            .collect(),
    }
}

/// The lobby's history (sequence numbers) and skipped count in the answer to `frame`.
fn welcome_of(client: &mut RawClient, frame: &ClientFrame) -> (Vec<u64>, u64) {
    client.send(frame);
    let lobby = chinwag_testkit::room_of(client.recv(), "lobby");
    (lobby.history.iter().map(|m| m.seq).collect(), lobby.skipped)
}

fn a_retried_message_is_stored_and_broadcast_once(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    alice.recv_until(came("bob"));
    alice.post("same-id", "lobby", "once");
    let first = alice.recv_until(|f| matches!(f, ServerFrame::Ack { .. }));
    // The retry (same id) gets the same ack and no new broadcast; then a new message goes on.
    alice.post("same-id", "lobby", "once");
    assert_eq!(
        alice.recv_until(|f| matches!(f, ServerFrame::Ack { .. })),
        first
    );
    alice.post("next-id", "lobby", "twice");
    let ServerFrame::Message(m1) = bob.recv_until(|f| matches!(f, ServerFrame::Message(_))) else {
        unreachable!()
    };
    let ServerFrame::Message(m2) = bob.recv_until(|f| matches!(f, ServerFrame::Message(_))) else {
        unreachable!()
    };
    assert_eq!((m1.seq, m1.text.as_str()), (1, "once"));
    assert_eq!(
        (m2.seq, m2.text.as_str()),
        (2, "twice"),
        "the retry was not broadcast again"
    );
    // Even across reconnects and in the same batch.
    drop(alice);
    let mut again = RawClient::connect(&server.url());
    welcome_of(&mut again, &hello("alice", None, Some(2)));
    again.post("same-id", "lobby", "once");
    again.post("same-id", "lobby", "once");
    assert!(matches!(again.recv(), ServerFrame::Ack { seq: 1, .. }));
    assert!(matches!(again.recv(), ServerFrame::Ack { seq: 1, .. }));
}

fn a_client_that_missed_n_messages_gets_exactly_those_n(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    for n in 1..=10 {
        alice.post(&format!("m{n}"), "lobby", &format!("message {n}"));
    }
    alice.recv_until(|f| matches!(f, ServerFrame::Ack { seq: 10, .. }));
    let mut bob = RawClient::connect(&server.url());
    assert_eq!(
        welcome_of(&mut bob, &hello("bob", None, Some(7))),
        (vec![8, 9, 10], 0)
    );
    let mut carol = RawClient::connect(&server.url());
    assert_eq!(
        welcome_of(&mut carol, &hello("carol", None, Some(10))),
        (vec![], 0)
    );
}

fn more_missed_than_the_replay_limit_says_how_many_were_left_out(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let total = MAX_REPLAY as u64 + 25;
    for n in 1..=total {
        alice.post(&format!("m{n}"), "lobby", "x");
    }
    alice.recv_until(|f| matches!(f, ServerFrame::Ack { seq, .. } if *seq == total));
    let mut bob = RawClient::connect(&server.url());
    let (seqs, skipped) = welcome_of(&mut bob, &hello("bob", None, Some(5)));
    assert_eq!(seqs.len(), MAX_REPLAY);
    assert_eq!(seqs.first(), Some(&26));
    assert_eq!(seqs.last(), Some(&total));
    assert_eq!(skipped, 20, "messages 6 to 25 were not replayed");
}

fn the_same_client_takes_its_name_back_and_nobody_else_can(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut watcher, _) = RawClient::join(&server.url(), "watcher", "lobby");
    let mut old = RawClient::connect(&server.url());
    welcome_of(&mut old, &hello("alice", Some("alice-secret-token"), None));
    watcher.recv_until(came("alice"));

    let mut impostor = RawClient::connect(&server.url());
    impostor.send(&hello("alice", Some("a-wrong-guess-token"), None));
    assert!(matches!(
        impostor.recv(),
        ServerFrame::Error {
            code: ErrorCode::NameTaken,
            ..
        }
    ));
    impostor.send(&hello("alice", Some("another-wrong-token"), None));
    assert!(matches!(
        impostor.recv(),
        ServerFrame::Error {
            code: ErrorCode::NameTaken,
            ..
        }
    ));

    // A reconnect with the right token replaces the old connection (which the server may still
    // think is alive after a network drop).
    let mut new = RawClient::connect(&server.url());
    welcome_of(&mut new, &hello("alice", Some("alice-secret-token"), None));
    assert!(matches!(
        old.recv(),
        ServerFrame::Error {
            code: ErrorCode::Replaced,
            ..
        }
    ));
    assert_eq!(old.recv_close(), Some(close_code::POLICY));
    // The room saw no leave/join flicker: the next thing the watcher sees is alice's message.
    new.post("n1", "lobby", "still me");
    assert!(matches!(watcher.recv(), ServerFrame::Message(m) if m.from == "alice"));
}

fn a_cursor_from_another_history_gets_the_recent_history(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    for n in 1..=3 {
        alice.post(&format!("m{n}"), "lobby", "here");
    }
    alice.recv_until(|f| matches!(f, ServerFrame::Ack { seq: 3, .. }));
    // Bob's client remembers seq 999 from a database this server no longer has.
    let mut bob = RawClient::connect(&server.url());
    assert_eq!(
        welcome_of(&mut bob, &hello("bob", None, Some(999))),
        (vec![1, 2, 3], 0)
    );
}

chinwag_testkit::on_both_stores!(
    a_retried_message_is_stored_and_broadcast_once,
    a_client_that_missed_n_messages_gets_exactly_those_n,
    more_missed_than_the_replay_limit_says_how_many_were_left_out,
    the_same_client_takes_its_name_back_and_nobody_else_can,
    a_cursor_from_another_history_gets_the_recent_history,
);
