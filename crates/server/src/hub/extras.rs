//! The frames beyond text messages (reactions, pins, sharing read receipts), each handed to the
//! file of its concern: [`super::reactions`], [`super::pins`], [`super::receipts`].

use super::{ConnId, Hub, Refusal, refuse};
use chinwag_protocol::{ChatMessage, ClientFrame, ErrorCode};

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

    /// Message `seq` of `room`, if it exists and was not deleted (what a reaction or a pin needs).
    pub(super) fn existing_message(&self, room: &str, seq: u64) -> Result<ChatMessage, Refusal> {
        let message = self
            .store
            .message(room, seq)?
            .ok_or_else(|| {
                refuse(
                    ErrorCode::UnknownMessage,
                    format!("{room} has no message {seq}"),
                )
            })?
            .message;
        if message.deleted {
            return Err(refuse(
                ErrorCode::MessageDeleted,
                "that message was deleted",
            ));
        }
        Ok(message)
    }
}
