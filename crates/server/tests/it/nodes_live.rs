//! Everything the protocol tells live crosses nodes: what a member does on one node reaches the
//! members on another as the same frames (renames, edits, deletions, reactions, pins, topics,
//! read receipts, direct rooms, joins and leaves), and presence changed while PostgreSQL was
//! down reaches the other nodes once it is back.

use crate::nodes::{Nodes, presence_of};
use chinwag_protocol::{ClientFrame, Reaction, RoomKind, SeenMark, ServerFrame};
use chinwag_testkit::{PgCluster, RawClient};

/// Two nodes on a fresh database of `pg`: ann online in the lobby on the first, bob on the
/// second, each having heard of the other.
fn ann_and_bob(pg: &PgCluster) -> (Nodes, RawClient, RawClient) {
    let nodes = Nodes::start(pg.fresh_database(), 2);
    let (mut ann, _) = RawClient::join(&nodes.url(0), "ann", "lobby");
    let (bob, lobby) = RawClient::join(&nodes.url(1), "bob", "lobby");
    assert_eq!(lobby.users, ["ann", "bob"]);
    ann.recv_until(|frame| presence_of(frame, "lobby", "bob") == Some((true, 2)));
    (nodes, ann, bob)
}

/// `from` posts `text` to the lobby; returns its seq once `to` (on another node) has it.
fn posted(from: &mut RawClient, to: &mut RawClient, id: &str, text: &str) -> u64 {
    from.post(id, "lobby", text);
    let frame = to.recv_until(|frame| matches!(frame, ServerFrame::Message(m) if m.id == id));
    let ServerFrame::Message(message) = frame else {
        unreachable!()
    };
    assert_eq!(message.text, text);
    message.seq
}

/// The next frame of `client` that `wanted` picks.
fn next(client: &mut RawClient, wanted: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
    client.recv_until(wanted)
}

#[test]
fn renames_edits_and_deletions_on_one_node_reach_members_on_another() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let (_nodes, mut ann, mut bob) = ann_and_bob(pg);
    let seq = posted(&mut ann, &mut bob, "a1", "hello from ann");

    ann.send(&ClientFrame::Rename {
        name: "anna".into(),
    });
    let renamed = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::Renamed { .. })
    });
    assert_eq!(
        renamed,
        ServerFrame::Renamed {
            room: "lobby".into(),
            from: "ann".into(),
            to: "anna".into(),
        }
    );
    // Who is online there follows the new name, and so does the author of her messages.
    bob.send(&ClientFrame::Members {
        room: "lobby".into(),
        after: None,
    });
    let members = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::Members { .. })
    });
    assert!(
        matches!(&members, ServerFrame::Members { users, online: 2, .. } if *users == ["anna", "bob"]),
        "{members:?}"
    );
    bob.send(&ClientFrame::Search {
        room: "lobby".into(),
        query: "hello from".into(),
    });
    let found = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::SearchResults { .. })
    });
    let ServerFrame::SearchResults { messages, .. } = found else {
        unreachable!()
    };
    assert_eq!(messages[0].from, "anna");

    ann.send(&ClientFrame::Edit {
        room: "lobby".into(),
        seq,
        text: "hello again".into(),
    });
    let edited = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::Edited { .. })
    });
    assert!(
        matches!(&edited, ServerFrame::Edited { room, seq: s, text, .. }
            if room == "lobby" && *s == seq && text == "hello again"),
        "{edited:?}"
    );
    ann.send(&ClientFrame::Delete {
        room: "lobby".into(),
        seq,
    });
    let deleted = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::Deleted { .. })
    });
    assert_eq!(
        deleted,
        ServerFrame::Deleted {
            room: "lobby".into(),
            seq
        }
    );
}

#[test]
fn reactions_pins_and_topics_on_one_node_reach_members_on_another() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let (_nodes, mut ann, mut bob) = ann_and_bob(pg);
    let seq = posted(&mut ann, &mut bob, "a1", "pin me");
    let reactions_of = |frame: &ServerFrame| match frame {
        ServerFrame::Reactions {
            room,
            seq: s,
            reactions,
        } if room == "lobby" && *s == seq => Some(reactions.clone()),
        _ => None,
    };
    let thumbs = |names: &[&str]| {
        vec![Reaction {
            emoji: "👍".into(),
            count: names.len() as u64,
            names: names.iter().map(|name| (*name).to_owned()).collect(),
        }]
    };

    // Each way round: the other node's member sees the message's reactions as they are.
    ann.send(&ClientFrame::React {
        room: "lobby".into(),
        seq,
        emoji: "👍".into(),
    });
    let heard = next(&mut bob, |frame| reactions_of(frame).is_some());
    assert_eq!(reactions_of(&heard), Some(thumbs(&["ann"])));
    bob.send(&ClientFrame::React {
        room: "lobby".into(),
        seq,
        emoji: "👍".into(),
    });
    let heard = next(&mut ann, |frame| {
        reactions_of(frame).is_some_and(|r| r[0].count == 2)
    });
    assert_eq!(reactions_of(&heard), Some(thumbs(&["ann", "bob"])));
    ann.send(&ClientFrame::Unreact {
        room: "lobby".into(),
        seq,
        emoji: "👍".into(),
    });
    let heard = next(&mut bob, |frame| {
        reactions_of(frame).is_some_and(|r| r[0].count == 1)
    });
    assert_eq!(reactions_of(&heard), Some(thumbs(&["bob"])));

    ann.send(&ClientFrame::Pin {
        room: "lobby".into(),
        seq,
    });
    let pinned = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::Pinned { .. })
    });
    let ServerFrame::Pinned {
        room,
        quote,
        by,
        pinned: true,
        ..
    } = pinned
    else {
        panic!("expected a pin, got {pinned:?}");
    };
    assert_eq!((room.as_str(), by.as_str()), ("lobby", "ann"));
    assert_eq!(
        (quote.seq, quote.from.as_str(), quote.text.as_str()),
        (seq, "ann", "pin me")
    );
    bob.send(&ClientFrame::ListPins {
        room: "lobby".into(),
    });
    let pins = next(&mut bob, |frame| matches!(frame, ServerFrame::Pins { .. }));
    assert!(
        matches!(&pins, ServerFrame::Pins { pins, .. } if pins.len() == 1 && pins[0].quote.seq == seq && pins[0].by == "ann"),
        "{pins:?}"
    );
    ann.send(&ClientFrame::Unpin {
        room: "lobby".into(),
        seq,
    });
    let unpinned = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::Pinned { .. })
    });
    assert!(
        matches!(&unpinned, ServerFrame::Pinned { quote, pinned: false, by, .. } if quote.seq == seq && by == "ann"),
        "{unpinned:?}"
    );

    ann.send(&ClientFrame::SetTopic {
        room: "lobby".into(),
        topic: "plans for friday".into(),
    });
    let topic = next(&mut bob, |frame| matches!(frame, ServerFrame::Topic { .. }));
    assert_eq!(
        topic,
        ServerFrame::Topic {
            room: "lobby".into(),
            topic: "plans for friday".into(),
            by: "ann".into(),
        }
    );
}

#[test]
fn read_receipts_of_many_readers_on_one_node_reach_members_on_another() {
    // More readers than one notification carries (`SEEN_PER_EVENT` is 16), with the longest
    // names.
    const READERS: usize = 40;
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let (nodes, mut ann, mut bob) = ann_and_bob(pg);
    let seq = posted(&mut bob, &mut ann, "b1", "read me");
    let name = |n: usize| format!("{n:02}{}", "ü".repeat(30));
    let mut readers: Vec<RawClient> = (0..READERS)
        .map(|n| RawClient::join(&nodes.url(0), &name(n), "lobby").0)
        .collect();
    for reader in &mut readers {
        reader.send(&ClientFrame::Read {
            room: "lobby".into(),
            seq,
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < READERS {
        if let ServerFrame::Seen { room, marks, reset } = bob.recv() {
            assert_eq!((room.as_str(), reset), ("lobby", false));
            for SeenMark { name, seq: read } in marks {
                assert_eq!(read, seq, "{name} read up to the message");
                seen.insert(name);
            }
        }
    }
    assert_eq!(seen, (0..READERS).map(name).collect());

    // One who stops sharing is taken off on the other node too.
    ann.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq,
    });
    next(
        &mut bob,
        |frame| matches!(frame, ServerFrame::Seen { marks, .. } if marks.iter().any(|m| m.name == "ann")),
    );
    ann.send(&ClientFrame::ShareReceipts { share: false });
    let off = next(
        &mut bob,
        |frame| matches!(frame, ServerFrame::Seen { marks, .. } if marks.iter().any(|m| m.name == "ann")),
    );
    assert_eq!(
        off,
        ServerFrame::Seen {
            room: "lobby".into(),
            marks: vec![SeenMark {
                name: "ann".into(),
                seq: 0
            }],
            reset: false,
        }
    );
    // The other node knows it too: ann reading there is not announced.
    let later = posted(&mut bob, &mut ann, "b2", "read me too");
    let (mut ann_there, _) = RawClient::join(&nodes.url(1), "ann", "lobby");
    ann_there.send(&ClientFrame::Read {
        room: "lobby".into(),
        seq: later,
    });
    ann_there.sync("lobby");
    let frames = bob.sync("lobby");
    assert!(
        !frames
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Seen { .. })),
        "{frames:?}"
    );
}

#[test]
fn direct_rooms_and_joins_on_one_node_reach_members_on_another() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let (_nodes, mut ann, mut bob) = ann_and_bob(pg);

    // A direct conversation opened on one node reaches the peer connected to the other.
    ann.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let direct = |frame: &ServerFrame| matches!(frame, ServerFrame::Room(state) if state.kind == RoomKind::Direct);
    let ServerFrame::Room(opened) = next(&mut ann, direct) else {
        unreachable!()
    };
    let ServerFrame::Room(arrived) = next(&mut bob, direct) else {
        unreachable!()
    };
    assert_eq!(arrived.room, opened.room);
    assert_eq!(arrived.peer.as_deref(), Some("ann"));
    ann.post("d1", &opened.room, "just us");
    let message = next(
        &mut bob,
        |frame| matches!(frame, ServerFrame::Message(m) if m.id == "d1"),
    );
    assert!(
        matches!(&message, ServerFrame::Message(m) if m.room == opened.room && m.from == "ann"),
        "{message:?}"
    );

    // A room created on one node is listed on the other; joining and leaving it there is
    // seen here.
    ann.send(&ClientFrame::Join {
        room: "plans".into(),
        create: true,
        last_seq: None,
    });
    next(
        &mut ann,
        |frame| matches!(frame, ServerFrame::Room(state) if state.room == "plans"),
    );
    bob.send(&ClientFrame::ListRooms);
    let list = next(&mut bob, |frame| {
        matches!(frame, ServerFrame::RoomList { .. })
    });
    assert!(
        matches!(&list, ServerFrame::RoomList { rooms } if rooms.iter().any(|r| r.room == "plans")),
        "{list:?}"
    );
    bob.send(&ClientFrame::Join {
        room: "plans".into(),
        create: false,
        last_seq: None,
    });
    let ServerFrame::Room(plans) = next(
        &mut bob,
        |frame| matches!(frame, ServerFrame::Room(state) if state.room == "plans"),
    ) else {
        unreachable!()
    };
    assert_eq!(
        (plans.users.as_slice(), plans.online),
        (["ann".to_owned(), "bob".to_owned()].as_slice(), 2)
    );
    next(&mut ann, |frame| {
        presence_of(frame, "plans", "bob") == Some((true, 2))
    });
    bob.send(&ClientFrame::Leave {
        room: "plans".into(),
    });
    next(&mut ann, |frame| {
        presence_of(frame, "plans", "bob") == Some((false, 1))
    });
}

#[test]
fn presence_changed_while_postgres_is_down_reaches_the_other_nodes_once_it_is_back() {
    // A cluster of its own: the others' tests keep theirs running.
    let Some(pg) = PgCluster::own() else {
        return;
    };
    let (nodes, mut ann, mut bob) = ann_and_bob(&pg);
    let (carl, _) = RawClient::join(&nodes.url(0), "carl", "lobby");
    bob.recv_until(|frame| presence_of(frame, "lobby", "carl") == Some((true, 3)));

    pg.stop_server();
    drop(carl);
    // Its own node counts it gone at once; the other cannot be told yet.
    ann.recv_until(|frame| presence_of(frame, "lobby", "carl") == Some((false, 2)));
    pg.start_server();
    bob.recv_until(|frame| presence_of(frame, "lobby", "carl") == Some((false, 2)));

    // And presence goes on crossing as before.
    let (_dan, _) = RawClient::join(&nodes.url(0), "dan", "lobby");
    bob.recv_until(|frame| presence_of(frame, "lobby", "dan") == Some((true, 3)));
}
