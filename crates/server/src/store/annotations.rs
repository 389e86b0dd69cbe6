//! Beyond text: which message each reply answers, emoji reactions (one per emoji per identity
//! on a message), pinned messages, and who keeps their read receipts to themselves. Every read of
//! messages adds the replies' quotes and the reactions ([`AnnotationStore::annotate`]).

use std::collections::HashMap;

use super::{StoreResult, UserId};
use chinwag_protocol::{
    ChatMessage, MAX_QUOTE_CHARS, MAX_REACTION_NAMES, Pin, Quote, Reaction, SeenMark,
};

/// How many characters of a text a store reads to make a quote of it (generously more than a
/// quote shows: [`Quote::of`] collapses white space, then cuts).
pub const QUOTE_READ_CHARS: usize = MAX_QUOTE_CHARS * 4;

/// A pin as stored: the message, who pinned it (their current name) and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRow {
    /// The message's sequence number.
    pub seq: u64,
    /// Who pinned it.
    pub by: String,
    /// When (server time, ms).
    pub time: i64,
}

/// Replies, reactions, pins and read-receipt sharing as a store keeps them. A store writes
/// which message each reply answers with its batch ([`super::Backend::write_batch`]); the rest
/// is written at once.
pub trait AnnotationStore: super::AttachmentStore {
    /// The quote of message `seq` of `room`, if there is such a message.
    fn quote(&self, room: &str, seq: u64) -> StoreResult<Option<Quote>>;

    /// The quotes of what the replies among messages `first..=last` of `room` answer, by the
    /// reply's sequence number.
    fn reply_quotes(&self, room: &str, first: u64, last: u64) -> StoreResult<Vec<(u64, Quote)>>;

    /// Adds `user`'s reaction `emoji` to message `seq` of `room`; false if it was there.
    fn react(
        &self,
        room: &str,
        seq: u64,
        emoji: &str,
        user: UserId,
        time: i64,
    ) -> StoreResult<bool>;

    /// Takes `user`'s reaction `emoji` off message `seq` of `room`; false if there was none.
    fn unreact(&self, room: &str, seq: u64, emoji: &str, user: UserId) -> StoreResult<bool>;

    /// The reactions of messages `first..=last` of `room` as `(seq, emoji, name)`: by sequence
    /// number, each message's emoji in the order they were first used, each emoji's reactors in
    /// the order they reacted (see [`group_reactions`]).
    fn reaction_rows(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> StoreResult<Vec<(u64, String, String)>>;

    /// Pins message `seq` of `room` for `user`; false if it was pinned already.
    fn pin(&self, room: &str, seq: u64, user: UserId, time: i64) -> StoreResult<bool>;

    /// Unpins message `seq` of `room`; false if it was not pinned.
    fn unpin(&self, room: &str, seq: u64) -> StoreResult<bool>;

    /// How many messages of `room` are pinned.
    fn pin_count(&self, room: &str) -> StoreResult<usize>;

    /// The pins of `room`, newest pin first, at most `limit`.
    fn pin_rows(&self, room: &str, limit: usize) -> StoreResult<Vec<PinRow>>;

    /// Records whether `user` shares read receipts.
    fn set_share_receipts(&self, user: UserId, share: bool) -> StoreResult<()>;

    /// The identities that do not share read receipts.
    fn private_receipts(&self) -> StoreResult<Vec<UserId>>;

    /// How far the members of `room` who share receipts have read (those who read anything),
    /// furthest first, at most `limit`.
    fn seen(&self, room: &str, limit: usize) -> StoreResult<Vec<SeenMark>>;

    /// The reactions of message `seq` of `room`.
    fn reactions(&self, room: &str, seq: u64) -> StoreResult<Vec<Reaction>> {
        let rows = self.reaction_rows(room, seq, seq)?;
        Ok(group_reactions(rows)
            .pop()
            .map(|(_, reactions)| reactions)
            .unwrap_or_default())
    }

    /// The pinned messages of `room`, newest pin first (at most `limit`), with their quotes.
    fn pins(&self, room: &str, limit: usize) -> StoreResult<Vec<Pin>> {
        self.pin_rows(room, limit)?
            .into_iter()
            .map(|PinRow { seq, by, time }| {
                let quote = self
                    .quote(room, seq)?
                    .unwrap_or_else(|| Quote::of(seq, "", "", true));
                Ok(Pin { quote, by, time })
            })
            .collect()
    }

    /// Fills in `reply_to`, `reactions` and `attachment` of `messages` (all of one room, as every
    /// read returns them; deleted messages keep no reactions, and their attachment went with
    /// them): three range reads, whatever their number.
    fn annotate(&self, messages: &mut [ChatMessage]) -> StoreResult<()> {
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
        for (seq, reactions) in group_reactions(self.reaction_rows(&room, first, last)?) {
            if let Some(message) = index.get(&seq).map(|&at| &mut messages[at])
                && !message.deleted
            {
                message.reactions = reactions;
            }
        }
        for (seq, attachment) in self.attachment_rows(&room, first, last)? {
            if let Some(&at) = index.get(&seq) {
                messages[at].attachment = Some(Box::new(attachment));
            }
        }
        Ok(())
    }
}

/// Groups `(seq, emoji, name)` rows (in [`AnnotationStore::reaction_rows`]'s order) into each
/// message's reactions: a count per emoji and its first [`MAX_REACTION_NAMES`] names.
pub fn group_reactions(
    rows: impl IntoIterator<Item = (u64, String, String)>,
) -> Vec<(u64, Vec<Reaction>)> {
    let mut messages: Vec<(u64, Vec<Reaction>)> = Vec::new();
    for (seq, emoji, name) in rows {
        if messages.last().is_none_or(|(last, _)| *last != seq) {
            messages.push((seq, Vec::new()));
        }
        let Some((_, reactions)) = messages.last_mut() else {
            continue;
        };
        match reactions.last_mut() {
            Some(reaction) if reaction.emoji == emoji => {
                reaction.count += 1;
                if reaction.names.len() < MAX_REACTION_NAMES {
                    reaction.names.push(name);
                }
            }
            _ => reactions.push(Reaction {
                emoji,
                count: 1,
                names: vec![name],
            }),
        }
    }
    messages
}
