//! The real client code (`Link` + ewebsock `Connection` driving a `ChatState`) against the real
//! server: sending, receiving, queueing while offline, reconnecting and recovering.

use chinwag_client::state::Phase;
use chinwag_protocol::ServerFrame;
use chinwag_testkit::{LiveClient, RawClient, TestServer};

#[test]
fn the_real_client_joins_sends_and_receives() {
    let server = TestServer::start();
    let mut client = LiveClient::new(&server.url(), "alice");
    client.pump_until("the welcome", |state| state.phase() == &Phase::Joined);

    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    client.pump_until("bob in the user list", |state| {
        state.current().is_some_and(|room| room.users.len() == 2)
    });

    assert!(client.state_mut().send("hello from ewebsock"));
    assert_eq!(
        client.state().pending().len(),
        1,
        "shown as pending at once"
    );
    client.pump_until("the ack", |state| state.pending().is_empty());
    let ServerFrame::Message(at_bob) = bob.recv_until(|f| matches!(f, ServerFrame::Message(_)))
    else {
        unreachable!()
    };
    assert_eq!(
        (at_bob.from.as_str(), at_bob.text.as_str()),
        ("alice", "hello from ewebsock")
    );

    bob.post("b1", "lobby", "hello from bob");
    client.pump_until("bob's message", |state| {
        chinwag_testkit::texts(state).len() == 2
    });
    assert_eq!(client.texts(), ["hello from ewebsock", "hello from bob"]);
}

#[test]
fn a_failed_connect_is_reported_retried_and_nothing_typed_is_lost() {
    // Nobody listens on this port: bind to learn a free one, then close it.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut client = LiveClient::new(&format!("ws://{free}/ws"), "alice");
    assert!(client.state_mut().send("typed while offline"));
    client.pump_until("the connect failure", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    assert!(
        client.reconnect_in(client.now()).is_some(),
        "a reconnect is scheduled"
    );
    assert_eq!(client.state().pending().len(), 1);
    assert_eq!(client.state().pending()[0].text, "typed while offline");
    // The backoff runs out and it tries again by itself.
    client.pump_until("the second attempt", |state| {
        state.phase() == &Phase::Connecting
    });
}

#[test]
fn after_a_server_restart_the_client_reconnects_delivers_its_queue_and_recovers_what_it_missed() {
    let mut server = TestServer::start();
    let mut client = LiveClient::new(&server.url(), "alice");
    client.pump_until("the welcome", |state| state.phase() == &Phase::Joined);
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b1", "lobby", "before");
    client.pump_until("bob's first message", |state| {
        chinwag_testkit::texts(state).len() == 1
    });

    server.restart_on_same_port();
    client.pump_until("the disconnect", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    assert!(client.state_mut().send("sent while the server was down"));
    // Bob posts while alice is away; she must get exactly these on reconnect.
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for n in 1..=5 {
        bob.post(&format!("m{n}"), "lobby", &format!("missed {n}"));
    }
    bob.recv_until(|f| matches!(f, ServerFrame::Ack { id, .. } if id == "m5"));

    client.pump_until("rejoining and delivery", |state| {
        state.phase() == &Phase::Joined && state.pending().is_empty()
    });
    client.pump_until("everything", |state| {
        chinwag_testkit::texts(state).len() == 7
    });
    assert_eq!(
        client.texts(),
        [
            "before",
            "missed 1",
            "missed 2",
            "missed 3",
            "missed 4",
            "missed 5",
            "sent while the server was down"
        ]
    );
    let seqs: Vec<u64> = chinwag_testkit::lobby_messages(client.state())
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<u64>>(), "no gap, no duplicate");
}

#[test]
fn a_connection_refused_over_a_cap_is_shown_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let server = chinwag_server::RunningServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("chat.sqlite3"),
        chinwag_server::ServeOptions {
            connections: chinwag_server::connections::ConnectionLimits {
                max_per_address: 1,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    let (_first, _) = RawClient::join(&server.ws_url(), "first", "lobby");
    let mut client = LiveClient::new(&server.ws_url(), "second");
    client.pump_until("the refusal", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    let Phase::Disconnected { reason } = client.state().phase() else {
        unreachable!()
    };
    assert!(
        reason.contains("the server refused the connection: it holds too many connections"),
        "{reason}"
    );
}
