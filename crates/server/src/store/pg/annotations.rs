//! Replies, reactions, pins and read-receipt sharing in PostgreSQL (schema version 3), the same
//! answers as SQLite's.

use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};

use super::{PgStore, from_db, limit, to_db};
use crate::store::annotations::{PinRow, QUOTE_READ_CHARS};
use crate::store::{AnnotationStore, Authored, StoreResult, UserId};
use chinwag_protocol::{Quote, SeenMark};

/// Inserts a batch's replies in one statement, from one array per column.
pub(super) const INSERT_REPLIES: &str = "INSERT INTO replies (room, seq, reply_to)
     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[])";

/// Records which message each reply of `messages` answers, within `transaction`, with
/// [`INSERT_REPLIES`] (prepared as `insert`).
pub(super) fn insert_replies(
    transaction: &mut Transaction<'_>,
    insert: &Statement,
    messages: &[Authored],
) -> Result<(), postgres::Error> {
    let replies: Vec<(String, i64, i64)> = messages
        .iter()
        .filter_map(|Authored { message, .. }| {
            let quote = message.reply_to.as_ref()?;
            Some((message.room.clone(), to_db(message.seq), to_db(quote.seq)))
        })
        .collect();
    if replies.is_empty() {
        return Ok(());
    }
    let rooms: Vec<&str> = replies.iter().map(|(room, ..)| room.as_str()).collect();
    let seqs: Vec<i64> = replies.iter().map(|(_, seq, _)| *seq).collect();
    let targets: Vec<i64> = replies.iter().map(|(.., target)| *target).collect();
    transaction.execute(insert, &[&rooms, &seqs, &targets])?;
    Ok(())
}

/// The columns [`quote_from_row`] reads of the quoted message `m` (its author `u`).
fn quoted_columns() -> String {
    format!("m.seq, COALESCE(u.name, m.sender), substr(m.text, 1, {QUOTE_READ_CHARS}), m.deleted")
}

/// The quote read by [`quoted_columns`], starting at column `first`.
fn quote_from_row(row: &Row, first: usize) -> Quote {
    let text: String = row.get(first + 2);
    let from: String = row.get(first + 1);
    Quote::of(from_db(row.get(first)), &from, &text, row.get(first + 3))
}

impl PgStore {
    /// Runs `sql` with `params`; how many rows it changed.
    fn changed(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        self.with(|session| {
            let statement = session.prepare(sql)?;
            session.client.execute(&statement, params)
        })
    }
}

impl AnnotationStore for PgStore {
    fn quote(&self, room: &str, seq: u64) -> StoreResult<Option<Quote>> {
        let row = self.row(
            &format!(
                "SELECT {} FROM messages m LEFT JOIN users u ON u.id = m.sender_id
                 WHERE m.room = $1 AND m.seq = $2",
                quoted_columns()
            ),
            &[&room, &to_db(seq)],
        )?;
        Ok(row.map(|row| quote_from_row(&row, 0)))
    }

    fn reply_quotes(&self, room: &str, first: u64, last: u64) -> StoreResult<Vec<(u64, Quote)>> {
        let rows = self.rows(
            &format!(
                "SELECT r.seq, {} FROM replies r
                 JOIN messages m ON m.room = r.room AND m.seq = r.reply_to
                 LEFT JOIN users u ON u.id = m.sender_id
                 WHERE r.room = $1 AND r.seq BETWEEN $2 AND $3",
                quoted_columns()
            ),
            &[&room, &to_db(first), &to_db(last)],
        )?;
        Ok(rows
            .iter()
            .map(|row| (from_db(row.get(0)), quote_from_row(row, 1)))
            .collect())
    }

    fn react(
        &self,
        room: &str,
        seq: u64,
        emoji: &str,
        user: UserId,
        time: i64,
    ) -> StoreResult<bool> {
        let added = self.changed(
            "INSERT INTO reactions (room, seq, emoji, user_id, time) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[&room, &to_db(seq), &emoji, &user, &time],
        )?;
        Ok(added > 0)
    }

    fn unreact(&self, room: &str, seq: u64, emoji: &str, user: UserId) -> StoreResult<bool> {
        let removed = self.changed(
            "DELETE FROM reactions WHERE room = $1 AND seq = $2 AND emoji = $3 AND user_id = $4",
            &[&room, &to_db(seq), &emoji, &user],
        )?;
        Ok(removed > 0)
    }

    fn reaction_rows(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> StoreResult<Vec<(u64, String, String)>> {
        let rows = self.rows(
            "SELECT r.seq, r.emoji, u.name FROM reactions r
             JOIN users u ON u.id = r.user_id
             WHERE r.room = $1 AND r.seq BETWEEN $2 AND $3
             ORDER BY r.seq,
                (SELECT MIN(f.time) FROM reactions f
                 WHERE f.room = r.room AND f.seq = r.seq AND f.emoji = r.emoji),
                r.emoji, r.time, r.user_id",
            &[&room, &to_db(first), &to_db(last)],
        )?;
        Ok(rows
            .iter()
            .map(|row| (from_db(row.get(0)), row.get(1), row.get(2)))
            .collect())
    }

    fn pin(&self, room: &str, seq: u64, user: UserId, time: i64) -> StoreResult<bool> {
        let added = self.changed(
            "INSERT INTO pins (room, seq, user_id, time) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&room, &to_db(seq), &user, &time],
        )?;
        Ok(added > 0)
    }

    fn unpin(&self, room: &str, seq: u64) -> StoreResult<bool> {
        let removed = self.changed(
            "DELETE FROM pins WHERE room = $1 AND seq = $2",
            &[&room, &to_db(seq)],
        )?;
        Ok(removed > 0)
    }

    fn pin_count(&self, room: &str) -> StoreResult<usize> {
        let row = self.row("SELECT COUNT(*) FROM pins WHERE room = $1", &[&room])?;
        Ok(row.map_or(0, |row| usize::try_from(row.get::<_, i64>(0)).unwrap_or(0)))
    }

    fn pin_rows(&self, room: &str, count: usize) -> StoreResult<Vec<PinRow>> {
        let rows = self.rows(
            "SELECT p.seq, u.name, p.time FROM pins p JOIN users u ON u.id = p.user_id
             WHERE p.room = $1 ORDER BY p.time DESC, p.seq DESC LIMIT $2",
            &[&room, &limit(count)],
        )?;
        Ok(rows
            .iter()
            .map(|row| PinRow {
                seq: from_db(row.get(0)),
                by: row.get(1),
                time: row.get(2),
            })
            .collect())
    }

    fn set_share_receipts(&self, user: UserId, share: bool) -> StoreResult<()> {
        let sql = if share {
            "DELETE FROM private_receipts WHERE user_id = $1"
        } else {
            "INSERT INTO private_receipts (user_id) VALUES ($1) ON CONFLICT DO NOTHING"
        };
        self.execute(sql, &[&user])
    }

    fn private_receipts(&self) -> StoreResult<Vec<UserId>> {
        let rows = self.rows("SELECT user_id FROM private_receipts", &[])?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn seen(&self, room: &str, count: usize) -> StoreResult<Vec<SeenMark>> {
        let rows = self.rows(
            "SELECT u.name, m.last_read FROM members m JOIN users u ON u.id = m.user_id
             WHERE m.room = $1 AND m.last_read > 0
               AND m.user_id NOT IN (SELECT user_id FROM private_receipts)
             ORDER BY m.last_read DESC, u.name LIMIT $2",
            &[&room, &limit(count)],
        )?;
        Ok(rows
            .iter()
            .map(|row| SeenMark {
                name: row.get(0),
                seq: from_db(row.get(1)),
            })
            .collect())
    }
}
