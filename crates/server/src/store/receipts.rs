//! Read receipts: who shares theirs (everyone, unless they said not to), and how far the
//! sharing members of a room have read (their read markers in `members`).

use rusqlite::params;

use super::{Store, UserId};
use chinwag_protocol::SeenMark;

impl Store {
    /// Records whether `user` shares read receipts.
    pub fn set_share_receipts(&self, user: UserId, share: bool) -> rusqlite::Result<()> {
        let sql = if share {
            "DELETE FROM private_receipts WHERE user_id = ?1"
        } else {
            "INSERT OR IGNORE INTO private_receipts (user_id) VALUES (?1)"
        };
        self.connection
            .prepare_cached(sql)?
            .execute([user])
            .map(drop)
    }

    /// The identities that do not share read receipts.
    pub fn private_receipts(&self) -> rusqlite::Result<Vec<UserId>> {
        self.connection
            .prepare_cached("SELECT user_id FROM private_receipts")?
            .query_map([], |row| row.get(0))?
            .collect()
    }

    /// How far the members of `room` who share receipts have read (those who read anything),
    /// furthest first, at most `limit`.
    pub fn seen(&self, room: &str, limit: usize) -> rusqlite::Result<Vec<SeenMark>> {
        self.connection
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
            .collect()
    }
}
