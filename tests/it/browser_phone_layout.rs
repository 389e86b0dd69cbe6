//! The layout at phone width (what a browser on a phone gives the app): the users panel folds
//! into one line above the messages, which opens into the list; wide windows keep the panel.
//! Runs the real UI through egui_kittest against a real server.

use std::time::Instant;

use chinwag::client::state::Phase;
use chinwag::ui::ChatApp;
use chinwag_testkit::{PATIENCE, RawClient, TestServer};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// A window `width` points wide, joined as alice, with bob online too.
fn joined_window(server: &TestServer, width: f32) -> (Harness<'static, ChatApp>, RawClient) {
    let (bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let mut harness = crate::window::harness_sized(&server.url(), [width, 700.0]);
    let field = harness.get_by_role_and_label(Role::TextInput, "Your name");
    field.focus();
    field.type_text("alice");
    harness.run_steps(1);
    harness.get_by_label("Join").click();
    let deadline = Instant::now() + PATIENCE;
    while harness.state().state().phase() != &Phase::Joined
        || harness
            .state()
            .state()
            .current()
            .map_or(0, |room| room.users.len())
            < 2
    {
        assert!(Instant::now() < deadline, "timed out joining");
        harness.step();
        std::thread::yield_now();
    }
    harness.run_steps(2);
    (harness, bob)
}

#[test]
fn at_phone_width_the_users_panel_folds_into_one_line() {
    let server = TestServer::start();
    let (mut harness, _bob) = joined_window(&server, 390.0);

    let header = harness.get_by_label_contains("#lobby · 2 online");
    assert!(
        harness.query_by_label("bob").is_none(),
        "the list is folded at first"
    );
    header.click();
    harness.run_steps(3);
    harness.get_by_label("bob");
    harness.get_by_label("alice (you)");
    // The composer keeps nearly the whole width.
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    let width = composer.rect().width();
    assert!(width > 250.0, "composer is {width} points wide");
}

#[test]
fn wide_windows_keep_the_users_panel() {
    let server = TestServer::start();
    let (harness, _bob) = joined_window(&server, 900.0);

    harness.get_by_label("2 online");
    harness.get_by_label("bob");
    assert!(harness.query_by_label_contains("#lobby · ").is_none());
}
