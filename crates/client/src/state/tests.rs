//! Unit tests of [`ChatState`]: the conversation, rooms, unread counts, typing and edits.

use super::*;
use chinwag_protocol::{Rejection, RoomKind, RoomState, ServerFrame};

mod annotations;
mod arrivals;
mod attach;
mod members;

const TOKEN: &str = "secret-token-0001";

fn lobby(state: &ChatState) -> &RoomView {
    state.room("lobby").expect("in the lobby")
}

/// The sequence numbers of the messages in `room`'s timeline.
fn message_seqs(room: &RoomView) -> Vec<u64> {
    room.timeline()
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.seq),
            _ => None,
        })
        .collect()
}

fn room_state(room: &str, name: &str, history: Vec<ChatMessage>, skipped: u64) -> RoomState {
    RoomState {
        room: room.into(),
        kind: RoomKind::Public,
        topic: String::new(),
        peer: None,
        users: vec![name.into()],
        online: 1,
        history,
        skipped,
        last_read: 0,
        unread: 0,
        mentions: 0,
        seen: Vec::new(),
    }
}

fn message(seq: u64, from: &str, id: &str, text: &str) -> ChatMessage {
    ChatMessage {
        attachment: None,
        room: "lobby".into(),
        seq,
        id: id.into(),
        from: from.into(),
        time: 1_000 * seq as i64,
        text: text.into(),
        edited: None,
        deleted: false,
        reply_to: None,
        reactions: Vec::new(),
    }
}

fn welcome(name: &str, history: Vec<ChatMessage>) -> ServerFrame {
    welcome_skipping(name, history, 0)
}

fn welcome_skipping(name: &str, history: Vec<ChatMessage>, skipped: u64) -> ServerFrame {
    ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name: name.into(),
        rooms: vec![room_state("lobby", name, history, skipped)],
        more_rooms: 0,
        epoch: None,
    }
}

fn joined_state() -> ChatState {
    let mut state = ChatState::new("t", TOKEN);
    assert!(state.join("alice"));
    state.connecting();
    state.opened();
    state.apply(welcome("alice", vec![]));
    state.take_outgoing().for_each(drop);
    state
}

#[test]
fn join_says_hello_once_open() {
    let mut state = ChatState::new("t", TOKEN);
    assert!(!state.join("   "));
    assert!(!state.wants_connection());
    assert!(state.join(" alice "));
    assert!(state.wants_connection());
    assert_eq!(
        state.take_outgoing().count(),
        0,
        "nothing before the socket opens"
    );
    state.connecting();
    state.opened();
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: "alice".into(),
            token: TOKEN.into(),
            since: vec![],
        }]
    );
    assert_eq!(state.phase(), &Phase::Joining);
    state.apply(welcome("alice", vec![message(1, "bob", "b1", "hi")]));
    assert_eq!(state.phase(), &Phase::Joined);
    assert_eq!(lobby(&state).timeline().len(), 1);
    assert!(!state.needs_name());
}

#[test]
fn a_sent_message_is_pending_until_acked() {
    let mut state = joined_state();
    assert!(state.send("hello"));
    assert!(!state.send("  "));
    let frames: Vec<_> = state.take_outgoing().collect();
    let [ClientFrame::Send { id, text, .. }] = frames.as_slice() else {
        panic!("expected one send frame, got {frames:?}");
    };
    assert_eq!(text, "hello");
    assert_eq!(state.pending().len(), 1);
    state.apply(ServerFrame::Ack {
        id: id.clone(),
        room: "lobby".into(),
        seq: 1,
        time: 5,
    });
    assert!(state.pending().is_empty());
    // The broadcast of the same message must not add it twice.
    state.apply(ServerFrame::Message(message(1, "alice", id, "hello")));
    assert_eq!(lobby(&state).timeline().len(), 1);
    let Entry::Message(stored) = &lobby(&state).timeline()[0] else {
        panic!("expected a message");
    };
    assert_eq!(stored.from, "alice");
    assert_eq!(stored.text, "hello");
}

#[test]
fn messages_sent_while_disconnected_go_out_after_rejoining() {
    let mut state = joined_state();
    state.closed("network down");
    assert!(matches!(state.phase(), Phase::Disconnected { .. }));
    assert!(state.send("are you there?"));
    assert_eq!(state.take_outgoing().count(), 0);
    assert_eq!(state.pending().len(), 1);
    state.retry();
    assert!(state.wants_connection());
    state.connecting();
    state.opened();
    state.apply(welcome("alice", vec![]));
    let frames: Vec<_> = state.take_outgoing().collect();
    assert!(matches!(frames[0], ClientFrame::Hello { .. }));
    assert!(matches!(&frames[1], ClientFrame::Send { text, .. } if text == "are you there?"));
}

/// A welcome naming the server's database `epoch`.
fn welcome_from(epoch: &str, history: Vec<ChatMessage>) -> ServerFrame {
    let ServerFrame::Welcome {
        version,
        name,
        rooms,
        more_rooms,
        ..
    } = welcome("alice", history)
    else {
        unreachable!()
    };
    ServerFrame::Welcome {
        version,
        name,
        rooms,
        more_rooms,
        epoch: Some(epoch.into()),
    }
}

#[test]
fn a_welcome_from_another_database_starts_the_history_over() {
    let mut state = joined_state();
    state.apply(welcome_from("first", vec![]));
    for seq in 1..=5 {
        state.apply(ServerFrame::Message(message(seq, "bob", "b", "old")));
    }
    let reconnect = |state: &mut ChatState, welcome: ServerFrame| {
        state.closed("network down");
        state.retry();
        state.connecting();
        state.opened();
        state.apply(welcome);
    };
    // The same database: what it replays after our cursor joins what we have.
    reconnect(
        &mut state,
        welcome_from("first", vec![message(6, "bob", "b6", "six")]),
    );
    assert_eq!(lobby(&state).last_seq(), 6);
    assert_eq!(lobby(&state).timeline().len(), 6);
    // Another database that happens to be further on: its seq 7 is not after our 6.
    reconnect(
        &mut state,
        welcome_from("second", vec![message(7, "carol", "c7", "new")]),
    );
    let texts: Vec<&str> = lobby(&state)
        .timeline()
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["new"]);
    assert_eq!(lobby(&state).last_seq(), 7);
}

#[test]
fn overlapping_history_is_not_duplicated() {
    let mut state = joined_state();
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
    state.apply(ServerFrame::Message(message(2, "bob", "b2", "two")));
    state.apply(welcome(
        "alice",
        vec![
            message(1, "bob", "b1", "one"),
            message(2, "bob", "b2", "two"),
            message(3, "bob", "b3", "three"),
        ],
    ));
    let seqs = message_seqs(lobby(&state));
    assert_eq!(seqs, vec![1, 2, 3]);
}

#[test]
fn a_taken_name_asks_for_another() {
    let mut state = ChatState::new("t", TOKEN);
    state.join("alice");
    state.connecting();
    state.opened();
    state.take_outgoing().for_each(drop);
    state.apply(ServerFrame::error(ErrorCode::NameTaken, "alice is taken"));
    assert_eq!(state.phase(), &Phase::NameRefused);
    assert!(state.needs_name());
    assert_eq!(
        state.last_error().map(|e| e.code),
        Some(ErrorCode::NameTaken)
    );
    assert!(state.join("alice2"));
    assert!(matches!(
        state.take_outgoing().next(),
        Some(ClientFrame::Hello { name, .. }) if name == "alice2"
    ));
}

#[test]
fn a_fatal_error_becomes_the_disconnect_reason() {
    let mut state = joined_state();
    state.apply(ServerFrame::error(ErrorCode::TooSlow, "you fell behind"));
    state.closed("connection closed");
    assert_eq!(
        state.phase(),
        &Phase::Disconnected {
            reason: "you fell behind".into()
        }
    );
}

#[test]
fn a_reconnect_asks_for_what_it_missed() {
    let mut state = joined_state();
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
    state.apply(ServerFrame::Message(message(2, "bob", "b2", "two")));
    state.closed("network down");
    state.retry();
    state.connecting();
    state.opened();
    assert!(matches!(
        state.take_outgoing().next(),
        Some(ClientFrame::Hello { since, .. })
            if since == vec![RoomCursor { room: "lobby".into(), last_seq: 2 }]
    ));
    state.apply(welcome("alice", vec![message(3, "bob", "b3", "three")]));
    assert_eq!(lobby(&state).timeline().len(), 3);
}

#[test]
fn too_many_missed_messages_leave_a_visible_gap() {
    let mut state = joined_state();
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
    state.apply(welcome_skipping(
        "alice",
        vec![message(50, "bob", "b50", "fifty")],
        48,
    ));
    assert_eq!(lobby(&state).timeline()[1], Entry::Gap { missed: 48 });
}

#[test]
fn a_refused_message_shows_why_and_can_be_retried_or_taken_back() {
    let mut state = joined_state();
    state.send("first");
    state.send("second");
    let ids: Vec<String> = state.pending().iter().map(|m| m.id.clone()).collect();
    state.take_outgoing().for_each(drop);
    state.apply(ServerFrame::from(
        Rejection::new(ErrorCode::TooLarge, "too long").about_message(&ids[0]),
    ));
    assert_eq!(state.pending()[0].refused.as_deref(), Some("too long"));
    assert!(
        state.last_error().is_none(),
        "a refused message is not a connection error"
    );
    // A rejoin does not resend the refused one, only the other.
    state.closed("blip");
    state.retry();
    state.opened();
    state.apply(welcome("alice", vec![]));
    let resent: Vec<_> = state.take_outgoing().collect();
    assert_eq!(resent.len(), 2, "hello and the second message: {resent:?}");
    state.retry_message(&ids[0]);
    assert!(
        matches!(state.take_outgoing().next(), Some(ClientFrame::Send { id, .. }) if id == ids[0])
    );
    state.apply(ServerFrame::from(
        Rejection::new(ErrorCode::TooLarge, "too long").about_message(&ids[0]),
    ));
    assert_eq!(state.take_back(&ids[0]).as_deref(), Some("first"));
    assert_eq!(
        state.take_back(&ids[1]),
        None,
        "only refused messages can be taken back"
    );
    assert_eq!(state.pending().len(), 1);
}

#[test]
fn no_reconnect_after_being_replaced() {
    let mut state = joined_state();
    assert!(state.may_reconnect());
    state.apply(ServerFrame::error(
        ErrorCode::Replaced,
        "connected elsewhere",
    ));
    state.closed("closed");
    assert!(!state.may_reconnect());
}

fn dm_state(name: &str, peer: &str) -> RoomState {
    RoomState {
        kind: RoomKind::Direct,
        peer: Some(peer.into()),
        ..room_state("@1:2", name, vec![], 0)
    }
}

#[test]
fn joining_a_room_switches_to_it_and_sends_go_there() {
    let mut state = joined_state();
    assert_eq!(
        state.current().map(|room| room.room.as_str()),
        Some("lobby")
    );
    state.join_room("rust", true);
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![ClientFrame::Join {
            room: "rust".into(),
            create: true,
            last_seq: None
        }]
    );
    state.apply(ServerFrame::Room(room_state("rust", "alice", vec![], 0)));
    assert_eq!(state.current().map(|room| room.room.as_str()), Some("rust"));
    state.send("hi rust");
    assert!(matches!(
        state.take_outgoing().next(),
        Some(ClientFrame::Send { room, .. }) if room == "rust"
    ));
    state.leave_room("rust");
    state.apply(ServerFrame::Parted {
        room: "rust".into(),
    });
    assert!(state.room("rust").is_none());
    assert_eq!(
        state.current().map(|room| room.room.as_str()),
        Some("lobby")
    );
}

#[test]
fn unread_counts_grow_for_rooms_not_in_view_and_mentions_count_apart() {
    let mut state = joined_state();
    state.apply(ServerFrame::Room(room_state("rust", "alice", vec![], 0)));
    assert_eq!(
        state.current().map(|room| room.room.as_str()),
        Some("lobby")
    );
    let mut in_rust = message(1, "bob", "b1", "hello @alice");
    in_rust.room = "rust".into();
    state.apply(ServerFrame::Message(in_rust));
    let mut plain = message(2, "bob", "b2", "and you all");
    plain.room = "rust".into();
    state.apply(ServerFrame::Message(plain));
    let rust = state.room("rust").unwrap();
    assert_eq!((rust.unread, rust.mentions), (2, 1));
    assert_eq!(state.total_unread(), 2);
    // Messages in the room in view are read at once while the window has focus...
    state.apply(ServerFrame::Message(message(1, "bob", "b3", "lobby news")));
    assert_eq!(lobby(&state).unread, 0);
    // ... but not while it is in the background.
    state.set_viewing(false);
    state.apply(ServerFrame::Message(message(2, "bob", "b4", "more news")));
    assert_eq!(lobby(&state).unread, 1);
    assert_eq!(lobby(&state).divider_after, Some(1));
    state.set_viewing(true);
    state.take_outgoing().for_each(drop);
    // Switching shows the divider where reading stopped and tells the server it is read.
    state.switch_to("rust");
    let rust = state.room("rust").unwrap();
    assert_eq!(
        (rust.unread, rust.mentions, rust.divider_after),
        (0, 0, Some(0))
    );
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![ClientFrame::Read {
            room: "rust".into(),
            seq: 2
        }]
    );
}

#[test]
fn a_direct_conversation_opens_by_peer_and_is_switched_to() {
    let mut state = joined_state();
    state.open_direct("bob");
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![ClientFrame::OpenDm { peer: "bob".into() }]
    );
    state.apply(ServerFrame::Room(dm_state("alice", "bob")));
    let current = state.current().unwrap();
    assert_eq!((current.room.as_str(), current.title()), ("@1:2", "bob"));
    // Names are unique regardless of ASCII case: "BOB" is the same conversation.
    state.switch_to("lobby");
    state.take_outgoing().for_each(drop);
    state.open_direct("BOB");
    assert_eq!(state.take_outgoing().count(), 0);
    assert_eq!(state.current().unwrap().room, "@1:2");
    // Opening it again switches without asking the server.
    state.switch_to("lobby");
    state.take_outgoing().for_each(drop);
    state.open_direct("bob");
    assert_eq!(state.take_outgoing().count(), 0);
    assert_eq!(state.current().unwrap().room, "@1:2");
    state.apply(ServerFrame::Renamed {
        room: "@1:2".into(),
        from: "bob".into(),
        to: "rob".into(),
    });
    assert_eq!(state.current().unwrap().title(), "rob");
}

#[test]
fn typing_notices_are_throttled_and_expire() {
    let mut state = joined_state();
    state.tick(10.0);
    state.typing();
    state.tick(11.0);
    state.typing();
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![ClientFrame::Typing {
            room: "lobby".into()
        }],
        "one notice per few seconds"
    );
    state.tick(10.0 + TYPING_NOTICE_EVERY);
    state.typing();
    assert_eq!(state.take_outgoing().count(), 1);
    state.apply(ServerFrame::Typing {
        room: "lobby".into(),
        name: "bob".into(),
    });
    assert_eq!(lobby(&state).typing(state.now()), ["bob"]);
    assert_eq!(
        lobby(&state).typing(state.now() + TYPING_SHOWS_FOR + 0.1),
        Vec::<&str>::new()
    );
    // A message from bob ends his typing at once.
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "done")));
    assert!(lobby(&state).typing(state.now()).is_empty());
}

#[test]
fn edits_and_deletions_change_the_message_in_place() {
    let mut state = joined_state();
    state.apply(ServerFrame::Message(message(1, "alice", "a1", "helo")));
    state.edit(1, "hello ");
    state.delete(1);
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![
            ClientFrame::Edit {
                room: "lobby".into(),
                seq: 1,
                text: "hello".into()
            },
            ClientFrame::Delete {
                room: "lobby".into(),
                seq: 1
            }
        ]
    );
    state.apply(ServerFrame::Edited {
        room: "lobby".into(),
        seq: 1,
        text: "hello".into(),
        edited: 99,
    });
    let Entry::Message(edited) = &lobby(&state).timeline()[0] else {
        panic!("a message")
    };
    assert_eq!((edited.text.as_str(), edited.edited), ("hello", Some(99)));
    state.apply(ServerFrame::Deleted {
        room: "lobby".into(),
        seq: 1,
    });
    let Entry::Message(deleted) = &lobby(&state).timeline()[0] else {
        panic!("a message")
    };
    assert!(deleted.deleted && deleted.text.is_empty());
}

#[test]
fn an_older_page_goes_in_front_without_duplicates() {
    let mut state = ChatState::new("t", TOKEN);
    state.join("alice");
    state.opened();
    state.apply(welcome(
        "alice",
        vec![
            message(5, "bob", "b5", "five"),
            message(6, "bob", "b6", "six"),
        ],
    ));
    assert!(lobby(&state).has_older);
    let page = chinwag_protocol::HistoryPage {
        room: "lobby".into(),
        messages: (3..=5)
            .map(|seq| message(seq, "bob", &format!("b{seq}"), "old"))
            .collect(),
        more: true,
    };
    state.room_mut("lobby").unwrap().prepend(page);
    let seqs = message_seqs(lobby(&state));
    assert_eq!(seqs, vec![3, 4, 5, 6]);
    assert_eq!(lobby(&state).oldest_seq(), Some(3));
    assert_eq!(lobby(&state).last_seq(), 6);
}

#[test]
fn a_renamed_members_messages_follow_the_new_name() {
    let mut state = joined_state();
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "from bob")));
    state.apply(ServerFrame::Message(message(
        2,
        "carol",
        "c1",
        "from carol",
    )));
    state.apply(ServerFrame::Renamed {
        room: "lobby".into(),
        from: "bob".into(),
        to: "robert".into(),
    });
    let authors: Vec<&str> = lobby(&state)
        .timeline()
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.from.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(authors, ["robert", "carol"]);
}

#[test]
fn our_rename_updates_our_name() {
    let mut state = joined_state();
    state.rename(" al ");
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        vec![ClientFrame::Rename { name: "al".into() }]
    );
    state.apply(ServerFrame::Renamed {
        room: "lobby".into(),
        from: "alice".into(),
        to: "al".into(),
    });
    assert_eq!(state.name(), "al");
    assert_eq!(
        lobby(&state).timeline().last(),
        Some(&Entry::Renamed {
            from: "alice".into(),
            to: "al".into()
        })
    );
}

#[test]
fn a_history_that_ends_before_ours_replaces_ours() {
    let mut state = joined_state();
    for seq in 1..=5 {
        state.apply(ServerFrame::Message(message(seq, "bob", "b", "old server")));
    }
    // The server's database was replaced: its lobby only reaches seq 2.
    state.apply(welcome(
        "alice",
        vec![
            message(1, "bob", "n1", "new 1"),
            message(2, "bob", "n2", "new 2"),
        ],
    ));
    assert_eq!(message_seqs(lobby(&state)), [1, 2]);
    state.apply(ServerFrame::Message(message(3, "bob", "n3", "new 3")));
    assert_eq!(
        lobby(&state).last_seq(),
        3,
        "new messages are not mistaken for old ones"
    );
}

#[test]
fn older_history_is_known_even_when_only_notices_came_first() {
    let mut state = joined_state();
    state.apply(ServerFrame::Presence {
        room: "lobby".into(),
        joined: vec!["bob".into()],
        left: vec![],
        online: 2,
    });
    state.apply(welcome("alice", vec![message(51, "bob", "b51", "late")]));
    assert!(lobby(&state).has_older);
}

#[test]
fn search_results_for_a_room_no_longer_shown_are_dropped() {
    let mut state = joined_state();
    state.apply(ServerFrame::SearchResults {
        room: "elsewhere".into(),
        query: "x".into(),
        messages: vec![],
    });
    assert!(state.search_results().is_none());
    state.apply(ServerFrame::SearchResults {
        room: "lobby".into(),
        query: "x".into(),
        messages: vec![],
    });
    assert!(state.search_results().is_some());
}

/// The welcome of a reconnect whose `rooms` did not all fit: `more_rooms` follow.
fn welcome_of_rooms(name: &str, rooms: Vec<RoomState>, more_rooms: u64) -> ServerFrame {
    ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name: name.into(),
        rooms,
        more_rooms,
        epoch: None,
    }
}

fn current_room(state: &ChatState) -> Option<&str> {
    state.current().map(|room| room.room.as_str())
}

#[test]
fn a_replay_continued_in_history_frames_has_no_gap_and_no_duplicate() {
    let mut state = joined_state();
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
    state.closed("network down");
    state.retry();
    state.connecting();
    state.opened();
    state.take_outgoing().for_each(drop);
    state.apply(welcome("alice", vec![message(2, "bob", "b2", "two")]));
    let history = |seqs: std::ops::RangeInclusive<u64>| ServerFrame::History {
        room: "lobby".into(),
        messages: seqs.map(|seq| message(seq, "bob", "b", "more")).collect(),
    };
    state.apply(history(3..=5));
    state.apply(history(5..=7));
    state.apply(ServerFrame::History {
        room: "a room we are not in".into(),
        messages: vec![message(8, "bob", "b8", "elsewhere")],
    });
    assert_eq!(message_seqs(lobby(&state)), (1..=7).collect::<Vec<_>>());
    assert_eq!(lobby(&state).last_seq(), 7, "the next hello asks from 7 on");
    assert!(
        state.take_outgoing().any(|frame| frame
            == ClientFrame::Read {
                room: "lobby".into(),
                seq: 7
            }),
        "the room on screen is read up to the last replayed message"
    );

    // More missed than the server replays: the gap shows before the replayed ones.
    state.apply(welcome_skipping(
        "alice",
        vec![message(60, "bob", "b60", "x")],
        52,
    ));
    state.apply(history(61..=62));
    let timeline = lobby(&state).timeline();
    assert_eq!(timeline[7], Entry::Gap { missed: 52 });
    assert_eq!(message_seqs(lobby(&state))[7..], [60, 61, 62]);
}

#[test]
fn rooms_after_a_welcome_neither_switch_rooms_nor_lose_any() {
    let mut state = joined_state();
    for room in ["rust", "gone"] {
        state.join_room(room, false);
        state.apply(ServerFrame::Room(room_state(room, "alice", vec![], 0)));
    }
    state.switch_to("rust");
    state.closed("network down");
    state.retry();
    state.connecting();
    state.opened();
    // "gone" was left on another device meanwhile; "zzz" joined there.
    state.apply(welcome_of_rooms(
        "alice",
        vec![room_state("lobby", "alice", vec![], 0)],
        2,
    ));
    assert_eq!(
        current_room(&state),
        Some("rust"),
        "no jump while rooms come"
    );
    state.apply(ServerFrame::Room(room_state("zzz", "alice", vec![], 0)));
    assert_eq!(current_room(&state), Some("rust"), "a room not asked for");
    assert!(state.room("gone").is_some(), "not all rooms are in yet");
    state.apply(ServerFrame::Room(room_state("rust", "alice", vec![], 0)));
    assert_eq!(current_room(&state), Some("rust"));
    let rooms: Vec<&str> = state.rooms().map(|room| room.room.as_str()).collect();
    assert_eq!(
        rooms,
        ["lobby", "rust", "zzz"],
        "the room left elsewhere is gone"
    );

    // A room frame after the welcome's rooms is an answer again.
    state.join_room("new", true);
    state.apply(ServerFrame::Room(room_state("new", "alice", vec![], 0)));
    assert_eq!(current_room(&state), Some("new"));

    // A new client shows the lobby even when it comes after the welcome.
    let mut fresh = ChatState::new("t", TOKEN);
    fresh.join("carol");
    fresh.connecting();
    fresh.opened();
    fresh.apply(welcome_of_rooms(
        "carol",
        vec![room_state("aaa", "carol", vec![], 0)],
        1,
    ));
    assert_eq!(
        current_room(&fresh),
        None,
        "nothing shown until the lobby is in"
    );
    fresh.apply(ServerFrame::Room(room_state("lobby", "carol", vec![], 0)));
    assert_eq!(current_room(&fresh), Some("lobby"));
}

/// The ids and texts of the send frames in `frames`, in order.
fn sends(frames: &[ClientFrame]) -> Vec<(String, String)> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            ClientFrame::Send { id, text, .. } => Some((id.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

fn rate_limited(id: &str, retry_after: std::time::Duration) -> ServerFrame {
    Rejection::rate_limited("you are sending too fast", retry_after)
        .about_message(id)
        .into()
}

fn ack(id: &str, seq: u64) -> ServerFrame {
    ServerFrame::Ack {
        id: id.into(),
        room: "lobby".into(),
        seq,
        time: 5,
    }
}

#[test]
fn a_message_refused_for_coming_too_fast_stays_pending_and_everything_goes_again_in_order() {
    let mut state = joined_state();
    state.tick(10.0);
    for n in 1..=5 {
        state.send(&format!("message {n}"));
    }
    let first_try = sends(&state.take_outgoing().collect::<Vec<_>>());
    assert_eq!(first_try.len(), 5);
    let ids: Vec<String> = first_try.iter().map(|(id, _)| id.clone()).collect();
    // The server stored the first two, then refused the rest (each refusal counting down).
    state.apply(rate_limited(
        &ids[2],
        std::time::Duration::from_millis(3000),
    ));
    state.apply(rate_limited(
        &ids[3],
        std::time::Duration::from_millis(2999),
    ));
    state.apply(ack(&ids[0], 1));
    state.apply(rate_limited(
        &ids[4],
        std::time::Duration::from_millis(2998),
    ));
    assert_eq!(state.sending_paused_for(), Some(3.0));
    assert!(
        state.pending().iter().all(|m| m.refused.is_none()),
        "too fast is not refused: {:?}",
        state.pending()
    );
    assert!(
        state.last_error().is_none(),
        "said on the status bar instead"
    );
    // Typed meanwhile: shown pending, held back.
    state.send("message 6");
    state.tick(12.9);
    assert_eq!(state.sending_paused_for().map(f64::ceil), Some(1.0));
    assert_eq!(sends(&state.take_outgoing().collect::<Vec<_>>()), vec![]);
    state.tick(13.0);
    assert_eq!(state.sending_paused_for(), None);
    let resent = sends(&state.take_outgoing().collect::<Vec<_>>());
    let texts: Vec<&str> = resent.iter().map(|(_, text)| text.as_str()).collect();
    // Message 2's ack had not come yet: it goes again (the server answers a repeat by id with
    // its ack, storing nothing twice); message 1 was acked and does not.
    assert_eq!(
        texts,
        [
            "message 2",
            "message 3",
            "message 4",
            "message 5",
            "message 6"
        ]
    );
    // Both acks of message 2 (the original and the repeat's) leave one message.
    for (n, (id, _)) in resent.iter().enumerate() {
        state.apply(ack(id, n as u64 + 2));
    }
    state.apply(ack(&ids[1], 2));
    assert!(state.pending().is_empty());
    assert_eq!(message_seqs(lobby(&state)), vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn a_reconnect_during_a_pause_sends_nothing_until_the_pause_is_over() {
    let mut state = joined_state();
    state.tick(1.0);
    state.send("early");
    let id = sends(&state.take_outgoing().collect::<Vec<_>>())[0]
        .0
        .clone();
    state.apply(rate_limited(&id, std::time::Duration::from_secs(2)));
    state.closed("blip");
    state.retry();
    state.opened();
    state.apply(welcome("alice", vec![]));
    let frames: Vec<_> = state.take_outgoing().collect();
    assert!(matches!(frames[0], ClientFrame::Hello { .. }));
    assert_eq!(sends(&frames), vec![], "the server still has us wait");
    state.tick(3.0);
    assert_eq!(
        sends(&state.take_outgoing().collect::<Vec<_>>()),
        vec![(id, "early".to_owned())]
    );
}

#[test]
fn a_hello_refused_for_too_many_new_names_asks_again_with_the_reason() {
    let mut state = ChatState::new("t", TOKEN);
    state.join("newcomer");
    state.connecting();
    state.opened();
    state.apply(
        Rejection::rate_limited(
            "too many new names from your address; try again in 36 min",
            std::time::Duration::from_secs(2160),
        )
        .into(),
    );
    assert_eq!(state.phase(), &Phase::NameRefused);
    assert!(state.needs_name());
    assert_eq!(
        state.last_error().map(|error| error.message.as_str()),
        Some("too many new names from your address; try again in 36 min")
    );
}

#[test]
fn an_edit_refused_for_coming_too_fast_says_so() {
    let mut state = joined_state();
    state.edit(1, "fixed");
    state.take_outgoing().for_each(drop);
    state.apply(
        Rejection::rate_limited(
            "you are sending too fast; try again in 1 s",
            std::time::Duration::from_secs(1),
        )
        .into(),
    );
    assert_eq!(state.sending_paused_for(), None, "no message is held back");
    assert_eq!(
        state.last_error().map(|error| error.code),
        Some(ErrorCode::RateLimited)
    );
}

#[test]
fn the_hello_deadline_while_picking_another_name_keeps_the_join_screen() {
    let mut state = ChatState::new("t", TOKEN);
    state.join("alice");
    state.connecting();
    state.opened();
    state.take_outgoing().for_each(drop);
    state.apply(ServerFrame::error(ErrorCode::NameTaken, "alice is taken"));
    // The user takes longer than the server waits for a successful hello.
    state.apply(ServerFrame::error(
        ErrorCode::HelloTimeout,
        "no successful hello within 10 s",
    ));
    state.closed("closed");
    assert!(state.needs_name(), "the join screen stays");
    assert!(
        !state.wants_connection() && !state.may_reconnect(),
        "no reconnecting with the refused name"
    );
    assert_eq!(
        state.last_error().map(|e| e.code),
        Some(ErrorCode::NameTaken),
        "the reason the name was refused stays in view"
    );
    assert!(state.join("alice2"));
    assert!(
        state.wants_connection(),
        "the next name opens a new connection"
    );
}
