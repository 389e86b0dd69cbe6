//! Messages in PostgreSQL; search through a `pg_trgm` index (see `schema.rs`, version 2).

use postgres::{Row, Statement, Transaction};

use super::{PgStore, from_db, limit, to_db};
use crate::store::messages::{count_mentions, like_pattern};
use crate::store::{
    AnnotationStore, Authored, MessageStore, ReadMark, StoreResult, StoredAt, StoredMessage, UserId,
};
use chinwag_protocol::{ChatMessage, MAX_MENTION_COUNT, MAX_UNREAD_COUNT};

/// The columns every message query reads, in [`message_from_row`]'s order (the author's
/// current name, as SQLite's store reads it).
const COLUMNS: &str = "room, seq, client_id,
    COALESCE((SELECT users.name FROM users WHERE users.id = messages.sender_id), sender),
    time, text, edited, deleted";

/// Inserts a whole batch in one statement (one round trip), from one array per column.
pub(super) const INSERT: &str =
    "INSERT INTO messages (room, seq, client_id, sender, time, text, sender_id)
     SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[],
                          $6::text[], $7::bigint[])";

/// Takes `$2` numbers for room `$1`: its row stays locked until the transaction ends.
pub(super) const NUMBER: &str =
    "UPDATE rooms SET last_seq = last_seq + $2 WHERE name = $1 RETURNING last_seq";

/// Gives `messages` their final numbers, room by room in name order (so two nodes' batches
/// never wait for each other's rooms crosswise), with [`NUMBER`] (prepared as `number`); each
/// room's messages keep their order. Returns each room's newest number.
pub(super) fn number(
    transaction: &mut Transaction<'_>,
    number: &Statement,
    messages: &mut [Authored],
) -> Result<Vec<(String, u64)>, postgres::Error> {
    let mut counts = std::collections::BTreeMap::<String, i64>::new();
    for authored in messages.iter() {
        *counts.entry(authored.message.room.clone()).or_default() += 1;
    }
    let mut next = std::collections::HashMap::new();
    let mut heads = Vec::with_capacity(counts.len());
    for (room, count) in counts {
        let last: i64 = transaction.query_one(number, &[&room, &count])?.get(0);
        next.insert(room.clone(), from_db(last - count + 1));
        heads.push((room, from_db(last)));
    }
    for authored in messages.iter_mut() {
        if let Some(seq) = next.get_mut(&authored.message.room) {
            authored.message.seq = *seq;
            *seq += 1;
        }
    }
    Ok(heads)
}

/// `marks` with each one that stood at a poster's own message of the batch (`provisional`: the
/// messages' numbers before [`number`]) moved to that message's final number.
pub(super) fn renumbered_marks(
    marks: &[ReadMark],
    provisional: &[u64],
    messages: &[Authored],
) -> Vec<ReadMark> {
    marks
        .iter()
        .map(|mark| {
            let seq = provisional
                .iter()
                .zip(messages)
                .find(|(seq, authored)| {
                    **seq == mark.seq
                        && authored.sender_id == mark.user
                        && authored.message.room == mark.room
                })
                .map_or(mark.seq, |(_, authored)| authored.message.seq);
            ReadMark {
                seq,
                ..mark.clone()
            }
        })
        .collect()
}

/// Inserts `messages` within `transaction` with [`INSERT`] (prepared as `insert`).
pub(super) fn insert_messages(
    transaction: &mut Transaction<'_>,
    insert: &Statement,
    messages: &[Authored],
) -> Result<(), postgres::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let column = |get: fn(&Authored) -> String| messages.iter().map(get).collect::<Vec<_>>();
    let number = |get: fn(&Authored) -> i64| messages.iter().map(get).collect::<Vec<_>>();
    transaction.execute(
        insert,
        &[
            &column(|a| a.message.room.clone()),
            &number(|a| to_db(a.message.seq)),
            &column(|a| a.message.id.clone()),
            &column(|a| a.message.from.clone()),
            &number(|a| a.message.time),
            &column(|a| a.message.text.clone()),
            &number(|a| a.sender_id),
        ],
    )?;
    Ok(())
}

fn message_from_row(row: &Row) -> ChatMessage {
    ChatMessage {
        attachment: None,
        room: row.get(0),
        seq: from_db(row.get(1)),
        id: row.get(2),
        from: row.get(3),
        time: row.get(4),
        text: row.get(5),
        edited: row.get(6),
        deleted: row.get(7),
        reply_to: None,
        reactions: Vec::new(),
    }
}

impl MessageStore for PgStore {
    fn last_seq(&self, room: &str) -> StoreResult<u64> {
        let row = self.row("SELECT last_seq FROM rooms WHERE name = $1", &[&room])?;
        Ok(row.map_or(0, |row| from_db(row.get(0))))
    }

    fn find(
        &self,
        room: &str,
        sender_id: UserId,
        client_id: &str,
    ) -> StoreResult<Option<StoredAt>> {
        let row = self.row(
            "SELECT seq, time FROM messages
             WHERE room = $1 AND sender_id = $2 AND client_id = $3",
            &[&room, &sender_id, &client_id],
        )?;
        Ok(row.map(|row| StoredAt {
            seq: from_db(row.get(0)),
            time: row.get(1),
        }))
    }

    fn message(&self, room: &str, seq: u64) -> StoreResult<Option<StoredMessage>> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        let row = self.row(
            &format!("SELECT {COLUMNS}, sender_id FROM messages WHERE room = $1 AND seq = $2"),
            &[&room, &seq],
        )?;
        Ok(row.map(|row| StoredMessage {
            message: message_from_row(&row),
            sender_id: row.get(8),
        }))
    }

    fn edit(&self, room: &str, seq: u64, text: &str, time: i64) -> StoreResult<()> {
        self.execute(
            "UPDATE messages SET text = $3, edited = $4 WHERE room = $1 AND seq = $2",
            &[&room, &to_db(seq), &text, &time],
        )
    }

    fn delete(&self, room: &str, seq: u64) -> StoreResult<()> {
        self.execute(super::attachments::DELETE_MESSAGE, &[&room, &to_db(seq)])
    }

    fn before(&self, room: &str, before: u64, count: usize) -> StoreResult<Vec<ChatMessage>> {
        let mut messages = self.messages(
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE room = $1 AND seq < $2
                 ORDER BY seq DESC LIMIT $3"
            ),
            &[&room, &to_db(before), &limit(count)],
        )?;
        messages.reverse();
        Ok(messages)
    }

    fn after(&self, room: &str, after: u64, count: usize) -> StoreResult<Vec<ChatMessage>> {
        self.messages(
            &format!(
                "SELECT {COLUMNS} FROM messages WHERE room = $1 AND seq > $2
                 ORDER BY seq ASC LIMIT $3"
            ),
            &[&room, &to_db(after), &limit(count)],
        )
    }

    fn search(&self, room: &str, query: &str, count: usize) -> StoreResult<Vec<ChatMessage>> {
        // The trigram index serves ILIKE for patterns of three characters or more; the planner
        // scans for shorter ones.
        self.messages(
            &format!(
                "SELECT {COLUMNS} FROM messages
                 WHERE room = $1 AND NOT deleted AND text ILIKE $2 ESCAPE '\\'
                 ORDER BY seq DESC LIMIT $3"
            ),
            &[&room, &like_pattern(query), &limit(count)],
        )
    }

    fn unread(
        &self,
        room: &str,
        last_read: u64,
        reader: UserId,
        name: &str,
    ) -> StoreResult<(u64, u64)> {
        let newest_unread = format!(
            "SELECT text FROM messages WHERE room = $1 AND seq > $2 AND NOT deleted
             AND (sender_id IS NULL OR sender_id != $3) ORDER BY seq DESC LIMIT {MAX_UNREAD_COUNT}"
        );
        let last_read = to_db(last_read);
        let unread = self
            .row(
                &format!("SELECT COUNT(*) FROM ({newest_unread}) AS newest"),
                &[&room, &last_read, &reader],
            )?
            .map_or(0, |row| from_db(row.get(0)));
        let candidates = self.rows(
            &format!(
                "SELECT text FROM ({newest_unread}) AS newest WHERE strpos(text, '@' || $4) > 0
                 LIMIT {MAX_MENTION_COUNT}"
            ),
            &[&room, &last_read, &reader, &name],
        )?;
        let mentions = count_mentions(candidates.iter().map(|row| Ok(row.get(0))), name)?;
        Ok((unread, mentions))
    }
}

impl PgStore {
    fn messages(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> StoreResult<Vec<ChatMessage>> {
        let mut messages: Vec<ChatMessage> = self
            .rows(sql, params)?
            .iter()
            .map(message_from_row)
            .collect();
        self.annotate(&mut messages)?;
        Ok(messages)
    }
}
