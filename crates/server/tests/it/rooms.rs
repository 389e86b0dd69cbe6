//! Rooms over real sockets: joining and creating, room name rules, presence, leaving, topics
//! and direct messages with their privacy rules.

use chinwag_protocol::api::history_path;
use chinwag_protocol::{
    ClientFrame, ErrorCode, HistoryPage, MAX_TOPIC_CHARS, Rejection, RoomKind, RoomState,
    ServerFrame,
};
use chinwag_server::ServeOptions;
use chinwag_testkit::{
    RawClient, StoreKind, TestServer, came, error_code, http_get, room_of, token_of, went,
};

fn join(room: &str, create: bool) -> ClientFrame {
    ClientFrame::Join {
        room: room.into(),
        create,
        last_seq: None,
    }
}

fn set_topic(room: &str, topic: &str) -> ClientFrame {
    ClientFrame::SetTopic {
        room: room.into(),
        topic: topic.into(),
    }
}

fn room_frame(client: &mut RawClient) -> RoomState {
    match client.recv_until(|frame| matches!(frame, ServerFrame::Room(_))) {
        ServerFrame::Room(state) => state,
        _ => unreachable!(),
    }
}

/// The names of the rooms in a welcome.
fn room_names(welcome: ServerFrame) -> Vec<String> {
    let ServerFrame::Welcome { rooms, .. } = welcome else {
        panic!("expected a welcome, got {welcome:?}")
    };
    rooms.into_iter().map(|room| room.room).collect()
}

fn codes(frames: &[ServerFrame]) -> Vec<ErrorCode> {
    frames.iter().filter_map(error_code).collect()
}

fn is_message(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::Message(_))
}

fn joining_an_unknown_room_without_create_is_refused_and_creates_nothing(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");

    alice.send(&join("nowhere", false));
    assert_eq!(codes(&alice.sync("lobby")), [ErrorCode::UnknownRoom]);
    // Still unknown: to another join and to the history API.
    bob.send(&join("nowhere", false));
    assert_eq!(codes(&bob.sync("lobby")), [ErrorCode::UnknownRoom]);
    let addr = server.server.as_ref().unwrap().addr();
    let (status, _) = http_get(
        addr,
        &history_path("nowhere", None, 10),
        Some(&token_of("alice")),
    );
    assert_eq!(status, 404);

    // Creating it works, and then anyone can join without creating.
    alice.send(&join("nowhere", true));
    let state = room_frame(&mut alice);
    assert_eq!(
        (state.room.as_str(), state.kind, state.users.as_slice()),
        ("nowhere", RoomKind::Public, ["alice".to_owned()].as_slice())
    );
    assert!(state.history.is_empty() && state.topic.is_empty() && state.peer.is_none());
    bob.send(&join("nowhere", false));
    assert_eq!(room_frame(&mut bob).users, ["alice", "bob"]);
}

fn invalid_room_names_are_refused(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let too_long = "r".repeat(33);
    for room in ["@x", "@1:2", "", too_long.as_str(), " padded", "tab\there"] {
        alice.send(&join(room, true));
        assert_eq!(
            codes(&alice.sync("lobby")),
            [ErrorCode::InvalidRoom],
            "joining {room:?}"
        );
        alice.send(&join(room, false));
        assert_eq!(
            alice.recv_error(),
            ErrorCode::InvalidRoom,
            "joining {room:?}"
        );
    }
    // The longest name allowed is fine.
    let longest = "r".repeat(32);
    alice.send(&join(&longest, true));
    assert_eq!(room_frame(&mut alice).room, longest);
}

fn members_online_see_joins_and_leaves_and_a_leaver_can_no_longer_post(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "den");
    let (mut bob, state) = RawClient::join(&server.url(), "bob", "den");
    assert_eq!(state.users, ["alice", "bob"]);
    assert_eq!(
        alice.recv_until(
            |frame| matches!(frame, ServerFrame::Presence { room, .. } if room == "den")
        ),
        ServerFrame::Presence {
            room: "den".into(),
            joined: vec!["bob".into()],
            left: vec![],
            online: 2,
        }
    );

    bob.send(&ClientFrame::Leave { room: "den".into() });
    // The leaver hears `parted` (and no presence of the den); the others hear it went.
    let heard = bob.sync("lobby");
    assert_eq!(
        heard
            .iter()
            .filter(|frame| matches!(frame, ServerFrame::Parted { room } | ServerFrame::Presence { room, .. } if room == "den"))
            .collect::<Vec<_>>(),
        [&ServerFrame::Parted { room: "den".into() }]
    );
    assert_eq!(
        alice.recv_until(went("bob")),
        ServerFrame::Presence {
            room: "den".into(),
            joined: vec![],
            left: vec!["bob".into()],
            online: 1,
        }
    );

    // Posting there afterwards is refused, tied to the message id, and reaches nobody.
    bob.post("b1", "den", "still here?");
    assert_eq!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Error { .. })),
        ServerFrame::Error {
            code: ErrorCode::NotJoined,
            message: "you are not in den".into(),
            id: Some("b1".into()),
            retry_after: None,
        }
    );
    assert!(!alice.sync("den").iter().any(is_message));
    // Leaving again is refused too; the membership is gone for good: not in the next welcome.
    bob.send(&ClientFrame::Leave { room: "den".into() });
    assert_eq!(bob.recv_error(), ErrorCode::NotJoined);
    drop(bob);
    let (_bob, welcome) = RawClient::hello_as(&server.url(), "bob", &token_of("bob"));
    assert_eq!(room_names(welcome), ["lobby"]);
    // Alice heard nothing more about the den, up to the presence frame that tells of a later
    // arrival in the lobby.
    let (_carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    let seen = alice.recv_all_until(came("carol"));
    assert!(
        !seen
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Presence { room, .. } if room == "den")),
        "{seen:?}"
    );
}

fn topics_are_broadcast_limited_and_kept(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "den");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "den");

    alice.send(&set_topic("den", "Weekend plans"));
    let topic = ServerFrame::Topic {
        room: "den".into(),
        topic: "Weekend plans".into(),
        by: "alice".into(),
    };
    assert_eq!(
        alice.recv_until(|frame| matches!(frame, ServerFrame::Topic { .. })),
        topic
    );
    assert_eq!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Topic { .. })),
        topic
    );

    // Too long: refused, nobody hears of it, the topic stays.
    alice.send(&set_topic("den", &"t".repeat(MAX_TOPIC_CHARS + 1)));
    assert_eq!(codes(&alice.sync("den")), [ErrorCode::TooLarge]);
    alice.send(&set_topic("den", "line\nbreak"));
    assert_eq!(codes(&alice.sync("den")), [ErrorCode::Malformed]);
    let seen = bob.sync("den");
    assert!(
        !seen
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Topic { .. })),
        "{seen:?}"
    );
    let (_carol, state) = RawClient::join(&server.url(), "carol", "den");
    assert_eq!(state.topic, "Weekend plans");

    // Exactly the limit is fine; a room one is not in is refused.
    let longest = "é".repeat(MAX_TOPIC_CHARS);
    bob.send(&set_topic("den", &longest));
    let ServerFrame::Topic { topic, by, .. } =
        alice.recv_until(|frame| matches!(frame, ServerFrame::Topic { .. }))
    else {
        unreachable!()
    };
    assert_eq!((topic, by.as_str()), (longest, "bob"));
    alice.send(&set_topic("elsewhere", "nope"));
    assert_eq!(alice.recv_error(), ErrorCode::NotJoined);
}

/// Checks that carol, who is not a member of the direct conversation `dm`, cannot get in: not by
/// joining its key, posting, reading, searching, setting a topic, editing, deleting, typing or
/// leaving, nor by naming it as a reconnect cursor or paging it over HTTP. Returns carol,
/// reconnected.
fn assert_kept_out(server: &TestServer, mut carol: RawClient, dm: &str) -> RawClient {
    carol.send(&join(dm, false));
    assert_eq!(carol.recv_error(), ErrorCode::InvalidRoom);
    carol.send(&join(dm, true));
    assert_eq!(carol.recv_error(), ErrorCode::InvalidRoom);
    carol.post("c1", dm, "let me in");
    assert_eq!(carol.recv_error(), ErrorCode::NotJoined);
    carol.send(&ClientFrame::Search {
        room: dm.to_owned(),
        query: "between".into(),
    });
    assert_eq!(carol.recv_error(), ErrorCode::NotJoined);
    carol.send(&ClientFrame::Read {
        room: dm.to_owned(),
        seq: 1,
    });
    assert_eq!(carol.recv_error(), ErrorCode::NotJoined);
    carol.send(&set_topic(dm, "mine now"));
    assert_eq!(carol.recv_error(), ErrorCode::NotJoined);
    for frame in [
        ClientFrame::Edit {
            room: dm.to_owned(),
            seq: 1,
            text: "rewritten".into(),
        },
        ClientFrame::Delete {
            room: dm.to_owned(),
            seq: 1,
        },
        ClientFrame::Typing {
            room: dm.to_owned(),
        },
        ClientFrame::Leave {
            room: dm.to_owned(),
        },
    ] {
        carol.send(&frame);
        assert_eq!(carol.recv_error(), ErrorCode::NotJoined, "{frame:?}");
    }
    // Nor by naming it as a reconnect cursor: a welcome holds only her own rooms.
    let mut carol_again = RawClient::connect(&server.url());
    carol_again.send(&ClientFrame::Hello {
        version: chinwag_protocol::PROTOCOL_VERSION,
        name: "carol".into(),
        token: token_of("carol"),
        since: vec![chinwag_protocol::RoomCursor {
            room: dm.to_owned(),
            last_seq: 0,
        }],
    });
    assert_eq!(room_names(carol_again.recv()), ["lobby"]);
    let (status, body) = http_get(
        server.addr(),
        &history_path(dm, None, 50),
        Some(&token_of("carol")),
    );
    // As if there were no such room (history_api.rs: the same answer either way).
    assert_eq!(status, 404);
    let error: Rejection = serde_json::from_str(&body).expect("an API error body");
    assert_eq!(error.code, ErrorCode::UnknownRoom);
    carol_again
}

fn direct_messages_reach_only_their_two_members(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (mut carol, _) = RawClient::join(&server.url(), "carol", "lobby");

    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let at_alice = room_frame(&mut alice);
    let at_bob = room_frame(&mut bob);
    let dm = at_alice.room.clone();
    assert!(dm.starts_with('@'), "{dm}");
    assert_eq!(at_bob.room, dm);
    assert_eq!(
        (at_alice.kind, at_alice.peer.as_deref()),
        (RoomKind::Direct, Some("bob"))
    );
    assert_eq!(
        (at_bob.kind, at_bob.peer.as_deref()),
        (RoomKind::Direct, Some("alice"))
    );
    assert!(
        !carol
            .sync("lobby")
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Room(_)))
    );

    alice.post("a1", &dm, "just between us");
    alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    bob.post("b1", &dm, "agreed");
    for client in [&mut alice, &mut bob] {
        for text in ["just between us", "agreed"] {
            let ServerFrame::Message(message) = client.recv_until(is_message) else {
                unreachable!()
            };
            assert_eq!(
                (message.room.as_str(), message.text.as_str()),
                (dm.as_str(), text)
            );
        }
    }
    assert!(!carol.sync("lobby").iter().any(is_message));

    // Carol cannot get in, and her tries reach nobody.
    let mut carol = assert_kept_out(&server, carol, &dm);
    let addr = server.addr();
    let seen = [alice.sync(&dm), bob.sync(&dm)];
    assert!(
        seen.iter().flatten().all(|frame| !is_message(frame)),
        "{seen:?}"
    );

    // Its two members can page it, and it has exactly the two messages.
    for name in ["alice", "bob"] {
        let (status, body) = http_get(addr, &history_path(&dm, None, 50), Some(&token_of(name)));
        assert_eq!(status, 200, "{body}");
        let page: HistoryPage = serde_json::from_str(&body).expect("a history page");
        assert_eq!(
            page.messages
                .iter()
                .map(|m| (m.from.as_str(), m.text.as_str()))
                .collect::<Vec<_>>(),
            [("alice", "just between us"), ("bob", "agreed")]
        );
    }

    // A direct conversation has no topic, even for its members.
    alice.send(&set_topic(&dm, "us"));
    assert_eq!(codes(&alice.sync(&dm)), [ErrorCode::Forbidden]);
    assert!(
        !bob.sync(&dm)
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Topic { .. }))
    );

    // Opening it again from the other side is the same room.
    bob.send(&ClientFrame::OpenDm {
        peer: "alice".into(),
    });
    assert_eq!(room_frame(&mut bob).room, dm);
    // Carol's own conversation with alice is another room.
    carol.send(&ClientFrame::OpenDm {
        peer: "alice".into(),
    });
    let carols = room_frame(&mut carol);
    assert_ne!(carols.room, dm);
    assert!(carols.history.is_empty());
}

fn a_direct_conversation_needs_another_existing_user(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    for peer in ["nobody", "alice", ""] {
        alice.send(&ClientFrame::OpenDm { peer: peer.into() });
        assert_eq!(
            codes(&alice.sync("lobby")),
            [ErrorCode::UnknownUser],
            "{peer:?}"
        );
    }
    // Nothing was created: the next welcome has only the lobby.
    drop(alice);
    let (_alice, welcome) = RawClient::hello_as(&server.url(), "alice", &token_of("alice"));
    assert_eq!(room_of(welcome.clone(), "lobby").room, "lobby");
    let ServerFrame::Welcome { rooms, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(rooms.len(), 1);
}

fn a_direct_conversation_with_an_offline_user_waits_in_their_welcome(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    drop(bob);
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let dm = room_frame(&mut alice).room;
    alice.post("a1", &dm, "when you are back");
    alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));

    let (_bob, welcome) = RawClient::hello_as(&server.url(), "bob", &token_of("bob"));
    let state = room_of(welcome, &dm);
    assert_eq!(
        (state.kind, state.peer.as_deref(), state.users.as_slice()),
        (
            RoomKind::Direct,
            Some("alice"),
            ["alice".to_owned(), "bob".to_owned()].as_slice()
        )
    );
    assert_eq!(state.history.len(), 1);
    assert_eq!((state.unread, state.last_read), (1, 0));
}

fn the_room_list_shows_public_rooms_with_member_counts_and_never_direct_ones(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "den");
    bob.send(&ClientFrame::SetTopic {
        room: "den".into(),
        topic: "quiet corner".into(),
    });
    bob.send(&ClientFrame::OpenDm {
        peer: "alice".into(),
    });
    bob.recv_until(|frame| matches!(frame, ServerFrame::Room(state) if state.peer.is_some()));
    alice.send(&ClientFrame::ListRooms);
    let ServerFrame::RoomList { rooms } =
        alice.recv_until(|frame| matches!(frame, ServerFrame::RoomList { .. }))
    else {
        unreachable!()
    };
    let listed: Vec<(&str, &str, u64)> = rooms
        .iter()
        .map(|listing| {
            (
                listing.room.as_str(),
                listing.topic.as_str(),
                listing.members,
            )
        })
        .collect();
    assert_eq!(listed, [("lobby", "", 2), ("den", "quiet corner", 1)]);
    // Before a hello there is nobody to list rooms for.
    let mut stranger = RawClient::connect(&server.url());
    stranger.send(&ClientFrame::ListRooms);
    assert_eq!(stranger.recv_error(), ErrorCode::NotJoined);
}

fn a_direct_conversation_cannot_be_left(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let dm = room_frame(&mut alice);
    alice.send(&ClientFrame::Leave {
        room: dm.room.clone(),
    });
    assert_eq!(alice.recv_error(), ErrorCode::Forbidden);
    // Still in it: a message goes through.
    alice.post("a1", &dm.room, "still here");
    assert!(matches!(
        alice.recv_until(|frame| matches!(
            frame,
            ServerFrame::Ack { .. } | ServerFrame::Error { .. }
        )),
        ServerFrame::Ack { .. }
    ));
}

chinwag_testkit::on_both_stores!(
    joining_an_unknown_room_without_create_is_refused_and_creates_nothing,
    invalid_room_names_are_refused,
    members_online_see_joins_and_leaves_and_a_leaver_can_no_longer_post,
    topics_are_broadcast_limited_and_kept,
    direct_messages_reach_only_their_two_members,
    a_direct_conversation_needs_another_existing_user,
    a_direct_conversation_with_an_offline_user_waits_in_their_welcome,
    the_room_list_shows_public_rooms_with_member_counts_and_never_direct_ones,
    a_direct_conversation_cannot_be_left,
);
