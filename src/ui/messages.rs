//! The message list: a scroll area that lays out only the rows in view.
//!
//! Rows have different heights (wrapped text), so [`MessageList`] remembers each row's measured
//! height and estimates the rest from their text length. Each frame it sums the heights to find
//! the first row in view and lays out just the rows that fit, so 100,000 messages cost about as
//! much as 30. It sticks to the bottom unless the user scrolled up. Scrolled to the top of a
//! room with older history, it asks for the next page and shows a spinner; the page goes in
//! above without moving what is on screen.

use crate::client::state::{ChatState, Entry, PendingMessage, RoomView};
use crate::protocol::ChatMessage;
use crate::ui::grouping::{self, Lead};
use crate::ui::status::wait_words;
use crate::ui::{presence, rich_text};

/// Space between rows.
const ROW_GAP: f32 = 6.0;

/// Remembered row heights for the current room and width, and what the user is doing to a row.
#[derive(Default)]
pub struct MessageList {
    heights: Vec<f32>,
    measured: Vec<bool>,
    width: f32,
    room: String,
    oldest_seq: Option<u64>,
    offset: f32,
    /// Frames drawn since the room was switched to (its first frames scroll to the bottom).
    frames_in_room: u32,
    /// A message to bring into view (and mark) once it is loaded.
    jump_to: Option<u64>,
    /// The message last jumped to, outlined until the user sends or jumps elsewhere.
    marked: Option<u64>,
    editing: Option<(u64, String)>,
}

/// What the user asked for in the message list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListAction {
    /// Send a refused message again.
    Retry(String),
    /// Take a refused message back into the composer.
    TakeBack(String),
    /// Replace the text of our message.
    Edit(u64, String),
    /// Delete our message.
    Delete(u64),
    /// Load older history (scrolled to the top).
    LoadOlder,
}

/// One row to draw: the top of the room, a stored entry or one of our pending messages.
enum Row<'a> {
    Top,
    Stored(&'a Entry),
    Pending(&'a PendingMessage),
}

/// How the list reads the room it draws.
struct View<'a> {
    room: &'a RoomView,
    me: &'a str,
    /// Seconds until sending resumes, while the server has us wait.
    paused_for: Option<f64>,
    today: chrono::NaiveDate,
    loading: bool,
}

impl MessageList {
    /// Asks to bring message `seq` of the current room into view; see [`Self::jump_target`].
    pub fn jump_to(&mut self, seq: u64) {
        self.jump_to = Some(seq);
        self.marked = Some(seq);
    }

    /// The message still waiting to be shown, if its older history has to be loaded first.
    pub fn jump_target(&self) -> Option<u64> {
        self.jump_to
    }

    /// Draws the current room's timeline and our pending messages; `loading` says a page of
    /// older history is on its way. Returns what the user asked for, if anything.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        state: &ChatState,
        loading: bool,
    ) -> Option<ListAction> {
        let room = state.current()?;
        let timeline = room.timeline();
        let pending: Vec<&PendingMessage> = state.pending_in(&room.room).collect();
        let top_rows = usize::from(room.has_older);
        let row_count = top_rows + timeline.len() + pending.len();
        let row = |index: usize| {
            if index < top_rows {
                return Row::Top;
            }
            let index = index - top_rows;
            match timeline.get(index) {
                Some(entry) => Row::Stored(entry),
                None => Row::Pending(pending[index - timeline.len()]),
            }
        };
        if row_count == 0 {
            ui.centered_and_justified(|ui| {
                ui.weak("No messages yet. Say hello!");
            });
            return None;
        }
        let scroll_to = self
            .follow_room(room, top_rows, ui)
            .or_else(|| self.jump_offset(room, top_rows));
        let view = View {
            room,
            me: state.name(),
            paused_for: state.sending_paused_for(),
            today: grouping::today(),
            loading,
        };
        let mut action = None;
        // Follows new messages at the bottom, unless this frame moves the view on purpose.
        let mut area = egui::ScrollArea::vertical()
            .auto_shrink(false)
            .stick_to_bottom(scroll_to.is_none());
        if let Some(offset) = scroll_to {
            area = area.vertical_scroll_offset(offset);
        }
        let mut top_in_view = false;
        let output = area.show_viewport(ui, |ui, viewport| {
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
            top_in_view = top_rows > 0 && viewport.min.y < self.heights[0];

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
                        let stored_index = index.checked_sub(top_rows);
                        if let Some(asked) = self.draw_row(ui, &view, &row(index), stored_index) {
                            action = Some(asked);
                        }
                    })
                    .response
                    .rect
                    .height();
                let drawn = if drawn > 0.0 { drawn + ROW_GAP } else { 0.0 };
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
        self.offset = output.state.clamped_offset().y;
        self.frames_in_room = self.frames_in_room.saturating_add(1);
        let settled = self.frames_in_room > 2;
        if settled && top_in_view && !loading {
            action = action.or(Some(ListAction::LoadOlder));
        }
        action
    }

    /// The scroll offset that shows the message to jump to, once it is loaded and its row
    /// heights are known (estimates for rows not drawn yet).
    fn jump_offset(&mut self, room: &RoomView, top_rows: usize) -> Option<f32> {
        let target = self.jump_to?;
        let index = room
            .timeline()
            .iter()
            .position(|entry| matches!(entry, Entry::Message(message) if message.seq == target))?;
        let row = top_rows + index;
        // Once the row has been drawn (and measured) this last offset is exact: stop there.
        if self.measured.get(row).copied().unwrap_or(false) {
            self.jump_to = None;
        }
        let above: f32 = self.heights.iter().take(row).sum();
        Some((above - 40.0).max(0.0))
    }

    /// Starts over for another room; when older messages were put in front of this room's
    /// rows, makes room for them and returns the scroll offset that keeps the view still.
    fn follow_room(&mut self, room: &RoomView, top_rows: usize, ui: &egui::Ui) -> Option<f32> {
        let oldest = room.oldest_seq();
        if self.room != room.room {
            self.room = room.room.clone();
            self.heights.clear();
            self.measured.clear();
            self.oldest_seq = oldest;
            self.editing = None;
            self.frames_in_room = 0;
            self.jump_to = None;
            self.marked = None;
            return None;
        }
        let before = std::mem::replace(&mut self.oldest_seq, oldest);
        let (Some(before), Some(now)) = (before, oldest) else {
            return None;
        };
        if now >= before {
            return None;
        }
        let first_old = room
            .timeline()
            .iter()
            .position(|entry| matches!(entry, Entry::Message(message) if message.seq >= before))?;
        let line_height = line_height_of(ui);
        let added: Vec<f32> = room.timeline()[..first_old]
            .iter()
            .map(|entry| estimate_height(&Row::Stored(entry), self.width, line_height))
            .collect();
        let added_height: f32 = added.iter().sum();
        let at = top_rows.min(self.heights.len());
        self.heights.splice(at..at, added.iter().copied());
        self.measured.splice(at..at, added.iter().map(|_| false));
        Some(self.offset + added_height)
    }
}
/// A guess at a row's height from its text length, until it is drawn and measured.
fn estimate_height(row: &Row<'_>, width: f32, line_height: f32) -> f32 {
    let text = match row {
        Row::Stored(Entry::Message(message)) => message.text.as_str(),
        Row::Pending(pending) => pending.text.as_str(),
        Row::Top | Row::Stored(_) => return line_height + ROW_GAP,
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

fn line_height_of(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body)
}

/// The message at `index` of the timeline or the closest one before it (notices and gaps do
/// not break a group).
fn previous_message(timeline: &[Entry], index: usize) -> Option<&ChatMessage> {
    timeline
        .get(..=index)?
        .iter()
        .rev()
        .take(8)
        .find_map(|entry| match entry {
            Entry::Message(message) => Some(message),
            _ => None,
        })
}

impl MessageList {
    fn draw_row(
        &mut self,
        ui: &mut egui::Ui,
        view: &View<'_>,
        row: &Row<'_>,
        stored_index: Option<usize>,
    ) -> Option<ListAction> {
        let timeline = view.room.timeline();
        match row {
            Row::Top => {
                ui.horizontal(|ui| {
                    if view.loading {
                        ui.spinner();
                        ui.weak("loading older messages…");
                    } else {
                        ui.weak("scroll up for older messages");
                    }
                });
            }
            Row::Stored(Entry::Message(message)) => {
                let previous = stored_index
                    .and_then(|index| index.checked_sub(1))
                    .and_then(|before| previous_message(timeline, before));
                if let Some(divider) = view.room.divider_after
                    && message.seq > divider
                    && previous.is_none_or(|previous| previous.seq <= divider)
                {
                    new_messages_divider(ui);
                }
                return self.draw_message(
                    ui,
                    view,
                    message,
                    grouping::lead(previous, message, view.today),
                );
            }
            Row::Stored(Entry::Presence { .. }) => {
                if let Some(index) = stored_index {
                    presence::show(ui, timeline, index);
                }
            }
            Row::Stored(Entry::Gap { missed }) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{missed} earlier messages from while you were away are not shown"),
                );
            }
            Row::Stored(Entry::Topic { by, topic }) => {
                let text = if topic.is_empty() {
                    format!("{by} cleared the topic")
                } else {
                    format!("{by} set the topic: {topic}")
                };
                ui.label(egui::RichText::new(text).italics().weak());
            }
            Row::Stored(Entry::Renamed { from, to }) => {
                ui.label(
                    egui::RichText::new(format!("{from} is now known as {to}"))
                        .italics()
                        .weak(),
                );
            }
            Row::Pending(pending) => return draw_pending(ui, pending, view),
        }
        None
    }

    fn draw_message(
        &mut self,
        ui: &mut egui::Ui,
        view: &View<'_>,
        message: &ChatMessage,
        lead: Lead,
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
                if mentioned {
                    ui.label(
                        egui::RichText::new("mentions you")
                            .small()
                            .color(ui.visuals().warn_fg_color),
                    );
                }
                if message.deleted {
                    ui.label(egui::RichText::new("message deleted").italics().weak());
                    return;
                }
                if let Some((seq, text)) = &mut self.editing
                    && *seq == message.seq
                {
                    match edit_box(ui, text) {
                        Some(EditOutcome::Save(text)) => {
                            action = Some(ListAction::Edit(message.seq, text));
                            self.editing = None;
                        }
                        Some(EditOutcome::Cancel) => self.editing = None,
                        None => {}
                    }
                    return;
                }
                let text = rich_text::show(ui, &message.text, &view.room.users, view.me);
                if message.edited.is_some() {
                    ui.weak("(edited)");
                }
                if own && let Some(asked) = self.own_message_menu(&text, message) {
                    action = Some(asked);
                }
            })
            .response;
        let hint = if own && !message.deleted {
            format!(
                "{}\nRight-click the text to edit or delete",
                full_time(message.time)
            )
        } else {
            full_time(message.time)
        };
        response.on_hover_text(hint);
        action
    }

    /// The right-click menu of one of our messages: Edit (opens the editor in place) and Delete.
    fn own_message_menu(
        &mut self,
        response: &egui::Response,
        message: &ChatMessage,
    ) -> Option<ListAction> {
        let mut action = None;
        response.context_menu(|ui| {
            if ui.button("Edit").clicked() {
                self.editing = Some((message.seq, message.text.clone()));
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

/// How editing a message ended.
enum EditOutcome {
    Save(String),
    Cancel,
}

/// Editing one of our messages: the text with Save and Cancel (or Escape).
fn edit_box(ui: &mut egui::Ui, text: &mut String) -> Option<EditOutcome> {
    let label = ui.label("Edit message");
    let field = ui
        .add(
            egui::TextEdit::multiline(text)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    let mut action = None;
    ui.horizontal(|ui| {
        if ui.button("Save").clicked() && !text.trim().is_empty() {
            action = Some(EditOutcome::Save(text.clone()));
        }
        if ui.button("Cancel").clicked()
            || (field.has_focus() && ui.input(|input| input.key_pressed(egui::Key::Escape)))
        {
            action = Some(EditOutcome::Cancel);
        }
    });
    action
}

/// A line marking where the unread messages start.
fn new_messages_divider(ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let color = ui.visuals().error_fg_color;
        let side = (ui.available_width() - 120.0).max(0.0) / 2.0;
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
        ui.label(egui::RichText::new("New messages").small().color(color));
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
    });
}

/// One of our messages not yet acknowledged: "sending…", "waiting…" while the server has us
/// slow down, or why the server refused it.
fn draw_pending(ui: &mut egui::Ui, pending: &PendingMessage, view: &View) -> Option<ListAction> {
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

/// The frame around a message; our own messages get a tinted background, messages that
/// mention us a highlighted border.
fn bubble(ui: &egui::Ui, own: bool, mentioned: bool) -> egui::Frame {
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
