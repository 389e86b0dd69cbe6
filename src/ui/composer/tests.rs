//! Tests of the composer: the typing line, and the composer itself drawn by egui_kittest on
//! its own, driven by real keys and clicks.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::{ComposerEvent, show, typing_line};

/// What the composer is drawn over, and every event it reported.
struct Screen {
    text: String,
    names: Vec<String>,
    events: Vec<ComposerEvent>,
}

/// The composer of alice in the lobby, where alice, bob, bobby and carol are.
fn harness() -> Harness<'static, Screen> {
    let screen = Screen {
        text: String::new(),
        names: ["alice", "bob", "bobby", "carol"]
            .map(String::from)
            .to_vec(),
        events: Vec::new(),
    };
    let mut harness = Harness::new_ui_state(
        |ui, screen: &mut Screen| {
            let event = show(
                ui,
                &mut screen.text,
                "#lobby",
                &screen.names,
                "alice",
                false,
            );
            if event != ComposerEvent::default() {
                screen.events.push(event);
            }
        },
        screen,
    );
    harness.run();
    harness
}

/// Types `text` into the message field.
fn type_in(harness: &mut Harness<'_, Screen>, text: &str) {
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text(text);
    harness.run();
}

const SEND: ComposerEvent = ComposerEvent {
    send: true,
    typing: false,
    attach: false,
};

const TYPING: ComposerEvent = ComposerEvent {
    send: false,
    typing: true,
    attach: false,
};

#[test]
fn the_typing_line_names_up_to_three() {
    assert_eq!(typing_line(&[]), None);
    assert_eq!(typing_line(&["alice"]).as_deref(), Some("alice is typing…"));
    assert_eq!(
        typing_line(&["alice", "bob"]).as_deref(),
        Some("alice and bob are typing…")
    );
    assert_eq!(
        typing_line(&["a", "b", "c", "d"]).as_deref(),
        Some("several people are typing…")
    );
}

#[test]
fn the_message_field_is_named_and_focused_from_the_start() {
    let harness = harness();
    let field = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    assert!(field.is_focused(), "ready to type without a click");
}

#[test]
fn enter_sends_and_shift_enter_starts_a_new_line() {
    let mut harness = harness();
    type_in(&mut harness, "line one");
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    harness.run();
    type_in(&mut harness, "line two");
    assert!(!harness.state().events.contains(&SEND), "not sent yet");

    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(harness.state().events.last(), Some(&SEND));
    // The caller clears the text once the message is queued; Enter added no line.
    assert_eq!(harness.state().text, "line one\nline two");
}

#[test]
fn the_send_button_sends_and_keeps_the_field_focused() {
    let mut harness = harness();
    type_in(&mut harness, "hello");
    harness.get_by_label("Send").click();
    harness.run();
    assert_eq!(harness.state().events.last(), Some(&SEND));
    assert!(
        harness
            .get_by_role_and_label(Role::MultilineTextInput, "Message")
            .is_focused()
    );
}

#[test]
fn typing_text_reports_typing_but_blanks_do_not() {
    let mut harness = harness();
    type_in(&mut harness, "  ");
    assert_eq!(harness.state().events, [], "only spaces: nobody is typing");
    type_in(&mut harness, "h");
    assert_eq!(harness.state().events, [TYPING]);
}

#[test]
fn tab_completes_the_first_matching_name() {
    let mut harness = harness();
    type_in(&mut harness, "hi @bo");
    harness.get_by_label("@bob");
    harness.get_by_label("@bobby");
    assert!(harness.query_by_label("@alice").is_none(), "never oneself");
    harness.key_press(egui::Key::Tab);
    harness.run();
    assert_eq!(harness.state().text, "hi @bob ");
    assert!(
        harness.query_by_label("Mention:").is_none(),
        "done completing"
    );
}

#[test]
fn clicking_a_suggestion_completes_it_and_typing_goes_on_after_it() {
    let mut harness = harness();
    type_in(&mut harness, "@bo");
    harness.get_by_label("@bobby").click();
    harness.run();
    type_in(&mut harness, "hi");
    assert_eq!(harness.state().text, "@bobby hi");
}
