//! One of our messages the server has not acknowledged yet.

use crate::client::state::PendingMessage;
use crate::ui::status::wait_words;

use super::ListAction;
use super::message::bubble;
use super::rows::View;

/// Draws `pending` with "sending…", "waiting…" while the server has us slow down, or why the
/// server refused it with Edit and Retry; returns what the user asked for.
pub(super) fn draw_pending(
    ui: &mut egui::Ui,
    pending: &PendingMessage,
    view: &View,
) -> Option<ListAction> {
    let mut action = None;
    bubble(ui, true, false).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(view.me).strong());
            match &pending.refused {
                None => match view.paused_for {
                    None => {
                        ui.weak("sending…");
                    }
                    Some(seconds) => {
                        ui.weak(format!("waiting {}: sending too fast", wait_words(seconds)));
                    }
                },
                Some(reason) => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("not sent: {reason}"));
                    if ui.small_button("Edit").clicked() {
                        action = Some(ListAction::TakeBack(pending.id.clone()));
                    }
                    if ui.small_button("Retry").clicked() {
                        action = Some(ListAction::Retry(pending.id.clone()));
                    }
                }
            }
        });
        ui.add(egui::Label::new(egui::RichText::new(&pending.text).weak()).wrap());
    });
    action
}
