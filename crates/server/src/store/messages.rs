//! Messages: group-committed inserts, history reads, edits, deletions, search, unread counts.

use super::{StoreResult, UserId};
use chinwag_protocol::ChatMessage;

/// A new message and the identity that wrote it.
#[derive(Clone, Debug)]
pub struct Authored {
    /// Who wrote it.
    pub sender_id: UserId,
    /// The message as stamped.
    pub message: ChatMessage,
}

/// Where a message already stored under a client id landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredAt {
    /// Its sequence number in the room.
    pub seq: u64,
    /// Its server time.
    pub time: i64,
}

/// A stored message with its author's identity (absent for messages older than identities).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// Who wrote it, if known.
    pub sender_id: Option<UserId>,
    /// The message.
    pub message: ChatMessage,
}

/// Messages as a store keeps them. A message is attributed to its author's identity: `from` is
/// the author's current name, so a name given up by a rename never carries the old messages
/// along to whoever takes it later. (Messages older than identities keep the name they were
/// sent under.)
pub trait MessageStore {
    /// The highest sequence number stored for `room` (0 if it has none).
    fn last_seq(&self, room: &str) -> StoreResult<u64>;

    /// Where the message `client_id` from `sender_id` in `room` was stored, if it was.
    fn find(&self, room: &str, sender_id: UserId, client_id: &str)
    -> StoreResult<Option<StoredAt>>;

    /// One message and its author.
    fn message(&self, room: &str, seq: u64) -> StoreResult<Option<StoredMessage>>;

    /// Replaces a message's text and stamps the edit time.
    fn edit(&self, room: &str, seq: u64, text: &str, time: i64) -> StoreResult<()>;

    /// Marks a message deleted and forgets its text.
    fn delete(&self, room: &str, seq: u64) -> StoreResult<()>;

    /// The `limit` most recent messages of `room`, oldest first.
    fn recent(&self, room: &str, limit: usize) -> StoreResult<Vec<ChatMessage>> {
        self.before(room, u64::MAX, limit)
    }

    /// Up to `limit` messages of `room` with a sequence number below `before`, oldest first.
    fn before(&self, room: &str, before: u64, limit: usize) -> StoreResult<Vec<ChatMessage>>;

    /// Up to `limit` messages of `room` after sequence number `after`, oldest first.
    fn after(&self, room: &str, after: u64, limit: usize) -> StoreResult<Vec<ChatMessage>>;

    /// Up to `limit` messages of `room` containing `query`, newest first, through a text index;
    /// case-insensitive for every script that has case; deleted messages never match.
    fn search(&self, room: &str, query: &str, limit: usize) -> StoreResult<Vec<ChatMessage>>;

    /// How many messages of `room` after `last_read` others wrote, and how many of those
    /// mention `@name` (by the client's rule, [`chinwag_protocol::markup::mentions`]: the whole
    /// name, outside code). Only the newest [`chinwag_protocol::MAX_UNREAD_COUNT`] unread are
    /// looked at, so a join costs the same however long someone was away.
    fn unread(
        &self,
        room: &str,
        last_read: u64,
        reader: UserId,
        name: &str,
    ) -> StoreResult<(u64, u64)>;
}

/// How many of `candidates` (texts holding `@name`) really mention `name`, by the parser's rule.
pub(super) fn count_mentions(
    candidates: impl IntoIterator<Item = StoreResult<String>>,
    name: &str,
) -> StoreResult<u64> {
    let mut mentions = 0;
    for text in candidates {
        mentions += u64::from(chinwag_protocol::markup::mentions(&text?, name));
    }
    Ok(mentions)
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern, and
/// wraps it in `%` for a substring match.
pub(super) fn like_pattern(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}
