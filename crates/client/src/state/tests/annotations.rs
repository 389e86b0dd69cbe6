//! Replies, reactions, pins and read receipts in [`ChatState`].

use super::*;
use chinwag_protocol::{Pin, Quote, Reaction, SeenMark};

fn thumbs(names: &[&str]) -> Vec<Reaction> {
    vec![Reaction {
        emoji: "👍".into(),
        count: names.len() as u64,
        names: names.iter().map(|name| (*name).to_owned()).collect(),
    }]
}

fn seen(room: &str, marks: &[(&str, u64)], reset: bool) -> ServerFrame {
    ServerFrame::Seen {
        room: room.into(),
        marks: marks
            .iter()
            .map(|(name, seq)| SeenMark {
                name: (*name).into(),
                seq: *seq,
            })
            .collect(),
        reset,
    }
}

/// Alice in the lobby with bob's messages 1 to 3.
fn with_three_messages() -> ChatState {
    let mut state = joined_state();
    for seq in 1..=3 {
        state.apply(ServerFrame::Message(message(seq, "bob", "b", "hi")));
    }
    state.take_outgoing().for_each(drop);
    state
}

#[test]
fn a_reply_carries_its_quote_from_sending_to_the_ack() {
    let mut state = with_three_messages();
    assert!(state.send_reply("me too", Some(2)));
    let quote = Quote::of(2, "bob", "hi", false);
    assert_eq!(state.pending()[0].reply_to, Some(quote.clone()));
    let frames: Vec<ClientFrame> = state.take_outgoing().collect();
    assert!(matches!(
        &frames[..],
        [ClientFrame::Send {
            reply_to: Some(2),
            ..
        }]
    ));
    let id = state.pending()[0].id.clone();
    state.apply(ServerFrame::Ack {
        id,
        room: "lobby".into(),
        seq: 4,
        time: 9,
    });
    assert_eq!(lobby(&state).message(4).unwrap().reply_to, Some(quote));
}

#[test]
fn a_reaction_toggles_by_whether_it_is_ours_and_follows_the_server() {
    let mut state = with_three_messages();
    state.toggle_reaction(1, "👍");
    assert!(matches!(
        state.take_outgoing().next(),
        Some(ClientFrame::React { seq: 1, emoji, .. }) if emoji == "👍"
    ));
    state.apply(ServerFrame::Reactions {
        room: "lobby".into(),
        seq: 1,
        reactions: thumbs(&["bob", "alice"]),
    });
    assert_eq!(
        lobby(&state).message(1).unwrap().reactions,
        thumbs(&["bob", "alice"])
    );
    state.toggle_reaction(1, "👍");
    assert!(matches!(
        state.take_outgoing().next(),
        Some(ClientFrame::Unreact { seq: 1, .. })
    ));
}

#[test]
fn receipts_place_each_reader_under_the_newest_message_they_read() {
    let mut state = with_three_messages();
    state.apply(seen(
        "lobby",
        &[("bob", 1), ("carol", 2), ("alice", 3)],
        true,
    ));
    state.apply(seen("lobby", &[("carol", 1), ("dave", 99)], false));
    let under = |state: &ChatState, seq: u64, next: Option<u64>| -> Vec<String> {
        let room = lobby(state);
        room.seen_under(seq, next, "alice")
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    // carol's mark never moves back; dave read past what is loaded; our own is not shown.
    assert_eq!(under(&state, 1, Some(2)), ["bob"]);
    assert_eq!(under(&state, 2, Some(3)), ["carol"]);
    assert_eq!(under(&state, 3, None), ["dave"]);
    // A member who stops sharing goes; a message read its author.
    state.apply(seen("lobby", &[("dave", 0)], false));
    state.apply(ServerFrame::Message(message(4, "carol", "c", "new")));
    assert_eq!(under(&state, 4, None), ["carol"]);
    assert!(under(&state, 3, Some(4)).is_empty());
}

#[test]
fn not_sharing_receipts_forgets_everyones_until_the_next_welcome() {
    let mut state = with_three_messages();
    assert!(state.shares_receipts());
    state.apply(seen("lobby", &[("bob", 3)], false));
    state.set_share_receipts(false);
    assert_eq!(
        state.take_outgoing().collect::<Vec<_>>(),
        [ClientFrame::ShareReceipts { share: false }]
    );
    state.apply(ServerFrame::ReceiptSharing { share: false });
    assert!(!state.shares_receipts());
    assert!(lobby(&state).seen_under(1, None, "alice").is_empty());
    state.apply(welcome("alice", vec![]));
    assert!(
        state.shares_receipts(),
        "a welcome without the frame means sharing"
    );
}

#[test]
fn pins_and_unpins_show_in_the_timeline_and_keep_the_list_current() {
    let mut state = with_three_messages();
    state.request_pins();
    assert!(matches!(
        state.take_outgoing().next(),
        Some(ClientFrame::ListPins { .. })
    ));
    let pin = |seq: u64| Pin {
        quote: Quote::of(seq, "bob", "hi", false),
        by: "bob".into(),
        time: 5,
    };
    state.apply(ServerFrame::Pins {
        room: "lobby".into(),
        pins: vec![pin(1)],
    });
    state.apply(ServerFrame::Pinned {
        room: "lobby".into(),
        quote: Quote::of(2, "bob", "hi", false),
        by: "bob".into(),
        pinned: true,
        time: 5,
    });
    state.apply(ServerFrame::Pinned {
        room: "lobby".into(),
        quote: Quote::of(1, "bob", "hi", false),
        by: "carol".into(),
        pinned: false,
        time: 6,
    });
    assert_eq!(lobby(&state).pins(), Some([pin(2)].as_slice()));
    assert!(matches!(
        lobby(&state).timeline().last(),
        Some(Entry::Pinned { by, pinned: false, .. }) if by == "carol"
    ));
}

#[test]
fn quotes_follow_edits_deletions_and_renames_of_what_they_quote() {
    let mut state = with_three_messages();
    let mut reply = message(4, "carol", "c", "agreed");
    reply.reply_to = Some(Quote::of(2, "bob", "hi", false));
    reply.reactions = thumbs(&["bob"]);
    state.apply(ServerFrame::Message(reply));
    let quote = |state: &ChatState| lobby(state).message(4).unwrap().reply_to.clone().unwrap();
    state.apply(ServerFrame::Edited {
        room: "lobby".into(),
        seq: 2,
        text: "hello".into(),
        edited: 7,
    });
    assert_eq!(quote(&state).text, "hello");
    state.apply(ServerFrame::Renamed {
        room: "lobby".into(),
        from: "bob".into(),
        to: "rob".into(),
    });
    assert_eq!(quote(&state).from, "rob");
    assert_eq!(
        lobby(&state).message(4).unwrap().reactions,
        thumbs(&["rob"])
    );
    state.apply(ServerFrame::Deleted {
        room: "lobby".into(),
        seq: 2,
    });
    assert_eq!(quote(&state), Quote::of(2, "rob", "", true));
    state.apply(ServerFrame::Deleted {
        room: "lobby".into(),
        seq: 4,
    });
    assert!(lobby(&state).message(4).unwrap().reactions.is_empty());
}
