//! What the store adds to the messages it reads: the quote of the message each reply answers
//! and each message's reactions (none on deleted messages).

use std::collections::HashMap;

use super::Store;
use chinwag_protocol::ChatMessage;

impl Store {
    /// Fills in `reply_to` and `reactions` of `messages` (all of one room, as every read
    /// returns them).
    pub(super) fn annotate(&self, messages: &mut [ChatMessage]) -> rusqlite::Result<()> {
        let Some(room) = messages.first().map(|message| message.room.clone()) else {
            return Ok(());
        };
        let index: HashMap<u64, usize> = messages
            .iter()
            .enumerate()
            .map(|(at, message)| (message.seq, at))
            .collect();
        let first = index.keys().copied().min().unwrap_or(0);
        let last = index.keys().copied().max().unwrap_or(0);
        for (seq, quote) in self.reply_quotes(&room, first, last)? {
            if let Some(&at) = index.get(&seq) {
                messages[at].reply_to = Some(quote);
            }
        }
        for (seq, reactions) in self.reactions_between(&room, first, last)? {
            if let Some(message) = index.get(&seq).map(|&at| &mut messages[at])
                && !message.deleted
            {
                message.reactions = reactions;
            }
        }
        Ok(())
    }
}
