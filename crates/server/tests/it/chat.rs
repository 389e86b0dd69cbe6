//! The server over real sockets: chat, history, names and presence.

use chinwag_protocol::{ClientFrame, ErrorCode, HISTORY_ON_JOIN, ServerFrame};
use chinwag_server::ServeOptions;
use chinwag_testkit::{RawClient, StoreKind, TestServer, came, unlimited, went};

fn is_message(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::Message(_))
}

fn two_clients_exchange_messages(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, welcome) = RawClient::join(&server.url(), "bob", "lobby");
    let users = welcome.users;
    assert_eq!(users, ["alice", "bob"]);
    let ServerFrame::Presence { room, online, .. } = alice.recv_until(came("bob")) else {
        unreachable!()
    };
    assert_eq!((room.as_str(), online), ("lobby", 2));

    alice.post("a1", "lobby", "hello bob");
    let ServerFrame::Ack { id, seq, .. } = alice.recv() else {
        panic!("expected an ack")
    };
    assert_eq!((id.as_str(), seq), ("a1", 1));
    let ServerFrame::Message(at_alice) = alice.recv() else {
        panic!("expected the broadcast")
    };
    let ServerFrame::Message(at_bob) = bob.recv() else {
        panic!("expected the broadcast")
    };
    assert_eq!(at_alice, at_bob);
    assert_eq!(at_bob.from, "alice");
    assert_eq!(at_bob.text, "hello bob");
    assert_eq!(at_bob.seq, 1);

    bob.post("b1", "lobby", "hi alice");
    let ServerFrame::Message(reply) = alice.recv_until(is_message) else {
        unreachable!()
    };
    assert_eq!(
        (reply.from.as_str(), reply.text.as_str(), reply.seq),
        ("bob", "hi alice", 2)
    );

    drop(bob);
    assert_eq!(
        alice.recv_until(went("bob")),
        ServerFrame::Presence {
            room: "lobby".into(),
            joined: vec![],
            left: vec!["bob".into()],
            online: 1,
        }
    );
}

fn the_server_stamps_sender_and_time_itself(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    // Extra fields claiming another sender, time or sequence are ignored.
    alice.send_text(r#"{"type":"send","id":"x1","room":"lobby","text":"hi","from":"mallory","seq":99,"time":1}"#);
    let ServerFrame::Message(message) = alice.recv_until(is_message) else {
        unreachable!()
    };
    assert_eq!(message.from, "alice");
    assert_eq!(message.seq, 1);
    assert!(
        message.time > 1_600_000_000_000,
        "server time in ms, got {}",
        message.time
    );
}

fn a_late_joiner_gets_recent_history(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let total = HISTORY_ON_JOIN + 20;
    for n in 1..=total {
        alice.post(&format!("m{n}"), "lobby", &format!("message {n}"));
    }
    alice.recv_until(|f| matches!(f, ServerFrame::Message(m) if m.seq == total as u64));
    let (_carol, welcome) = RawClient::join(&server.url(), "carol", "lobby");
    let history = welcome.history;
    assert_eq!(history.len(), HISTORY_ON_JOIN);
    let seqs: Vec<u64> = history.iter().map(|m| m.seq).collect();
    let expected: Vec<u64> = ((total - HISTORY_ON_JOIN + 1) as u64..=total as u64).collect();
    assert_eq!(seqs, expected, "the most recent messages, oldest first");
    assert_eq!(history.last().unwrap().text, format!("message {total}"));
}

fn history_survives_a_restart(store: StoreKind) {
    let mut server = TestServer::start_on_store(store, ServeOptions::default());
    {
        let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
        alice.post("a1", "lobby", "before the restart");
        alice.recv_until(is_message);
    }
    server.restart();
    let (mut bob, welcome) = RawClient::join(&server.url(), "bob", "lobby");
    let history = welcome.history;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].text, "before the restart");
    assert_eq!(history[0].from, "alice");
    // Sequence numbers keep growing across restarts.
    bob.post("b1", "lobby", "after");
    let ServerFrame::Message(after) = bob.recv_until(is_message) else {
        unreachable!()
    };
    assert_eq!(after.seq, 2);
}

fn a_taken_name_is_refused_and_another_can_be_picked(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (_alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let mut second = RawClient::connect(&server.url());
    second.send(&chinwag_testkit::hello_with(
        "alice",
        "not-alices-token-at-all",
    ));
    assert!(matches!(
        second.recv(),
        ServerFrame::Error {
            code: ErrorCode::NameTaken,
            ..
        }
    ));
    // Same socket, another name.
    second.send(&chinwag_testkit::hello_with(
        "alice2",
        "not-alices-token-at-all",
    ));
    assert!(matches!(second.recv(), ServerFrame::Welcome { name, .. } if name == "alice2"));
}

fn invalid_names_and_rooms_are_refused(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let mut client = RawClient::connect(&server.url());
    for name in ["", " padded", "bell\u{7}", &"x".repeat(33)] {
        client.send(&chinwag_testkit::hello(name));
        let frame = client.recv();
        assert!(
            matches!(
                frame,
                ServerFrame::Error {
                    code: ErrorCode::InvalidName,
                    ..
                }
            ),
            "{name:?}: {frame:?}"
        );
    }
    client.send(&chinwag_testkit::hello_with("alice", "short"));
    assert!(matches!(
        client.recv(),
        ServerFrame::Error {
            code: ErrorCode::InvalidToken,
            ..
        }
    ));
    client.send(&chinwag_testkit::hello("alice"));
    chinwag_testkit::room_of(client.recv(), "lobby");
    for room in ["", " padded", &"r".repeat(33), "@1:2"] {
        client.send(&ClientFrame::Join {
            room: room.into(),
            create: true,
            last_seq: None,
        });
        let frame = client.recv();
        assert!(
            matches!(
                frame,
                ServerFrame::Error {
                    code: ErrorCode::InvalidRoom,
                    ..
                }
            ),
            "{room:?}: {frame:?}"
        );
    }
}

fn rooms_are_separate(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "rust");
    bob.post("b1", "rust", "only in rust");
    let ServerFrame::Message(message) = bob.recv_until(is_message) else {
        unreachable!()
    };
    assert_eq!((message.room.as_str(), message.seq), ("rust", 1));
    alice.post("a1", "lobby", "only in lobby");
    // Up to her own ack, nothing from #rust reached alice.
    let seen = alice.recv_until(|f| matches!(f, ServerFrame::Ack { .. } | ServerFrame::Message(_)));
    assert!(matches!(seen, ServerFrame::Ack { seq: 1, .. }), "{seen:?}");
    // Posting to a room you have not joined is refused.
    alice.post("a2", "rust", "sneaky");
    assert!(matches!(
        alice.recv_until(|f| matches!(f, ServerFrame::Error { .. })),
        ServerFrame::Error {
            code: ErrorCode::NotJoined,
            ..
        }
    ));
}

chinwag_testkit::on_both_stores!(
    two_clients_exchange_messages,
    the_server_stamps_sender_and_time_itself,
    a_late_joiner_gets_recent_history,
    history_survives_a_restart,
    a_taken_name_is_refused_and_another_can_be_picked,
    invalid_names_and_rooms_are_refused,
    rooms_are_separate,
);
