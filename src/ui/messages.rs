//! The message list: a scroll area that lays out only the rows in view.
//!
//! Rows have different heights (wrapped text), so [`MessageList`] remembers each row's measured
//! height and estimates the rest from their text length. Each frame it sums the heights to find
//! the first row in view and lays out just the rows that fit, so 100,000 messages cost about as
//! much as 30. It sticks to the bottom unless the user scrolled up.

use crate::client::state::{ChatState, Entry, PendingMessage};
use crate::protocol::ChatMessage;
use crate::ui::grouping::{self, Lead};

/// Space between rows.
const ROW_GAP: f32 = 6.0;

/// Remembered row heights for the current width.
#[derive(Default)]
pub struct MessageList {
    heights: Vec<f32>,
    measured: Vec<bool>,
    width: f32,
}

/// What the user asked for on a message the server refused.
pub enum PendingAction {
    /// Send it again.
    Retry(String),
    /// Take it back into the composer.
    Edit(String),
}

/// One row to draw: a stored entry or one of our pending messages.
enum Row<'a> {
    Stored(&'a Entry),
    Pending(&'a PendingMessage),
}

impl MessageList {
    /// Draws the timeline and pending messages of `state`; returns what the user asked for on a
    /// refused message, if anything.
    pub fn show(&mut self, ui: &mut egui::Ui, state: &ChatState) -> Option<PendingAction> {
        let timeline = state.timeline();
        let pending = state.pending();
        let row_count = timeline.len() + pending.len();
        let row = |index: usize| match timeline.get(index) {
            Some(entry) => Row::Stored(entry),
            None => Row::Pending(&pending[index - timeline.len()]),
        };
        if row_count == 0 {
            ui.centered_and_justified(|ui| {
                ui.weak("No messages yet. Say hello!");
            });
            return None;
        }
        let mut action = None;
        let today = grouping::today();
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .stick_to_bottom(true)
            .show_viewport(ui, |ui, viewport| {
                let width = ui.available_width();
                if (width - self.width).abs() > 0.5 {
                    self.width = width;
                    self.heights.clear();
                    self.measured.clear();
                }
                self.heights.truncate(row_count);
                self.measured.truncate(row_count);
                let line_height = ui.text_style_height(&egui::TextStyle::Body);
                while self.heights.len() < row_count {
                    let estimate = estimate_height(&row(self.heights.len()), width, line_height);
                    self.heights.push(estimate);
                    self.measured.push(false);
                }
                let total: f32 = self.heights.iter().sum();
                ui.set_min_height(total);

                let origin = ui.max_rect().min;
                let mut top = 0.0;
                let mut index = 0;
                while index < row_count && top + self.heights[index] < viewport.min.y {
                    top += self.heights[index];
                    index += 1;
                }
                let mut remeasured = false;
                while index < row_count && top < viewport.max.y {
                    let rect = egui::Rect::from_min_size(
                        origin + egui::vec2(0.0, top),
                        egui::vec2(width, f32::INFINITY),
                    );
                    let drawn = ui
                        .scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                            let previous = index
                                .checked_sub(1)
                                .and_then(|before| previous_message(timeline, before));
                            if let Some(asked) =
                                draw_row(ui, &row(index), previous, state.name(), today)
                            {
                                action = Some(asked);
                            }
                        })
                        .response
                        .rect
                        .height()
                        + ROW_GAP;
                    if !self.measured[index] || (drawn - self.heights[index]).abs() > 0.5 {
                        remeasured |= (drawn - self.heights[index]).abs() > 0.5;
                        self.heights[index] = drawn;
                        self.measured[index] = true;
                    }
                    top += drawn;
                    index += 1;
                }
                if remeasured {
                    // Estimates were off: lay out again with the true heights.
                    ui.ctx().request_repaint();
                }
            });
        action
    }
}

/// A guess at a row's height from its text length, until it is drawn and measured.
fn estimate_height(row: &Row<'_>, width: f32, line_height: f32) -> f32 {
    let text = match row {
        Row::Stored(Entry::Message(message)) => message.text.as_str(),
        Row::Pending(pending) => pending.text.as_str(),
        Row::Stored(Entry::Presence { .. } | Entry::Gap { .. }) => return line_height + ROW_GAP,
    };
    let chars_per_line = (width / (line_height * 0.5)).max(1.0);
    let lines: f32 = text
        .lines()
        .map(|line| {
            (line.chars().count() as f32 / chars_per_line)
                .ceil()
                .max(1.0)
        })
        .sum();
    (lines.max(1.0) + 1.0) * line_height + ROW_GAP + 8.0
}

/// The message at `index` of the timeline or the closest one before it (presence notices and
/// gaps do not break a group).
fn previous_message(timeline: &[Entry], index: usize) -> Option<&ChatMessage> {
    timeline
        .get(..=index)?
        .iter()
        .rev()
        .take(8)
        .find_map(|entry| match entry {
            Entry::Message(message) => Some(message),
            Entry::Presence { .. } | Entry::Gap { .. } => None,
        })
}

fn draw_row(
    ui: &mut egui::Ui,
    row: &Row<'_>,
    previous: Option<&ChatMessage>,
    me: &str,
    today: chrono::NaiveDate,
) -> Option<PendingAction> {
    match row {
        Row::Stored(Entry::Message(message)) => {
            draw_message(ui, message, grouping::lead(previous, message, today), me);
        }
        Row::Stored(Entry::Presence { name, joined }) => {
            let verb = if *joined { "joined" } else { "left" };
            ui.label(
                egui::RichText::new(format!("{name} {verb}"))
                    .italics()
                    .weak(),
            );
        }
        Row::Stored(Entry::Gap { missed }) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("{missed} earlier messages from while you were away are not shown"),
            );
        }
        Row::Pending(pending) => return draw_pending(ui, pending, me),
    }
    None
}

/// One of our messages not yet acknowledged: "sending…", or why the server refused it.
fn draw_pending(ui: &mut egui::Ui, pending: &PendingMessage, me: &str) -> Option<PendingAction> {
    let mut action = None;
    bubble(ui, true).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(me).strong());
            match &pending.refused {
                None => {
                    ui.weak("sending…");
                }
                Some(reason) => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("not sent: {reason}"));
                    if ui.small_button("Edit").clicked() {
                        action = Some(PendingAction::Edit(pending.id.clone()));
                    }
                    if ui.small_button("Retry").clicked() {
                        action = Some(PendingAction::Retry(pending.id.clone()));
                    }
                }
            }
        });
        ui.add(egui::Label::new(egui::RichText::new(&pending.text).weak()).wrap());
    });
    action
}

fn draw_message(ui: &mut egui::Ui, message: &ChatMessage, lead: Lead, me: &str) {
    if let Some(day) = lead.day {
        day_separator(ui, &day);
    }
    let own = message.from == me;
    bubble(ui, own)
        .show(ui, |ui| {
            if lead.header {
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
            ui.add(egui::Label::new(&message.text).wrap());
        })
        .response
        .on_hover_text(full_time(message.time));
}

/// A centred day label between two rules.
fn day_separator(ui: &mut egui::Ui, day: &str) {
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label_width = ui.fonts_mut(|fonts| {
            fonts
                .layout_no_wrap(
                    day.to_owned(),
                    egui::TextStyle::Small.resolve(ui.style()),
                    egui::Color32::WHITE,
                )
                .size()
                .x
        });
        let side = ((ui.available_width() - label_width) / 2.0 - 8.0).max(0.0);
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
        ui.label(egui::RichText::new(day).small().weak());
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
    });
    ui.add_space(2.0);
}

/// The frame around a message; our own messages get a tinted background.
fn bubble(ui: &egui::Ui, own: bool) -> egui::Frame {
    let frame = egui::Frame::new()
        .inner_margin(egui::Margin::symmetric(8, 4))
        .corner_radius(6.0);
    if own {
        frame.fill(ui.visuals().selection.bg_fill.gamma_multiply(0.35))
    } else {
        frame.fill(ui.visuals().faint_bg_color)
    }
}

/// "14:05" in the user's time zone.
fn local_time(ms_since_epoch: i64) -> String {
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
