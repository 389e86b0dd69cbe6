//! Where the list scrolls to on purpose: the bottom of a room just switched to, the same
//! messages when a page of older history goes in above them, and a message jumped to.

use crate::client::state::{Entry, RoomView};

use super::MessageList;
use super::rows::{Row, estimate_height, line_height_of};

impl MessageList {
    /// Starts over for another room; when older messages were put in front of this room's
    /// rows, makes room for them and returns the scroll offset that keeps the view still.
    pub(super) fn follow_room(
        &mut self,
        room: &RoomView,
        top_rows: usize,
        ui: &egui::Ui,
    ) -> Option<f32> {
        let oldest = room.oldest_seq();
        if self.room != room.room {
            self.room = room.room.clone();
            self.heights.clear();
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
        let width = self.heights.width();
        let added: Vec<f32> = room.timeline()[..first_old]
            .iter()
            .map(|entry| estimate_height(&Row::Stored(entry), width, line_height))
            .collect();
        self.heights.insert(top_rows, &added);
        Some(self.offset + added.iter().sum::<f32>())
    }

    /// The scroll offset that shows the message to jump to, once it is loaded and its row
    /// heights are known (estimates for rows not drawn yet).
    pub(super) fn jump_offset(&mut self, room: &RoomView, top_rows: usize) -> Option<f32> {
        let target = self.jump_to?;
        let index = room
            .timeline()
            .iter()
            .position(|entry| matches!(entry, Entry::Message(message) if message.seq == target))?;
        let row = top_rows + index;
        // Once the row has been drawn (and measured) this last offset is exact: stop there.
        if self.heights.is_measured(row) {
            self.jump_to = None;
        }
        Some((self.heights.above(row) - 40.0).max(0.0))
    }
}
