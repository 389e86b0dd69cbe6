//! The chat people expect, through the real window (egui_kittest) on a real server: rooms and
//! unread badges, direct messages, typing, mentions, edits, search, scrollback and renames.

use crate::window::{
    create_room, current_room, joined_harness, search_with_ctrl_f, send_from_composer, step_until,
};
use chinwag::client::state::Entry;
use chinwag::protocol::{ClientFrame, ServerFrame};
use chinwag::ui::ChatApp;
use chinwag_testkit::{RawClient, TestServer};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

fn messages_in(harness: &Harness<'_, ChatApp>, room: &str) -> usize {
    harness.state().state().room(room).map_or(0, |room| {
        room.timeline()
            .iter()
            .filter(|entry| matches!(entry, Entry::Message(_)))
            .count()
    })
}

/// Replaces the whole text of the field `label` (of `role`) with `text`, as a user selecting
/// all and typing over it would.
fn retype(harness: &mut Harness<'_, ChatApp>, role: Role, label: &str, text: &str) {
    harness.get_by_role_and_label(role, label).focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.run_steps(1);
}

#[test]
fn rooms_are_created_and_switched_and_unread_rooms_show_badges() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    create_room(&mut harness, "rust");
    harness.get_by_label("#rust");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b1", "lobby", "hello @alice");
    bob.post("b2", "lobby", "anyone around?");
    step_until(&mut harness, "two unread in the lobby", |h| {
        h.state()
            .state()
            .room("lobby")
            .is_some_and(|room| room.unread == 2)
    });
    harness.get_by_label("2");
    harness.get_by_label("@1");
    assert_eq!(harness.state().state().total_unread(), 2);

    harness.get_by_label("# lobby").click();
    harness.run_steps(3);
    assert_eq!(current_room(&harness), "lobby");
    harness.get_by_label("New messages");
    harness.get_by_label("hello @alice");
    harness.get_by_label("mentions you");
    assert!(harness.query_by_label("@1").is_none(), "read once shown");
    assert_eq!(harness.state().state().total_unread(), 0);

    // An unknown room cannot be joined without creating it.
    let field = harness.get_by_role_and_label(Role::TextInput, "Join or create a room");
    field.focus();
    field.type_text("nowhere");
    harness.run_steps(1);
    harness.get_by_label("Join").click();
    step_until(&mut harness, "the refusal", |h| {
        h.state().state().last_error().is_some()
    });
    harness.get_by_label_contains("there is no room called nowhere");
    assert_eq!(current_room(&harness), "lobby");
    harness.check_accessibility();
}

#[test]
fn clicking_a_member_opens_a_direct_conversation() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "bob online", |h| {
        h.state()
            .state()
            .current()
            .is_some_and(|room| room.users.len() == 2)
    });
    harness.get_by_label("bob").click();
    step_until(&mut harness, "the direct room", |h| {
        current_room(h).starts_with('@')
    });
    harness.get_by_label("@bob");
    send_from_composer(&mut harness, "just between us");
    let ServerFrame::Message(message) = bob.recv_until(
        |frame| matches!(frame, ServerFrame::Message(m) if m.text == "just between us"),
    ) else {
        unreachable!()
    };
    assert_eq!(message.room, current_room(&harness));
}

#[test]
fn typing_shows_under_the_messages_and_goes_both_ways() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    bob.send(&ClientFrame::Typing {
        room: "lobby".into(),
    });
    step_until(&mut harness, "bob typing", |h| {
        h.query_by_label("bob is typing…").is_some()
    });
    bob.post("b1", "lobby", "done typing");
    step_until(&mut harness, "the typing line gone", |h| {
        h.query_by_label("bob is typing…").is_none()
    });

    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    composer.focus();
    composer.type_text("I am writ");
    harness.run_steps(2);
    assert!(matches!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Typing { .. })),
        ServerFrame::Typing { name, .. } if name == "alice"
    ));
}

#[test]
fn own_messages_can_be_edited_and_deleted_from_their_menu() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    send_from_composer(&mut harness, "helo wrold");
    step_until(&mut harness, "the ack", |h| {
        h.state().state().pending().is_empty() && messages_in(h, "lobby") == 1
    });
    harness.get_by_label("helo wrold").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
    retype(
        &mut harness,
        Role::MultilineTextInput,
        "Edit message",
        "hello world",
    );
    harness.get_by_label("Save").click();
    harness.run_steps(1);
    assert!(matches!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Edited { .. })),
        ServerFrame::Edited { text, .. } if text == "hello world"
    ));
    step_until(&mut harness, "the edit shown", |h| {
        h.query_by_label("hello world").is_some()
    });
    harness.get_by_label("(edited)");

    harness.get_by_label("hello world").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Delete").click();
    harness.run_steps(1);
    bob.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. }));
    step_until(&mut harness, "the deletion shown", |h| {
        h.query_by_label("message deleted").is_some()
    });
    assert!(harness.query_by_label("hello world").is_none());
}

#[test]
fn ctrl_f_searches_the_room_on_the_server() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for (id, text) in [
        ("b1", "lunch at noon?"),
        ("b2", "sure"),
        ("b3", "LUNCH was good"),
    ] {
        bob.post(id, "lobby", text);
    }
    bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { seq: 3, .. }));
    let mut harness = joined_harness(&server.url(), "alice");
    search_with_ctrl_f(&mut harness, "lunch");
    step_until(&mut harness, "the results", |h| {
        h.state().state().search_results().is_some()
    });
    harness.get_by_label("2 messages with 'lunch'");
}

#[test]
fn scrolling_to_the_top_pages_in_older_history_with_a_spinner() {
    let server = TestServer::start_unlimited();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for n in 1..=150 {
        bob.post(&format!("b{n}"), "lobby", &format!("old message {n}"));
    }
    bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { seq: 150, .. }));
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "the recent history", |h| {
        messages_in(h, "lobby") == 100
    });
    // Wheel up until the page is asked for (the spinner shows), then stop scrolling and let it
    // arrive, as a user who reached the top would.
    let mut saw_spinner = false;
    let deadline = std::time::Instant::now() + chinwag_testkit::PATIENCE;
    while messages_in(&harness, "lobby") < 150 {
        assert!(
            std::time::Instant::now() < deadline,
            "older history never came"
        );
        if !saw_spinner {
            // Over the message list (the middle of the window).
            harness.event(egui::Event::PointerMoved(egui::pos2(400.0, 300.0)));
            harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, 2_000.0),
                modifiers: egui::Modifiers::NONE,
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
            });
        }
        harness.step();
        saw_spinner |= harness.query_by_label("loading older messages…").is_some();
        std::thread::yield_now();
    }
    assert!(saw_spinner, "a spinner showed while the page loaded");
    // The page went in above what was on screen: the former oldest message is still in view,
    // the new oldest is above it, out of view.
    harness.run_steps(3);
    assert!(
        harness.query_by_label("old message 51").is_some(),
        "the view stayed put"
    );
    assert!(
        harness.query_by_label("old message 1").is_none(),
        "the view did not jump to the top"
    );
    let room = harness.state().state().room("lobby").expect("lobby");
    assert!(!room.has_older, "all 150 are loaded");
    assert_eq!(room.oldest_seq(), Some(1));
}

#[test]
fn a_rename_from_the_settings_is_announced() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    harness.get_by_label("Settings").click();
    harness.run_steps(2);
    retype(&mut harness, Role::TextInput, "Display name", "ally");
    harness.get_by_label("Change name").click();
    harness.run_steps(1);
    assert!(matches!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Renamed { .. })),
        ServerFrame::Renamed { from, to, .. } if from == "alice" && to == "ally"
    ));
    step_until(&mut harness, "the new name", |h| {
        h.state().state().name() == "ally"
    });
    assert_eq!(harness.state().join_details().name, "ally");
}

#[test]
fn browsing_lists_the_public_rooms_and_a_click_joins_one() {
    let server = TestServer::start();
    let (_bob, _) = RawClient::join(&server.url(), "bob", "crabs");
    let mut harness = joined_harness(&server.url(), "alice");
    harness.get_by_label("Browse rooms").click();
    step_until(&mut harness, "the room list", |h| {
        h.state().state().directory().is_some()
    });
    let listed: Vec<String> = harness
        .state()
        .state()
        .directory()
        .unwrap_or_default()
        .iter()
        .map(|listing| format!("{}:{}", listing.room, listing.members))
        .collect();
    assert_eq!(listed, ["lobby:2", "crabs:1"], "most members first");
    harness.get_by_label("# crabs").click();
    step_until(&mut harness, "joining crabs", |h| {
        current_room(h) == "crabs"
    });
    harness.get_by_label("You are in every room there is.");
}

#[test]
fn an_at_sign_offers_the_names_online_and_tab_completes_the_first() {
    let server = TestServer::start();
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (_bea, _) = RawClient::join(&server.url(), "bea", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "everyone online", |h| {
        h.state()
            .state()
            .current()
            .is_some_and(|room| room.users.len() == 3)
    });
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    composer.focus();
    composer.type_text("thanks @b");
    harness.run_steps(2);
    harness.get_by_label("@bea");
    harness.get_by_label("@bob");
    assert!(harness.query_by_label("@alice").is_none(), "not ourselves");
    harness.key_press(egui::Key::Tab);
    harness.run_steps(2);
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    assert_eq!(composer.value().as_deref(), Some("thanks @bea "));
    composer.type_text("and @bo");
    // The suggestion line makes the composer's panel grow: let the layout settle first.
    harness.run_steps(4);
    harness.get_by_label("@bob").click();
    harness.run_steps(2);
    assert_eq!(
        harness
            .get_by_role_and_label(Role::MultilineTextInput, "Message")
            .value()
            .as_deref(),
        Some("thanks @bea and @bob ")
    );
}

#[test]
fn a_search_result_brings_its_message_into_view_loading_older_history_if_needed() {
    let server = TestServer::start_unlimited();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for n in 1..=150 {
        let text = if n == 3 {
            "the needle in the haystack".to_owned()
        } else {
            format!("hay {n}")
        };
        bob.post(&format!("b{n}"), "lobby", &text);
    }
    bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { seq: 150, .. }));
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "the recent history", |h| {
        messages_in(h, "lobby") == 100
    });
    search_with_ctrl_f(&mut harness, "needle");
    step_until(&mut harness, "the result", |h| {
        h.query_by_label("the needle in the haystack").is_some()
    });
    harness.get_by_label("the needle in the haystack").click();
    step_until(&mut harness, "the message in view", |h| {
        h.query_all_by_label("the needle in the haystack").count() == 2
    });
    let lobby = harness.state().state().room("lobby").expect("lobby");
    assert!(lobby.oldest_seq().is_some_and(|oldest| oldest <= 3));
    assert!(
        harness.query_by_label("hay 150").is_none(),
        "scrolled away from the bottom"
    );
}

#[test]
fn changing_the_server_starts_over_there_with_its_own_identity() {
    let first = TestServer::start();
    let second = TestServer::start();
    let (mut bob, _) = RawClient::join(&first.url(), "bob", "lobby");
    bob.post("b1", "lobby", "only on the first server");
    bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    let (mut carol, _) = RawClient::join(&second.url(), "carol", "lobby");
    let mut harness = joined_harness(&first.url(), "alice");
    step_until(&mut harness, "the first server's history", |h| {
        messages_in(h, "lobby") == 1
    });
    let token_on_first = harness.state().state().token().to_owned();

    harness.get_by_label("Settings").click();
    harness.run_steps(2);
    retype(&mut harness, Role::TextInput, "Server", &second.url());
    harness.get_by_label("Connect").click();
    step_until(&mut harness, "joined on the second server", |h| {
        let state = h.state().state();
        state.phase() == &chinwag::client::state::Phase::Joined
            && state
                .current()
                .is_some_and(|room| room.users.iter().any(|user| user == "carol"))
    });
    assert_eq!(
        messages_in(&harness, "lobby"),
        0,
        "nothing of the first server"
    );
    assert_ne!(
        harness.state().state().token(),
        token_on_first,
        "the first server's token never goes to the second"
    );
    harness.get_by_label("Close").click();
    harness.run_steps(1);
    send_from_composer(&mut harness, "hello second server");
    assert!(matches!(
        carol.recv_until(|frame| matches!(frame, ServerFrame::Message(_))),
        ServerFrame::Message(message) if message.text == "hello second server"
    ));
    assert_eq!(harness.state().join_details().server_url, second.url());
}
