//! One stored message: its bubble, header, the quote it replies to, text, "(edited)",
//! reactions, "seen by", its right-click menu (Reply, React, Pin; Edit and Delete of our own)
//! and for our own messages the editor in place.

use crate::protocol::ChatMessage;
use crate::ui::grouping::{self, Lead};
use crate::ui::rich_text;

use super::annotations;
use super::edit::{EditOutcome, edit_box};
use super::rows::View;
use super::separators::day_separator;
use super::{ListAction, MessageList};

impl MessageList {
    /// Draws `message` under its `lead` (day separator, sender header), with who has `seen` it
    /// (and not the next) under it; returns what the user asked for in it.
    pub(super) fn draw_message(
        &mut self,
        ui: &mut egui::Ui,
        view: &View<'_>,
        message: &ChatMessage,
        lead: Lead,
        seen: &[&str],
    ) -> Option<ListAction> {
        if let Some(day) = lead.day {
            day_separator(ui, &day);
        }
        let own = message.from == view.me;
        let mentioned = !own && crate::protocol::markup::mentions(&message.text, view.me);
        let mut action = None;
        let mut frame = bubble(ui, own, mentioned);
        if self.marked == Some(message.seq) {
            frame = frame.stroke(egui::Stroke::new(2.0, ui.visuals().selection.stroke.color));
        }
        let response = frame
            .show(ui, |ui| {
                if lead.header {
                    header(ui, message, own);
                }
                if mentioned {
                    ui.label(
                        egui::RichText::new("mentions you")
                            .small()
                            .color(ui.visuals().warn_fg_color),
                    );
                }
                if let Some(quote) = &message.reply_to
                    && annotations::reply_quote(ui, quote)
                {
                    self.jump_to(quote.seq);
                }
                action = self.message_body(ui, view, message, own);
                if !message.deleted {
                    action = annotations::reactions_row(ui, message, view.me).or(action.take());
                }
            })
            .response;
        if !seen.is_empty() {
            annotations::seen_line(ui, seen);
        }
        let hint = if message.deleted {
            full_time(message.time)
        } else {
            format!("{}\nRight-click the text for more", full_time(message.time))
        };
        response.on_hover_text(hint);
        action
    }

    /// The text of `message`: "message deleted", the editor if the user is editing it, or the
    /// text with "(edited)" and, for our own, the right-click menu.
    fn message_body(
        &mut self,
        ui: &mut egui::Ui,
        view: &View<'_>,
        message: &ChatMessage,
        own: bool,
    ) -> Option<ListAction> {
        if message.deleted {
            ui.label(egui::RichText::new("message deleted").italics().weak());
            return None;
        }
        if let Some((seq, text)) = &mut self.editing
            && *seq == message.seq
        {
            let focus = std::mem::take(&mut self.focus_editor);
            return match edit_box(ui, text, focus) {
                Some(EditOutcome::Save(text)) => {
                    self.editing = None;
                    Some(ListAction::Edit(message.seq, text))
                }
                Some(EditOutcome::Cancel) => {
                    self.editing = None;
                    None
                }
                None => None,
            };
        }
        let text = (!message.text.is_empty() || message.attachment.is_none())
            .then(|| rich_text::show(ui, &message.text, &view.room.users, view.me));
        let attachment = message
            .attachment
            .as_deref()
            .map(|attachment| self.media.show_attachment(ui, &message.room, attachment));
        if message.edited.is_some() {
            ui.weak("(edited)");
        }
        let menu_on = match (text, attachment) {
            (Some(text), Some(attachment)) => text.union(attachment),
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => return None,
        };
        self.message_menu(&menu_on, message, view, own)
    }

    /// The right-click menu of a message: Reply, React, Pin or Unpin, and for our own Edit
    /// (opens the editor in place) and Delete.
    fn message_menu(
        &mut self,
        response: &egui::Response,
        message: &ChatMessage,
        view: &View<'_>,
        own: bool,
    ) -> Option<ListAction> {
        let mut action = None;
        response.context_menu(|ui| {
            action = annotations::message_actions(ui, message, view);
            if action.is_some() {
                ui.close();
            }
            if !own {
                return;
            }
            ui.separator();
            if ui.button("Edit").clicked() {
                self.start_editing(message);
                ui.close();
            }
            if ui.button("Delete").clicked() {
                action = Some(ListAction::Delete(message.seq));
                ui.close();
            }
        });
        action
    }
}

/// The sender's name (ours in the link colour) and the time.
fn header(ui: &mut egui::Ui, message: &ChatMessage, own: bool) {
    ui.horizontal(|ui| {
        let name = egui::RichText::new(&message.from).strong();
        ui.label(if own {
            name.color(ui.visuals().hyperlink_color)
        } else {
            name
        });
        ui.weak(local_time(message.time));
    });
}

/// The frame around a message; our own messages get a tinted background, messages that
/// mention us a highlighted border.
pub(super) fn bubble(ui: &egui::Ui, own: bool, mentioned: bool) -> egui::Frame {
    let frame = egui::Frame::new()
        .inner_margin(egui::Margin::symmetric(8, 4))
        .corner_radius(6.0);
    if mentioned {
        frame
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
            .stroke(egui::Stroke::new(1.0, ui.visuals().warn_fg_color))
    } else if own {
        frame.fill(ui.visuals().selection.bg_fill.gamma_multiply(0.35))
    } else {
        frame.fill(ui.visuals().faint_bg_color)
    }
}

/// "14:05" in the user's time zone.
pub fn local_time(ms_since_epoch: i64) -> String {
    grouping::local(ms_since_epoch)
        .map(|time| time.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// "Wednesday 25 November 2026, 14:05:09" in the user's time zone.
fn full_time(ms_since_epoch: i64) -> String {
    grouping::local(ms_since_epoch)
        .map(|time| time.format("%A %-d %B %Y, %H:%M:%S").to_string())
        .unwrap_or_default()
}
