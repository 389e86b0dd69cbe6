//! The rows of the list: which row is which ([`Rows`]), a guess at a row's height before it
//! is drawn, and drawing one row of any kind.

use crate::client::state::{ChatState, Entry, PendingMessage, RoomView};
use crate::protocol::ChatMessage;
use crate::ui::grouping;
use crate::ui::media;
use crate::ui::presence;

use super::annotations::quote_line;
use super::pending::draw_pending;
use super::separators::new_messages_divider;
use super::{ListAction, MessageList, ROW_GAP};

/// One row to draw: the paging row at the top, a stored entry or one of our pending messages.
pub(super) enum Row<'a> {
    Top,
    Stored(&'a Entry),
    Pending(&'a PendingMessage),
}

/// The rows of a room, top to bottom: the paging row while older history exists, the
/// timeline, then our pending messages.
pub(super) struct Rows<'a> {
    timeline: &'a [Entry],
    pending: Vec<&'a PendingMessage>,
    /// How many rows come before the timeline (1 with the paging row, else 0).
    pub(super) top_rows: usize,
}

impl<'a> Rows<'a> {
    /// The rows of `room` in `state`.
    pub(super) fn new(state: &'a ChatState, room: &'a RoomView) -> Self {
        Self {
            timeline: room.timeline(),
            pending: state.pending_in(&room.room).collect(),
            top_rows: usize::from(room.has_older),
        }
    }

    /// How many rows there are.
    pub(super) fn len(&self) -> usize {
        self.top_rows + self.timeline.len() + self.pending.len()
    }

    /// Row `index` (less than [`Self::len`]).
    pub(super) fn get(&self, index: usize) -> Row<'a> {
        let Some(index) = index.checked_sub(self.top_rows) else {
            return Row::Top;
        };
        match self.timeline.get(index) {
            Some(entry) => Row::Stored(entry),
            None => Row::Pending(self.pending[index - self.timeline.len()]),
        }
    }

    /// The timeline index of row `index`, if it is past the paging row.
    pub(super) fn stored_index(&self, index: usize) -> Option<usize> {
        index.checked_sub(self.top_rows)
    }
}

/// How the list reads the room it draws.
pub(super) struct View<'a> {
    /// The client clock (seconds).
    pub(super) now: f64,
    pub(super) room: &'a RoomView,
    pub(super) me: &'a str,
    /// Seconds until sending resumes, while the server has us wait.
    pub(super) paused_for: Option<f64>,
    pub(super) today: chrono::NaiveDate,
    /// A page of older history is on its way.
    pub(super) loading: bool,
}

/// A guess at a row's height from its text length, until it is drawn and measured.
pub(super) fn estimate_height(row: &Row<'_>, width: f32, line_height: f32) -> f32 {
    let (text, extra) = match row {
        Row::Stored(Entry::Message(message)) => (
            message.text.as_str(),
            message.attachment.as_deref().map_or(0.0, |attachment| {
                media::attachment_height(attachment, width, line_height)
            }),
        ),
        Row::Pending(pending) => (
            pending.text.as_str(),
            if pending.upload.is_some() {
                line_height * 2.0
            } else {
                0.0
            },
        ),
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
    (lines.max(1.0) + 1.0) * line_height + ROW_GAP + 8.0 + extra
}

/// The height of a line of body text in `ui`.
pub(super) fn line_height_of(ui: &egui::Ui) -> f32 {
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

/// The sequence number of the first message after entry `index` of the timeline, if any.
fn next_message(timeline: &[Entry], index: usize) -> Option<u64> {
    timeline
        .get(index + 1..)?
        .iter()
        .find_map(|entry| match entry {
            Entry::Message(message) => Some(message.seq),
            _ => None,
        })
}

impl MessageList {
    /// Draws `row`, which is entry `stored_index` of the timeline if it is stored; returns what
    /// the user asked for in it.
    pub(super) fn draw_row(
        &mut self,
        ui: &mut egui::Ui,
        view: &View<'_>,
        row: &Row<'_>,
        stored_index: Option<usize>,
    ) -> Option<ListAction> {
        let timeline = view.room.timeline();
        match row {
            Row::Top => paging_row(ui, view.loading),
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
                let next = stored_index.and_then(|index| next_message(timeline, index));
                let seen = view.room.seen_under(message.seq, next, view.me);
                return self.draw_message(
                    ui,
                    view,
                    message,
                    grouping::lead(previous, message, view.today),
                    &seen,
                );
            }
            Row::Stored(Entry::Presence { .. }) => {
                if let Some(index) = stored_index {
                    presence::show(ui, timeline, index);
                }
            }
            Row::Stored(notice) => notice_row(ui, notice),
            Row::Pending(pending) => return draw_pending(ui, pending, view),
        }
        None
    }
}

/// The row above the oldest loaded message while older history exists: a spinner while a page
/// is on its way, else a hint to scroll up.
fn paging_row(ui: &mut egui::Ui, loading: bool) {
    ui.horizontal(|ui| {
        if loading {
            ui.spinner();
            ui.weak("loading older messages…");
        } else {
            ui.weak("scroll up for older messages");
        }
    });
}

/// A gap, topic change, rename or pin in the timeline (messages and presence have rows of their own).
fn notice_row(ui: &mut egui::Ui, entry: &Entry) {
    match entry {
        Entry::Gap { missed } => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("{missed} earlier messages from while you were away are not shown"),
            );
        }
        Entry::Topic { by, topic } => {
            let text = if topic.is_empty() {
                format!("{by} cleared the topic")
            } else {
                format!("{by} set the topic: {topic}")
            };
            ui.label(egui::RichText::new(text).italics().weak());
        }
        Entry::Renamed { from, to } => {
            ui.label(
                egui::RichText::new(format!("{from} is now known as {to}"))
                    .italics()
                    .weak(),
            );
        }
        Entry::Pinned { by, quote, pinned } => {
            let verb = if *pinned { "pinned" } else { "unpinned" };
            let text = format!("{by} {verb} a message: {}", quote_line(quote));
            ui.label(egui::RichText::new(text).italics().weak());
        }
        Entry::Message(_) | Entry::Presence { .. } => {}
    }
}
