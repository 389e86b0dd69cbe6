//! Helpers for egui_kittest tests of the real window: a harness on a server, joining, typing.

use std::time::Instant;

use chinwag::client::identity::Identities;
use chinwag::client::state::Phase;
use chinwag::ui::{ChatApp, JoinDetails};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use chinwag_testkit::PATIENCE;

/// A window of `size` talking to `url`, with identity tokens kept in memory.
pub fn harness_sized(url: &str, size: [f32; 2]) -> Harness<'static, ChatApp> {
    harness_built(url, size, |app| app)
}

/// Like [`harness_sized`], with the app finished by `build` (e.g. given a notifier).
pub fn harness_built(
    url: &str,
    size: [f32; 2],
    build: impl FnOnce(ChatApp) -> ChatApp,
) -> Harness<'static, ChatApp> {
    let details = JoinDetails {
        name: String::new(),
        server_url: url.to_owned(),
    };
    Harness::builder().with_size(size).build_eframe(move |cc| {
        chinwag::ui::fonts::install(&cc.egui_ctx);
        build(ChatApp::with_identities(
            details,
            false,
            Identities::Memory(Default::default()),
        ))
    })
}

/// A desktop-sized window talking to `url`.
pub fn harness(url: &str) -> Harness<'static, ChatApp> {
    harness_sized(url, [800.0, 600.0])
}

/// Steps frames until `done` holds; socket events arrive on other threads, so this keeps
/// drawing frames (as a window would on each wake-up) with a deadline as the failure guard.
pub fn step_until(
    harness: &mut Harness<'_, ChatApp>,
    what: &str,
    done: impl Fn(&Harness<'_, ChatApp>) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    while !done(harness) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::yield_now();
    }
    // Let the layout settle so the last frame shows the new state.
    harness.run_steps(2);
}

pub fn join_as(harness: &mut Harness<'_, ChatApp>, name: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, "Your name");
    field.focus();
    field.type_text(name);
    harness.run_steps(1);
    harness.get_by_label("Join").click();
    harness.run_steps(1);
}

/// Types `text` into the composer and presses Enter.
pub fn send_from_composer(harness: &mut Harness<'_, ChatApp>, text: &str) {
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    composer.focus();
    composer.type_text(text);
    harness.run_steps(1);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(1);
}

/// The key of the room on screen ("" if none).
pub fn current_room(harness: &Harness<'_, ChatApp>) -> String {
    harness
        .state()
        .state()
        .current()
        .map(|room| room.room.clone())
        .unwrap_or_default()
}

/// Creates (or joins) `room` through the sidebar and waits until it is on screen.
pub fn create_room(harness: &mut Harness<'_, ChatApp>, room: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, "Join or create a room");
    field.focus();
    field.type_text(room);
    harness.run_steps(1);
    harness.get_by_label("Create").click();
    step_until(harness, "the new room", |h| current_room(h) == room);
}

/// Opens the search panel with Ctrl+F, types `query` and presses Enter.
pub fn search_with_ctrl_f(harness: &mut Harness<'_, ChatApp>, query: &str) {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .type_text(query);
    harness.run_steps(1);
    harness.key_press(egui::Key::Enter);
}

/// A window joined as `name`.
pub fn joined_harness(url: &str, name: &str) -> Harness<'static, ChatApp> {
    joined_harness_built(url, name, |app| app)
}

/// A desktop-sized window finished by `build` (see [`harness_built`]), joined as `name`.
pub fn joined_harness_built(
    url: &str,
    name: &str,
    build: impl FnOnce(ChatApp) -> ChatApp,
) -> Harness<'static, ChatApp> {
    let mut harness = harness_built(url, [800.0, 600.0], build);
    join_as(&mut harness, name);
    step_until(&mut harness, "the welcome", |h| {
        h.state().state().phase() == &Phase::Joined
    });
    harness
}
