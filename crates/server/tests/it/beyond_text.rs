//! Beyond text over real sockets: replies with their quotes, reactions toggled by several
//! clients at once, pins, read receipts that can be kept private, all across a restart; and
//! the version bump that came with them.

use chinwag_protocol::{
    ChatMessage, ClientFrame, ErrorCode, HistoryPage, PROTOCOL_VERSION, Quote, Reaction, SeenMark,
    ServerFrame,
};
use chinwag_server::ServeOptions;
use chinwag_testkit::{RawClient, StoreKind, TestServer, http_get, token_of, unlimited};

/// The next message broadcast to `client`.
fn next_message(client: &mut RawClient) -> ChatMessage {
    match client.recv_until(|frame| matches!(frame, ServerFrame::Message(_))) {
        ServerFrame::Message(message) => message,
        _ => unreachable!(),
    }
}

/// A reply to message `reply_to` of the lobby.
fn reply(id: &str, text: &str, reply_to: u64) -> ClientFrame {
    ClientFrame::Send {
        attachment: None,
        id: id.into(),
        room: "lobby".into(),
        text: text.into(),
        reply_to: Some(reply_to),
    }
}

fn react(seq: u64, emoji: &str, add: bool) -> ClientFrame {
    let (room, emoji) = ("lobby".to_owned(), emoji.to_owned());
    if add {
        ClientFrame::React { room, seq, emoji }
    } else {
        ClientFrame::Unreact { room, seq, emoji }
    }
}

/// The last reactions of message `seq` among `frames`.
fn last_reactions(frames: &[ServerFrame], seq: u64) -> Option<Vec<Reaction>> {
    frames.iter().rev().find_map(|frame| match frame {
        ServerFrame::Reactions {
            seq: of, reactions, ..
        } if *of == seq => Some(reactions.clone()),
        _ => None,
    })
}

/// The lobby's history in the first page over HTTP, as `name` reads it.
fn lobby_page(server: &TestServer, name: &str) -> Vec<ChatMessage> {
    let (status, body) = http_get(
        server.addr(),
        "/api/rooms/lobby/messages",
        Some(&token_of(name)),
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<HistoryPage>(&body).unwrap().messages
}

/// The `seen` marks among `frames`, in order.
fn seen_marks(frames: &[ServerFrame]) -> Vec<SeenMark> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            ServerFrame::Seen { marks, .. } => Some(marks.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn mark(name: &str, seq: u64) -> SeenMark {
    SeenMark {
        name: name.into(),
        seq,
    }
}

fn a_reply_quotes_its_original_and_says_message_deleted_once_it_is_gone(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    alice.post("a1", "lobby", "lunch\nat noon?");
    next_message(&mut bob);
    bob.send(&reply("b1", "yes!", 1));
    let answer =
        match alice.recv_until(|frame| matches!(frame, ServerFrame::Message(m) if m.seq == 2)) {
            ServerFrame::Message(message) => message,
            _ => unreachable!(),
        };
    assert_eq!(
        answer.reply_to,
        Some(Quote::of(1, "alice", "lunch at noon?", false))
    );
    assert_eq!(answer.reply_to.as_ref().unwrap().text, "lunch at noon?");

    // A reply to a message that does not exist is refused, about that message.
    bob.send(&reply("b2", "to nothing", 99));
    let refused = bob.recv_until(|frame| matches!(frame, ServerFrame::Error { .. }));
    assert!(
        matches!(&refused, ServerFrame::Error { code: ErrorCode::UnknownMessage, id: Some(id), .. } if id == "b2"),
        "{refused:?}"
    );

    alice.send(&ClientFrame::Delete {
        room: "lobby".into(),
        seq: 1,
    });
    alice.sync("lobby");
    let page = lobby_page(&server, "bob");
    let quote = page[1].reply_to.clone().expect("the reply keeps its quote");
    assert_eq!(
        (quote.seq, quote.deleted, quote.text.as_str()),
        (1, true, "")
    );
    let (_, carol) = RawClient::join(&server.url(), "carol", "lobby");
    assert_eq!(carol.history[1].reply_to, Some(quote));
}

fn reactions_toggled_at_once_by_two_clients_end_the_same_everywhere(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    alice.post("a1", "lobby", "react to me");
    next_message(&mut bob);
    // Both toggle 👍 on and off fifty times without waiting, and end with it on; bob also adds
    // 🎉 and takes it off again, twice (the second take-off changes nothing).
    for round in 0..50 {
        for client in [&mut alice, &mut bob] {
            client.send(&react(1, "👍", true));
            client.send(&react(1, "👍", round == 49));
        }
    }
    for add in [true, false, false] {
        bob.send(&react(1, "🎉", add));
    }
    // Each sync is a barrier for that client's own frames only: alice syncs again once bob's
    // are all handled too.
    let mut alice_saw = alice.sync("lobby");
    let bob_saw = bob.sync("lobby");
    alice_saw.extend(alice.sync("lobby"));
    let expected_count = |reactions: &[Reaction]| {
        let thumbs = reactions
            .iter()
            .find(|r| r.emoji == "👍")
            .expect("👍 stays");
        let mut names = thumbs.names.clone();
        names.sort();
        (reactions.len(), thumbs.count, names)
    };
    let want = (1, 2, vec!["alice".to_owned(), "bob".to_owned()]);
    let alice_last = last_reactions(&alice_saw, 1).expect("alice heard the reactions");
    let bob_last = last_reactions(&bob_saw, 1).expect("bob heard the reactions");
    assert_eq!(expected_count(&alice_last), want);
    assert_eq!(alice_last, bob_last, "both windows end the same");
    assert_eq!(lobby_page(&server, "alice")[0].reactions, alice_last);

    // Taking off a reaction one does not have, or reacting with a word, changes nothing.
    alice.send(&react(1, "🎉", false));
    alice.send(&react(1, "+1", true));
    assert_eq!(alice.recv_error(), ErrorCode::Malformed);
    alice.send(&react(7, "👍", true));
    assert_eq!(alice.recv_error(), ErrorCode::UnknownMessage);
    assert_eq!(lobby_page(&server, "bob")[0].reactions, alice_last);
}

fn receipts_kept_private_are_hidden_both_ways(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (mut carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    alice.post("a1", "lobby", "one");
    alice.post("a2", "lobby", "two");
    for client in [&mut bob, &mut carol] {
        next_message(client);
        next_message(client);
    }
    bob.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: 2,
    });
    bob.sync("lobby");
    assert_eq!(seen_marks(&alice.sync("lobby")), [mark("bob", 2)]);
    assert_eq!(seen_marks(&carol.sync("lobby")), [mark("bob", 2)]);

    // Carol stops sharing: she hears so, loses everyone's receipts, and the others lose hers.
    carol.send(&ClientFrame::ShareReceipts { share: false });
    let carol_saw = carol.sync("lobby");
    assert!(carol_saw.contains(&ServerFrame::ReceiptSharing { share: false }));
    assert!(carol_saw.contains(&ServerFrame::Seen {
        room: "lobby".into(),
        marks: vec![],
        reset: true,
    }));
    assert_eq!(seen_marks(&alice.sync("lobby")), [mark("carol", 0)]);
    assert_eq!(seen_marks(&bob.sync("lobby")), [mark("carol", 0)]);

    // Now neither way: alice's read does not reach carol, carol's read reaches nobody.
    alice.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: 2,
    });
    carol.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: 2,
    });
    alice.sync("lobby");
    carol.sync("lobby");
    assert_eq!(seen_marks(&bob.sync("lobby")), [mark("alice", 2)]);
    assert!(seen_marks(&carol.sync("lobby")).is_empty());
    assert!(seen_marks(&alice.sync("lobby")).is_empty());

    // The same in the room states of a reconnect.
    drop(carol);
    let (_, carol_state) = RawClient::join(&server.url(), "carol", "lobby");
    assert!(carol_state.seen.is_empty());
    drop(alice);
    let (_, alice_state) = RawClient::join(&server.url(), "alice", "lobby");
    assert_eq!(alice_state.seen, [mark("alice", 2), mark("bob", 2)]);

    // Sharing again puts her back, where she has read.
    let (mut carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    carol.send(&ClientFrame::ShareReceipts { share: true });
    let carol_saw = carol.sync("lobby");
    assert!(carol_saw.contains(&ServerFrame::ReceiptSharing { share: true }));
    assert_eq!(
        seen_marks(&carol_saw),
        [mark("alice", 2), mark("bob", 2), mark("carol", 2)]
    );
    assert_eq!(seen_marks(&bob.sync("lobby")), [mark("carol", 2)]);
}

fn pins_are_announced_and_listed_newest_first(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    alice.post("a1", "lobby", "the plan");
    alice.post("a2", "lobby", "the address");
    alice.post("a3", "lobby", "a typo");
    for _ in 0..3 {
        next_message(&mut bob);
    }
    bob.send(&ClientFrame::Pin {
        room: "lobby".into(),
        seq: 1,
    });
    let announced = alice.recv_until(|frame| matches!(frame, ServerFrame::Pinned { .. }));
    let ServerFrame::Pinned {
        quote, by, pinned, ..
    } = announced
    else {
        unreachable!()
    };
    assert_eq!(
        (quote.text.as_str(), by.as_str(), pinned),
        ("the plan", "bob", true)
    );
    alice.send(&ClientFrame::Pin {
        room: "lobby".into(),
        seq: 2,
    });
    alice.send(&ClientFrame::Delete {
        room: "lobby".into(),
        seq: 3,
    });
    alice.send(&ClientFrame::Pin {
        room: "lobby".into(),
        seq: 3,
    });
    assert_eq!(alice.recv_error(), ErrorCode::MessageDeleted);
    let pins = |client: &mut RawClient| {
        client.send(&ClientFrame::ListPins {
            room: "lobby".into(),
        });
        match client.recv_until(|frame| matches!(frame, ServerFrame::Pins { .. })) {
            ServerFrame::Pins { pins, .. } => pins
                .into_iter()
                .map(|pin| (pin.quote.seq, pin.by))
                .collect::<Vec<_>>(),
            _ => unreachable!(),
        }
    };
    assert_eq!(pins(&mut bob), [(2, "alice".into()), (1, "bob".into())]);
    bob.send(&ClientFrame::Unpin {
        room: "lobby".into(),
        seq: 1,
    });
    let unpinned =
        alice.recv_until(|frame| matches!(frame, ServerFrame::Pinned { pinned: false, .. }));
    assert!(matches!(unpinned, ServerFrame::Pinned { quote, .. } if quote.seq == 1));
    assert_eq!(pins(&mut alice), [(2, "alice".into())]);
}

fn replies_reactions_pins_and_private_receipts_survive_a_restart(store: StoreKind) {
    let mut server = TestServer::start_on_store(store, ServeOptions::default());
    {
        let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
        alice.post("a1", "lobby", "keep this");
        alice.send(&reply("a2", "and this answer", 1));
        alice.send(&react(1, "👍", true));
        alice.send(&ClientFrame::Pin {
            room: "lobby".into(),
            seq: 2,
        });
        alice.send(&ClientFrame::ShareReceipts { share: false });
        alice.sync("lobby");
    }
    server.restart();
    let mut alice = RawClient::connect(&server.url());
    alice.send(&chinwag_testkit::hello("alice"));
    let lobby = chinwag_testkit::room_of(alice.recv(), "lobby");
    assert_eq!(
        alice.recv(),
        ServerFrame::ReceiptSharing { share: false },
        "the choice is kept, and told right after the welcome"
    );
    assert_eq!(lobby.history[0].reactions[0].emoji, "👍");
    assert_eq!(lobby.history[0].reactions[0].names, ["alice"]);
    assert_eq!(lobby.history[1].reply_to.as_ref().map(|q| q.seq), Some(1));
    alice.send(&ClientFrame::ListPins {
        room: "lobby".into(),
    });
    let pins = alice.recv_until(|frame| matches!(frame, ServerFrame::Pins { .. }));
    assert!(
        matches!(&pins, ServerFrame::Pins { pins, .. } if pins.len() == 1 && pins[0].quote.text == "and this answer"),
        "{pins:?}"
    );
}

fn a_client_of_the_previous_protocol_is_told_its_version_is_unsupported(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let mut old = RawClient::connect(&server.url());
    old.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION - 1,
        name: "old".into(),
        token: token_of("old"),
        since: vec![],
    });
    let refused = old.recv();
    assert!(
        matches!(&refused, ServerFrame::Error { code: ErrorCode::UnsupportedVersion, message, .. }
            if message.contains(&format!("version {PROTOCOL_VERSION}"))),
        "{refused:?}"
    );
    assert_eq!(old.recv_close(), Some(chinwag_protocol::close_code::POLICY));
}

chinwag_testkit::on_both_stores!(
    a_reply_quotes_its_original_and_says_message_deleted_once_it_is_gone,
    reactions_toggled_at_once_by_two_clients_end_the_same_everywhere,
    receipts_kept_private_are_hidden_both_ways,
    pins_are_announced_and_listed_newest_first,
    replies_reactions_pins_and_private_receipts_survive_a_restart,
    a_client_of_the_previous_protocol_is_told_its_version_is_unsupported,
);
