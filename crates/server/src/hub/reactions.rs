//! Reactions: adding and taking off one's emoji on a message, broadcast as the message's
//! reactions as they are now (so every window ends with the same, whatever the order).

use super::{ConnId, Hub, Refusal, refuse};
use crate::store::cluster::Happened;
use chinwag_protocol::{self as protocol, ErrorCode, MAX_REACTIONS_PER_MESSAGE, ServerFrame};

impl Hub {
    /// Adds (`add`) or takes off `conn`'s reaction `emoji` on message `seq` of `room`. A change
    /// is broadcast to the room; no change answers the sender alone with the reactions as they
    /// are.
    pub(super) fn react(
        &mut self,
        conn: ConnId,
        room: String,
        seq: u64,
        emoji: String,
        add: bool,
    ) -> Result<(), Refusal> {
        let who = self.member_of(conn, &room)?;
        protocol::validate_emoji(&emoji)?;
        self.existing_message(&room, seq)?;
        let reactions = self.store.reactions(&room, seq)?;
        if add
            && !reactions.iter().any(|reaction| reaction.emoji == emoji)
            && reactions.len() >= MAX_REACTIONS_PER_MESSAGE
        {
            return Err(refuse(
                ErrorCode::TooLarge,
                format!("a message takes at most {MAX_REACTIONS_PER_MESSAGE} different reactions"),
            ));
        }
        let changed = if add {
            self.store
                .react(&room, seq, &emoji, who.user, self.now.unix_ms)?
        } else {
            self.store.unreact(&room, seq, &emoji, who.user)?
        };
        let frame = ServerFrame::Reactions {
            reactions: self.store.reactions(&room, seq)?,
            room: room.clone(),
            seq,
        };
        if changed {
            self.tell(Happened::Reactions {
                room: room.clone(),
                seq,
            });
            self.broadcast(&room, &frame);
        } else {
            self.reply(conn, &frame);
        }
        Ok(())
    }
}
