//! The settings dialog through egui_kittest, on its own (no server, no chat app).

use chinwag::client::notify::{NotifyLevel, NotifyPrefs};
use chinwag::ui::appearance::{Appearance, ThemeChoice};
use chinwag::ui::notifications::{Notifications, Permission};
use chinwag::ui::settings_dialog::{SettingsAction, SettingsDialog};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use crate::recording_notifier::RecordingNotifier;

const NAME: &str = "alice";
const URL: &str = "ws://127.0.0.1:9001/ws";

/// What the dialog is drawn from, and every action it gave.
struct Screen {
    dialog: SettingsDialog,
    appearance: Appearance,
    notifications: Notifications,
    actions: Vec<SettingsAction>,
}

/// The dialog on a screen of `size`, notifying through `notifier`.
fn harness_with(size: [f32; 2], notifier: RecordingNotifier) -> Harness<'static, Screen> {
    let screen = Screen {
        dialog: SettingsDialog::open(NAME, URL),
        appearance: Appearance::default(),
        notifications: Notifications::new(NotifyPrefs::default(), Box::new(notifier)),
        actions: Vec::new(),
    };
    let mut harness = Harness::builder().with_size(size).build_ui_state(
        |ui, screen: &mut Screen| {
            let shown =
                screen
                    .dialog
                    .show(ui.ctx(), &mut screen.appearance, &mut screen.notifications);
            if let Some(action) = shown {
                screen.actions.push(action);
            }
        },
        screen,
    );
    harness.run();
    harness
}

fn harness_sized(size: [f32; 2]) -> Harness<'static, Screen> {
    harness_with(size, RecordingNotifier::allowed())
}

fn harness() -> Harness<'static, Screen> {
    harness_sized([800.0, 600.0])
}

fn body_size(harness: &Harness<'_, Screen>) -> f32 {
    egui::TextStyle::Body
        .resolve(&harness.ctx.global_style())
        .size
}

fn type_into(harness: &mut Harness<'_, Screen>, label: &str, text: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, label);
    field.focus();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    field.type_text(text);
    harness.run();
}

#[test]
fn choosing_light_switches_the_theme_at_once() {
    let mut harness = harness();
    harness.get_by_label("Dark").click();
    harness.run();
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    harness.get_by_label("Light").click();
    harness.run();
    assert_eq!(harness.state().appearance.theme, ThemeChoice::Light);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    assert!(!harness.ctx.global_style().visuals.dark_mode);
}

#[test]
fn the_text_size_slider_scales_the_body_font_and_reset_restores_it() {
    let mut harness = harness();
    let original = body_size(&harness);
    harness
        .get_by_role_and_label(Role::Slider, "Text size")
        .set_value_accesskit(150.0);
    harness.run();
    assert_eq!(harness.state().appearance.text_scale, 1.5);
    assert_eq!(body_size(&harness), original * 1.5);

    harness.get_by_label("Reset").click();
    harness.run();
    assert_eq!(body_size(&harness), original);
}

#[test]
fn the_arrow_keys_step_the_text_size() {
    let mut harness = harness();
    let original = body_size(&harness);
    harness
        .get_by_role_and_label(Role::Slider, "Text size")
        .focus();
    harness.run();
    harness.key_press(egui::Key::ArrowRight);
    harness.run();
    assert_eq!(body_size(&harness), original * 1.05);
}

#[test]
fn a_valid_new_name_is_a_rename() {
    let mut harness = harness();
    type_into(&mut harness, "Display name", "bob");
    harness.get_by_label("Change name").click();
    harness.run();
    assert_eq!(
        harness.state().actions,
        [SettingsAction::Rename("bob".to_owned())]
    );
    assert!(harness.state().dialog.is_open());
}

#[test]
fn a_name_that_is_too_long_shows_why_and_cannot_be_sent() {
    let mut harness = harness();
    type_into(&mut harness, "Display name", &"x".repeat(33));
    harness.get_by_label("Name must be at most 32 characters");
    let button = harness.get_by_label("Change name");
    assert!(button.accesskit_node().is_disabled());
    button.click();
    harness.run();
    assert!(harness.state().actions.is_empty());
}

#[test]
fn the_unchanged_name_cannot_be_sent() {
    let harness = harness();
    assert!(
        harness
            .get_by_label("Change name")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn a_bad_server_url_shows_an_error_and_a_good_one_connects() {
    let mut harness = harness();
    type_into(&mut harness, "Server", "http://chat.example");
    harness.get_by_label("The server address must start with ws:// or wss://");
    assert!(
        harness
            .get_by_label("Connect")
            .accesskit_node()
            .is_disabled()
    );

    type_into(&mut harness, "Server", "wss://chat.example/ws");
    assert!(
        harness
            .query_by_label("The server address must start with ws:// or wss://")
            .is_none()
    );
    harness.get_by_label("Connect").click();
    harness.run();
    assert_eq!(
        harness.state().actions,
        [SettingsAction::ChangeServer(
            "wss://chat.example/ws".to_owned()
        )]
    );
}

#[test]
fn close_closes() {
    let mut harness = harness();
    harness.get_by_label("Close").click();
    harness.run();
    assert_eq!(harness.state().actions, [SettingsAction::Close]);
    assert!(!harness.state().dialog.is_open());
    assert!(harness.query_by_label("Settings").is_none());
}

#[test]
fn escape_closes() {
    let mut harness = harness();
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert_eq!(harness.state().actions, [SettingsAction::Close]);
}

#[test]
fn the_whole_form_fits_a_phone() {
    for scale in [1.0, 2.0] {
        let mut harness = harness_sized([390.0, 844.0]);
        harness.state_mut().appearance.text_scale = scale;
        harness.run();
        harness.get_by_label("Settings");
        for label in [
            "Follow system",
            "Light",
            "Reset",
            "All messages",
            "None",
            "Change name",
            "Connect",
            "Close",
        ] {
            let rect = harness.get_by_label(label).rect();
            assert!(
                rect.left() >= 0.0 && rect.right() <= 390.0,
                "{label} at {rect:?} with text at {scale}×"
            );
        }
    }
}

fn level(harness: &Harness<'_, Screen>) -> NotifyLevel {
    harness.state().notifications.prefs().level
}

#[test]
fn the_notification_level_is_chosen_in_settings() {
    let mut harness = harness();
    assert_eq!(level(&harness), NotifyLevel::MentionsAndDirect);
    assert_eq!(
        harness
            .get_by_label("Mentions and direct messages")
            .accesskit_node()
            .toggled(),
        Some(egui::accesskit::Toggled::True)
    );
    harness.get_by_label("All messages").click();
    harness.run();
    assert_eq!(level(&harness), NotifyLevel::All);
    harness.get_by_label("None").click();
    harness.run();
    assert_eq!(level(&harness), NotifyLevel::Nothing);
}

#[test]
fn a_browser_not_asked_yet_is_asked_on_a_click_and_never_before() {
    let notifier = RecordingNotifier::with_permission(Permission::NotAsked);
    let mut harness = harness_with([800.0, 600.0], notifier.clone());
    harness.run_steps(5);
    assert_eq!(notifier.permission_requests(), 0);
    harness.get_by_label("Allow notifications").click();
    harness.run();
    assert_eq!(notifier.permission_requests(), 1);
}

#[test]
fn blocked_notifications_say_where_to_allow_them() {
    let harness = harness_with(
        [800.0, 600.0],
        RecordingNotifier::with_permission(Permission::Blocked),
    );
    harness.get_by_label(
        "The browser blocks notifications from this page: allow them in its site settings.",
    );
    assert!(harness.query_by_label("Allow notifications").is_none());
}
