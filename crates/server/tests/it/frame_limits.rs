//! No frame the server sends exceeds `MAX_SERVER_FRAME_BYTES`, however large the items it is
//! built from: welcomes, room states, replays, search results and room lists carry what fits and
//! the rest follows (or is paged over HTTP). Every test uses messages as large as JSON makes
//! them: 8,000 characters, most of them control characters that JSON escapes to six bytes.

use chinwag_protocol::{
    ChatMessage, ClientFrame, HISTORY_ON_JOIN, MAX_REPLAY, MAX_SERVER_FRAME_BYTES,
    PROTOCOL_VERSION, RoomCursor, RoomState, ServerFrame,
};
use chinwag_testkit::bulk::{largest_text, post_all, thousand_missed};
use chinwag_testkit::{RawClient, StoreKind, TestServer, unlimited};
use tungstenite::Message;

/// The next protocol frame, checked to be within the server's limit.
fn recv_within_limit(client: &mut RawClient) -> ServerFrame {
    loop {
        match client.socket.read().expect("a frame arrives in time") {
            Message::Text(text) => {
                assert!(
                    text.len() <= MAX_SERVER_FRAME_BYTES,
                    "a frame of {} bytes",
                    text.len()
                );
                return serde_json::from_str(&text).expect("valid server frame");
            }
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// The next room state (presence and other frames before it are dropped), within the limit.
fn recv_room(client: &mut RawClient) -> RoomState {
    loop {
        if let ServerFrame::Room(state) = recv_within_limit(client) {
            return state;
        }
    }
}

/// Says hello as `name` (with its test token) with `since`; returns the welcome.
fn welcome_of(url: &str, name: &str, since: Vec<RoomCursor>) -> (RawClient, ServerFrame) {
    let mut client = RawClient::connect(url);
    client.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: name.into(),
        token: chinwag_testkit::token_of(name),
        since,
    });
    let welcome = recv_within_limit(&mut client);
    assert!(
        matches!(welcome, ServerFrame::Welcome { .. }),
        "expected a welcome, got {welcome:?}"
    );
    (client, welcome)
}

/// The sequence numbers of `messages`.
fn seqs(messages: &[ChatMessage]) -> Vec<u64> {
    messages.iter().map(|message| message.seq).collect()
}

/// Checks a recent history of `room` whose newest message is `newest`: the newest messages,
/// fewer than all when they are large, the rest to page over HTTP.
fn assert_newest_that_fit(state: &RoomState, newest: u64) {
    let history = seqs(&state.history);
    assert!(!history.is_empty(), "at least one message fits");
    assert_eq!(history.last(), Some(&newest));
    assert!(history.windows(2).all(|pair| pair[1] == pair[0] + 1));
    assert!(history[0] > 1, "older ones are left to page over HTTP");
}

fn a_new_user_is_welcomed_after_40_of_the_largest_messages_in_the_lobby_also_after_a_restart(
    store: StoreKind,
) {
    let mut server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    post_all(
        &mut alice,
        "lobby",
        (1..=40).map(|n| largest_text(&format!("m{n}"), 8000)),
    );
    let (_, welcome) = welcome_of(&server.url(), "bob", vec![]);
    assert_newest_that_fit(&chinwag_testkit::room_of(welcome, "lobby"), 40);

    drop(alice);
    server.restart();
    let (_, welcome) = welcome_of(&server.url(), "carol", vec![]);
    assert_newest_that_fit(&chinwag_testkit::room_of(welcome, "lobby"), 40);
}

fn a_user_whose_direct_conversation_holds_40_of_the_largest_messages_can_reconnect(
    store: StoreKind,
) {
    let server = TestServer::start_on_store(store, unlimited());
    let (bob, _) = welcome_of(&server.url(), "bob", vec![]);
    drop(bob);
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let direct = recv_room(&mut alice);
    post_all(
        &mut alice,
        &direct.room,
        (1..=40).map(|n| largest_text(&format!("d{n}"), 8000)),
    );
    let (_, welcome) = welcome_of(&server.url(), "bob", vec![]);
    assert_newest_that_fit(&chinwag_testkit::room_of(welcome, &direct.room), 40);
}

fn joining_a_room_with_33_of_the_largest_messages_works(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "big");
    post_all(
        &mut alice,
        "big",
        (1..=33).map(|n| largest_text(&format!("b{n}"), 8000)),
    );
    let (mut bob, _) = welcome_of(&server.url(), "bob", vec![]);
    bob.send(&ClientFrame::Join {
        room: "big".into(),
        create: false,
        last_seq: None,
    });
    assert_newest_that_fit(&recv_room(&mut bob), 33);
}

fn a_search_with_50_matches_of_8_kib_answers_with_the_newest_that_fit(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    post_all(
        &mut alice,
        "lobby",
        (1..=50).map(|n| largest_text(&format!("needle{n}"), 8000)),
    );
    alice.send(&ClientFrame::Search {
        room: "lobby".into(),
        query: "needle".into(),
    });
    let answer = loop {
        if let ServerFrame::SearchResults { messages, .. } = recv_within_limit(&mut alice) {
            break messages;
        }
    };
    let found = seqs(&answer);
    assert!(!found.is_empty() && found.len() < 50, "{found:?}");
    assert_eq!(found[0], 50, "newest first");
    assert!(found.windows(2).all(|pair| pair[1] + 1 == pair[0]));
}

/// A replay: the room state's history and the `history` frames after it, until the room state
/// and [`MAX_REPLAY`] messages are in; checks that no more follow. Returns the messages, the
/// room state's `skipped` and how many frames they came in.
fn replay_from(bob: &mut RawClient, state: RoomState) -> (Vec<ChatMessage>, u64, usize) {
    let mut replay = state.history;
    let mut frames = 1;
    while replay.len() < MAX_REPLAY {
        match recv_within_limit(bob) {
            ServerFrame::History { room, messages } => {
                assert_eq!(room, state.room);
                assert!(!messages.is_empty());
                replay.extend(messages);
                frames += 1;
            }
            other => panic!("expected the rest of the replay, got {other:?}"),
        }
    }
    let after = bob.sync(&state.room);
    assert!(
        !after
            .iter()
            .any(|frame| matches!(frame, ServerFrame::History { .. })),
        "nothing more is replayed"
    );
    (replay, state.skipped, frames)
}

/// Reconnects bob to the lobby after `last_seq`; returns bob and the replay (see
/// [`replay_from`]).
fn replay_after(url: &str, last_seq: u64) -> (RawClient, (Vec<ChatMessage>, u64, usize)) {
    let cursor = RoomCursor {
        room: "lobby".into(),
        last_seq,
    };
    let (mut bob, welcome) = welcome_of(url, "bob", vec![cursor]);
    let replay = replay_from(&mut bob, chinwag_testkit::room_of(welcome, "lobby"));
    (bob, replay)
}

fn a_member_who_missed_1000_messages_gets_each_once_in_order(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let url = server.url();
    let _alice = thousand_missed(&url, || drop(welcome_of(&url, "bob", vec![])));

    let (mut bob, (replay, skipped, frames)) = replay_after(&url, 1);
    assert_eq!(seqs(&replay), (2..=1001).collect::<Vec<_>>());
    assert_eq!(skipped, 0);
    assert!(frames > 1, "the replay came in several frames");
    assert!(replay[0].text.starts_with("missed2 "));

    // The same through a join with `last_seq`.
    bob.send(&ClientFrame::Join {
        room: "lobby".into(),
        create: false,
        last_seq: Some(1),
    });
    let lobby = recv_room(&mut bob);
    let (replay, skipped, _) = replay_from(&mut bob, lobby);
    assert_eq!(seqs(&replay), (2..=1001).collect::<Vec<_>>());
    assert_eq!(skipped, 0);

    // From before the first message, one more was missed than the server replays.
    let (_, (replay, skipped, _)) = replay_after(&url, 0);
    assert_eq!(seqs(&replay), (2..=1001).collect::<Vec<_>>());
    assert_eq!(skipped, 1);
}

fn an_identity_with_5000_rooms_connects_and_gets_every_room(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let names: Vec<String> = (1..=5000).map(|n| format!("room {n:04}")).collect();
    for chunk in names.chunks(250) {
        for name in chunk {
            alice.send(&ClientFrame::Join {
                room: name.clone(),
                create: true,
                last_seq: None,
            });
        }
        let last = chunk.last().unwrap();
        alice.recv_until(|frame| matches!(frame, ServerFrame::Room(state) if state.room == *last));
    }
    drop(alice);

    let (mut again, welcome) = welcome_of(&server.url(), "alice", vec![]);
    let ServerFrame::Welcome {
        rooms, more_rooms, ..
    } = welcome
    else {
        unreachable!()
    };
    assert!(more_rooms > 0, "5,001 rooms do not fit in one frame");
    let mut received: Vec<String> = rooms.into_iter().map(|state| state.room).collect();
    for _ in 0..more_rooms {
        match recv_within_limit(&mut again) {
            ServerFrame::Room(state) => received.push(state.room),
            other => panic!("expected a room of the welcome, got {other:?}"),
        }
    }
    received.sort();
    let mut expected = names;
    expected.push("lobby".into());
    expected.sort();
    assert_eq!(received, expected);
}

fn the_replays_of_one_hello_stop_at_a_budget_and_the_rooms_after_it_skip_the_older(
    store: StoreKind,
) {
    // Three rooms with 400 missed messages each of the largest kind: about 19 MB of replay a
    // room. A hello asking for all three at once must not have the server hold all 58 MB.
    const ROOMS: [&str; 3] = ["r1", "r2", "r3"];
    const MISSED: u64 = 400;
    let server = TestServer::start_on_store(store, unlimited());
    let url = server.url();
    let join = |client: &mut RawClient, room: &str| {
        client.send(&ClientFrame::Join {
            room: room.into(),
            create: true,
            last_seq: None,
        });
        recv_room(client);
    };
    let (mut alice, _) = RawClient::join(&url, "alice", "lobby");
    for room in ROOMS {
        join(&mut alice, room);
    }
    drop(alice);
    let (mut bob, _) = RawClient::join(&url, "bob", "lobby");
    for room in ROOMS {
        join(&mut bob, room);
        post_all(
            &mut bob,
            room,
            (1..=MISSED).map(|n| largest_text(&format!("{room}-{n}"), 8000)),
        );
    }
    let since = ROOMS
        .iter()
        .map(|room| RoomCursor {
            room: (*room).into(),
            last_seq: 0,
        })
        .collect();
    let (mut alice, welcome) = welcome_of(&url, "alice", since);
    let ServerFrame::Welcome { rooms, .. } = welcome else {
        unreachable!()
    };
    let mut frames: Vec<ServerFrame> = rooms.into_iter().map(ServerFrame::Room).collect();
    frames.extend(alice.sync("lobby"));
    let mut replays: std::collections::BTreeMap<String, (Vec<u64>, u64)> = Default::default();
    for frame in frames {
        match frame {
            ServerFrame::Room(state) => {
                let replay = replays.entry(state.room.clone()).or_default();
                replay.0.extend(seqs(&state.history));
                replay.1 = state.skipped;
            }
            ServerFrame::History { room, messages } => {
                replays.entry(room).or_default().0.extend(seqs(&messages));
            }
            _ => {}
        }
    }
    let whole: Vec<u64> = (1..=MISSED).collect();
    let newest: Vec<u64> = (MISSED - HISTORY_ON_JOIN as u64 + 1..=MISSED).collect();
    let mut outcomes: Vec<(bool, bool)> = ROOMS
        .iter()
        .map(|room| {
            let (seqs, skipped) = &replays[*room];
            let all = *seqs == whole && *skipped == 0;
            let cut = *seqs == newest && *skipped == MISSED - HISTORY_ON_JOIN as u64;
            (all, cut)
        })
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [(false, true), (false, true), (true, false)],
        "one room replayed whole, the two after the budget their newest {HISTORY_ON_JOIN} with skipped"
    );
}

chinwag_testkit::on_both_stores!(
    a_new_user_is_welcomed_after_40_of_the_largest_messages_in_the_lobby_also_after_a_restart,
    a_user_whose_direct_conversation_holds_40_of_the_largest_messages_can_reconnect,
    joining_a_room_with_33_of_the_largest_messages_works,
    a_search_with_50_matches_of_8_kib_answers_with_the_newest_that_fit,
    a_member_who_missed_1000_messages_gets_each_once_in_order,
    an_identity_with_5000_rooms_connects_and_gets_every_room,
    the_replays_of_one_hello_stop_at_a_budget_and_the_rooms_after_it_skip_the_older,
);
