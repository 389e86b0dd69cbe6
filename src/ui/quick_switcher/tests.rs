//! Tests of the quick switcher: what a query finds and in which order, and the dialog on its own
//! driven by real keys (egui_kittest).

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::{Destination, QuickSwitcher, matches};
use crate::client::state::ChatState;
use crate::protocol::RoomState;
use crate::ui::chat_fixtures::{direct_room, public_room, welcomed};

/// Alice in the lobby (with bob, carol and Rusty online), rust, trust (2 unread) and
/// rustaceans, and in a direct conversation with bob.
fn alice() -> ChatState {
    welcomed(
        "alice",
        vec![
            public_room("lobby", &["alice", "bob", "carol", "Rusty"], Vec::new()),
            public_room("rust", &["alice"], Vec::new()),
            RoomState {
                unread: 2,
                ..public_room("trust", &["alice"], Vec::new())
            },
            public_room("rustaceans", &["alice"], Vec::new()),
            direct_room("bob", &["alice", "bob"]),
        ],
    )
}

fn labels(state: &ChatState, query: &str) -> Vec<String> {
    matches(state, query)
        .into_iter()
        .map(|line| line.label)
        .collect()
}

#[test]
fn names_that_start_with_the_query_come_first_then_unread_then_the_sidebar_order() {
    assert_eq!(
        labels(&alice(), "RUST"),
        ["# rust", "# rustaceans", "Message Rusty", "# trust"],
        "prefix before substring, any case"
    );
    assert_eq!(
        labels(&alice(), "st"),
        ["# trust", "# rust", "# rustaceans", "Message Rusty"],
        "among substrings, the room with unread first"
    );
}

#[test]
fn people_online_are_found_once_and_never_ourselves() {
    assert_eq!(labels(&alice(), "bo"), ["@ bob"], "bob as his conversation");
    assert_eq!(labels(&alice(), "car"), ["Message carol"]);
    assert!(labels(&alice(), "alice").is_empty());
    assert_eq!(
        matches(&alice(), "carol")[0].destination,
        Destination::Person("carol".to_owned())
    );
    assert_eq!(
        matches(&alice(), "bob")[0].destination,
        Destination::Room("@bob".to_owned())
    );
}

#[test]
fn an_empty_query_lists_everything_unread_first() {
    assert_eq!(
        labels(&alice(), ""),
        [
            "# trust",
            "# lobby",
            "# rust",
            "# rustaceans",
            "@ bob",
            "Message Rusty",
            "Message carol"
        ]
    );
}

/// The switcher over alice's state, opened, and where it took her.
struct Screen {
    switcher: QuickSwitcher,
    state: ChatState,
    chosen: Vec<Destination>,
}

fn opened() -> Harness<'static, Screen> {
    let mut switcher = QuickSwitcher::default();
    switcher.open();
    let mut harness = Harness::new_ui_state(
        |ui, screen: &mut Screen| {
            if let Some(destination) = screen.switcher.show(ui.ctx(), &screen.state) {
                screen.chosen.push(destination);
            }
        },
        Screen {
            switcher,
            state: alice(),
            chosen: Vec::new(),
        },
    );
    harness.run();
    harness
}

#[test]
fn the_field_is_named_and_focused_and_down_then_enter_goes_to_the_second_match() {
    let mut harness = opened();
    let field = harness.get_by_role_and_label(Role::TextInput, "Go to");
    assert!(field.is_focused(), "ready to type");
    field.type_text("rust");
    harness.run();
    harness.key_press(egui::Key::ArrowDown);
    harness.key_press(egui::Key::ArrowDown);
    harness.key_press(egui::Key::ArrowUp);
    harness.run();
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Go to")
            .value()
            .as_deref(),
        Some("rust"),
        "the arrows moved the choice, not the text"
    );
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(
        harness.state().chosen,
        [Destination::Room("rustaceans".to_owned())]
    );
    assert!(!harness.state().switcher.is_open(), "it closed");
    assert!(harness.query_by_label("Go to").is_none());
}

#[test]
fn a_click_on_a_line_goes_there_and_nothing_found_says_so() {
    let mut harness = opened();
    harness
        .get_by_role_and_label(Role::TextInput, "Go to")
        .type_text("xyz");
    harness.run();
    harness.get_by_label("Nothing matches.");
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert!(
        harness.state().chosen.is_empty(),
        "Enter with nothing found"
    );
    assert!(harness.state().switcher.is_open());

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::TextInput, "Go to")
        .type_text("car");
    harness.run();
    harness.get_by_label("Message carol").click();
    harness.run();
    assert_eq!(
        harness.state().chosen,
        [Destination::Person("carol".to_owned())]
    );
}
