//! Replies: the quote a new reply carries of the message it answers.

use super::{Hub, Refusal, refuse};
use chinwag_protocol::{ErrorCode, Quote};

impl Hub {
    /// The quote of message `seq` of `room` for a reply to it: from this batch's posts if it is
    /// one of them, else from the store; `unknown_message` if there is no such message.
    pub(super) fn quote_for_reply(
        &self,
        room: &str,
        reply_to: Option<u64>,
    ) -> Result<Option<Quote>, Refusal> {
        let Some(seq) = reply_to else {
            return Ok(None);
        };
        let pending = self
            .pending
            .iter()
            .map(|post| &post.authored.message)
            .find(|message| message.room == room && message.seq == seq);
        let quote = match pending {
            Some(message) => Some(Quote::of(seq, &message.from, &message.text, false)),
            None => self.store.quote(room, seq)?,
        };
        quote.map(Some).ok_or_else(|| {
            refuse(
                ErrorCode::UnknownMessage,
                format!("{room} has no message {seq} to reply to"),
            )
        })
    }
}
