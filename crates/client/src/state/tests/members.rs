//! Unit tests of who is online: presence frames, crowds and pages of names.

use super::*;
use chinwag_protocol::MEMBER_PAGE;

fn presence(joined: &[&str], left: &[&str], online: u64) -> ServerFrame {
    ServerFrame::Presence {
        room: "lobby".into(),
        joined: joined.iter().map(|name| name.to_string()).collect(),
        left: left.iter().map(|name| name.to_string()).collect(),
        online,
    }
}

fn members(after: Option<&str>, users: &[&str], more: bool, online: u64) -> ServerFrame {
    ServerFrame::Members {
        room: "lobby".into(),
        after: after.map(Into::into),
        users: users.iter().map(|name| name.to_string()).collect(),
        more,
        online,
    }
}

fn notices(room: &RoomView) -> Vec<(String, bool)> {
    room.timeline()
        .iter()
        .filter_map(|entry| match entry {
            Entry::Presence { name, joined } => Some((name.clone(), *joined)),
            _ => None,
        })
        .collect()
}

#[test]
fn presence_updates_the_list_and_the_count_and_notes_only_real_changes() {
    let mut state = joined_state();
    state.apply(presence(&["bob", "carol"], &[], 3));
    assert_eq!(lobby(&state).users, ["alice", "bob", "carol"]);
    assert_eq!(lobby(&state).online, 3);
    // Someone the list already has (the room state listed them) is no news; nor is someone
    // going that the list never had.
    state.apply(presence(&["bob"], &["zed"], 3));
    state.apply(presence(&[], &["bob"], 2));
    assert_eq!(lobby(&state).users, ["alice", "carol"]);
    assert_eq!(
        notices(lobby(&state)),
        [
            ("bob".to_owned(), true),
            ("carol".to_owned(), true),
            ("bob".to_owned(), false)
        ]
    );
    assert!(lobby(&state).lists_everyone());
    assert!(state.take_outgoing().next().is_none(), "nothing to ask");
}

#[test]
fn a_crowd_keeps_an_exact_count_and_pages_its_names_on_demand() {
    let mut state = joined_state();
    let crowd = MEMBER_PAGE as u64 + 400;
    state.apply(presence(&[], &[], crowd));
    assert_eq!(lobby(&state).online, crowd);
    assert!(!lobby(&state).lists_everyone());
    assert!(
        state.take_outgoing().next().is_none(),
        "a crowd asks only on demand"
    );

    // The list grew past what the room state listed: the names start over from the first page.
    let ask = |after: Option<&str>| {
        vec![ClientFrame::Members {
            room: "lobby".into(),
            after: after.map(Into::into),
        }]
    };
    state.more_members("lobby");
    assert_eq!(state.take_outgoing().collect::<Vec<_>>(), ask(None));
    state.apply(members(None, &["alice", "bob"], true, crowd));
    assert_eq!(lobby(&state).users, ["alice", "bob"]);
    state.more_members("lobby");
    assert_eq!(state.take_outgoing().collect::<Vec<_>>(), ask(Some("bob")));
    state.apply(members(Some("bob"), &["carol", "dan"], true, crowd));
    assert_eq!(lobby(&state).users, ["alice", "bob", "carol", "dan"]);
    state.more_members("lobby");
    assert_eq!(state.take_outgoing().collect::<Vec<_>>(), ask(Some("dan")));
    // The last page: asking again starts over, and the first page replaces the list.
    state.apply(members(Some("dan"), &["erin"], false, crowd - 1));
    assert_eq!(lobby(&state).online, crowd - 1);
    state.more_members("lobby");
    assert_eq!(state.take_outgoing().collect::<Vec<_>>(), ask(None));
    state.apply(members(None, &["alice", "fay"], true, crowd - 1));
    assert_eq!(lobby(&state).users, ["alice", "fay"]);
}

#[test]
fn a_crowd_that_shrinks_to_a_small_room_asks_for_its_list_once() {
    let mut state = joined_state();
    state.apply(presence(&[], &[], MEMBER_PAGE as u64 + 1));
    // Back to a small room: the names that came and went meanwhile are unknown.
    state.apply(presence(&[], &["bob"], 3));
    let asked = [ClientFrame::Members {
        room: "lobby".into(),
        after: None,
    }];
    assert_eq!(state.take_outgoing().collect::<Vec<_>>(), asked);
    state.apply(presence(&[], &["carol"], 2));
    assert!(state.take_outgoing().next().is_none(), "asked already");
    state.apply(members(None, &["alice", "dan"], false, 2));
    assert_eq!(lobby(&state).users, ["alice", "dan"]);
    assert!(lobby(&state).lists_everyone());
}

#[test]
fn going_offline_forgets_who_is_online() {
    let mut state = joined_state();
    state.apply(presence(&["bob"], &[], 2));
    state.closed("gone");
    assert!(lobby(&state).users.is_empty());
    assert_eq!(lobby(&state).online, 0);
}
