//! Pins: pinning and unpinning a room's messages (announced to the room) and listing them.

use super::{ConnId, Hub, Refusal, refuse};
use crate::store::StoreResult;
use crate::store::cluster::Happened;
use chinwag_protocol::{ErrorCode, MAX_PINS, Quote, ServerFrame};

impl Hub {
    /// Pins (`pin`) or unpins message `seq` of `room`; a change is announced to the room as a
    /// [`ServerFrame::Pinned`], no change is not.
    pub(super) fn pin(
        &mut self,
        conn: ConnId,
        room: String,
        seq: u64,
        pin: bool,
    ) -> Result<(), Refusal> {
        let who = self.member_of(conn, &room)?;
        let time = self.now.unix_ms;
        let quote = if pin {
            let message = self.existing_message(&room, seq)?;
            if self.store.pin_count(&room)? >= MAX_PINS {
                return Err(refuse(
                    ErrorCode::TooLarge,
                    format!("a room keeps at most {MAX_PINS} pinned messages"),
                ));
            }
            if !self.store.pin(&room, seq, who.user, time)? {
                return Ok(());
            }
            Quote::of(seq, &message.from, &message.text, false)
        } else {
            if !self.store.unpin(&room, seq)? {
                return Ok(());
            }
            self.pin_quote(&room, seq)?
        };
        self.tell(Happened::Pinned {
            room: room.clone(),
            seq,
            by: who.name.clone(),
            pinned: pin,
            time,
        });
        let frame = ServerFrame::Pinned {
            room: room.clone(),
            quote,
            by: who.name,
            pinned: pin,
            time,
        };
        self.broadcast(&room, &frame);
        Ok(())
    }

    /// The quote a [`ServerFrame::Pinned`] about message `seq` of `room` shows (that of a
    /// deleted message if it is gone).
    pub(super) fn pin_quote(&self, room: &str, seq: u64) -> StoreResult<Quote> {
        Ok(self
            .store
            .quote(room, seq)?
            .unwrap_or_else(|| Quote::of(seq, "", "", true)))
    }

    /// Answers `conn` with the pinned messages of `room`.
    pub(super) fn list_pins(&mut self, conn: ConnId, room: String) -> Result<(), Refusal> {
        self.member_of(conn, &room)?;
        let pins = self.store.pins(&room, MAX_PINS)?;
        self.reply(conn, &ServerFrame::Pins { room, pins });
        Ok(())
    }
}
