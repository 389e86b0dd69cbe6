//! Replies, reactions, pins and read-receipt sharing in SQLite (schema version 6).

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::store::annotations::{PinRow, QUOTE_READ_CHARS};
use crate::store::{AnnotationStore, Authored, StoreResult, UserId};
use chinwag_protocol::{Quote, SeenMark};

/// Records which message each reply of `messages` answers, within `transaction` (see
/// [`crate::store::Backend::write_batch`]).
pub(super) fn insert_replies(
    transaction: &rusqlite::Transaction<'_>,
    messages: &[Authored],
) -> rusqlite::Result<()> {
    let mut insert = transaction
        .prepare_cached("INSERT INTO replies (room, seq, reply_to) VALUES (?1, ?2, ?3)")?;
    for Authored { message, .. } in messages {
        if let Some(quote) = &message.reply_to {
            insert.execute(params![message.room, message.seq, quote.seq])?;
        }
    }
    Ok(())
}

/// The columns [`quote_from_row`] reads of the quoted message `m` (its author `u`): sequence
/// number, the author's current name, the start of its text, whether it was deleted.
fn quoted_columns() -> String {
    format!("m.seq, COALESCE(u.name, m.sender), substr(m.text, 1, {QUOTE_READ_CHARS}), m.deleted")
}

/// The quote read by [`quoted_columns`], starting at column `first`.
fn quote_from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Quote> {
    let seq = row.get(first)?;
    let from: String = row.get(first + 1)?;
    let text: String = row.get(first + 2)?;
    let deleted = row.get(first + 3)?;
    Ok(Quote::of(seq, &from, &text, deleted))
}

/// A sequence number as SQLite keeps it (signed); numbers beyond it (no message has one) are
/// the largest.
fn to_db(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

impl AnnotationStore for SqliteStore {
    fn quote(&self, room: &str, seq: u64) -> StoreResult<Option<Quote>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {} FROM messages m LEFT JOIN users u ON u.id = m.sender_id
                 WHERE m.room = ?1 AND m.seq = ?2",
                quoted_columns()
            ))?
            .query_row(params![room, to_db(seq)], |row| quote_from_row(row, 0))
            .optional()?)
    }

    fn reply_quotes(&self, room: &str, first: u64, last: u64) -> StoreResult<Vec<(u64, Quote)>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT r.seq, {} FROM replies r
                 JOIN messages m ON m.room = r.room AND m.seq = r.reply_to
                 LEFT JOIN users u ON u.id = m.sender_id
                 WHERE r.room = ?1 AND r.seq BETWEEN ?2 AND ?3",
                quoted_columns()
            ))?
            .query_map(params![room, to_db(first), to_db(last)], |row| {
                Ok((row.get(0)?, quote_from_row(row, 1)?))
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn react(
        &self,
        room: &str,
        seq: u64,
        emoji: &str,
        user: UserId,
        time: i64,
    ) -> StoreResult<bool> {
        let added = self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO reactions (room, seq, emoji, user_id, time)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![room, to_db(seq), emoji, user, time])?;
        Ok(added > 0)
    }

    fn unreact(&self, room: &str, seq: u64, emoji: &str, user: UserId) -> StoreResult<bool> {
        let removed = self
            .connection
            .prepare_cached(
                "DELETE FROM reactions WHERE room = ?1 AND seq = ?2 AND emoji = ?3 AND user_id = ?4",
            )?
            .execute(params![room, to_db(seq), emoji, user])?;
        Ok(removed > 0)
    }

    fn reaction_rows(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> StoreResult<Vec<(u64, String, String)>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT r.seq, r.emoji, u.name FROM reactions r
                 JOIN users u ON u.id = r.user_id
                 WHERE r.room = ?1 AND r.seq BETWEEN ?2 AND ?3
                 ORDER BY r.seq,
                    (SELECT MIN(f.time) FROM reactions f
                     WHERE f.room = r.room AND f.seq = r.seq AND f.emoji = r.emoji),
                    r.emoji, r.time, r.user_id",
            )?
            .query_map(params![room, to_db(first), to_db(last)], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn pin(&self, room: &str, seq: u64, user: UserId, time: i64) -> StoreResult<bool> {
        let added = self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO pins (room, seq, user_id, time) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![room, to_db(seq), user, time])?;
        Ok(added > 0)
    }

    fn unpin(&self, room: &str, seq: u64) -> StoreResult<bool> {
        let removed = self
            .connection
            .prepare_cached("DELETE FROM pins WHERE room = ?1 AND seq = ?2")?
            .execute(params![room, to_db(seq)])?;
        Ok(removed > 0)
    }

    fn pin_count(&self, room: &str) -> StoreResult<usize> {
        Ok(self
            .connection
            .prepare_cached("SELECT COUNT(*) FROM pins WHERE room = ?1")?
            .query_row([room], |row| row.get(0))?)
    }

    fn pin_rows(&self, room: &str, limit: usize) -> StoreResult<Vec<PinRow>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT p.seq, u.name, p.time FROM pins p JOIN users u ON u.id = p.user_id
                 WHERE p.room = ?1 ORDER BY p.time DESC, p.seq DESC LIMIT ?2",
            )?
            .query_map(params![room, limit], |row| {
                Ok(PinRow {
                    seq: row.get(0)?,
                    by: row.get(1)?,
                    time: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn set_share_receipts(&self, user: UserId, share: bool) -> StoreResult<()> {
        let sql = if share {
            "DELETE FROM private_receipts WHERE user_id = ?1"
        } else {
            "INSERT OR IGNORE INTO private_receipts (user_id) VALUES (?1)"
        };
        self.connection.prepare_cached(sql)?.execute([user])?;
        Ok(())
    }

    fn private_receipts(&self) -> StoreResult<Vec<UserId>> {
        Ok(self
            .connection
            .prepare_cached("SELECT user_id FROM private_receipts")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn seen(&self, room: &str, limit: usize) -> StoreResult<Vec<SeenMark>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT u.name, m.last_read FROM members m JOIN users u ON u.id = m.user_id
                 WHERE m.room = ?1 AND m.last_read > 0
                   AND m.user_id NOT IN (SELECT user_id FROM private_receipts)
                 ORDER BY m.last_read DESC, u.name LIMIT ?2",
            )?
            .query_map(params![room, limit], |row| {
                Ok(SeenMark {
                    name: row.get(0)?,
                    seq: row.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}
