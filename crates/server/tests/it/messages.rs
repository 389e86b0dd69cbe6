//! Messages over real sockets: edits and deletions by their author only, typing notices, read
//! markers with unread and mention counts, and search.

use chinwag_protocol::{
    ChatMessage, ClientFrame, ErrorCode, MAX_QUERY_CHARS, MAX_SEARCH_RESULTS, MAX_UNREAD_COUNT,
    ServerFrame,
};
use chinwag_server::ServeOptions;
use chinwag_testkit::{
    RawClient, StoreKind, TestServer, error_code, room_of, token_of, unlimited, went,
};

fn is_message(frame: &ServerFrame) -> bool {
    matches!(frame, ServerFrame::Message(_))
}

/// Posts `text` to `room` and waits for its ack; returns its sequence number.
fn post(client: &mut RawClient, id: &str, room: &str, text: &str) -> u64 {
    client.post(id, room, text);
    match client
        .recv_until(|frame| matches!(frame, ServerFrame::Ack { id: acked, .. } if acked == id))
    {
        ServerFrame::Ack { seq, .. } => seq,
        _ => unreachable!(),
    }
}

fn edit(room: &str, seq: u64, text: &str) -> ClientFrame {
    ClientFrame::Edit {
        room: room.into(),
        seq,
        text: text.into(),
    }
}

fn delete(room: &str, seq: u64) -> ClientFrame {
    ClientFrame::Delete {
        room: room.into(),
        seq,
    }
}

fn search(room: &str, query: &str) -> ClientFrame {
    ClientFrame::Search {
        room: room.into(),
        query: query.into(),
    }
}

fn codes(frames: &[ServerFrame]) -> Vec<ErrorCode> {
    frames.iter().filter_map(error_code).collect()
}

/// The lobby's history as a newcomer sees it in its welcome.
fn lobby_history(server: &TestServer, newcomer: &str) -> Vec<ChatMessage> {
    let (_client, welcome) = RawClient::hello_as(&server.url(), newcomer, &token_of(newcomer));
    room_of(welcome, "lobby").history
}

/// The texts of the messages a search for `query` in the lobby answers, in order.
fn search_texts(client: &mut RawClient, query: &str) -> Vec<String> {
    client.send(&search("lobby", query));
    match client.recv_until(|frame| matches!(frame, ServerFrame::SearchResults { .. })) {
        ServerFrame::SearchResults {
            room,
            query: echoed,
            messages,
        } => {
            assert_eq!((room.as_str(), echoed.as_str()), ("lobby", query));
            messages.into_iter().map(|message| message.text).collect()
        }
        _ => unreachable!(),
    }
}

fn an_edit_of_ones_own_message_is_broadcast_and_kept(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let seq = post(&mut alice, "a1", "lobby", "teh typo");
    let original = match bob.recv_until(is_message) {
        ServerFrame::Message(message) => message,
        _ => unreachable!(),
    };

    alice.send(&edit("lobby", seq, "the typo, fixed"));
    let at_alice = alice.recv_until(|frame| matches!(frame, ServerFrame::Edited { .. }));
    let at_bob = bob.recv_until(|frame| matches!(frame, ServerFrame::Edited { .. }));
    assert_eq!(at_alice, at_bob);
    let ServerFrame::Edited {
        room,
        seq: edited_seq,
        text,
        edited,
    } = at_bob
    else {
        unreachable!()
    };
    assert_eq!(
        (room.as_str(), edited_seq, text.as_str()),
        ("lobby", seq, "the typo, fixed")
    );
    assert!(
        edited >= original.time,
        "edited at {edited}, sent at {}",
        original.time
    );

    // History has the new text and the edit time; the rest of the message is unchanged.
    let history = lobby_history(&server, "carol");
    assert_eq!(
        history,
        [ChatMessage {
            text: "the typo, fixed".into(),
            edited: Some(edited),
            ..original
        }]
    );

    // An edit must be a valid text.
    alice.send(&edit("lobby", seq, "   "));
    assert_eq!(alice.recv_error(), ErrorCode::EmptyMessage);
    alice.send(&edit(
        "lobby",
        seq,
        &"x".repeat(chinwag_protocol::MAX_TEXT_BYTES + 1),
    ));
    assert_eq!(alice.recv_error(), ErrorCode::TooLarge);
    assert_eq!(lobby_history(&server, "carol")[0].text, "the typo, fixed");
}

fn only_the_sender_may_edit_or_delete_a_message(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let seq = post(&mut alice, "a1", "lobby", "mine");

    bob.send(&edit("lobby", seq, "now mine"));
    assert_eq!(codes(&bob.sync("lobby")), [ErrorCode::NotYours]);
    bob.send(&delete("lobby", seq));
    assert_eq!(codes(&bob.sync("lobby")), [ErrorCode::NotYours]);
    let seen = alice.sync("lobby");
    assert!(
        !seen.iter().any(|frame| matches!(
            frame,
            ServerFrame::Edited { .. } | ServerFrame::Deleted { .. }
        )),
        "{seen:?}"
    );
    let history = lobby_history(&server, "carol");
    assert_eq!(
        (
            history[0].text.as_str(),
            history[0].edited,
            history[0].deleted
        ),
        ("mine", None, false)
    );

    // Someone not in the room is refused before anything else.
    let (mut dave, _) = RawClient::join(&server.url(), "dave", "den");
    dave.send(&ClientFrame::Leave {
        room: "lobby".into(),
    });
    dave.send(&edit("lobby", seq, "x"));
    assert_eq!(dave.recv_error(), ErrorCode::NotJoined);
}

fn a_deletion_is_broadcast_blanks_the_text_and_ends_edits(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let seq = post(&mut alice, "a1", "lobby", "regrettable");
    post(&mut alice, "a2", "lobby", "fine");

    alice.send(&delete("lobby", seq));
    let deleted = ServerFrame::Deleted {
        room: "lobby".into(),
        seq,
    };
    for client in [&mut alice, &mut bob] {
        assert_eq!(
            client.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. })),
            deleted
        );
    }
    let history = lobby_history(&server, "carol");
    assert_eq!(
        history
            .iter()
            .map(|m| (m.seq, m.text.as_str(), m.deleted))
            .collect::<Vec<_>>(),
        [(seq, "", true), (seq + 1, "fine", false)]
    );

    // A deleted message cannot be edited or deleted again; unknown ones are unknown.
    alice.send(&edit("lobby", seq, "un-regret"));
    assert_eq!(alice.recv_error(), ErrorCode::MessageDeleted);
    alice.send(&delete("lobby", seq));
    assert_eq!(alice.recv_error(), ErrorCode::MessageDeleted);
    alice.send(&edit("lobby", 99, "ghost"));
    assert_eq!(alice.recv_error(), ErrorCode::UnknownMessage);
    alice.send(&delete("lobby", 0));
    assert_eq!(alice.recv_error(), ErrorCode::UnknownMessage);
    let seen = bob.sync("lobby");
    assert!(
        !seen.iter().any(|frame| matches!(
            frame,
            ServerFrame::Edited { .. } | ServerFrame::Deleted { .. }
        )),
        "{seen:?}"
    );
    assert_eq!(lobby_history(&server, "carol"), history);
}

fn typing_reaches_the_others_at_most_once_a_second(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (mut carol, _) = RawClient::join(&server.url(), "carol", "den");
    let typing = ClientFrame::Typing {
        room: "lobby".into(),
    };

    // Two notices in a row, then a message: the others see one notice before the message.
    alice.send(&typing);
    alice.send(&typing);
    alice.post("a1", "lobby", "done typing");
    let notice = ServerFrame::Typing {
        room: "lobby".into(),
        name: "alice".into(),
    };
    for client in [&mut bob, &mut carol] {
        let mut seen = Vec::new();
        loop {
            let frame = client.recv();
            if is_message(&frame) {
                break;
            }
            seen.push(frame);
        }
        assert_eq!(
            seen.iter()
                .filter(|frame| matches!(frame, ServerFrame::Typing { .. }))
                .collect::<Vec<_>>(),
            [&notice]
        );
    }
    // The typist hears none of it.
    let mut seen = vec![alice.recv_until(is_message)];
    seen.extend(alice.sync("lobby"));
    assert!(
        !seen
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Typing { .. })),
        "{seen:?}"
    );
    // Once the second is over, the next notice goes through again.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    alice.send(&typing);
    assert_eq!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Typing { .. })),
        notice
    );

    // Typing in a room one is not in is refused; a room's typing stays in the room.
    bob.send(&ClientFrame::Typing { room: "den".into() });
    assert_eq!(bob.recv_error(), ErrorCode::NotJoined);
    carol.send(&ClientFrame::Typing { room: "den".into() });
    let seen = [carol.sync("den"), bob.sync("lobby")];
    assert!(
        !seen
            .iter()
            .flatten()
            .any(|frame| matches!(frame, ServerFrame::Typing { room, .. } if room == "den")),
        "{seen:?}"
    );
}

fn read_markers_follow_the_identity_and_count_unread_and_mentions(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    post(&mut alice, "a1", "lobby", "one"); // 1
    post(&mut alice, "a2", "lobby", "hey @bob"); // 2
    post(&mut alice, "a3", "lobby", "three"); // 3
    post(&mut bob, "b4", "lobby", "my own, @bob, cc @alice"); // 4: bob's own, not unread
    post(&mut alice, "a5", "lobby", "@bob again"); // 5: unread, a mention
    let deleted = post(&mut alice, "a6", "lobby", "@bob gone"); // 6: deleted, not unread
    alice.send(&delete("lobby", deleted));
    alice.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. }));
    post(&mut alice, "a7", "lobby", "seven"); // 7

    bob.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: 2,
    });
    // A marker never moves back.
    bob.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: 1,
    });
    assert!(codes(&bob.sync("lobby")).is_empty());
    drop(bob);
    alice.recv_until(went("bob"));

    // Another device of bob's (same token) gets the marker and the counts.
    let (mut bob, welcome) = RawClient::hello_as(&server.url(), "bob", &token_of("bob"));
    let lobby = room_of(welcome, "lobby");
    assert_eq!(
        (lobby.last_read, lobby.unread, lobby.mentions),
        (4, 2, 1),
        "posting 4 read up to it; unread: 5 and 7 (6 was deleted); mentions: 5"
    );
    // Alice (a second device of hers) read everything up to her last message, 7.
    let (_alice, welcome) = RawClient::hello_as(&server.url(), "alice", &token_of("alice"));
    let lobby = room_of(welcome, "lobby");
    assert_eq!((lobby.last_read, lobby.unread, lobby.mentions), (7, 0, 0));

    // A marker beyond the newest message stops at the newest; then nothing is unread. A room
    // one is not in has no marker to move.
    bob.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: 1_000,
    });
    bob.send(&ClientFrame::Read {
        room: "den".into(),
        seq: 1,
    });
    assert_eq!(codes(&bob.sync("lobby")), [ErrorCode::NotJoined]);
    let (_bob, welcome) = RawClient::hello_as(&server.url(), "bob", &token_of("bob"));
    let lobby = room_of(welcome, "lobby");
    assert_eq!((lobby.last_read, lobby.unread, lobby.mentions), (7, 0, 0));
}

fn search_finds_live_messages_newest_first_and_takes_the_query_literally(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    for (i, text) in [
        "Hello World",
        "hello there",
        "100% sure",
        "1000 sure",
        "under_score",
        "underXscore",
        "back\\slash",
        "hello, I will be deleted",
        "HELLO caps",
        "nothing to see",
    ]
    .into_iter()
    .enumerate()
    {
        post(&mut alice, &format!("m{i}"), "lobby", text);
    }
    alice.send(&delete("lobby", 8));
    alice.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. }));

    assert_eq!(
        search_texts(&mut alice, "hello"),
        ["HELLO caps", "hello there", "Hello World"],
        "case-insensitive, newest first, never a deleted message"
    );
    assert_eq!(search_texts(&mut alice, "WORLD"), ["Hello World"]);
    assert_eq!(search_texts(&mut alice, "0%"), ["100% sure"]);
    assert_eq!(search_texts(&mut alice, "%"), ["100% sure"]);
    assert_eq!(search_texts(&mut alice, "r_s"), ["under_score"]);
    assert_eq!(search_texts(&mut alice, "_"), ["under_score"]);
    assert_eq!(search_texts(&mut alice, "k\\s"), ["back\\slash"]);
    assert_eq!(search_texts(&mut alice, "deleted"), Vec::<String>::new());
    assert_eq!(search_texts(&mut alice, "zebra"), Vec::<String>::new());
    // The longest query allowed is answered.
    assert_eq!(
        search_texts(&mut alice, &"q".repeat(MAX_QUERY_CHARS)),
        Vec::<String>::new()
    );

    for (query, code) in [
        ("", ErrorCode::EmptyMessage),
        ("   ", ErrorCode::EmptyMessage),
        (&*"q".repeat(MAX_QUERY_CHARS + 1), ErrorCode::TooLarge),
    ] {
        alice.send(&search("lobby", query));
        assert_eq!(codes(&alice.sync("lobby")), [code], "searching {query:?}");
    }
    alice.send(&search("den", "hello"));
    assert_eq!(alice.recv_error(), ErrorCode::NotJoined);
}

fn search_answers_at_most_the_newest_fifty_matches(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let total = MAX_SEARCH_RESULTS + 10;
    for i in 1..=total {
        alice.post(&format!("m{i}"), "lobby", &format!("match {i}"));
    }
    for _ in 0..total {
        alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    }
    alice.send(&search("lobby", "match"));
    let ServerFrame::SearchResults { messages, .. } =
        alice.recv_until(|frame| matches!(frame, ServerFrame::SearchResults { .. }))
    else {
        unreachable!()
    };
    let seqs: Vec<u64> = messages.iter().map(|m| m.seq).collect();
    let expected: Vec<u64> = (11..=total as u64).rev().collect();
    assert_eq!(seqs, expected);
}

/// Posts `texts` as alice, one after the other, and waits for every ack.
fn post_all_texts(alice: &mut RawClient, texts: &[String]) {
    for (i, text) in texts.iter().enumerate() {
        alice.post(&format!("t{i}"), "lobby", text);
    }
    for _ in texts {
        alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    }
}

fn search_finds_every_script_case_insensitively_up_to_the_limit(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let each = MAX_SEARCH_RESULTS + 5;
    // Chinese (no spaces between words), Arabic (right to left), accented Latin, interleaved
    // with texts that match none of the queries.
    let scripts = ["今天天气很好", "مرحبا بالعالم", "Crème Brûlée"];
    let texts: Vec<String> = (1..=each)
        .flat_map(|i| {
            scripts
                .iter()
                .map(move |script| format!("{script} {i}"))
                .chain([format!("filler {i}")])
        })
        .collect();
    post_all_texts(&mut alice, &texts);
    let newest = |script: &str| -> Vec<String> {
        (each - MAX_SEARCH_RESULTS + 1..=each)
            .rev()
            .map(|i| format!("{script} {i}"))
            .collect()
    };
    for (query, script) in [
        ("天气很好", scripts[0]),
        ("天气", scripts[0]),
        ("بالعالم", scripts[1]),
        ("مرحبا", scripts[1]),
        ("crème brûlée", scripts[2]),
        ("CRÈME BRÛLÉE", scripts[2]),
        ("Brûl", scripts[2]),
        ("rû", scripts[2]),
    ] {
        assert_eq!(search_texts(&mut alice, query), newest(script), "{query}");
    }
    assert!(search_texts(&mut alice, "天气不好").is_empty());
}

fn search_follows_edits_and_deletions(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    post(&mut alice, "a", "lobby", "the first draft");
    post(&mut alice, "b", "lobby", "gone soon, draft");
    alice.send(&edit("lobby", 1, "the final text"));
    alice.recv_until(|frame| matches!(frame, ServerFrame::Edited { .. }));
    alice.send(&delete("lobby", 2));
    alice.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. }));
    assert!(search_texts(&mut alice, "draft").is_empty());
    assert_eq!(search_texts(&mut alice, "final"), ["the final text"]);
}

fn a_mention_is_the_whole_name_after_an_at_sign_outside_code(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    drop(bob);
    alice.recv_until(went("bob"));
    for (i, text) in [
        "hey @bob",         // a mention
        "**@bob**, look",   // a mention in bold
        "@bobby is not me", // a longer name
        "mail bob@x.org",   // not after a word boundary
        "`@bob` in code",   // code is not a mention
        "@Bob",             // names are case-sensitive
    ]
    .into_iter()
    .enumerate()
    {
        post(&mut alice, &format!("a{i}"), "lobby", text);
    }
    let (_bob, welcome) = RawClient::hello_as(&server.url(), "bob", &token_of("bob"));
    let lobby = room_of(welcome, "lobby");
    assert_eq!(
        (lobby.unread, lobby.mentions),
        (6, 2),
        "the same rule as the client's (chinwag_protocol::markup::mentions)"
    );
}

fn a_message_belongs_to_its_senders_identity_not_to_a_name(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let seq = post(&mut alice, "a1", "lobby", "written as alice");
    alice.send(&ClientFrame::Rename {
        name: "alicia".into(),
    });
    alice.recv_until(|frame| matches!(frame, ServerFrame::Renamed { .. }));

    // The name she gave up stays hers for a while: nobody else can take it.
    let mut impostor = RawClient::connect(&server.url());
    impostor.send(&chinwag_testkit::hello_with(
        "alice",
        "impostor-token-0123456789",
    ));
    assert_eq!(impostor.recv_error(), ErrorCode::NameTaken);
    drop(impostor);

    // Her old message goes by her new name, and nobody else may change it.
    let (mut impostor, welcome) =
        RawClient::hello_as(&server.url(), "mallory", "impostor-token-0123456789");
    assert_eq!(room_of(welcome, "lobby").history[0].from, "alicia");
    impostor.send(&edit("lobby", seq, "forged"));
    assert_eq!(impostor.recv_error(), ErrorCode::NotYours);
    impostor.send(&delete("lobby", seq));
    assert_eq!(impostor.recv_error(), ErrorCode::NotYours);

    // Its author, under her new name, still may.
    alice.send(&edit("lobby", seq, "edited as alicia"));
    let ServerFrame::Edited { text, .. } =
        impostor.recv_until(|frame| matches!(frame, ServerFrame::Edited { .. }))
    else {
        unreachable!()
    };
    assert_eq!(text, "edited as alicia");
}

fn a_newcomer_has_read_the_past_and_unread_counts_stop_at_the_cap(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.post("before", "lobby", "said before bob ever came");
    alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    // Bob joins after that message: it is history to him, not unread.
    let (bob, lobby) = RawClient::join(&server.url(), "bob", "lobby");
    assert_eq!((lobby.unread, lobby.last_read), (0, 1));
    drop(bob);
    let total = MAX_UNREAD_COUNT + 5;
    // In batches, reading the answers of each: every message puts an ack and the message itself
    // in alice's queue, and a client that never reads is dropped as too slow when it fills.
    for batch in (0..total).collect::<Vec<_>>().chunks(100) {
        for n in batch {
            alice.post(&format!("m{n}"), "lobby", "while bob is away");
        }
        let last = format!("m{}", batch[batch.len() - 1]);
        alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { id, .. } if *id == last));
    }
    let (_bob, lobby) = RawClient::join(&server.url(), "bob", "lobby");
    assert_eq!(
        lobby.unread, MAX_UNREAD_COUNT as u64,
        "counted up to the cap"
    );
}

fn numbers_beyond_any_message_are_unknown_not_a_server_failure(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.send(&edit("lobby", u64::MAX, "x"));
    assert_eq!(alice.recv_error(), ErrorCode::UnknownMessage);
    alice.send(&delete("lobby", u64::MAX));
    assert_eq!(alice.recv_error(), ErrorCode::UnknownMessage);
    alice.send(&ClientFrame::Join {
        room: "lobby".into(),
        create: false,
        last_seq: Some(u64::MAX),
    });
    assert!(matches!(
        alice.recv_until(|frame| matches!(frame, ServerFrame::Room(_) | ServerFrame::Error { .. })),
        ServerFrame::Room(_)
    ));
}

chinwag_testkit::on_both_stores!(
    search_finds_every_script_case_insensitively_up_to_the_limit,
    search_follows_edits_and_deletions,
    an_edit_of_ones_own_message_is_broadcast_and_kept,
    only_the_sender_may_edit_or_delete_a_message,
    a_deletion_is_broadcast_blanks_the_text_and_ends_edits,
    typing_reaches_the_others_at_most_once_a_second,
    read_markers_follow_the_identity_and_count_unread_and_mentions,
    search_finds_live_messages_newest_first_and_takes_the_query_literally,
    search_answers_at_most_the_newest_fifty_matches,
    a_mention_is_the_whole_name_after_an_at_sign_outside_code,
    a_message_belongs_to_its_senders_identity_not_to_a_name,
    a_newcomer_has_read_the_past_and_unread_counts_stop_at_the_cap,
    numbers_beyond_any_message_are_unknown_not_a_server_failure,
);
