//! Replies: which message each reply answers, and the quotes shown with them.

use rusqlite::{OptionalExtension, params};

use super::{Authored, Store};
use chinwag_protocol::{MAX_QUOTE_CHARS, Quote};

/// How many characters of a text are read to make a quote of it (generously more than a quote
/// shows: [`Quote::of`] collapses white space, then cuts).
const QUOTE_READ_CHARS: usize = MAX_QUOTE_CHARS * 4;

/// The columns [`quote_from_row`] reads of the quoted message `m` (its author `u`): sequence
/// number, the author's current name, the start of its text, whether it was deleted.
fn quoted_columns() -> String {
    format!("m.seq, COALESCE(u.name, m.sender), substr(m.text, 1, {QUOTE_READ_CHARS}), m.deleted")
}

/// Records which message each reply of `messages` answers, within `transaction` (see
/// [`Store::write_batch`]).
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

/// The quote read by [`quoted_columns`], starting at column `first`.
fn quote_from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Quote> {
    let seq = row.get(first)?;
    let from: String = row.get(first + 1)?;
    let text: String = row.get(first + 2)?;
    let deleted = row.get(first + 3)?;
    Ok(Quote::of(seq, &from, &text, deleted))
}

impl Store {
    /// The quote of message `seq` of `room`, if there is such a message.
    pub fn quote(&self, room: &str, seq: u64) -> rusqlite::Result<Option<Quote>> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        self.connection
            .prepare_cached(&format!(
                "SELECT {} FROM messages m LEFT JOIN users u ON u.id = m.sender_id
                 WHERE m.room = ?1 AND m.seq = ?2",
                quoted_columns()
            ))?
            .query_row(params![room, seq], |row| quote_from_row(row, 0))
            .optional()
    }

    /// The quotes of the replies among messages `first..=last` of `room`, by the reply's
    /// sequence number.
    pub fn reply_quotes(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> rusqlite::Result<Vec<(u64, Quote)>> {
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        self.connection
            .prepare_cached(&format!(
                "SELECT r.seq, {} FROM replies r
                 JOIN messages m ON m.room = r.room AND m.seq = r.reply_to
                 LEFT JOIN users u ON u.id = m.sender_id
                 WHERE r.room = ?1 AND r.seq BETWEEN ?2 AND ?3",
                quoted_columns()
            ))?
            .query_map(params![room, first, last], |row| {
                Ok((row.get(0)?, quote_from_row(row, 1)?))
            })?
            .collect()
    }
}
