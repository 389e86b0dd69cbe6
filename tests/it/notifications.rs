//! Desktop notifications through the real window: alice's window (with a
//! [`RecordingNotifier`]) and bob, a real client core, on a real server. The window's focus is
//! egui's input `focused` flag, as eframe sets it from the platform.

use std::time::Instant;

use chinwag::client::notify::{Notification, NotifyLevel, NotifyPrefs};
use chinwag::client::state::{ChatState, Entry, Phase};
use chinwag::protocol::RoomKind;
use chinwag::ui::ChatApp;
use chinwag::ui::notifications::Notifications;

use crate::memory_storage::MemoryStorage;
use egui::{UserAttentionType, ViewportCommand};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use crate::recording_notifier::RecordingNotifier;
use crate::window::{joined_harness_built, step_until};
use chinwag_testkit::{LiveClient, PATIENCE, TestServer};

/// Alice's window, joined, notifying through a recorder; and bob, joined.
fn alice_and_bob(
    server: &TestServer,
) -> (Harness<'static, ChatApp>, RecordingNotifier, LiveClient) {
    let recorder = RecordingNotifier::allowed();
    let notifier = recorder.clone();
    let alice = joined_harness_built(&server.url(), "alice", move |app| {
        app.with_notifications(Notifications::new(
            NotifyPrefs::default(),
            Box::new(notifier),
        ))
    });
    let mut bob = LiveClient::new(&server.url(), "bob");
    bob.pump_until("bob's welcome", |state| state.phase() == &Phase::Joined);
    (alice, recorder, bob)
}

/// Bob posts `text` in his current room; returns once the server stored it.
fn bob_says(bob: &mut LiveClient, text: &str) {
    assert!(bob.state_mut().send(text));
    bob.pump_until("bob's message stored", |state| state.pending().is_empty());
}

/// Bob opens his conversation with alice (and stays in it).
fn bob_opens_direct(bob: &mut LiveClient) {
    bob.state_mut().open_direct("alice");
    bob.pump_until("bob's conversation with alice", |state| {
        state
            .current()
            .is_some_and(|room| room.kind == RoomKind::Direct)
    });
}

/// Whether any room of `state` holds a message saying `text`.
fn has_message(state: &ChatState, text: &str) -> bool {
    state.rooms().any(|room| {
        room.timeline()
            .iter()
            .any(|entry| matches!(entry, Entry::Message(message) if message.text == text))
    })
}

/// Steps alice's window until it holds `text`, then a few frames more (any notification it
/// calls for would have gone out in them).
fn step_until_received(alice: &mut Harness<'_, ChatApp>, text: &str) {
    step_until(alice, text, |h| has_message(h.state().state(), text));
    alice.run_steps(3);
}

/// Steps alice's window until `recorder` showed `count` notifications; the harness's output is
/// then that of the frame that showed the last one.
fn step_until_shown(alice: &mut Harness<'_, ChatApp>, recorder: &RecordingNotifier, count: usize) {
    let deadline = Instant::now() + PATIENCE;
    while recorder.shown().len() < count {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for notification {count}; shown: {:?}",
            recorder.shown()
        );
        alice.step();
        std::thread::yield_now();
    }
}

/// The viewport commands of the harness's last frame.
fn commands(harness: &Harness<'_, ChatApp>) -> Vec<ViewportCommand> {
    harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|viewport| viewport.commands.clone())
        .unwrap_or_default()
}

fn set_focused(harness: &mut Harness<'_, ChatApp>, focused: bool) {
    harness.input_mut().focused = focused;
    harness.run_steps(1);
}

#[test]
fn a_mention_while_unfocused_notifies_once_and_asks_for_attention() {
    let server = TestServer::start();
    let (mut alice, recorder, mut bob) = alice_and_bob(&server);
    set_focused(&mut alice, false);

    bob_says(&mut bob, "look @alice\nsecond line");
    step_until_shown(&mut alice, &recorder, 1);
    assert!(commands(&alice).iter().any(|command| matches!(
        command,
        ViewportCommand::RequestUserAttention(UserAttentionType::Informational)
    )));
    assert_eq!(
        recorder.shown(),
        vec![Notification {
            room: "lobby".into(),
            title: "bob in #lobby".into(),
            body: "look @alice".into(),
        }]
    );
    // Not again on the next frames, nor for a plain message (the default level).
    alice.run_steps(10);
    bob_says(&mut bob, "just chatting");
    step_until_received(&mut alice, "just chatting");
    assert_eq!(recorder.shown().len(), 1);
    // The unread messages are on the badge.
    assert_eq!(recorder.badges().last(), Some(&2));

    // Back at the window: the taskbar stops asking.
    set_focused(&mut alice, true);
    assert!(commands(&alice).iter().any(|command| matches!(
        command,
        ViewportCommand::RequestUserAttention(UserAttentionType::Reset)
    )));
    alice.run_steps(1);
    assert_eq!(recorder.badges().last(), Some(&0));
}

#[test]
fn a_direct_message_notifies_and_a_click_opens_the_conversation() {
    let server = TestServer::start();
    let (mut alice, recorder, mut bob) = alice_and_bob(&server);
    set_focused(&mut alice, false);

    bob_opens_direct(&mut bob);
    bob_says(&mut bob, "psst");
    step_until_shown(&mut alice, &recorder, 1);
    let shown = recorder.shown().remove(0);
    assert_eq!((shown.title.as_str(), shown.body.as_str()), ("bob", "psst"));
    let current =
        |h: &Harness<'_, ChatApp>| h.state().state().current().map(|room| room.room.clone());
    assert_eq!(current(&alice).as_deref(), Some("lobby"));

    recorder.click(&shown.room);
    alice.step();
    assert!(
        commands(&alice)
            .iter()
            .any(|command| matches!(command, ViewportCommand::Focus))
    );
    alice.run_steps(1);
    assert_eq!(current(&alice), Some(shown.room));
    assert!(alice.query_by_label("@bob").is_some());
}

#[test]
fn a_focused_window_is_not_notified() {
    let server = TestServer::start();
    let (mut alice, recorder, mut bob) = alice_and_bob(&server);

    bob_says(&mut bob, "hello @alice");
    bob_opens_direct(&mut bob);
    bob_says(&mut bob, "a direct hello");
    step_until_received(&mut alice, "a direct hello");
    assert!(has_message(alice.state().state(), "hello @alice"));
    assert!(recorder.shown().is_empty());
}

#[test]
fn a_muted_room_is_not_notified_and_the_others_still_are() {
    let server = TestServer::start();
    let (mut alice, recorder, mut bob) = alice_and_bob(&server);
    alice.get_by_label("Mute").click();
    alice.run_steps(2);
    assert!(alice.query_by_label("Unmute").is_some());
    set_focused(&mut alice, false);

    bob_says(&mut bob, "muted @alice");
    bob_opens_direct(&mut bob);
    bob_says(&mut bob, "not muted");
    // The lobby's mention came first; only the direct message notifies.
    step_until_shown(&mut alice, &recorder, 1);
    assert!(has_message(alice.state().state(), "muted @alice"));
    alice.run_steps(3);
    let bodies: Vec<String> = recorder.shown().into_iter().map(|n| n.body).collect();
    assert_eq!(bodies, ["not muted"]);
}

/// Opens Settings, clicks `choice` and closes the dialog again.
fn choose_in_settings(alice: &mut Harness<'_, ChatApp>, choice: &str) {
    alice.get_by_label("Settings").click();
    alice.run_steps(2);
    alice.get_by_label(choice).click();
    alice.run_steps(1);
    alice.get_by_label("Close").click();
    alice.run_steps(2);
}

#[test]
fn level_none_notifies_nothing_and_all_notifies_plain_messages() {
    let server = TestServer::start();
    let (mut alice, recorder, mut bob) = alice_and_bob(&server);

    choose_in_settings(&mut alice, "None");
    set_focused(&mut alice, false);
    bob_says(&mut bob, "ignored @alice");
    step_until_received(&mut alice, "ignored @alice");
    assert!(recorder.shown().is_empty());

    set_focused(&mut alice, true);
    choose_in_settings(&mut alice, "All messages");
    set_focused(&mut alice, false);
    bob_says(&mut bob, "plain news");
    step_until_shown(&mut alice, &recorder, 1);
    assert_eq!(recorder.shown()[0].body, "plain news");
}

#[test]
fn history_replayed_on_reconnecting_does_not_notify() {
    let server = TestServer::start();
    let (mut alice, recorder, mut bob) = alice_and_bob(&server);
    set_focused(&mut alice, false);

    alice.get_by_label("Disconnect").click();
    step_until(&mut alice, "the disconnect", |h| {
        matches!(h.state().state().phase(), Phase::Disconnected { .. })
    });
    bob_says(&mut bob, "while you were out @alice");
    alice.get_by_label("Reconnect").click();
    step_until_received(&mut alice, "while you were out @alice");
    assert!(recorder.shown().is_empty());

    // What comes live after the replay notifies as usual.
    bob_says(&mut bob, "welcome back @alice");
    step_until_shown(&mut alice, &recorder, 1);
    alice.run_steps(3);
    let bodies: Vec<String> = recorder.shown().into_iter().map(|n| n.body).collect();
    assert_eq!(bodies, ["welcome back @alice"]);
}

#[test]
fn the_level_and_muted_rooms_are_saved_for_the_next_run() {
    let server = TestServer::start();
    let (mut alice, _recorder, _bob) = alice_and_bob(&server);
    choose_in_settings(&mut alice, "All messages");
    alice.get_by_label("Mute").click();
    alice.run_steps(2);

    let mut storage = MemoryStorage::default();
    eframe::App::save(alice.state_mut(), &mut storage);
    let saved = Notifications::load(Some(&storage));
    assert_eq!(saved.level, NotifyLevel::All);
    assert!(saved.is_muted("lobby"));
}
