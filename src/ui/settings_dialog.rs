//! The settings dialog: theme, text size, notifications, read receipts, display name, server and the
//! keyboard shortcuts.
//!
//! A modal rather than a window: on a phone there is no room to drag a window aside, and a
//! dimmed backdrop that closes the dialog on a tap (or Escape) is what users expect there.

use crate::protocol::validate_name;
use crate::ui::appearance::{Appearance, MAX_TEXT_SCALE, MIN_TEXT_SCALE, ThemeChoice};
use crate::ui::notifications::{Notifications, settings_section};
use crate::ui::shortcuts;

/// Widest the dialog's content gets, in points.
const MAX_WIDTH: f32 = 360.0;
/// Room kept free around the dialog on a narrow screen, per side, in points.
const SCREEN_MARGIN: f32 = 16.0;

/// What the user asked for in the settings dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingsAction {
    /// Change the display name to this (valid per [`validate_name`]).
    Rename(String),
    /// Connect to this server (a `ws://` or `wss://` URL, trimmed).
    ChangeServer(String),
    /// Share our read receipts (true) or keep them to ourselves.
    ShareReceipts(bool),
    /// The dialog was closed (Close, Escape or a tap outside it).
    Close,
}

/// The settings dialog's state: the name and server being edited. [`Default`] is closed.
#[derive(Clone, Debug, Default)]
pub struct SettingsDialog {
    open: bool,
    current_name: String,
    name: String,
    current_url: String,
    url: String,
    share_receipts: bool,
}

impl SettingsDialog {
    /// An open dialog with its fields filled with the current name and server.
    pub fn open(current_name: &str, current_url: &str) -> Self {
        Self {
            open: true,
            current_name: current_name.to_owned(),
            name: current_name.to_owned(),
            current_url: current_url.to_owned(),
            url: current_url.to_owned(),
            share_receipts: true,
        }
    }

    /// The dialog with the read-receipts switch as the server last said (shared or not).
    pub fn sharing_receipts(mut self, share: bool) -> Self {
        self.share_receipts = share;
        self
    }

    /// Whether the dialog is shown.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Draws the dialog if it is open. Theme and text size edit `appearance` and are applied to
    /// `ctx` at once; the notification level edits `notifications`; the name and server come
    /// back as an action for the caller to carry out.
    /// After a rename or server change the dialog takes the new value as current.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        appearance: &mut Appearance,
        notifications: &mut Notifications,
    ) -> Option<SettingsAction> {
        if !self.open {
            return None;
        }
        let screen = ctx.content_rect();
        let width = (screen.width() - 2.0 * SCREEN_MARGIN).min(MAX_WIDTH);
        let max_height = screen.height() - 2.0 * SCREEN_MARGIN;
        let modal = egui::Modal::new(egui::Id::unique("chinwag_settings")).show(ctx, |ui| {
            ui.set_width(width);
            egui::ScrollArea::vertical()
                .max_height(max_height)
                .auto_shrink([false, true])
                .show(ui, |ui| self.contents(ui, appearance, notifications))
                .inner
        });
        appearance.apply(ctx);
        let closed = modal.should_close();
        let mut action = modal.inner;
        if action.is_none() && closed {
            action = Some(SettingsAction::Close);
        }
        match &action {
            Some(SettingsAction::Rename(name)) => self.current_name.clone_from(name),
            Some(SettingsAction::ChangeServer(url)) => self.current_url.clone_from(url),
            Some(SettingsAction::Close) => self.open = false,
            Some(SettingsAction::ShareReceipts(_)) => {}
            None => {}
        }
        action
    }

    fn contents(
        &mut self,
        ui: &mut egui::Ui,
        appearance: &mut Appearance,
        notifications: &mut Notifications,
    ) -> Option<SettingsAction> {
        ui.heading("Settings");
        ui.add_space(8.0);
        appearance_section(ui, appearance);
        ui.separator();
        settings_section(ui, notifications);
        ui.separator();
        let mut action = self.receipts_section(ui);
        ui.separator();
        action = self.name_section(ui).or(action);
        ui.separator();
        action = self.server_section(ui).or(action);
        ui.separator();
        shortcuts::settings_section(ui);
        ui.separator();
        if ui.button("Close").clicked() {
            action = Some(SettingsAction::Close);
        }
        action
    }

    /// The switch that shares our read receipts or not.
    fn receipts_section(&mut self, ui: &mut egui::Ui) -> Option<SettingsAction> {
        ui.checkbox(&mut self.share_receipts, "Share read receipts")
            .on_hover_text("Others see how far you have read; turned off, you see nobody's")
            .changed()
            .then_some(SettingsAction::ShareReceipts(self.share_receipts))
    }

    fn name_section(&mut self, ui: &mut egui::Ui) -> Option<SettingsAction> {
        let label = ui.label("Display name");
        let field = ui
            .add(egui::TextEdit::singleline(&mut self.name).desired_width(f32::INFINITY))
            .labelled_by(label.id);
        let problem = validate_name(&self.name).err();
        if let Some(problem) = &problem {
            ui.colored_label(ui.visuals().error_fg_color, format!("Name {problem}"));
        }
        let can_rename = problem.is_none() && self.name != self.current_name;
        let button = ui.add_enabled(can_rename, egui::Button::new("Change name"));
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        (can_rename && (button.clicked() || entered))
            .then(|| SettingsAction::Rename(self.name.clone()))
    }

    fn server_section(&mut self, ui: &mut egui::Ui) -> Option<SettingsAction> {
        let label = ui.label("Server");
        let field = ui
            .add(egui::TextEdit::singleline(&mut self.url).desired_width(f32::INFINITY))
            .labelled_by(label.id);
        let url = self.url.trim();
        let valid = is_server_url(url);
        if !valid {
            ui.colored_label(
                ui.visuals().error_fg_color,
                "The server address must start with ws:// or wss://",
            );
        }
        let button = ui.add_enabled(valid, egui::Button::new("Connect"));
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        (valid && (button.clicked() || entered))
            .then(|| SettingsAction::ChangeServer(url.to_owned()))
    }
}

/// Theme and text size; both edit `appearance` directly.
fn appearance_section(ui: &mut egui::Ui, appearance: &mut Appearance) {
    ui.label("Theme");
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut appearance.theme, ThemeChoice::System, "Follow system");
        ui.selectable_value(&mut appearance.theme, ThemeChoice::Dark, "Dark");
        ui.selectable_value(&mut appearance.theme, ThemeChoice::Light, "Light");
    });
    ui.add_space(4.0);
    let label = ui.label("Text size");
    ui.horizontal(|ui| {
        let mut percent = (appearance.effective_text_scale() * 100.0).round();
        let range = MIN_TEXT_SCALE * 100.0..=MAX_TEXT_SCALE * 100.0;
        let slider = egui::Slider::new(&mut percent, range)
            .step_by(5.0)
            .suffix(" %");
        if ui.add(slider).labelled_by(label.id).changed() {
            appearance.text_scale = percent / 100.0;
        }
        let default = Appearance::default().text_scale;
        let reset = egui::Button::new("Reset");
        if ui.add_enabled(percent != default * 100.0, reset).clicked() {
            appearance.text_scale = default;
        }
    });
}

/// Whether `url` looks like a WebSocket URL: `ws://` or `wss://` followed by a host.
fn is_server_url(url: &str) -> bool {
    url.strip_prefix("wss://")
        .or_else(|| url.strip_prefix("ws://"))
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::is_server_url;

    #[test]
    fn server_urls_need_a_websocket_scheme_and_a_host() {
        assert!(is_server_url("ws://127.0.0.1:9001/ws"));
        assert!(is_server_url("wss://chat.example/ws"));
        assert!(!is_server_url("http://chat.example/ws"));
        assert!(!is_server_url("chat.example"));
        assert!(!is_server_url("ws://"));
        assert!(!is_server_url("ws://chat example"));
    }
}
