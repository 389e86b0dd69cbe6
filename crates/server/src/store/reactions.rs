//! Emoji reactions: one per emoji per identity on a message, toggled by the hub.

use rusqlite::params;

use super::{Store, UserId};
use chinwag_protocol::{MAX_REACTION_NAMES, Reaction};

/// Reads `(seq, emoji, name)` of the reactions of `room` (`?1`) between `?2` and `?3`: each
/// message's emoji in the order they were first used, each emoji's reactors in the order they
/// reacted.
const REACTIONS_BETWEEN: &str = "SELECT r.seq, r.emoji, u.name FROM reactions r
    JOIN users u ON u.id = r.user_id
    WHERE r.room = ?1 AND r.seq BETWEEN ?2 AND ?3
    ORDER BY r.seq,
        (SELECT MIN(f.time) FROM reactions f
         WHERE f.room = r.room AND f.seq = r.seq AND f.emoji = r.emoji),
        r.emoji, r.time, r.user_id";

impl Store {
    /// Adds `user`'s reaction `emoji` to message `seq` of `room`; false if it was there.
    pub fn react(
        &self,
        room: &str,
        seq: u64,
        emoji: &str,
        user: UserId,
        time: i64,
    ) -> rusqlite::Result<bool> {
        let added = self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO reactions (room, seq, emoji, user_id, time)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![room, seq, emoji, user, time])?;
        Ok(added > 0)
    }

    /// Takes `user`'s reaction `emoji` off message `seq` of `room`; false if there was none.
    pub fn unreact(
        &self,
        room: &str,
        seq: u64,
        emoji: &str,
        user: UserId,
    ) -> rusqlite::Result<bool> {
        let removed = self
            .connection
            .prepare_cached(
                "DELETE FROM reactions WHERE room = ?1 AND seq = ?2 AND emoji = ?3 AND user_id = ?4",
            )?
            .execute(params![room, seq, emoji, user])?;
        Ok(removed > 0)
    }

    /// The reactions of message `seq` of `room`.
    pub fn reactions(&self, room: &str, seq: u64) -> rusqlite::Result<Vec<Reaction>> {
        Ok(self
            .reactions_between(room, seq, seq)?
            .pop()
            .map(|(_, reactions)| reactions)
            .unwrap_or_default())
    }

    /// The reactions of the messages `first..=last` of `room` that have any, by sequence number
    /// (ascending).
    pub fn reactions_between(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> rusqlite::Result<Vec<(u64, Vec<Reaction>)>> {
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        let mut statement = self.connection.prepare_cached(REACTIONS_BETWEEN)?;
        let mut rows = statement.query(params![room, first, last])?;
        let mut messages: Vec<(u64, Vec<Reaction>)> = Vec::new();
        while let Some(row) = rows.next()? {
            let (seq, emoji, name): (u64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if messages.last().is_none_or(|(last, _)| *last != seq) {
                messages.push((seq, Vec::new()));
            }
            let Some((_, reactions)) = messages.last_mut() else {
                continue;
            };
            match reactions.last_mut() {
                Some(reaction) if reaction.emoji == emoji => {
                    reaction.count += 1;
                    if reaction.names.len() < MAX_REACTION_NAMES {
                        reaction.names.push(name);
                    }
                }
                _ => reactions.push(Reaction {
                    emoji,
                    count: 1,
                    names: vec![name],
                }),
            }
        }
        Ok(messages)
    }
}
