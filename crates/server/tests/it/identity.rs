//! Identities over real sockets: a name bound to the token that first claimed it, token rules,
//! renames (by `rename` or by a hello with another name) and memberships that outlive
//! connections and restarts.

use chinwag_protocol::{
    ClientFrame, ErrorCode, MAX_TOKEN_BYTES, RoomKind, ServerFrame, close_code,
};
use chinwag_server::ServeOptions;
use chinwag_testkit::{
    RawClient, StoreKind, TestServer, came, error_code, room_of, token_of, went,
};

fn rename(name: &str) -> ClientFrame {
    ClientFrame::Rename { name: name.into() }
}

fn welcome_name(frame: &ServerFrame) -> &str {
    match frame {
        ServerFrame::Welcome { name, .. } => name,
        other => panic!("expected a welcome, got {other:?}"),
    }
}

fn welcome_rooms(frame: &ServerFrame) -> Vec<(String, RoomKind, Option<String>)> {
    match frame {
        ServerFrame::Welcome { rooms, .. } => rooms
            .iter()
            .map(|room| (room.room.clone(), room.kind, room.peer.clone()))
            .collect(),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

fn renamed(room: &str, from: &str, to: &str) -> ServerFrame {
    ServerFrame::Renamed {
        room: room.into(),
        from: from.into(),
        to: to.into(),
    }
}

fn is_renamed(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::Renamed { .. })
}

/// Opens the direct conversation with `peer`; returns its room key.
fn open_dm(client: &mut RawClient, peer: &str) -> String {
    client.send(&ClientFrame::OpenDm { peer: peer.into() });
    match client.recv_until(|frame| matches!(frame, ServerFrame::Room(_))) {
        ServerFrame::Room(state) => state.room,
        _ => unreachable!(),
    }
}

fn a_name_stays_bound_to_its_first_token_and_the_owner_gets_everything_back(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "den");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let dm = open_dm(&mut alice, "bob");
    alice.post("d1", &dm, "a secret for bob");
    alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    drop(alice);
    // Bob sees alice go offline: the hub has forgotten her connection.
    bob.recv_until(|frame| {
        matches!(frame, ServerFrame::Presence { left, room, .. } if left == &["alice"] && room == "lobby")
    });

    // Another token cannot have the name, even with its owner offline; the socket stays open
    // for another try.
    let (mut mallory, answer) =
        RawClient::hello_as(&server.url(), "alice", "mallory-token-0123456789");
    assert_eq!(error_code(&answer), Some(ErrorCode::NameTaken));
    mallory.send(&chinwag_testkit::hello_with(
        "mallory",
        "mallory-token-0123456789",
    ));
    assert_eq!(welcome_name(&mallory.recv()), "mallory");

    // The right token gets the name back, with its rooms and its direct messages.
    let (_alice, welcome) = RawClient::hello_as(&server.url(), "alice", &token_of("alice"));
    assert_eq!(welcome_name(&welcome), "alice");
    assert_eq!(
        welcome_rooms(&welcome),
        [
            (dm.clone(), RoomKind::Direct, Some("bob".to_owned())),
            ("den".to_owned(), RoomKind::Public, None),
            ("lobby".to_owned(), RoomKind::Public, None),
        ]
    );
    let direct = room_of(welcome, &dm);
    assert_eq!(
        direct
            .history
            .iter()
            .map(|m| (m.from.as_str(), m.text.as_str()))
            .collect::<Vec<_>>(),
        [("alice", "a secret for bob")]
    );
}

fn tokens_must_be_16_to_128_bytes(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let mut client = RawClient::connect(&server.url());
    let too_short = "0123456789abcde";
    assert_eq!(too_short.len(), 15);
    client.send(&chinwag_testkit::hello_with("alice", too_short));
    assert_eq!(error_code(&client.recv()), Some(ErrorCode::InvalidToken));
    client.send(&chinwag_testkit::hello_with("alice", ""));
    assert_eq!(error_code(&client.recv()), Some(ErrorCode::InvalidToken));
    let too_long = "x".repeat(MAX_TOKEN_BYTES + 1);
    client.send(&chinwag_testkit::hello_with("alice", &too_long));
    assert_eq!(error_code(&client.recv()), Some(ErrorCode::InvalidToken));

    // Refused tokens claimed nothing: a 16-byte token gets the name on the same socket.
    client.send(&chinwag_testkit::hello_with("alice", "0123456789abcdef"));
    assert_eq!(welcome_name(&client.recv()), "alice");
    let (_, answer) = RawClient::hello_as(&server.url(), "alice", too_short);
    assert_eq!(error_code(&answer), Some(ErrorCode::InvalidToken));
}

fn a_rename_is_announced_to_every_room_and_presence_follows(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "den");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (mut carol, _) = RawClient::join(&server.url(), "carol", "den");
    carol.send(&ClientFrame::Leave {
        room: "lobby".into(),
    });
    carol.recv_until(|frame| matches!(frame, ServerFrame::Parted { .. }));

    alice.send(&rename("alicia"));
    // Alice hears it in both her rooms; bob only in the lobby, carol only in the den.
    let mut heard = vec![alice.recv_until(is_renamed), alice.recv_until(is_renamed)];
    heard.sort_by_key(|frame| format!("{frame:?}"));
    assert_eq!(
        heard,
        [
            renamed("den", "alice", "alicia"),
            renamed("lobby", "alice", "alicia")
        ]
    );
    assert_eq!(
        bob.recv_until(is_renamed),
        renamed("lobby", "alice", "alicia")
    );
    assert_eq!(
        carol.recv_until(is_renamed),
        renamed("den", "alice", "alicia")
    );
    assert!(!bob.sync("lobby").iter().any(is_renamed));
    assert!(!carol.sync("den").iter().any(is_renamed));

    // Her messages carry the new name.
    alice.post("a1", "den", "new name, same me");
    let ServerFrame::Message(message) =
        carol.recv_until(|frame| matches!(frame, ServerFrame::Message(_)))
    else {
        unreachable!()
    };
    assert_eq!(message.from, "alicia");

    // Presence lists the new name (the old one stays kept for her: see names.rs).
    let (_newcomer, welcome) =
        RawClient::hello_as(&server.url(), "newcomer", "someone-elses-token-0123");
    assert_eq!(
        room_of(welcome, "lobby").users,
        ["alicia", "bob", "newcomer"]
    );
}

fn a_rename_to_a_taken_or_invalid_name_is_refused_and_changes_nothing(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    // Carol's name stays hers while she is offline.
    let (carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    drop(carol);
    alice.recv_until(went("carol"));

    for (name, code) in [
        ("bob", ErrorCode::NameTaken),
        ("carol", ErrorCode::NameTaken),
        ("", ErrorCode::InvalidName),
        (" alice", ErrorCode::InvalidName),
        ("new\nline", ErrorCode::InvalidName),
        (&"x".repeat(33), ErrorCode::InvalidName),
    ] {
        alice.send(&rename(name));
        assert_eq!(alice.recv_error(), code, "renaming to {name:?}");
    }
    // Nobody heard of a rename, and alice still posts as alice.
    assert!(!alice.sync("lobby").iter().any(is_renamed));
    assert!(!bob.sync("lobby").iter().any(is_renamed));
    alice.post("a1", "lobby", "still me");
    let ServerFrame::Message(message) =
        bob.recv_until(|frame| matches!(frame, ServerFrame::Message(_)))
    else {
        unreachable!()
    };
    assert_eq!(message.from, "alice");

    // A rename before hello is refused too.
    let mut stranger = RawClient::connect(&server.url());
    stranger.send(&rename("stranger"));
    assert_eq!(stranger.recv_error(), ErrorCode::NotJoined);
}

fn a_hello_with_the_same_token_and_another_name_renames(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    drop(alice);
    bob.recv_until(went("alice"));

    // The token's own name can't be swapped for one bound to another token, nor an invalid one.
    let (mut alice, answer) = RawClient::hello_as(&server.url(), "bob", &token_of("alice"));
    assert_eq!(error_code(&answer), Some(ErrorCode::NameTaken));
    alice.send(&chinwag_testkit::hello_with(" alice", &token_of("alice")));
    assert_eq!(error_code(&alice.recv()), Some(ErrorCode::InvalidName));
    assert!(!bob.sync("lobby").iter().any(is_renamed));
    alice.send(&chinwag_testkit::hello_with("alicia", &token_of("alice")));
    let welcome = alice.recv();
    assert_eq!(welcome_name(&welcome), "alicia");
    assert_eq!(room_of(welcome, "lobby").users, ["alicia", "bob"]);
    assert_eq!(
        bob.recv_until(is_renamed),
        renamed("lobby", "alice", "alicia")
    );
    bob.recv_until(came("alicia"));

    // A takeover with another name: the old connection is replaced, the room hears the rename.
    let (_again, welcome) = RawClient::hello_as(&server.url(), "ally", &token_of("alice"));
    assert_eq!(welcome_name(&welcome), "ally");
    assert_eq!(room_of(welcome, "lobby").users, ["ally", "bob"]);
    assert_eq!(alice.recv_error(), ErrorCode::Replaced);
    assert_eq!(alice.recv_close(), Some(close_code::POLICY));
    assert_eq!(
        bob.recv_until(is_renamed),
        renamed("lobby", "alicia", "ally")
    );
    // A takeover is no departure: up to the presence frame that tells of a later arrival,
    // nobody went.
    let (_carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    let seen = bob.recv_all_until(came("carol"));
    assert!(
        !seen
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Presence { left, .. } if !left.is_empty())),
        "{seen:?}"
    );

    // Both earlier names stay kept for their owner.
    for name in ["alice", "alicia"] {
        let (_, answer) = RawClient::hello_as(&server.url(), name, &token_of(&format!("{name}2")));
        assert_eq!(error_code(&answer), Some(ErrorCode::NameTaken), "{name}");
    }
}

fn memberships_outlive_a_restart(store: StoreKind) {
    let mut server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "den");
    let (bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let dm = open_dm(&mut alice, "bob");
    alice.send(&ClientFrame::Leave {
        room: "lobby".into(),
    });
    alice.recv_until(|frame| matches!(frame, ServerFrame::Parted { .. }));
    drop(alice);
    drop(bob);
    server.restart();

    let (_alice, welcome) = RawClient::hello_as(&server.url(), "alice", &token_of("alice"));
    assert_eq!(
        welcome_rooms(&welcome),
        [
            (dm.clone(), RoomKind::Direct, Some("bob".to_owned())),
            ("den".to_owned(), RoomKind::Public, None),
        ],
        "the lobby was left; the den and the direct messages remain"
    );
    let (_bob, welcome) = RawClient::hello_as(&server.url(), "bob", &token_of("bob"));
    assert_eq!(
        welcome_rooms(&welcome),
        [
            (dm, RoomKind::Direct, Some("alice".to_owned())),
            ("lobby".to_owned(), RoomKind::Public, None),
        ]
    );
}

fn a_name_differing_only_in_ascii_case_is_taken(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (_, refusal) = RawClient::hello_as(&server.url(), "ALICE", &token_of("mallory"));
    assert_eq!(error_code(&refusal), Some(ErrorCode::NameTaken));
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.send(&rename("Alice"));
    assert_eq!(bob.recv_error(), ErrorCode::NameTaken);
    // The owner may change the case of their own name.
    alice.send(&rename("Alice"));
    assert!(matches!(
        alice.recv_until(is_renamed),
        ServerFrame::Renamed { to, .. } if to == "Alice"
    ));
}

chinwag_testkit::on_both_stores!(
    a_name_stays_bound_to_its_first_token_and_the_owner_gets_everything_back,
    tokens_must_be_16_to_128_bytes,
    a_rename_is_announced_to_every_room_and_presence_follows,
    a_rename_to_a_taken_or_invalid_name_is_refused_and_changes_nothing,
    a_hello_with_the_same_token_and_another_name_renames,
    memberships_outlive_a_restart,
    a_name_differing_only_in_ascii_case_is_taken,
);
