//! The real UI through egui_kittest, connected to a real server over a real socket.

use chinwag::client::state::Phase;
use chinwag::protocol::ServerFrame;

use crate::window::{
    harness, join_as, joined_harness, search_with_ctrl_f, send_from_composer, step_until,
};
use chinwag_testkit::{RawClient, TestServer, went};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;

#[test]
fn join_type_send_and_see_the_message() {
    let server = TestServer::start();
    let mut harness = harness(&server.url());
    harness.run_steps(2);
    harness.check_accessibility();
    join_as(&mut harness, "alice");
    step_until(&mut harness, "the welcome", |h| {
        h.state().state().phase() == &Phase::Joined
    });
    harness.get_by_label_contains("connected to");
    harness.get_by_label_contains("as alice");
    harness.check_accessibility();

    send_from_composer(&mut harness, "hello from the window");
    step_until(&mut harness, "the ack", |h| {
        h.state().state().pending().is_empty()
            && h.state()
                .state()
                .current()
                .is_some_and(|room| !room.timeline().is_empty())
    });
    harness.get_by_label("hello from the window");
    assert_eq!(
        harness
            .get_by_role_and_label(Role::MultilineTextInput, "Message")
            .value()
            .as_deref(),
        Some(""),
        "the composer is cleared once the message is queued"
    );

    // A message from someone else shows up too, with their name.
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b1", "lobby", "hi alice, bob here");
    step_until(&mut harness, "bob's message", |h| {
        h.query_by_label("hi alice, bob here").is_some()
    });
    assert!(harness.query_all_by_label("bob").count() >= 1);
}

#[test]
fn messages_sit_under_a_day_separator_and_a_run_from_one_sender_shares_a_header() {
    let server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for (id, text) in [
        ("b1", "first from bob"),
        ("b2", "second from bob"),
        ("b3", "third from bob"),
    ] {
        bob.post(id, "lobby", text);
    }
    step_until(&mut harness, "bob's messages", |h| {
        h.query_by_label("third from bob").is_some()
    });
    harness.get_by_label("Today");
    // One "bob" in the users panel and one group header: not one header per message.
    assert_eq!(harness.query_all_by_label("bob").count(), 2);
}

#[test]
fn shift_enter_adds_a_line_and_enter_sends_it() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    composer.focus();
    composer.type_text("line one");
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    harness.run_steps(1);
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text("line two");
    harness.run_steps(1);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(1);
    let ServerFrame::Message(message) = bob.recv_until(|f| matches!(f, ServerFrame::Message(_)))
    else {
        unreachable!()
    };
    assert_eq!(message.text, "line one\nline two");
}

#[test]
fn a_taken_name_shows_the_error_and_another_name_works() {
    let server = TestServer::start();
    let (_alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let mut harness = harness(&server.url());
    join_as(&mut harness, "alice");
    step_until(&mut harness, "the refusal", |h| {
        h.state().state().phase() == &Phase::NameRefused
    });
    harness.get_by_label_contains("belongs to someone else");
    harness.check_accessibility();

    let field = harness.get_by_role_and_label(Role::TextInput, "Your name");
    field.focus();
    field.type_text("2");
    harness.run_steps(1);
    harness.get_by_label("Join").click();
    step_until(&mut harness, "the welcome", |h| {
        h.state().state().phase() == &Phase::Joined
    });
    assert_eq!(harness.state().state().name(), "alice2");
    harness.get_by_label_contains("as alice2");
}

#[test]
fn a_dropped_connection_counts_down_reconnects_and_delivers_what_was_pending() {
    let mut server = TestServer::start();
    let mut harness = joined_harness(&server.url(), "alice");

    let addr = server.stop();
    step_until(&mut harness, "the disconnect", |h| {
        matches!(h.state().state().phase(), Phase::Disconnected { .. })
    });
    harness.get_by_label_contains("disconnected:");
    harness.get_by_label_contains("reconnecting in");
    harness.get_by_label("Reconnect now");

    // Typed text survives the disconnect; a message sent now shows as pending.
    send_from_composer(&mut harness, "sent while offline");
    harness.get_by_label("sending…");
    harness.get_by_label("sent while offline");
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    composer.type_text("half-written thought");
    harness.run_steps(1);

    server.start_on(addr);
    harness.get_by_label("Reconnect now").click();
    step_until(&mut harness, "delivery", |h| {
        h.state().state().phase() == &Phase::Joined && h.state().state().pending().is_empty()
    });
    assert!(
        harness.query_by_label("sending…").is_none(),
        "delivered, no longer pending"
    );
    harness.get_by_label("sent while offline");
    harness.get_by_label_contains("connected to");
    assert_eq!(
        harness
            .get_by_role_and_label(Role::MultilineTextInput, "Message")
            .value()
            .as_deref(),
        Some("half-written thought")
    );
}

#[test]
fn the_disconnect_button_closes_the_connection() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = joined_harness(&server.url(), "alice");
    harness.get_by_label("Disconnect").click();
    harness.run_steps(2);
    harness.get_by_label_contains("you disconnected");
    // The server saw the socket close.
    bob.recv_until(went("alice"));
}

#[test]
fn searching_too_fast_says_so_in_the_status_bar() {
    use chinwag::server::limits::{Rate, RateLimits};
    // One request an hour: the second search is refused.
    let server = TestServer::start_with_limits(RateLimits {
        requests: Rate::per_period(1, std::time::Duration::from_secs(3600)),
        ..RateLimits::unlimited()
    });
    let mut harness = joined_harness(&server.url(), "alice");
    search_with_ctrl_f(&mut harness, "lunch");
    step_until(&mut harness, "the results", |h| {
        h.state().state().search_results().is_some()
    });
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .focus();
    harness.run_steps(1);
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the refusal", |h| {
        h.state().state().last_error().is_some()
    });
    harness.run_steps(2);
    harness.get_by_label("too many requests at once; try again in 60 min");
    assert_eq!(
        harness.state().state().sending_paused_for(),
        None,
        "messages are not held back by a refused search"
    );
    harness.check_accessibility();
}

#[test]
fn sending_too_fast_says_so_in_the_status_bar_and_on_the_waiting_message() {
    use chinwag::server::limits::{Rate, RateLimits};
    // One message an hour: the second waits.
    let server = TestServer::start_with_limits(RateLimits {
        messages: Rate::per_period(1, std::time::Duration::from_secs(3600)),
        ..RateLimits::unlimited()
    });
    let mut harness = joined_harness(&server.url(), "alice");
    send_from_composer(&mut harness, "the first goes through");
    step_until(&mut harness, "the ack", |h| {
        h.state().state().pending().is_empty()
    });
    send_from_composer(&mut harness, "the second has to wait");
    step_until(&mut harness, "the refusal", |h| {
        h.state().state().sending_paused_for().is_some()
    });
    harness.run_steps(2);
    harness.get_by_label_contains("sending too fast — waiting 60 min");
    harness.get_by_label("waiting 60 min: sending too fast");
    // The message is kept, pending (not refused), and the composer takes the next one.
    harness.get_by_label("the second has to wait");
    assert!(harness.query_by_label("Retry").is_none(), "not refused");
    let pending = harness.state().state().pending();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].refused, None);
    harness.check_accessibility();
}
