//! The status bar: connection state, what this window hosts, and Disconnect / Reconnect.

use crate::client::state::{ChatState, Phase};

/// What the user asked for in the status bar.
pub enum StatusAction {
    /// Close the connection.
    Disconnect,
    /// Connect again after a disconnect.
    Reconnect,
    /// Hide the error the server reported.
    DismissError,
}

/// Draws the status line for `state` connected to `url`; `reconnect_in` is the countdown to the
/// next automatic reconnect, `host_note` says what this process hosts.
pub fn show(
    ui: &mut egui::Ui,
    state: &ChatState,
    url: &str,
    reconnect_in: Option<f64>,
    host_note: Option<&str>,
) -> Option<StatusAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        match state.phase() {
            Phase::Idle | Phase::NameRefused => {
                ui.label("not connected");
            }
            Phase::Connecting => {
                ui.spinner();
                ui.label(format!("connecting to {url}…"));
            }
            Phase::Joining => {
                ui.spinner();
                ui.label("joining…");
            }
            Phase::Joined => {
                status_dot(ui, egui::Color32::from_rgb(80, 190, 110));
                ui.label(format!("connected to {url} as {}", state.name()));
            }
            Phase::Disconnected { reason } => {
                status_dot(ui, ui.visuals().error_fg_color);
                ui.label(format!("disconnected: {reason}"));
                if let Some(seconds) = reconnect_in {
                    ui.label(format!("reconnecting in {:.0} s", seconds.ceil()));
                    // Keep the countdown ticking.
                    ui.ctx().request_repaint_after_secs(1.0);
                }
            }
        }
        if state.phase() == &Phase::Joined
            && let Some(seconds) = state.sending_paused_for()
        {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("sending too fast — waiting {}", wait_words(seconds)),
            );
            // Keep the countdown ticking.
            ui.ctx().request_repaint_after_secs(1.0);
        }
        if let Some(note) = host_note {
            ui.separator();
            ui.label(note);
        }
        if state.phase() == &Phase::Joined
            && let Some(error) = state.last_error()
        {
            ui.separator();
            ui.colored_label(ui.visuals().error_fg_color, &error.message);
            if ui.small_button("Dismiss").clicked() {
                action = Some(StatusAction::DismissError);
            }
        }
        ui.with_layout(
            egui::Layout::right_to_left(egui::Align::Center),
            |ui| match state.phase() {
                Phase::Connecting | Phase::Joining | Phase::Joined | Phase::NameRefused => {
                    if ui.button("Disconnect").clicked() {
                        action = Some(StatusAction::Disconnect);
                    }
                }
                Phase::Disconnected { .. } => {
                    let label = if reconnect_in.is_some() {
                        "Reconnect now"
                    } else {
                        "Reconnect"
                    };
                    if ui.button(label).clicked() {
                        action = Some(StatusAction::Reconnect);
                    }
                }
                Phase::Idle => {}
            },
        );
    });
    action
}

/// A wait of `seconds` in words: "3 s", "2 min".
pub fn wait_words(seconds: f64) -> String {
    crate::protocol::wait_in_words(std::time::Duration::from_secs_f64(seconds.max(0.0)))
}

/// A small filled circle in `color` (painted: not every font has a bullet glyph).
fn status_dot(ui: &mut egui::Ui, color: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.0, color);
}
