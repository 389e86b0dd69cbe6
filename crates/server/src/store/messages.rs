//! Messages: group-committed inserts, history reads, edits, deletions, search, unread counts.

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, UserId};
use chinwag_protocol::{ChatMessage, MAX_MENTION_COUNT, MAX_UNREAD_COUNT};

/// The columns every message query reads, in [`message_from_row`]'s order. A message is
/// attributed to its author's identity: `from` is the author's current name, so a name given up
/// by a rename never carries the old messages along to whoever takes it later. (Messages older
/// than identities keep the name they were sent under.)
const COLUMNS: &str = "room, seq, client_id,
    COALESCE((SELECT users.name FROM users WHERE users.id = messages.sender_id), sender),
    time, text, edited, deleted";

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

/// Inserts `messages` within `transaction` (see [`Store::write_batch`]).
pub(super) fn insert_messages(
    transaction: &rusqlite::Transaction<'_>,
    messages: &[Authored],
) -> rusqlite::Result<()> {
    let mut insert = transaction.prepare_cached(
        "INSERT INTO messages (room, seq, client_id, sender, time, text, sender_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for Authored { sender_id, message } in messages {
        insert.execute(params![
            message.room,
            message.seq,
            message.id,
            message.from,
            message.time,
            message.text,
            sender_id
        ])?;
    }
    Ok(())
}

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<ChatMessage> {
    Ok(ChatMessage {
        room: row.get(0)?,
        seq: row.get(1)?,
        id: row.get(2)?,
        from: row.get(3)?,
        time: row.get(4)?,
        text: row.get(5)?,
        edited: row.get(6)?,
        deleted: row.get(7)?,
        reply_to: None,
        reactions: Vec::new(),
    })
}

impl Store {
    /// The highest sequence number stored for `room` (0 if it has none).
    pub fn last_seq(&self, room: &str) -> rusqlite::Result<u64> {
        self.connection.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1",
            [room],
            |row| row.get(0),
        )
    }

    /// Where the message `client_id` from `sender_id` in `room` was stored, if it was.
    pub fn find(
        &self,
        room: &str,
        sender_id: UserId,
        client_id: &str,
    ) -> rusqlite::Result<Option<StoredAt>> {
        self.connection
            .prepare_cached(
                "SELECT seq, time FROM messages
                 WHERE room = ?1 AND sender_id = ?2 AND client_id = ?3",
            )?
            .query_row(params![room, sender_id, client_id], |row| {
                Ok(StoredAt {
                    seq: row.get(0)?,
                    time: row.get(1)?,
                })
            })
            .optional()
    }

    /// One message and its author.
    pub fn message(&self, room: &str, seq: u64) -> rusqlite::Result<Option<StoredMessage>> {
        // SQLite integers are signed: no message has a larger number.
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        self.connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, sender_id FROM messages WHERE room = ?1 AND seq = ?2"
            ))?
            .query_row(params![room, seq], |row| {
                Ok(StoredMessage {
                    message: message_from_row(row)?,
                    sender_id: row.get(8)?,
                })
            })
            .optional()
    }

    /// Replaces a message's text and stamps the edit time.
    pub fn edit(&self, room: &str, seq: u64, text: &str, time: i64) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached(
                "UPDATE messages SET text = ?3, edited = ?4 WHERE room = ?1 AND seq = ?2",
            )?
            .execute(params![room, seq, text, time])
            .map(drop)
    }

    /// Marks a message deleted and forgets its text.
    pub fn delete(&self, room: &str, seq: u64) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached(
                "UPDATE messages SET text = '', deleted = 1 WHERE room = ?1 AND seq = ?2",
            )?
            .execute(params![room, seq])
            .map(drop)
    }

    /// The `limit` most recent messages of `room`, oldest first.
    pub fn recent(&self, room: &str, limit: usize) -> rusqlite::Result<Vec<ChatMessage>> {
        self.before(room, u64::MAX, limit)
    }

    /// Up to `limit` messages of `room` with a sequence number below `before`, oldest first.
    pub fn before(
        &self,
        room: &str,
        before: u64,
        limit: usize,
    ) -> rusqlite::Result<Vec<ChatMessage>> {
        // SQLite integers are signed: a cursor beyond them means "from the newest".
        let before = i64::try_from(before).unwrap_or(i64::MAX);
        let mut messages = self.query(
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE room = ?1 AND seq < ?2
                 ORDER BY seq DESC LIMIT ?3"
            ),
            params![room, before, limit],
        )?;
        messages.reverse();
        Ok(messages)
    }

    /// Up to `limit` messages of `room` after sequence number `after`, oldest first.
    pub fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> rusqlite::Result<Vec<ChatMessage>> {
        self.query(
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE room = ?1 AND seq > ?2
                 ORDER BY seq ASC LIMIT ?3"
            ),
            params![room, after, limit],
        )
    }

    /// Up to `limit` messages of `room` containing `query` (ASCII case-insensitive), newest
    /// first; deleted messages never match.
    pub fn search(
        &self,
        room: &str,
        query: &str,
        limit: usize,
    ) -> rusqlite::Result<Vec<ChatMessage>> {
        let pattern = format!("%{}%", escape_like(query));
        self.query(
            &format!(
                "SELECT {COLUMNS} FROM messages
                 WHERE room = ?1 AND deleted = 0 AND text LIKE ?2 ESCAPE '\\'
                 ORDER BY seq DESC LIMIT ?3"
            ),
            params![room, pattern, limit],
        )
    }

    /// How many messages of `room` after `last_read` others wrote, and how many of those
    /// mention `@name` (by the client's rule, [`chinwag_protocol::markup::mentions`]: the whole name,
    /// outside code). Only the newest [`MAX_UNREAD_COUNT`] unread are looked at, so a join costs
    /// the same however long someone was away.
    pub fn unread(
        &self,
        room: &str,
        last_read: u64,
        reader: UserId,
        name: &str,
    ) -> rusqlite::Result<(u64, u64)> {
        let newest_unread = format!(
            "SELECT text FROM messages WHERE room = ?1 AND seq > ?2 AND deleted = 0
             AND (sender_id IS NULL OR sender_id != ?3) ORDER BY seq DESC LIMIT {MAX_UNREAD_COUNT}"
        );
        let unread = self
            .connection
            .prepare_cached(&format!("SELECT COUNT(*) FROM ({newest_unread})"))?
            .query_row(params![room, last_read, reader], |row| row.get(0))?;
        // SQL narrows the candidates down to the newest texts holding `@name`; the parser
        // decides (at most MAX_MENTION_COUNT parses of 0.1–0.2 ms each: see the markdown_cost
        // example).
        let mut candidates = self.connection.prepare_cached(&format!(
            "SELECT text FROM ({newest_unread}) WHERE instr(text, '@' || ?4) > 0
             LIMIT {MAX_MENTION_COUNT}"
        ))?;
        let mut mentions = 0;
        for text in candidates.query_map(params![room, last_read, reader, name], |row| {
            row.get::<_, String>(0)
        })? {
            mentions += u64::from(chinwag_protocol::markup::mentions(&text?, name));
        }
        Ok((unread, mentions))
    }

    fn query(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> rusqlite::Result<Vec<ChatMessage>> {
        let mut messages = self
            .connection
            .prepare_cached(sql)?
            .query_map(params, message_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.annotate(&mut messages)?;
        Ok(messages)
    }
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
