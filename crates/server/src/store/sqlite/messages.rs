//! Messages in SQLite (search is in `search.rs`).

use rusqlite::{OptionalExtension, Row, params};

use super::SqliteStore;
use super::search;
use crate::store::messages::count_mentions;
use crate::store::{
    AnnotationStore, Authored, MessageStore, StoreResult, StoredAt, StoredMessage, UserId,
};
use chinwag_protocol::{ChatMessage, MAX_MENTION_COUNT, MAX_UNREAD_COUNT};

/// The columns every message query reads (qualified: search joins `messages` with its index), in [`message_from_row`]'s order. A message is
/// attributed to its author's identity: `from` is the author's current name, so a name given up
/// by a rename never carries the old messages along to whoever takes it later. (Messages older
/// than identities keep the name they were sent under.)
pub(super) const COLUMNS: &str = "messages.room, messages.seq, messages.client_id,
    COALESCE((SELECT users.name FROM users WHERE users.id = messages.sender_id), messages.sender),
    messages.time, messages.text, messages.edited, messages.deleted";

/// Inserts `messages` within `transaction` (see [`crate::store::Backend::write_batch`]).
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
        attachment: None,
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

impl MessageStore for SqliteStore {
    fn last_seq(&self, room: &str) -> StoreResult<u64> {
        Ok(self.connection.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1",
            [room],
            |row| row.get(0),
        )?)
    }

    fn find(
        &self,
        room: &str,
        sender_id: UserId,
        client_id: &str,
    ) -> StoreResult<Option<StoredAt>> {
        Ok(self
            .connection
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
            .optional()?)
    }

    fn message(&self, room: &str, seq: u64) -> StoreResult<Option<StoredMessage>> {
        // SQLite integers are signed: no message has a larger number.
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, sender_id FROM messages WHERE room = ?1 AND seq = ?2"
            ))?
            .query_row(params![room, seq], |row| {
                Ok(StoredMessage {
                    message: message_from_row(row)?,
                    sender_id: row.get(8)?,
                })
            })
            .optional()?)
    }

    fn edit(&self, room: &str, seq: u64, text: &str, time: i64) -> StoreResult<()> {
        self.connection
            .prepare_cached(
                "UPDATE messages SET text = ?3, edited = ?4 WHERE room = ?1 AND seq = ?2",
            )?
            .execute(params![room, seq, text, time])?;
        Ok(())
    }

    fn delete(&self, room: &str, seq: u64) -> StoreResult<()> {
        Ok(self.atomically(|| {
            self.connection
                .prepare_cached(
                    "UPDATE messages SET text = '', deleted = 1 WHERE room = ?1 AND seq = ?2",
                )?
                .execute(params![room, seq])?;
            super::attachments::drop_attachment(&self.connection, room, seq)
        })?)
    }

    fn before(&self, room: &str, before: u64, limit: usize) -> StoreResult<Vec<ChatMessage>> {
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

    fn after(&self, room: &str, after: u64, limit: usize) -> StoreResult<Vec<ChatMessage>> {
        self.query(
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE room = ?1 AND seq > ?2
                 ORDER BY seq ASC LIMIT ?3"
            ),
            params![room, after, limit],
        )
    }

    fn search(&self, room: &str, query: &str, limit: usize) -> StoreResult<Vec<ChatMessage>> {
        search::search(self, room, query, limit)
    }

    fn unread(
        &self,
        room: &str,
        last_read: u64,
        reader: UserId,
        name: &str,
    ) -> StoreResult<(u64, u64)> {
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
        let texts = candidates.query_map(params![room, last_read, reader, name], |row| {
            row.get::<_, String>(0)
        })?;
        let mentions = count_mentions(texts.map(|text| text.map_err(Into::into)), name)?;
        Ok((unread, mentions))
    }
}

impl SqliteStore {
    /// The messages `sql` answers with `params` (with their quotes and reactions).
    pub(super) fn query(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> StoreResult<Vec<ChatMessage>> {
        let mut messages = self
            .connection
            .prepare_cached(sql)?
            .query_map(params, message_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.annotate(&mut messages)?;
        Ok(messages)
    }
}
