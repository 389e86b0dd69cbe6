//! Unit tests of [`ChatState::take_arrivals`]: which messages may call for a notification.

use super::*;

/// What `state` reported as arrived, as (sender, text, mentioned, focused).
fn arrived(state: &mut ChatState) -> Vec<(String, String, bool, bool)> {
    state
        .take_arrivals()
        .map(|a| (a.sender, a.text, a.mentioned, a.focused))
        .collect()
}

#[test]
fn a_live_message_from_someone_else_arrives_once_with_the_focus_it_came_in() {
    let mut state = joined_state();
    state.set_viewing(false);
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "hi @alice")));
    let arrivals: Vec<Arrival> = state.take_arrivals().collect();
    assert_eq!(
        arrivals,
        vec![Arrival {
            room: "lobby".into(),
            room_title: "#lobby".into(),
            direct: false,
            sender: "bob".into(),
            text: "hi @alice".into(),
            mentioned: true,
            focused: false,
        }]
    );
    // Taken once; the same message again (a repeated broadcast) is no new arrival.
    assert!(arrived(&mut state).is_empty());
    state.apply(ServerFrame::Message(message(1, "bob", "b1", "hi @alice")));
    assert!(arrived(&mut state).is_empty());

    state.set_viewing(true);
    state.apply(ServerFrame::Message(message(2, "bob", "b2", "plain")));
    assert_eq!(
        arrived(&mut state),
        vec![("bob".into(), "plain".into(), false, true)]
    );
}

#[test]
fn our_own_messages_do_not_arrive() {
    let mut state = joined_state();
    state.set_viewing(false);
    assert!(state.send("hello @alice"));
    let Some(ClientFrame::Send { id, .. }) = state.take_outgoing().next() else {
        panic!("a send frame");
    };
    state.apply(ack(&id, 1));
    state.apply(ServerFrame::Message(message(
        1,
        "alice",
        &id,
        "hello @alice",
    )));
    // Sent from another device of ours: still ours.
    state.apply(ServerFrame::Message(message(2, "alice", "other", "@alice")));
    assert!(arrived(&mut state).is_empty());
}

#[test]
fn replayed_history_and_older_pages_do_not_arrive() {
    let mut state = joined_state();
    state.set_viewing(false);
    state.apply(ServerFrame::Message(message(3, "bob", "b3", "live @alice")));
    assert_eq!(arrived(&mut state).len(), 1);

    // Offline, then back: what we missed comes with the welcome and in history frames.
    state.closed("gone");
    state.retry();
    state.connecting();
    state.opened();
    state.apply(welcome(
        "alice",
        vec![message(4, "bob", "b4", "missed @alice")],
    ));
    state.apply(ServerFrame::History {
        room: "lobby".into(),
        messages: vec![message(5, "bob", "b5", "missed too @alice")],
    });
    // Older history paged in.
    state
        .room_mut("lobby")
        .unwrap()
        .prepend(chinwag_protocol::HistoryPage {
            room: "lobby".into(),
            messages: vec![message(1, "bob", "b1", "old @alice")],
            more: false,
        });
    assert_eq!(message_seqs(lobby(&state)), vec![1, 3, 4, 5]);
    assert!(arrived(&mut state).is_empty());

    state.apply(ServerFrame::Message(message(6, "bob", "b6", "new @alice")));
    assert_eq!(
        arrived(&mut state),
        vec![("bob".into(), "new @alice".into(), true, false)]
    );
}

#[test]
fn a_direct_message_arrives_titled_by_its_peer() {
    let mut state = joined_state();
    state.apply(ServerFrame::Room(dm_state("alice", "bob")));
    state.apply(ServerFrame::Message(ChatMessage {
        room: "@1:2".into(),
        ..message(1, "bob", "b1", "psst")
    }));
    let arrival = state.take_arrivals().next().expect("an arrival");
    assert!(arrival.direct);
    assert_eq!(
        (arrival.room.as_str(), arrival.room_title.as_str()),
        ("@1:2", "bob")
    );
}

#[test]
fn arrivals_nobody_takes_are_bounded() {
    let mut state = joined_state();
    let count = MAX_ARRIVALS as u64 + 5;
    for seq in 1..=count {
        state.apply(ServerFrame::Message(message(
            seq,
            "bob",
            "b",
            &seq.to_string(),
        )));
    }
    let texts: Vec<String> = state.take_arrivals().map(|a| a.text).collect();
    assert_eq!(texts.len(), MAX_ARRIVALS);
    assert_eq!(texts.last(), Some(&count.to_string()));
    assert_eq!(texts.first(), Some(&6.to_string()));
}
