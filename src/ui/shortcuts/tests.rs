//! Tests of the shortcut table, of which keys it takes where (real key events through
//! egui_kittest), and of walking the rooms in the sidebar's order.

use egui::{Key, Modifiers};
use egui_kittest::Harness;

use super::{Command, SHORTCUTS, Situation, Step, neighbour, take_next};
use crate::client::state::ChatState;
use crate::protocol::RoomState;
use crate::ui::chat_fixtures::{direct_room, public_room, welcomed};
use crate::ui::sidebar;

#[test]
fn no_shortcut_is_hidden_by_an_earlier_one_on_the_same_key() {
    for (index, later) in SHORTCUTS.iter().enumerate() {
        for earlier in &SHORTCUTS[..index] {
            assert!(
                earlier.keys.logical_key != later.keys.logical_key
                    || !later
                        .keys
                        .modifiers
                        .matches_logically(earlier.keys.modifiers),
                "{later:?} would be taken as {earlier:?}"
            );
        }
    }
}

/// What `take_next` is asked in, and every command it gave.
struct Keys {
    situation: Situation,
    commands: Vec<Command>,
}

fn keys_in(situation: Situation) -> Harness<'static, Keys> {
    Harness::new_ui_state(
        |ui, keys: &mut Keys| {
            while let Some(command) = take_next(ui.ctx(), &keys.situation) {
                keys.commands.push(command);
            }
        },
        Keys {
            situation,
            commands: Vec::new(),
        },
    )
}

/// The commands one press of `keys` gives in `situation`.
fn commands_for(situation: Situation, modifiers: Modifiers, key: Key) -> Vec<Command> {
    let mut harness = keys_in(situation);
    harness.key_press_modifiers(modifiers, key);
    harness.run();
    harness.state().commands.clone()
}

const ANYWHERE: Situation = Situation {
    dialog_open: false,
    popup_open: false,
    in_empty_composer: false,
};

#[test]
fn each_press_gives_its_own_command_and_no_other() {
    let alt_shift = Modifiers::ALT | Modifiers::SHIFT;
    for (modifiers, key, command) in [
        (Modifiers::COMMAND, Key::K, Command::QuickSwitcher),
        (Modifiers::COMMAND, Key::F, Command::Search),
        (alt_shift, Key::ArrowUp, Command::PreviousUnread),
        (alt_shift, Key::ArrowDown, Command::NextUnread),
        (Modifiers::ALT, Key::ArrowUp, Command::PreviousRoom),
        (Modifiers::ALT, Key::ArrowDown, Command::NextRoom),
        (Modifiers::NONE, Key::Escape, Command::Close),
    ] {
        assert_eq!(commands_for(ANYWHERE, modifiers, key), [command]);
    }
}

#[test]
fn up_edits_only_in_the_empty_composer() {
    let composer = Situation {
        in_empty_composer: true,
        ..ANYWHERE
    };
    assert_eq!(
        commands_for(composer, Modifiers::NONE, Key::ArrowUp),
        [Command::EditLastMessage]
    );
    assert!(commands_for(ANYWHERE, Modifiers::NONE, Key::ArrowUp).is_empty());
    assert_eq!(
        commands_for(composer, Modifiers::ALT, Key::ArrowUp),
        [Command::PreviousRoom],
        "Alt+Up is the previous room, in the composer too"
    );
}

#[test]
fn a_dialog_keeps_its_keys_but_escape_still_closes() {
    let dialog = Situation {
        dialog_open: true,
        in_empty_composer: true,
        ..ANYWHERE
    };
    for (modifiers, key) in [
        (Modifiers::COMMAND, Key::K),
        (Modifiers::COMMAND, Key::F),
        (Modifiers::ALT, Key::ArrowDown),
        (Modifiers::NONE, Key::ArrowUp),
    ] {
        assert!(commands_for(dialog, modifiers, key).is_empty(), "{key:?}");
    }
    assert_eq!(
        commands_for(dialog, Modifiers::NONE, Key::Escape),
        [Command::Close]
    );
}

#[test]
fn escape_is_left_to_an_open_menu() {
    let menu = Situation {
        popup_open: true,
        ..ANYWHERE
    };
    assert!(commands_for(menu, Modifiers::NONE, Key::Escape).is_empty());
}

/// Alice in the lobby, rust and zig, and in a direct conversation with bob; `unread` messages
/// wait in each room (by name) besides the lobby, which she is looking at.
fn alice_with_unread(unread: &[(&str, u64)]) -> ChatState {
    let with_unread = |room: RoomState| RoomState {
        unread: unread
            .iter()
            .find(|(name, _)| *name == room.room)
            .map_or(0, |(_, count)| *count),
        ..room
    };
    welcomed(
        "alice",
        vec![
            public_room("lobby", &["alice"], Vec::new()),
            with_unread(public_room("zig", &["alice"], Vec::new())),
            with_unread(public_room("rust", &["alice"], Vec::new())),
            with_unread(direct_room("bob", &["alice", "bob"])),
        ],
    )
}

/// The room `step` away from `current`, among all or only those with unread messages.
fn next_from(state: &ChatState, current: Option<&str>, step: Step, unread: bool) -> String {
    neighbour(&sidebar::in_order(state), current, step, |room| {
        !unread || room.unread > 0
    })
    .map(|room| room.room.clone())
    .unwrap_or_default()
}

#[test]
fn rooms_follow_the_sidebar_and_wrap_around_at_the_ends() {
    let state = alice_with_unread(&[]);
    let order: Vec<&str> = sidebar::in_order(&state)
        .iter()
        .map(|room| room.room.as_str())
        .collect();
    assert_eq!(order, ["lobby", "rust", "zig", "@bob"], "rooms, then DMs");
    assert_eq!(next_from(&state, Some("lobby"), Step::Next, false), "rust");
    assert_eq!(next_from(&state, Some("zig"), Step::Next, false), "@bob");
    assert_eq!(next_from(&state, Some("@bob"), Step::Next, false), "lobby");
    assert_eq!(
        next_from(&state, Some("lobby"), Step::Previous, false),
        "@bob"
    );
    assert_eq!(next_from(&state, None, Step::Next, false), "lobby");
    assert_eq!(next_from(&state, None, Step::Previous, false), "@bob");
}

#[test]
fn unread_rooms_are_found_past_the_others_and_none_is_none() {
    let state = alice_with_unread(&[("zig", 2), ("@bob", 1)]);
    assert_eq!(next_from(&state, Some("lobby"), Step::Next, true), "zig");
    assert_eq!(next_from(&state, Some("zig"), Step::Next, true), "@bob");
    assert_eq!(next_from(&state, Some("@bob"), Step::Next, true), "zig");
    assert_eq!(
        next_from(&state, Some("lobby"), Step::Previous, true),
        "@bob"
    );

    let all_read = alice_with_unread(&[]);
    assert_eq!(next_from(&all_read, Some("lobby"), Step::Next, true), "");
    let alone = welcomed("alice", vec![public_room("lobby", &["alice"], Vec::new())]);
    assert_eq!(next_from(&alone, Some("lobby"), Step::Next, false), "");
}
