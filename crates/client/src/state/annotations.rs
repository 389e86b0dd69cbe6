//! Beyond text: replies' quotes, reactions, pins and read receipts ("seen by"), as the user
//! asks for them and as the server's frames change them.

use super::{ChatState, Entry, RoomView};
use chinwag_protocol::{ChatMessage, ClientFrame, Pin, Quote, Reaction, ServerFrame};

impl ChatState {
    /// Toggles our reaction `emoji` on message `seq` of the current room: takes it off if we
    /// reacted with it, else adds it.
    pub fn toggle_reaction(&mut self, seq: u64, emoji: &str) {
        let Some(view) = self.current() else {
            return;
        };
        let room = view.room.clone();
        let ours = view
            .message(seq)
            .is_some_and(|message| reacted(&message.reactions, emoji, &self.name));
        let (seq, emoji) = (seq, emoji.to_owned());
        self.queue_if_joined(if ours {
            ClientFrame::Unreact { room, seq, emoji }
        } else {
            ClientFrame::React { room, seq, emoji }
        });
    }

    /// Pins (`pin`) or unpins message `seq` of the current room.
    pub fn set_pinned(&mut self, seq: u64, pin: bool) {
        if let Some(room) = self.current.clone() {
            self.queue_if_joined(if pin {
                ClientFrame::Pin { room, seq }
            } else {
                ClientFrame::Unpin { room, seq }
            });
        }
    }

    /// Asks for the current room's pinned messages (see [`RoomView::pins`]).
    pub fn request_pins(&mut self) {
        if let Some(room) = self.current.clone() {
            self.queue_if_joined(ClientFrame::ListPins { room });
        }
    }

    /// Whether our identity shares its read receipts (as the server last said).
    pub fn shares_receipts(&self) -> bool {
        self.share_receipts
    }

    /// Starts or stops sharing our read receipts (then we see nobody's either).
    pub fn set_share_receipts(&mut self, share: bool) {
        self.queue_if_joined(ClientFrame::ShareReceipts { share });
    }

    /// Applies a frame about reactions, pins or receipts.
    pub(super) fn apply_annotation(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Reactions {
                room,
                seq,
                reactions,
            } => {
                if let Some(message) = self
                    .rooms
                    .get_mut(&room)
                    .and_then(|view| view.message_mut(seq))
                {
                    message.reactions = reactions;
                }
            }
            ServerFrame::Pinned {
                room,
                quote,
                by,
                pinned,
                time,
            } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.pinned(by, quote, pinned, time);
                }
            }
            ServerFrame::Pins { room, pins } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.pins = Some(pins);
                }
            }
            ServerFrame::Seen { room, marks, reset } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    if reset {
                        view.seen.clear();
                    }
                    for mark in marks {
                        if mark.seq == 0 {
                            view.seen.remove(&mark.name);
                        } else {
                            let seen = view.seen.entry(mark.name).or_default();
                            *seen = (*seen).max(mark.seq);
                        }
                    }
                }
            }
            ServerFrame::ReceiptSharing { share } => {
                self.share_receipts = share;
                if !share {
                    self.rooms.values_mut().for_each(|view| view.seen.clear());
                }
            }
            _ => {}
        }
    }
}

/// `from` is called `to` now, in the quote and the reactions of `message`.
pub(super) fn renamed_in(message: &mut ChatMessage, from: &str, to: &str) {
    if let Some(quote) = &mut message.reply_to
        && quote.from == from
    {
        quote.from = to.to_owned();
    }
    for name in message
        .reactions
        .iter_mut()
        .flat_map(|reaction| reaction.names.iter_mut())
        .filter(|name| *name == from)
    {
        *name = to.to_owned();
    }
}

/// Whether `name` is among those who reacted with `emoji`.
pub fn reacted(reactions: &[Reaction], emoji: &str, name: &str) -> bool {
    reactions
        .iter()
        .any(|reaction| reaction.emoji == emoji && reaction.names.iter().any(|n| n == name))
}

impl RoomView {
    /// The loaded message with sequence number `seq`.
    pub fn message(&self, seq: u64) -> Option<&ChatMessage> {
        self.timeline().iter().rev().find_map(|entry| match entry {
            Entry::Message(message) if message.seq == seq => Some(message),
            _ => None,
        })
    }

    /// A one-line quote of loaded message `seq`, for a reply to it.
    pub fn quote_of(&self, seq: u64) -> Option<Quote> {
        self.message(seq)
            .map(|message| Quote::of(seq, &message.from, &message.text, message.deleted))
    }

    /// The pinned messages, newest pin first, if they were asked for
    /// ([`ChatState::request_pins`]); pins and unpins since keep them current.
    pub fn pins(&self) -> Option<&[Pin]> {
        self.pins.as_deref()
    }

    /// "Seen by" under message `seq`, whose next loaded message is `next` (none: it is the
    /// newest): the members (but `me`) who have read it and not the next, in name order. Members
    /// who read beyond what is loaded show under the newest message. Cost: one look at each
    /// member's mark, so a list draws it for just the rows in view.
    pub fn seen_under(&self, seq: u64, next: Option<u64>, me: &str) -> Vec<&str> {
        self.seen
            .iter()
            .filter(|(name, mark)| {
                *name != me && **mark >= seq && next.is_none_or(|next| **mark < next)
            })
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Someone pinned or unpinned a message: noted in the timeline and in the pins.
    pub(super) fn pinned(&mut self, by: String, quote: Quote, pinned: bool, time: i64) {
        if let Some(pins) = &mut self.pins {
            pins.retain(|pin| pin.quote.seq != quote.seq);
            if pinned {
                pins.insert(
                    0,
                    Pin {
                        quote: quote.clone(),
                        by: by.clone(),
                        time,
                    },
                );
            }
        }
        self.push_entry(Entry::Pinned { by, quote, pinned });
    }

    /// Message `seq` now reads `text` (or was deleted): the quotes of it in replies follow.
    pub(super) fn requote(&mut self, seq: u64, text: &str, deleted: bool) {
        for entry in &mut self.timeline {
            if let Entry::Message(message) = entry
                && let Some(quote) = &mut message.reply_to
                && quote.seq == seq
            {
                *quote = Quote::of(seq, &quote.from, text, deleted);
            }
        }
    }

    /// A message's author has read it: their receipt moves to it if they share theirs (only
    /// those who do have a mark at all).
    pub(super) fn seen_writing(&mut self, message: &ChatMessage) {
        if let Some(seen) = self.seen.get_mut(&message.from) {
            *seen = (*seen).max(message.seq);
        }
    }
}
