//! Rooms (public or direct), their topics, and who is a member with what read marker.

use rusqlite::{OptionalExtension, params};

use super::{Store, UserId};
use crate::names::Name;
use chinwag_protocol::{RoomKind, RoomListing};

/// A room as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRow {
    /// Its name (for direct rooms, the server's key).
    pub name: String,
    /// Public or direct.
    pub kind: RoomKind,
    /// The topic, empty when none.
    pub topic: String,
}

/// One room an identity is a member of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The room.
    pub room: String,
    /// The last sequence number the member has read.
    pub last_read: u64,
}

/// A member has read `room` up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadMark {
    /// The room.
    pub room: String,
    /// The member.
    pub user: UserId,
    /// The last sequence number read.
    pub seq: u64,
}

/// Moves read markers forward (never back) within `transaction` (see [`Store::write_batch`]).
pub(super) fn move_read_marks(
    transaction: &rusqlite::Transaction<'_>,
    marks: &[ReadMark],
) -> rusqlite::Result<()> {
    let mut update = transaction.prepare_cached(
        "UPDATE members SET last_read = MAX(last_read, ?3) WHERE room = ?1 AND user_id = ?2",
    )?;
    for ReadMark { room, user, seq } in marks {
        update.execute(params![room, user, seq])?;
    }
    Ok(())
}

impl Store {
    /// The room called `name`, if it exists.
    pub fn room(&self, name: &str) -> rusqlite::Result<Option<RoomRow>> {
        self.connection
            .prepare_cached("SELECT name, kind, topic FROM rooms WHERE name = ?1")?
            .query_row([name], |row| {
                let kind: String = row.get(1)?;
                Ok(RoomRow {
                    name: row.get(0)?,
                    kind: if kind == "direct" {
                        RoomKind::Direct
                    } else {
                        RoomKind::Public
                    },
                    topic: row.get(2)?,
                })
            })
            .optional()
    }

    /// The name of the public room whose look-alike key (see [`crate::names`]) is `key`.
    pub fn room_like(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.connection
            .prepare_cached("SELECT name FROM rooms WHERE skeleton = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()
    }

    /// Creates a public room with its look-alike key, which no other room may hold (see
    /// [`Store::room_like`]); nothing happens if the room exists.
    pub fn create_public_room(&self, name: &Name) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached(
                "INSERT OR IGNORE INTO rooms (name, kind, skeleton) VALUES (?1, 'public', ?2)",
            )?
            .execute(params![name.text, name.key])
            .map(drop)
    }

    /// Creates a direct room, named by the server (nothing happens if it exists).
    pub fn create_direct_room(&self, name: &str) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached("INSERT OR IGNORE INTO rooms (name, kind) VALUES (?1, 'direct')")?
            .execute([name])
            .map(drop)
    }

    /// Up to `limit` public rooms with their topics and member counts, most members first.
    pub fn public_rooms(&self, limit: usize) -> rusqlite::Result<Vec<RoomListing>> {
        self.connection
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
            .collect()
    }

    /// Sets a room's topic.
    pub fn set_topic(&self, room: &str, topic: &str) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached("UPDATE rooms SET topic = ?2 WHERE name = ?1")?
            .execute(params![room, topic])
            .map(drop)
    }

    /// Every room `user` is a member of, by name.
    pub fn memberships(&self, user: UserId) -> rusqlite::Result<Vec<Membership>> {
        self.connection
            .prepare_cached("SELECT room, last_read FROM members WHERE user_id = ?1 ORDER BY room")?
            .query_map([user], |row| {
                Ok(Membership {
                    room: row.get(0)?,
                    last_read: row.get(1)?,
                })
            })?
            .collect()
    }

    /// `user`'s membership of `room`, if it is a member.
    pub fn membership(&self, room: &str, user: UserId) -> rusqlite::Result<Option<Membership>> {
        self.connection
            .prepare_cached("SELECT room, last_read FROM members WHERE room = ?1 AND user_id = ?2")?
            .query_row(params![room, user], |row| {
                Ok(Membership {
                    room: row.get(0)?,
                    last_read: row.get(1)?,
                })
            })
            .optional()
    }

    /// Makes `user` a member of `room` (nothing happens if it is one). A new member has read
    /// what was said before it joined.
    pub fn add_member(&self, room: &str, user: UserId) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached(
                "INSERT OR IGNORE INTO members (room, user_id, last_read)
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1))",
            )?
            .execute(params![room, user])
            .map(drop)
    }

    /// Ends `user`'s membership of `room`.
    pub fn remove_member(&self, room: &str, user: UserId) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached("DELETE FROM members WHERE room = ?1 AND user_id = ?2")?
            .execute(params![room, user])
            .map(drop)
    }
}
