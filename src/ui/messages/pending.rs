//! One of our messages the server has not acknowledged yet.

use crate::client::state::{PendingMessage, Upload};
use crate::ui::media::size_words;
use crate::ui::status::wait_words;

use super::ListAction;
use super::message::bubble;
use super::rows::View;

/// Draws `pending` with "sending…", "waiting…" while the server has us slow down, its file's
/// upload progress (Cancel puts the text back), or why it was refused with Edit (Remove for a
/// file that cannot be sent) and Retry; returns what the user asked for.
pub(super) fn draw_pending(
    ui: &mut egui::Ui,
    pending: &PendingMessage,
    view: &View,
) -> Option<ListAction> {
    let mut action = None;
    let upload_error = pending.upload.as_ref().and_then(Upload::error);
    bubble(ui, true, false).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(view.me).strong());
            match pending.refused.as_deref().or(upload_error) {
                None => {
                    if status(ui, pending, view) && ui.small_button("Cancel").clicked() {
                        action = Some(ListAction::TakeBack(pending.id.clone()));
                    }
                }
                Some(reason) => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("not sent: {reason}"));
                    let take_back = if upload_error.is_some() {
                        "Remove"
                    } else {
                        "Edit"
                    };
                    if ui.small_button(take_back).clicked() {
                        action = Some(ListAction::TakeBack(pending.id.clone()));
                    }
                    if ui.small_button("Retry").clicked() {
                        action = Some(ListAction::Retry(pending.id.clone()));
                    }
                }
            }
        });
        if !pending.text.is_empty() {
            ui.add(egui::Label::new(egui::RichText::new(&pending.text).weak()).wrap());
        }
        if let Some(upload) = &pending.upload {
            progress(ui, upload);
        }
    });
    action
}

/// "sending…", "uploading…" or how long the server has us wait; true while its file uploads
/// (it can be cancelled then).
fn status(ui: &mut egui::Ui, pending: &PendingMessage, view: &View) -> bool {
    let uploading = pending
        .upload
        .as_ref()
        .is_some_and(|upload| upload.attachment().is_none());
    if uploading {
        match pending.upload.as_ref().and_then(|u| u.retry_in(view.now)) {
            Some(seconds) => ui.weak(format!(
                "upload interrupted: trying again in {}",
                wait_words(seconds)
            )),
            None => ui.weak("uploading…"),
        };
        return true;
    }
    match view.paused_for {
        None => ui.weak("sending…"),
        Some(seconds) => ui.weak(format!("waiting {}: sending too fast", wait_words(seconds))),
    };
    false
}

/// The file's name and how much of it the server has.
fn progress(ui: &mut egui::Ui, upload: &Upload) {
    let fraction = upload.sent() as f32 / upload.size().max(1) as f32;
    ui.horizontal(|ui| {
        crate::ui::media::file_icon(ui);
        ui.label(upload.name());
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(160.0)
                .text(format!(
                    "{} of {}",
                    size_words(upload.sent()),
                    size_words(upload.size())
                )),
        );
    });
}
