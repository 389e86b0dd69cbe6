//! The message list: a scroll area that lays out only the rows in view.
//!
//! Rows have different heights (wrapped text), so [`MessageList`] remembers each row's measured
//! height and estimates the rest from their text length. Each frame it sums the heights to find
//! the first row in view and lays out just the rows that fit, so 100,000 messages cost about as
//! much as 30. It sticks to the bottom unless the user scrolled up. Scrolled to the top of a
//! room with older history, it asks for the next page and shows a spinner; the page goes in
//! above without moving what is on screen.
//!
//! The parts: `heights` (the remembered heights), `scroll` (where the list scrolls on purpose),
//! `rows` (which row is which, drawing one), `message`, `pending`, `edit` and `separators` (the
//! kinds of rows and what goes between them).

mod annotations;
mod edit;
mod heights;
mod message;
mod pending;
mod rows;
mod scroll;
mod separators;
#[cfg(test)]
mod tests;

use crate::client::state::ChatState;
use crate::ui::grouping;
use crate::ui::media::Media;

pub use annotations::quote_line;
use heights::RowHeights;
pub use message::local_time;
use rows::{Rows, View, estimate_height, line_height_of};

/// Space between rows.
const ROW_GAP: f32 = 6.0;

/// Frames a room is drawn before scrolling to its top may ask for older history (its first
/// frames are still finding the bottom).
const SETTLING_FRAMES: u32 = 2;

/// Remembered row heights for the current room and width, and what the user is doing to a row.
#[derive(Default)]
pub struct MessageList {
    heights: RowHeights,
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
    /// The editor takes the keyboard focus when it is next drawn.
    focus_editor: bool,
    /// The attachments' images, downloads and incoming files.
    pub media: Media,
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
    /// Reply to this message (its quote goes above the composer).
    Reply(u64),
    /// Open the reaction picker for this message.
    PickReaction(u64),
    /// Toggle our reaction with this emoji on this message.
    React(u64, String),
    /// Pin (true) or unpin this message.
    Pin(u64, bool),
}

/// What one frame of the scroll area gave: the user's request and whether the paging row
/// showed.
struct Drawn {
    action: Option<ListAction>,
    top_in_view: bool,
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
        let rows = Rows::new(state, room);
        if rows.len() == 0 {
            ui.centered_and_justified(|ui| {
                ui.weak("No messages yet. Say hello!");
            });
            return None;
        }
        let scroll_to = self
            .follow_room(room, rows.top_rows, ui)
            .or_else(|| self.jump_offset(room, rows.top_rows));
        let view = View {
            now: state.now(),
            room,
            me: state.name(),
            paused_for: state.sending_paused_for(),
            today: grouping::today(),
            loading,
        };
        let drawn = self.scroll_area(ui, &rows, &view, scroll_to);
        self.frames_in_room = self.frames_in_room.saturating_add(1);
        let settled = self.frames_in_room > SETTLING_FRAMES;
        if settled && drawn.top_in_view && !loading {
            return drawn.action.or(Some(ListAction::LoadOlder));
        }
        drawn.action
    }

    /// The scroll area over every row, at `scroll_to` if this frame moves the view on purpose;
    /// else it follows new messages at the bottom unless the user scrolled up.
    fn scroll_area(
        &mut self,
        ui: &mut egui::Ui,
        rows: &Rows<'_>,
        view: &View<'_>,
        scroll_to: Option<f32>,
    ) -> Drawn {
        let mut area = egui::ScrollArea::vertical()
            .auto_shrink(false)
            .stick_to_bottom(scroll_to.is_none());
        if let Some(offset) = scroll_to {
            area = area.vertical_scroll_offset(offset);
        }
        // An offset set on purpose is not an overscroll: beyond the end of last frame's content
        // (a page just went in above), rubber-banding would pull the view back and coast on.
        let rubber_band = ui.spacing().scroll.kinetic.rubber_band;
        if scroll_to.is_some() {
            ui.spacing_mut().scroll.kinetic.rubber_band = false;
        }
        let output = area.show_viewport(ui, |ui, viewport| {
            self.draw_viewport(ui, viewport, rows, view)
        });
        if scroll_to.is_some() {
            ui.spacing_mut().scroll.kinetic.rubber_band = rubber_band;
        }
        self.offset = output.state.clamped_offset().y;
        output.inner
    }

    /// Makes the content as tall as every row and draws just the rows in `viewport`, measuring
    /// them as they are drawn.
    fn draw_viewport(
        &mut self,
        ui: &mut egui::Ui,
        viewport: egui::Rect,
        rows: &Rows<'_>,
        view: &View<'_>,
    ) -> Drawn {
        let width = ui.available_width();
        let line_height = line_height_of(ui);
        let added = self.heights.fit(width, rows.len(), |index| {
            estimate_height(&rows.get(index), width, line_height)
        });
        ui.set_min_height(self.heights.total());
        let top_in_view = rows.top_rows > 0 && viewport.min.y < self.heights.of(0);

        let origin = ui.max_rect().min;
        let (mut index, mut top) = self.heights.first_reaching(viewport.min.y);
        let mut action = None;
        let mut remeasured = false;
        while index < rows.len() && top < viewport.max.y {
            let rect = egui::Rect::from_min_size(
                origin + egui::vec2(0.0, top),
                egui::vec2(width, f32::INFINITY),
            );
            let (drawn, asked) = self.draw_row_in(ui, rect, rows, index, view);
            if asked.is_some() {
                action = asked;
            }
            remeasured |= self.heights.measure(index, drawn);
            top += drawn;
            index += 1;
        }
        if remeasured || added {
            // Estimates were off: lay out again with the true heights. New rows: the scroll
            // area, stuck to the bottom, reaches them only in the next frame.
            ui.ctx().request_repaint();
        }
        Drawn {
            action,
            top_in_view,
        }
    }

    /// Draws row `index` in `rect`; returns the height it takes (with the gap below it; 0 for a
    /// row that draws nothing) and what the user asked for in it.
    fn draw_row_in(
        &mut self,
        ui: &mut egui::Ui,
        rect: egui::Rect,
        rows: &Rows<'_>,
        index: usize,
        view: &View<'_>,
    ) -> (f32, Option<ListAction>) {
        let mut action = None;
        let drawn = ui
            .scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                action = self.draw_row(ui, view, &rows.get(index), rows.stored_index(index));
            })
            .response
            .rect
            .height();
        let height = if drawn > 0.0 { drawn + ROW_GAP } else { 0.0 };
        (height, action)
    }
}
