//! [`RoomView`]: one room as the client sees it: its timeline, who is online, who is typing,
//! unread counts and how far back its history is loaded.

use std::collections::BTreeMap;

use chinwag_protocol::{ChatMessage, HistoryPage, Pin, Quote, RoomKind, RoomState};

use super::annotations::renamed_in;

/// How long a typing notice shows unless it is repeated, in seconds.
pub const TYPING_SHOWS_FOR: f64 = 6.0;

/// One row of a room's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A chat message the server stored.
    Message(ChatMessage),
    /// Someone came or went.
    Presence {
        /// Who.
        name: String,
        /// True when they joined, false when they left.
        joined: bool,
    },
    /// Messages we missed while away that the server did not replay (too many).
    Gap {
        /// How many.
        missed: u64,
    },
    /// Someone changed the topic.
    Topic {
        /// Who.
        by: String,
        /// The new topic (empty: cleared).
        topic: String,
    },
    /// Someone changed their name.
    Renamed {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Someone pinned or unpinned a message.
    Pinned {
        /// Who.
        by: String,
        /// The message.
        quote: Quote,
        /// True for a pin, false for an unpin.
        pinned: bool,
    },
}

/// A room the user is a member of.
#[derive(Clone, Debug)]
pub struct RoomView {
    /// The room's name (a server key for direct messages).
    pub room: String,
    /// Public or direct.
    pub kind: RoomKind,
    /// The topic (empty: none).
    pub topic: String,
    /// For direct messages: the other user.
    pub peer: Option<String>,
    /// Who is online here, sorted: everyone in a small room; in a crowd the pages asked for (see
    /// [`super::ChatState::more_members`]), which may list some who have gone since.
    pub users: Vec<String>,
    /// How many are online here (exact: every presence frame says).
    pub online: u64,
    /// Whether the server has more names after the last of `users` (its last page said so).
    pub(super) members_more: bool,
    /// Whether a page of names is asked for and not yet answered.
    pub(super) members_asked: bool,
    pub(super) timeline: Vec<Entry>,
    last_seq: u64,
    /// Whether older messages than the first loaded one exist on the server.
    pub has_older: bool,
    /// Unread messages from others.
    pub unread: u64,
    /// Of those, how many mention the user.
    pub mentions: u64,
    /// The last sequence number the server knows the user read.
    pub last_read: u64,
    /// Where the "new messages" divider goes: after this sequence number.
    pub divider_after: Option<u64>,
    /// Who is typing, and until when (client clock, seconds).
    typing: BTreeMap<String, f64>,
    /// How far each member who shares read receipts has read (see [`Self::seen_under`]).
    pub(super) seen: BTreeMap<String, u64>,
    /// The room's pinned messages, newest pin first, once asked for.
    pub(super) pins: Option<Vec<Pin>>,
}

impl RoomView {
    /// A view of a room from the server's state of it (history not yet applied).
    pub fn new(state: &RoomState) -> Self {
        Self {
            room: state.room.clone(),
            kind: state.kind,
            topic: state.topic.clone(),
            peer: state.peer.clone(),
            users: state.users.clone(),
            online: online_count(state),
            members_more: false,
            members_asked: false,
            timeline: Vec::new(),
            last_seq: 0,
            has_older: false,
            unread: 0,
            mentions: 0,
            last_read: 0,
            divider_after: None,
            typing: BTreeMap::new(),
            seen: BTreeMap::new(),
            pins: None,
        }
    }

    /// The name to show: the peer for direct messages, else the room name.
    pub fn title(&self) -> &str {
        self.peer.as_deref().unwrap_or(&self.room)
    }

    /// Stored messages and notices, oldest first.
    pub fn timeline(&self) -> &[Entry] {
        &self.timeline
    }

    /// The newest sequence number we have.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The sequence number of the oldest message loaded, if any.
    pub fn oldest_seq(&self) -> Option<u64> {
        self.timeline.iter().find_map(|entry| match entry {
            Entry::Message(message) => Some(message.seq),
            _ => None,
        })
    }

    /// Who is typing at `now`, sorted.
    pub fn typing(&self, now: f64) -> Vec<&str> {
        self.typing
            .iter()
            .filter(|(_, until)| **until > now)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// When the next typing notice runs out, if one shows (so the UI can repaint then).
    pub fn typing_expires(&self, now: f64) -> Option<f64> {
        self.typing
            .values()
            .copied()
            .filter(|until| *until > now)
            .reduce(f64::min)
    }

    /// Forgets the timeline: it is of another history (a replaced database), and would only
    /// hide the server's messages.
    pub(super) fn forget_history(&mut self) {
        self.timeline.clear();
        self.last_seq = 0;
    }

    /// Refreshes everything but the timeline from a new server state, then applies its history.
    pub(super) fn resync(&mut self, state: RoomState) {
        if state
            .history
            .last()
            .is_some_and(|newest| newest.seq < self.last_seq)
        {
            // The server's history ends before ours: it is another history.
            self.forget_history();
        }
        self.online = online_count(&state);
        self.members_more = self.online > state.users.len() as u64;
        self.kind = state.kind;
        self.topic = state.topic;
        self.peer = state.peer;
        self.users = state.users;
        self.last_read = state.last_read;
        self.unread = state.unread;
        self.mentions = state.mentions;
        self.seen = state
            .seen
            .into_iter()
            .map(|mark| (mark.name, mark.seq))
            .collect();
        if self.oldest_seq().is_none() {
            self.has_older = state
                .history
                .first()
                .map_or(state.skipped > 0, |first| first.seq > 1);
        }
        if state.skipped > 0 {
            self.timeline.push(Entry::Gap {
                missed: state.skipped,
            });
        }
        for message in state.history {
            self.add_message(message);
        }
    }

    /// Adds a stored message unless we already have it; true if it is new.
    pub(super) fn add_message(&mut self, message: ChatMessage) -> bool {
        if message.seq <= self.last_seq {
            return false;
        }
        self.last_seq = message.seq;
        self.typing.remove(&message.from);
        self.seen_writing(&message);
        self.timeline.push(Entry::Message(message));
        true
    }

    /// Puts an older page in front of what is loaded.
    pub fn prepend(&mut self, page: HistoryPage) {
        let oldest = self.oldest_seq().unwrap_or(u64::MAX);
        let older: Vec<Entry> = page
            .messages
            .into_iter()
            .filter(|message| message.seq < oldest)
            .map(Entry::Message)
            .collect();
        self.last_seq = self.last_seq.max(match older.last() {
            Some(Entry::Message(message)) => message.seq,
            _ => 0,
        });
        self.has_older = page.more;
        self.timeline.splice(0..0, older);
    }

    /// The message with sequence number `seq`, to change.
    pub(super) fn message_mut(&mut self, seq: u64) -> Option<&mut ChatMessage> {
        self.timeline
            .iter_mut()
            .rev()
            .find_map(|entry| match entry {
                Entry::Message(message) if message.seq == seq => Some(message),
                _ => None,
            })
    }

    /// A message was edited.
    pub(super) fn edited(&mut self, seq: u64, text: String, edited: i64) {
        if let Some(message) = self.message_mut(seq) {
            message.text.clone_from(&text);
            message.edited = Some(edited);
        }
        self.requote(seq, &text, false);
    }

    /// A message was deleted.
    pub(super) fn deleted(&mut self, seq: u64) {
        if let Some(message) = self.message_mut(seq) {
            message.text.clear();
            message.deleted = true;
            message.reactions.clear();
        }
        self.requote(seq, "", true);
    }

    /// Who came online and who went, and how many are online now. Only a change to the list
    /// shows in the timeline (the room state may already have listed who came).
    pub(super) fn presence(&mut self, joined: Vec<String>, left: Vec<String>, online: u64) {
        for name in joined {
            if let Err(index) = self.users.binary_search(&name) {
                self.users.insert(index, name.clone());
                self.timeline.push(Entry::Presence { name, joined: true });
            }
        }
        for name in left {
            self.typing.remove(&name);
            if let Ok(index) = self.users.binary_search(&name) {
                self.users.remove(index);
                self.timeline.push(Entry::Presence {
                    name,
                    joined: false,
                });
            }
        }
        self.online = online;
    }

    /// Someone is typing until `until`.
    pub(super) fn typing_until(&mut self, name: String, until: f64) {
        self.typing.insert(name, until);
    }

    /// A new topic.
    pub(super) fn set_topic(&mut self, by: String, topic: String) {
        self.topic = topic.clone();
        self.timeline.push(Entry::Topic { by, topic });
    }

    /// A member changed name. Its messages follow it (the server serves a message's author by
    /// current name, so the timeline stays as a reload would show it).
    pub(super) fn renamed(&mut self, from: String, to: String) {
        for entry in &mut self.timeline {
            if let Entry::Message(message) = entry {
                if message.from == from {
                    message.from.clone_from(&to);
                }
                renamed_in(message, &from, &to);
            }
        }
        if let Some(index) = self.users.iter().position(|user| *user == from) {
            self.users.remove(index);
            if let Err(index) = self.users.binary_search(&to) {
                self.users.insert(index, to.clone());
            }
        }
        if self.peer.as_ref() == Some(&from) {
            self.peer = Some(to.clone());
        }
        if let Some(until) = self.typing.remove(&from) {
            self.typing.insert(to.clone(), until);
        }
        if let Some(seq) = self.seen.remove(&from) {
            self.seen.insert(to.clone(), seq);
        }
        self.timeline.push(Entry::Renamed { from, to });
    }

    /// Adds a notice to the end of the timeline.
    pub(super) fn push_entry(&mut self, entry: Entry) {
        self.timeline.push(entry);
    }

    /// Forgets who is online (the connection is gone).
    pub(super) fn offline(&mut self) {
        self.users.clear();
        self.online = 0;
        self.members_more = false;
        self.members_asked = false;
        self.typing.clear();
    }
}

/// How many are online by a room state (a server that does not count lists everyone).
fn online_count(state: &RoomState) -> u64 {
    state.online.max(state.users.len() as u64)
}
