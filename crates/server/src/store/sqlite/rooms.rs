//! Rooms and memberships in SQLite.

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::names::Name;
use crate::store::rooms::kind_from_text;
use crate::store::{Membership, ReadMark, RoomRow, RoomStore, StoreResult, UserId};
use chinwag_protocol::RoomListing;

/// Moves read markers forward (never back) within `transaction` (see [`crate::store::Backend::write_batch`]).
pub(super) fn move_read_marks(
    transaction: &rusqlite::Transaction<'_>,
    marks: &[ReadMark],
) -> StoreResult<()> {
    let mut update = transaction.prepare_cached(
        "UPDATE members SET last_read = MAX(last_read, ?3) WHERE room = ?1 AND user_id = ?2",
    )?;
    for ReadMark { room, user, seq } in marks {
        update.execute(params![room, user, seq])?;
    }
    Ok(())
}

impl RoomStore for SqliteStore {
    fn room(&self, name: &str) -> StoreResult<Option<RoomRow>> {
        Ok(self
            .connection
            .prepare_cached("SELECT name, kind, topic FROM rooms WHERE name = ?1")?
            .query_row([name], |row| {
                Ok(RoomRow {
                    name: row.get(0)?,
                    kind: kind_from_text(&row.get::<_, String>(1)?),
                    topic: row.get(2)?,
                })
            })
            .optional()?)
    }

    fn room_like(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self
            .connection
            .prepare_cached("SELECT name FROM rooms WHERE skeleton = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    fn create_public_room(&self, name: &Name) -> StoreResult<()> {
        Ok(self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO rooms (name, kind, skeleton) VALUES (?1, 'public', ?2)",
            )?
            .execute(params![name.text, name.key])
            .map(drop)?)
    }

    fn create_direct_room(&self, name: &str) -> StoreResult<()> {
        Ok(self
            .connection
            .prepare_cached("INSERT OR IGNORE INTO rooms (name, kind) VALUES (?1, 'direct')")?
            .execute([name])
            .map(drop)?)
    }

    fn public_rooms(&self, limit: usize) -> StoreResult<Vec<RoomListing>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT rooms.name, rooms.topic, COUNT(members.user_id) AS member_count
                 FROM rooms LEFT JOIN members ON members.room = rooms.name
                 WHERE rooms.kind = 'public'
                 GROUP BY rooms.name ORDER BY member_count DESC, rooms.name LIMIT ?1",
            )?
            .query_map([limit], |row| {
                Ok(RoomListing {
                    room: row.get(0)?,
                    topic: row.get(1)?,
                    members: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn set_topic(&self, room: &str, topic: &str) -> StoreResult<()> {
        Ok(self
            .connection
            .prepare_cached("UPDATE rooms SET topic = ?2 WHERE name = ?1")?
            .execute(params![room, topic])
            .map(drop)?)
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        Ok(self
            .connection
            .prepare_cached("SELECT room, last_read FROM members WHERE user_id = ?1 ORDER BY room")?
            .query_map([user], |row| {
                Ok(Membership {
                    room: row.get(0)?,
                    last_read: row.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn membership(&self, room: &str, user: UserId) -> StoreResult<Option<Membership>> {
        Ok(self
            .connection
            .prepare_cached("SELECT room, last_read FROM members WHERE room = ?1 AND user_id = ?2")?
            .query_row(params![room, user], |row| {
                Ok(Membership {
                    room: row.get(0)?,
                    last_read: row.get(1)?,
                })
            })
            .optional()?)
    }

    fn add_member(&self, room: &str, user: UserId) -> StoreResult<()> {
        Ok(self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO members (room, user_id, last_read)
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1))",
            )?
            .execute(params![room, user])
            .map(drop)?)
    }

    fn remove_member(&self, room: &str, user: UserId) -> StoreResult<()> {
        Ok(self
            .connection
            .prepare_cached("DELETE FROM members WHERE room = ?1 AND user_id = ?2")?
            .execute(params![room, user])
            .map(drop)?)
    }
}
