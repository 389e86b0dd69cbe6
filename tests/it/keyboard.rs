//! The keyboard shortcuts through the real window (egui_kittest, real key events) on a real
//! server: the quick switcher (Ctrl+K), walking the rooms (Alt+Up/Down) and the rooms with
//! unread messages (Alt+Shift+Up/Down), Escape, Up in the empty composer, and their list in the
//! settings.

use crate::window::{create_room, current_room, joined_harness, send_from_composer, step_until};
use chinwag::client::state::{ChatState, Entry};
use chinwag::protocol::{ChatMessage, ClientFrame, RoomKind, ServerFrame};
use chinwag::ui::ChatApp;
use chinwag::ui::shortcuts::SHORTCUTS;
use chinwag_testkit::{RawClient, TestServer};
use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// Presses `key` with `modifiers` and lets the window draw it.
fn press(harness: &mut Harness<'_, ChatApp>, modifiers: Modifiers, key: Key) {
    harness.key_press_modifiers(modifiers, key);
    harness.run_steps(2);
}

fn composer_has_focus(harness: &Harness<'_, ChatApp>) -> bool {
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .is_focused()
}

/// Opens the quick switcher with Ctrl+K, types `text` and presses Enter.
fn quick_switch(harness: &mut Harness<'_, ChatApp>, text: &str) {
    press(harness, Modifiers::COMMAND, Key::K);
    let field = harness.get_by_role_and_label(Role::TextInput, "Go to");
    assert!(field.is_focused(), "the switcher's field takes the keys");
    field.type_text(text);
    harness.run_steps(1);
    press(harness, Modifiers::NONE, Key::Enter);
}

/// The key of alice's direct conversation with `peer`, once it is open.
fn direct_with(state: &ChatState, peer: &str) -> Option<String> {
    state
        .rooms()
        .find(|room| room.kind == RoomKind::Direct && room.peer.as_deref() == Some(peer))
        .map(|room| room.room.clone())
}

/// Our messages in the current room, oldest first.
fn own_messages(harness: &Harness<'_, ChatApp>) -> Vec<ChatMessage> {
    let state = harness.state().state();
    state.current().map_or_else(Vec::new, |room| {
        room.timeline()
            .iter()
            .filter_map(|entry| match entry {
                Entry::Message(message) if message.from == state.name() => Some(message.clone()),
                _ => None,
            })
            .collect()
    })
}

#[test]
fn ctrl_k_and_part_of_a_room_name_and_enter_switch_to_it() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    create_room(&mut harness, "general");
    create_room(&mut harness, "rust");
    quick_switch(&mut harness, "NER");
    assert_eq!(current_room(&harness), "general");
    assert!(
        harness
            .query_by_role_and_label(Role::TextInput, "Go to")
            .is_none(),
        "the switcher closed"
    );
    assert!(composer_has_focus(&harness));
    harness.check_accessibility();
}

#[test]
fn ctrl_k_and_part_of_a_persons_name_and_enter_open_the_direct_conversation() {
    let server = TestServer::start();
    let (mut bobby, _) = RawClient::join(&server.url(), "bobby", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "bobby online", |h| {
        h.state()
            .state()
            .current()
            .is_some_and(|room| room.users.iter().any(|user| user == "bobby"))
    });
    press(&mut harness, Modifiers::COMMAND, Key::K);
    harness
        .get_by_role_and_label(Role::TextInput, "Go to")
        .type_text("BOBB");
    harness.run_steps(2);
    harness.get_by_label("Message bobby");
    harness.check_accessibility();
    press(&mut harness, Modifiers::NONE, Key::Enter);
    step_until(&mut harness, "the direct conversation", |h| {
        direct_with(h.state().state(), "bobby").is_some_and(|dm| current_room(h) == dm)
    });
    assert!(composer_has_focus(&harness), "ready to write to bobby");
    send_from_composer(&mut harness, "psst");
    let ServerFrame::Message(message) =
        bobby.recv_until(|frame| matches!(frame, ServerFrame::Message(m) if m.text == "psst"))
    else {
        unreachable!()
    };
    assert_eq!(message.room, current_room(&harness));
}

#[test]
fn alt_down_and_alt_up_walk_the_rooms_in_sidebar_order_and_wrap_around() {
    let server = TestServer::start();
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    create_room(&mut harness, "zig");
    create_room(&mut harness, "rust");
    quick_switch(&mut harness, "bob");
    step_until(&mut harness, "the direct conversation", |h| {
        direct_with(h.state().state(), "bob").is_some_and(|dm| current_room(h) == dm)
    });
    let dm = current_room(&harness);
    harness.get_by_label("# lobby").click();
    harness.run_steps(2);
    assert_eq!(current_room(&harness), "lobby");
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .focus();
    harness.run_steps(1);

    let mut visited = Vec::new();
    for _ in 0..4 {
        press(&mut harness, Modifiers::ALT, Key::ArrowDown);
        visited.push(current_room(&harness));
    }
    assert_eq!(
        visited,
        ["rust", "zig", dm.as_str(), "lobby"],
        "past the end: the top"
    );
    press(&mut harness, Modifiers::ALT, Key::ArrowUp);
    assert_eq!(current_room(&harness), dm, "above the top: the end");
    press(&mut harness, Modifiers::ALT, Key::ArrowUp);
    assert_eq!(current_room(&harness), "zig");
    assert!(
        composer_has_focus(&harness),
        "the keys never left the composer"
    );
}

/// Waits until alice has `count` unread messages in `room`.
fn wait_unread(harness: &mut Harness<'_, ChatApp>, room: &str, count: u64) {
    step_until(harness, &format!("{count} unread in {room}"), |h| {
        h.state()
            .state()
            .room(room)
            .is_some_and(|view| view.unread == count)
    });
}

#[test]
fn alt_shift_down_and_up_go_only_to_rooms_with_unread_messages() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    for room in ["rust", "web", "zig"] {
        create_room(&mut harness, room);
    }
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "rust");
    bob.send(&ClientFrame::Join {
        room: "zig".into(),
        create: false,
        last_seq: None,
    });
    bob.recv_until(|frame| matches!(frame, ServerFrame::Room(room) if room.room == "zig"));
    harness.get_by_label("# lobby").click();
    harness.run_steps(2);

    bob.post("z1", "zig", "over in zig");
    wait_unread(&mut harness, "zig", 1);
    press(
        &mut harness,
        Modifiers::ALT | Modifiers::SHIFT,
        Key::ArrowDown,
    );
    assert_eq!(current_room(&harness), "zig", "rust and web skipped");

    bob.post("r1", "rust", "over in rust");
    wait_unread(&mut harness, "rust", 1);
    press(
        &mut harness,
        Modifiers::ALT | Modifiers::SHIFT,
        Key::ArrowDown,
    );
    assert_eq!(
        current_room(&harness),
        "rust",
        "around the end, lobby skipped"
    );

    press(
        &mut harness,
        Modifiers::ALT | Modifiers::SHIFT,
        Key::ArrowUp,
    );
    assert_eq!(current_room(&harness), "rust", "nothing unread: it stays");
}

/// A panel Escape closes: how it opens, and the field or text that shows while it is open.
struct Panel {
    name: &'static str,
    open: fn(&mut Harness<'_, ChatApp>),
    role: Role,
    shows: &'static str,
}

#[test]
fn escape_closes_the_open_panel_and_the_composer_has_the_focus_again() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    let panels = [
        Panel {
            name: "search",
            open: |h| press(h, Modifiers::COMMAND, Key::F),
            role: Role::TextInput,
            shows: "Search",
        },
        Panel {
            name: "quick switcher",
            open: |h| press(h, Modifiers::COMMAND, Key::K),
            role: Role::TextInput,
            shows: "Go to",
        },
        Panel {
            name: "settings",
            open: |h| h.get_by_label("Settings").click(),
            role: Role::TextInput,
            shows: "Display name",
        },
        Panel {
            name: "topic editor",
            open: |h| h.get_by_label("Edit topic").click(),
            role: Role::TextInput,
            shows: "Topic",
        },
        Panel {
            name: "browse list",
            open: |h| h.get_by_label("Browse rooms").click(),
            role: Role::Label,
            shows: "You are in every room there is.",
        },
    ];
    for panel in panels {
        (panel.open)(&mut harness);
        step_until(&mut harness, &format!("the {} open", panel.name), |h| {
            h.query_by_role_and_label(panel.role, panel.shows).is_some()
        });
        press(&mut harness, Modifiers::NONE, Key::Escape);
        step_until(&mut harness, &format!("the {} closed", panel.name), |h| {
            h.query_by_role_and_label(panel.role, panel.shows).is_none()
        });
        assert!(
            composer_has_focus(&harness),
            "after closing the {}",
            panel.name
        );
    }
}

#[test]
fn escape_then_ctrl_f_in_one_frame_close_the_switcher_then_open_the_search() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    press(&mut harness, Modifiers::COMMAND, Key::K);
    // Both presses in one frame (the harness's own key presses take a frame each), as a
    // browser delivers keys typed within one animation frame.
    let key = |key, modifiers| egui::Event::Key {
        key,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers,
    };
    harness.input_mut().events.extend([
        key(Key::Escape, Modifiers::NONE),
        key(Key::F, Modifiers::COMMAND),
    ]);
    harness.run_steps(2);
    assert!(
        harness
            .query_by_role_and_label(Role::TextInput, "Go to")
            .is_none()
    );
    assert!(
        harness
            .get_by_role_and_label(Role::TextInput, "Search")
            .is_focused()
    );
}

#[test]
fn up_in_the_empty_composer_edits_our_last_message_and_enter_saves_it() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    send_from_composer(&mut harness, "first");
    send_from_composer(&mut harness, "secnd");
    bob.post("b1", "lobby", "not yours");
    step_until(&mut harness, "both acks and bob's message", |h| {
        h.state().state().pending().is_empty()
            && h.query_by_label("not yours").is_some()
            && own_messages(h).len() == 2
    });
    assert!(composer_has_focus(&harness));

    press(&mut harness, Modifiers::NONE, Key::ArrowUp);
    let editor = harness.get_by_role_and_label(Role::MultilineTextInput, "Edit message");
    assert_eq!(editor.value().as_deref(), Some("secnd"), "the last of ours");
    assert!(editor.is_focused());
    for _ in 0..3 {
        harness.key_press(Key::Backspace);
    }
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Edit message")
        .type_text("cond");
    harness.run_steps(1);
    press(&mut harness, Modifiers::NONE, Key::Enter);
    assert!(matches!(
        bob.recv_until(|frame| matches!(frame, ServerFrame::Edited { .. })),
        ServerFrame::Edited { text, .. } if text == "second"
    ));
    step_until(&mut harness, "the edit confirmed", |h| {
        own_messages(h)
            .last()
            .is_some_and(|message| message.text == "second" && message.edited.is_some())
    });
    harness.get_by_label("(edited)");
    assert!(composer_has_focus(&harness), "back to writing");
}

#[test]
fn up_in_a_composer_with_text_stays_there_and_escape_cancels_an_edit() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    send_from_composer(&mut harness, "mine");
    step_until(&mut harness, "the ack", |h| own_messages(h).len() == 1);

    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text("draft");
    harness.run_steps(1);
    press(&mut harness, Modifiers::NONE, Key::ArrowUp);
    assert!(harness.query_by_label("Edit message").is_none());
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    assert_eq!(composer.value().as_deref(), Some("draft"));
    assert!(composer.is_focused());

    press(&mut harness, Modifiers::COMMAND, Key::A);
    press(&mut harness, Modifiers::NONE, Key::Backspace);
    press(&mut harness, Modifiers::NONE, Key::ArrowUp);
    harness.get_by_role_and_label(Role::MultilineTextInput, "Edit message");
    press(&mut harness, Modifiers::NONE, Key::Escape);
    assert!(
        harness.query_by_label("Edit message").is_none(),
        "cancelled"
    );
    assert!(composer_has_focus(&harness));
    let mine = own_messages(&harness);
    assert!(
        mine[0].text == "mine" && mine[0].edited.is_none(),
        "unchanged"
    );
}

#[test]
fn the_settings_list_every_shortcut_with_the_platforms_key_names() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    harness.get_by_label("Settings").click();
    harness.run_steps(2);
    assert!(
        harness.query_by_label("Escape").is_none(),
        "folded at first"
    );
    harness.get_by_label("Keyboard shortcuts").click();
    harness.run_steps(3);
    for shortcut in &SHORTCUTS {
        let keys = harness.ctx.format_shortcut(&shortcut.keys);
        harness.get_by_label(&keys);
        harness.get_by_label(shortcut.description);
    }
    harness.check_accessibility();
}

#[test]
fn tab_walks_the_settings_dialog_not_the_composer_behind_it() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    assert!(composer_has_focus(&harness));
    harness.get_by_label("Settings").click();
    harness.run_steps(2);
    assert!(
        !composer_has_focus(&harness),
        "typing cannot land behind the dialog"
    );
    press(&mut harness, Modifiers::NONE, Key::Tab);
    assert!(
        harness.get_by_label("Follow system").is_focused(),
        "Tab starts at the dialog's first control"
    );
    press(&mut harness, Modifiers::NONE, Key::Escape);
    step_until(
        &mut harness,
        "the composer focused again",
        composer_has_focus,
    );
}
