//! The notifications part of the Settings dialog: which messages notify, and in a browser that
//! has not been allowed to show notifications yet, the button that asks it (the browser asks
//! only on a click of the user's, never when the page loads).

use super::{Notifications, Permission};
use crate::client::notify::NotifyLevel;

/// Draws the level choice and, when needed, the permission button or why there is none.
pub fn settings_section(ui: &mut egui::Ui, notifications: &mut Notifications) {
    ui.label("Desktop notifications");
    let level = &mut notifications.prefs_mut().level;
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(level, NotifyLevel::All, "All messages");
        ui.selectable_value(
            level,
            NotifyLevel::MentionsAndDirect,
            "Mentions and direct messages",
        );
        ui.selectable_value(level, NotifyLevel::Nothing, "None");
    });
    if notifications.prefs().level == NotifyLevel::Nothing {
        return;
    }
    match notifications.permission() {
        Permission::Allowed => {}
        Permission::NotAsked => {
            ui.weak("The browser shows notifications only once you allow them.");
            if ui.button("Allow notifications").clicked() {
                notifications.request_permission();
            }
        }
        Permission::Blocked => {
            ui.weak(
                "The browser blocks notifications from this page: allow them in its site settings.",
            );
        }
        Permission::Unsupported => {
            ui.weak("Notifications cannot be shown here.");
        }
    }
}
