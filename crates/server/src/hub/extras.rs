//! The frames beyond text messages (reactions, pins, sharing read receipts), each handed to the
//! file of its concern: [`super::reactions`], [`super::pins`], [`super::receipts`].

use super::{ConnId, Hub, Refusal};
use chinwag_protocol::ClientFrame;

impl Hub {
    /// Applies one of the frames [`Hub::frame`] routes here.
    pub(super) fn extra_frame(&mut self, conn: ConnId, frame: ClientFrame) -> Result<(), Refusal> {
        match frame {
            ClientFrame::React { room, seq, emoji } => self.react(conn, room, seq, emoji, true),
            ClientFrame::Unreact { room, seq, emoji } => self.react(conn, room, seq, emoji, false),
            ClientFrame::Pin { room, seq } => self.pin(conn, room, seq, true),
            ClientFrame::Unpin { room, seq } => self.pin(conn, room, seq, false),
            ClientFrame::ListPins { room } => self.list_pins(conn, room),
            ClientFrame::ShareReceipts { share } => self.share_receipts(conn, share),
            // The other frames have their handlers in `Hub::frame`.
            _ => Ok(()),
        }
    }
}
