//! Pinned messages, per room.

use rusqlite::params;

use super::{Store, UserId};
use chinwag_protocol::{MAX_PINS, Pin, Quote};

impl Store {
    /// Pins message `seq` of `room` for `user`; false if it was pinned already.
    pub fn pin(&self, room: &str, seq: u64, user: UserId, time: i64) -> rusqlite::Result<bool> {
        let added = self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO pins (room, seq, user_id, time) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![room, seq, user, time])?;
        Ok(added > 0)
    }

    /// Unpins message `seq` of `room`; false if it was not pinned.
    pub fn unpin(&self, room: &str, seq: u64) -> rusqlite::Result<bool> {
        let removed = self
            .connection
            .prepare_cached("DELETE FROM pins WHERE room = ?1 AND seq = ?2")?
            .execute(params![room, seq])?;
        Ok(removed > 0)
    }

    /// How many messages of `room` are pinned.
    pub fn pin_count(&self, room: &str) -> rusqlite::Result<usize> {
        self.connection
            .prepare_cached("SELECT COUNT(*) FROM pins WHERE room = ?1")?
            .query_row([room], |row| row.get(0))
    }

    /// The pinned messages of `room`, newest pin first (at most [`MAX_PINS`]).
    pub fn pins(&self, room: &str) -> rusqlite::Result<Vec<Pin>> {
        let mut pins = Vec::new();
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT p.seq, u.name, p.time FROM pins p JOIN users u ON u.id = p.user_id
             WHERE p.room = ?1 ORDER BY p.time DESC, p.seq DESC LIMIT {MAX_PINS}"
        ))?;
        let rows: Vec<(u64, String, i64)> = statement
            .query_map([room], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (seq, by, time) in rows {
            let quote = self
                .quote(room, seq)?
                .unwrap_or_else(|| Quote::of(seq, "", "", true));
            pins.push(Pin { quote, by, time });
        }
        Ok(pins)
    }
}
