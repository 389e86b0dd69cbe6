//! The server against bad, oversized, hostile and slow peers: errors and close codes, never a
//! panic, and nothing already stored is lost.

use chinwag_protocol::{
    ClientFrame, ErrorCode, MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES, MAX_TEXT_BYTES, ServerFrame,
    close_code,
};
use chinwag_server::ServeOptions;
use chinwag_testkit::{RawClient, StoreKind, TestServer, came, unlimited, went};
use tungstenite::Message;

fn error_code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

/// After abuse, the server must still serve and still have the history.
fn assert_still_serving(server: &TestServer, expected_history: usize) {
    let (_probe, welcome) = RawClient::join(&server.url(), "probe", "lobby");
    let history = welcome.history;
    assert_eq!(history.len(), expected_history);
}

fn malformed_and_unknown_frames_get_error_frames_and_the_socket_stays_open(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.post("a1", "lobby", "kept");
    alice.recv_until(|f| matches!(f, ServerFrame::Message(_)));
    alice.send_text("{this is not json");
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::Malformed));
    alice.send_text(r#"{"type":"launch_missiles"}"#);
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::UnknownType));
    alice.send_text(r#"{"type":"send","id":"a2"}"#);
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::Malformed));
    alice.send_text("[]");
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::Malformed));
    alice.post("a3", "lobby", "   ");
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::EmptyMessage));
    alice.post("a4", "lobby", &"x".repeat(MAX_TEXT_BYTES + 1));
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::TooLarge));
    alice.post(&"i".repeat(100), "lobby", "long id");
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::TooLarge));
    alice.send(&chinwag_testkit::hello("again"));
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::AlreadyJoined));
    // Still usable.
    alice.post("a5", "lobby", "still here");
    assert!(matches!(alice.recv(), ServerFrame::Ack { seq: 2, .. }));
    assert_still_serving(&server, 2);
}

fn sending_before_hello_is_refused(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let mut client = RawClient::connect(&server.url());
    client.post("x", "lobby", "who am I?");
    assert_eq!(error_code(&client.recv()), Some(ErrorCode::NotJoined));
    assert_still_serving(&server, 0);
}

fn an_oversized_frame_is_closed_with_1009(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.post("a1", "lobby", "kept");
    alice.recv_until(|f| matches!(f, ServerFrame::Message(_)));
    alice.send_text(&"y".repeat(MAX_FRAME_BYTES + 1));
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::TooLarge));
    assert_eq!(alice.recv_close(), Some(close_code::TOO_BIG));
    assert_still_serving(&server, 1);
}

fn a_binary_frame_is_closed_with_1003(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.socket.send(Message::Binary(vec![0, 1, 2])).unwrap();
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::UnsupportedData));
    assert_eq!(alice.recv_close(), Some(close_code::UNSUPPORTED_DATA));
    assert_still_serving(&server, 0);
}

fn a_wrong_protocol_version_is_closed_with_1008(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let mut client = RawClient::connect(&server.url());
    client.send(&ClientFrame::Hello {
        version: 999,
        name: "future".into(),
        token: chinwag_testkit::token_of("future"),
        since: vec![],
    });
    assert_eq!(
        error_code(&client.recv()),
        Some(ErrorCode::UnsupportedVersion)
    );
    assert_eq!(client.recv_close(), Some(close_code::POLICY));
}

fn a_client_that_never_reads_is_dropped_while_others_keep_receiving(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (_sloth, _) = RawClient::join(&server.url(), "sloth", "lobby");
    alice.recv_until(came("sloth"));
    bob.recv_until(came("sloth"));

    let big = "z".repeat(MAX_TEXT_BYTES);
    const BURST: u64 = 100;
    let mut sent = 0u64;
    let mut bob_seen = 0u64;
    let mut sloth_left = false;
    while !sloth_left {
        assert!(sent < 20_000, "the non-reading client was never dropped");
        for _ in 0..BURST {
            sent += 1;
            alice.post(&format!("m{sent}"), "lobby", &big);
        }
        // Alice reads everything, so she is never the slow one.
        loop {
            match alice.recv() {
                frame if went("sloth")(&frame) => sloth_left = true,
                ServerFrame::Message(m) if m.seq == sent => break,
                _ => {}
            }
        }
        // Bob keeps receiving every message, in order.
        while bob_seen < sent {
            if let ServerFrame::Message(at_bob) = bob.recv() {
                bob_seen += 1;
                assert_eq!(at_bob.seq, bob_seen);
            }
        }
    }
    assert!(
        sent > 10,
        "the slow client went only after its queue filled (after {sent})"
    );
}

fn shutdown_closes_connections_with_1001_and_keeps_history(store: StoreKind) {
    let mut server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.post("a1", "lobby", "stored before shutdown");
    alice.recv_until(|f| matches!(f, ServerFrame::Message(_)));
    let running = server.server.take().unwrap();
    let stopper = std::thread::spawn(move || running.stop());
    assert_eq!(alice.recv_close(), Some(close_code::GOING_AWAY));
    stopper.join().unwrap().expect("clean stop");
    server.server = Some(
        chinwag_server::RunningServer::start("127.0.0.1:0".parse().unwrap(), &server.db).unwrap(),
    );
    assert_still_serving(&server, 1);
}

#[test]
fn a_client_that_goes_silent_is_dropped_by_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let heartbeat = chinwag_server::socket_task::Heartbeat {
        ping_interval: std::time::Duration::from_millis(100),
        idle_timeout: std::time::Duration::from_millis(500),
    };
    let server = chinwag_server::RunningServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("chat.sqlite3"),
        chinwag_server::ServeOptions {
            heartbeat,
            ..Default::default()
        },
    )
    .unwrap();
    let (mut watcher, _) = RawClient::join(&server.ws_url(), "watcher", "lobby");
    // Joins, then never reads again: it never answers the server's pings (as a peer behind a dead
    // network would not), while the watcher keeps reading and so keeps answering.
    let (_silent, _) = RawClient::join(&server.ws_url(), "silent", "lobby");
    watcher.recv_until(went("silent"));
}

fn an_error_about_a_frame_stays_within_the_server_frame_limit(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let mut client = RawClient::connect(&server.url());
    // DEL is valid raw in a JSON string (one byte) but serde's error quotes it as `\u{7f}`, which
    // JSON writes in seven: echoed whole, the error frame would be seven times this frame.
    let field = "\u{7f}".repeat(MAX_FRAME_BYTES - 100);
    client.send_text(&format!(r#"{{"type":"hello","version":"{field}"}}"#));
    // The server's first heartbeat ping may come before the answer.
    let answer = loop {
        match client.socket.read() {
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            other => break other,
        }
    };
    let Ok(Message::Text(text)) = answer else {
        panic!("expected an error frame, got {answer:?}");
    };
    assert!(text.len() <= MAX_SERVER_FRAME_BYTES, "{} bytes", text.len());
    let frame: ServerFrame = serde_json::from_str(&text).unwrap();
    assert_eq!(error_code(&frame), Some(ErrorCode::Malformed));
    client.send(&chinwag_testkit::hello("after"));
    assert!(matches!(client.recv(), ServerFrame::Welcome { .. }));
}

fn a_client_that_asks_for_replays_faster_than_it_reads_is_dropped(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    // Control characters are allowed in a text and JSON writes each in six bytes: every message
    // here is 48 KiB in a frame, and a replay of all 200 is about 10 MB.
    const MESSAGES: u64 = 200;
    let big = "\u{1}".repeat(MAX_TEXT_BYTES);
    // Ten at a time: the sender reads its echoes before its socket fills both ways.
    for n in 1..=MESSAGES {
        alice.post(&format!("m{n}"), "lobby", &big);
        if n % 10 == 0 {
            alice.recv_until(|f| matches!(f, ServerFrame::Message(m) if m.seq == n));
        }
    }

    // Joins asking for the whole replay, all at once, from a client that reads none of it: each
    // frame is small, so the queue's count of items never fills, but every answer is ~10 MB.
    const JOINS: usize = 8;
    let mut greedy = RawClient::connect(&server.url());
    greedy.send(&chinwag_testkit::hello("greedy"));
    let join = serde_json::to_string(&ClientFrame::Join {
        room: "lobby".into(),
        create: false,
        last_seq: Some(0),
    })
    .unwrap();
    for _ in 0..JOINS {
        greedy
            .socket
            .write(Message::Text(join.as_str().into()))
            .unwrap();
    }
    greedy.socket.flush().unwrap();
    // Dropped as too slow while it still reads nothing: its room hears it leave.
    alice.recv_until(went("greedy"));
    let mut rooms = 0;
    loop {
        match greedy.socket.read() {
            Ok(Message::Text(text)) => match serde_json::from_str(&text).unwrap() {
                ServerFrame::Room(_) => {
                    rooms += 1;
                    assert!(rooms < JOINS, "all {JOINS} replays were queued for it");
                }
                ServerFrame::Error { code, .. } => {
                    assert_eq!(code, ErrorCode::TooSlow);
                    break;
                }
                _ => {}
            },
            Ok(Message::Close(_)) => panic!("closed without too_slow"),
            Ok(_) => {}
            Err(err) => panic!("dropped without too_slow: {err}"),
        }
    }
    assert_eq!(greedy.recv_close(), Some(close_code::POLICY));
    // Others are not affected.
    alice.post("after", "lobby", "still here");
    assert!(matches!(
        alice.recv_until(|f| matches!(f, ServerFrame::Ack { .. })),
        ServerFrame::Ack { seq, .. } if seq == MESSAGES + 1
    ));
}

chinwag_testkit::on_both_stores!(
    malformed_and_unknown_frames_get_error_frames_and_the_socket_stays_open,
    sending_before_hello_is_refused,
    an_oversized_frame_is_closed_with_1009,
    a_binary_frame_is_closed_with_1003,
    a_wrong_protocol_version_is_closed_with_1008,
    a_client_that_never_reads_is_dropped_while_others_keep_receiving,
    shutdown_closes_connections_with_1001_and_keeps_history,
    an_error_about_a_frame_stays_within_the_server_frame_limit,
    a_client_that_asks_for_replays_faster_than_it_reads_is_dropped,
);
