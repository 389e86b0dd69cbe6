//! Search in SQLite: the FTS5 trigram index for what it holds, a scan for the rest.
//!
//! The index (`messages_text`, schema version 4) holds the messages up to rowid
//! `messages_text_upto.upto`; [`catch_up`] adds the next ones when the hub has nothing else to do
//! (indexing a message costs several times storing it, so storing and acknowledging never wait
//! for it). A search reads the newest messages, not indexed yet, by a scan of that tail, then the
//! index for the older ones: every message is found as soon as it is stored. Queries shorter
//! than a trigram scan the room. Scans compare with the same Unicode case folding as the index
//! (`contains_folded`, a function registered on the connection), so which way a message is
//! found never changes whether it is found.
//!
//! The tail is read by rowid (`+room` keeps SQLite from walking the whole room by its index
//! instead). Within a room, rowid order is seq order (messages are inserted in seq order and never
//! deleted; version 3 copied them in that order), so "newest first" reads rowids downwards.

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, params};

use super::SqliteStore;
use super::messages::COLUMNS;
use crate::store::StoreResult;
use chinwag_protocol::ChatMessage;

/// The fewest characters the trigram index can look up.
const TRIGRAM: usize = 3;

/// Messages indexed at most per [`catch_up`] call: about 10 ms of work, the longest a command
/// arriving meanwhile waits.
const CATCH_UP_ROWS: usize = 128;

/// Registers `contains_folded(text, folded_query)`: whether `text`, case-folded, contains the
/// already folded query.
pub(super) fn register(connection: &Connection) -> rusqlite::Result<()> {
    connection.create_scalar_function(
        "contains_folded",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let text = context.get_raw(0).as_str().unwrap_or_default();
            let query = context.get_raw(1).as_str().unwrap_or_default();
            Ok(contains_folded(text, query))
        },
    )
}

/// Whether `text`, case-folded, contains `folded_query`; without folding a copy of an ASCII
/// text (most are), which a scan would do for every message.
fn contains_folded(text: &str, folded_query: &str) -> bool {
    if text.is_ascii() && folded_query.is_ascii() {
        let query = folded_query.as_bytes();
        query.is_empty()
            || text
                .as_bytes()
                .windows(query.len())
                .any(|window| window.eq_ignore_ascii_case(query))
    } else {
        fold(text).contains(folded_query)
    }
}

/// Unicode case folding (lower case), as the trigram tokenizer folds.
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Up to `limit` messages of `room` containing `query`, newest first.
pub(super) fn search(
    store: &SqliteStore,
    room: &str,
    query: &str,
    limit: usize,
) -> StoreResult<Vec<ChatMessage>> {
    let folded = fold(query);
    if query.chars().count() < TRIGRAM {
        return store.query(
            &format!(
                "SELECT {COLUMNS} FROM messages
                 WHERE room = ?1 AND deleted = 0 AND contains_folded(text, ?2)
                 ORDER BY seq DESC LIMIT ?3"
            ),
            params![room, folded, limit],
        );
    }
    let mut found = store.query(
        &format!(
            "SELECT {COLUMNS} FROM messages
             WHERE rowid > (SELECT upto FROM messages_text_upto)
             AND +room = ?1 AND deleted = 0 AND contains_folded(text, ?2)
             ORDER BY rowid DESC LIMIT ?3"
        ),
        params![room, folded, limit],
    )?;
    if found.len() < limit {
        // A quoted phrase matches as a substring, case-folded by the tokenizer.
        let phrase = format!("\"{}\"", query.replace('"', "\"\""));
        found.extend(store.query(
            &format!(
                "SELECT {COLUMNS} FROM messages_text
                 JOIN messages ON messages.rowid = messages_text.rowid
                 WHERE messages_text MATCH ?2 AND messages.room = ?1 AND messages.deleted = 0
                 ORDER BY messages_text.rowid DESC LIMIT ?3"
            ),
            params![room, phrase, limit - found.len()],
        )?);
    }
    Ok(found)
}

/// Indexes the next messages not in the index yet (at most [`CATCH_UP_ROWS`]); whether some
/// remain. Nothing here needs to survive a crash (what is lost is indexed again), so the
/// transaction commits without waiting for the disk: `synchronous` is `NORMAL` for it and back
/// to `FULL` after, whatever happened.
pub(super) fn catch_up(connection: &mut Connection) -> StoreResult<bool> {
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    let indexed = index_next(connection);
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(indexed? == CATCH_UP_ROWS)
}

/// Indexes the next messages after `upto` in one transaction; how many.
fn index_next(connection: &mut Connection) -> rusqlite::Result<usize> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let rows: Vec<(i64, String)> = transaction
        .prepare_cached(
            "SELECT rowid, text FROM messages
             WHERE rowid > (SELECT upto FROM messages_text_upto) ORDER BY rowid LIMIT ?1",
        )?
        .query_map([CATCH_UP_ROWS], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let Some(&(last, _)) = rows.last() else {
        return Ok(0);
    };
    {
        let mut insert = transaction
            .prepare_cached("INSERT INTO messages_text (rowid, text) VALUES (?1, ?2)")?;
        for (rowid, text) in &rows {
            insert.execute(params![rowid, text])?;
        }
    }
    transaction
        .prepare_cached("UPDATE messages_text_upto SET upto = ?1")?
        .execute([last])?;
    transaction.commit()?;
    Ok(rows.len())
}
