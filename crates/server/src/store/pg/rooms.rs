//! Rooms and memberships in PostgreSQL.

use postgres::{Row, Statement, Transaction};

use super::{PgStore, from_db, limit, to_db};
use crate::names::Name;
use crate::store::rooms::kind_from_text;
use crate::store::{Membership, ReadMark, RoomRow, RoomStore, StoreResult, UserId};
use chinwag_protocol::RoomListing;

/// Moves a batch's read markers forward (never back) in one statement.
pub(super) const MOVE_READ_MARKS: &str =
    "UPDATE members SET last_read = GREATEST(last_read, marks.seq)
     FROM UNNEST($1::text[], $2::bigint[], $3::bigint[]) AS marks (room, user_id, seq)
     WHERE members.room = marks.room AND members.user_id = marks.user_id";

/// Moves `marks` forward within `transaction` with [`MOVE_READ_MARKS`] (prepared as `update`).
/// A member's marks in one room are merged first (one row may be updated once per statement).
pub(super) fn move_read_marks(
    transaction: &mut Transaction<'_>,
    update: &Statement,
    marks: &[ReadMark],
) -> Result<(), postgres::Error> {
    if marks.is_empty() {
        return Ok(());
    }
    let mut newest = std::collections::BTreeMap::new();
    for mark in marks {
        let seq = newest.entry((mark.room.as_str(), mark.user)).or_insert(0);
        *seq = (*seq).max(to_db(mark.seq));
    }
    let rooms: Vec<&str> = newest.keys().map(|(room, _)| *room).collect();
    let users: Vec<UserId> = newest.keys().map(|(_, user)| *user).collect();
    let seqs: Vec<i64> = newest.into_values().collect();
    transaction.execute(update, &[&rooms, &users, &seqs])?;
    Ok(())
}

fn membership_from_row(row: &Row) -> Membership {
    Membership {
        room: row.get(0),
        last_read: from_db(row.get(1)),
    }
}

impl RoomStore for PgStore {
    fn room(&self, name: &str) -> StoreResult<Option<RoomRow>> {
        let row = self.row(
            "SELECT name, kind, topic FROM rooms WHERE name = $1",
            &[&name],
        )?;
        Ok(row.map(|row| RoomRow {
            name: row.get(0),
            kind: kind_from_text(row.get(1)),
            topic: row.get(2),
        }))
    }

    fn room_like(&self, key: &str) -> StoreResult<Option<String>> {
        let row = self.row("SELECT name FROM rooms WHERE skeleton = $1", &[&key])?;
        Ok(row.map(|row| row.get(0)))
    }

    fn create_public_room(&self, name: &Name) -> StoreResult<()> {
        self.execute(
            "INSERT INTO rooms (name, kind, skeleton) VALUES ($1, 'public', $2)
             ON CONFLICT DO NOTHING",
            &[&name.text, &name.key],
        )
    }

    fn create_direct_room(&self, name: &str) -> StoreResult<()> {
        self.execute(
            "INSERT INTO rooms (name, kind) VALUES ($1, 'direct') ON CONFLICT DO NOTHING",
            &[&name],
        )
    }

    fn public_rooms(&self, count: usize) -> StoreResult<Vec<RoomListing>> {
        let rows = self.rows(
            "SELECT rooms.name, rooms.topic, COUNT(members.user_id) AS member_count
             FROM rooms LEFT JOIN members ON members.room = rooms.name
             WHERE rooms.kind = 'public'
             GROUP BY rooms.name ORDER BY member_count DESC, rooms.name COLLATE \"C\" LIMIT $1",
            &[&limit(count)],
        )?;
        Ok(rows
            .iter()
            .map(|row| RoomListing {
                room: row.get(0),
                topic: row.get(1),
                members: from_db(row.get(2)),
            })
            .collect())
    }

    fn set_topic(&self, room: &str, topic: &str) -> StoreResult<()> {
        self.execute(
            "UPDATE rooms SET topic = $2 WHERE name = $1",
            &[&room, &topic],
        )
    }

    fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>> {
        let rows = self.rows(
            "SELECT room, last_read FROM members WHERE user_id = $1 ORDER BY room COLLATE \"C\"",
            &[&user],
        )?;
        Ok(rows.iter().map(membership_from_row).collect())
    }

    fn membership(&self, room: &str, user: UserId) -> StoreResult<Option<Membership>> {
        let row = self.row(
            "SELECT room, last_read FROM members WHERE room = $1 AND user_id = $2",
            &[&room, &user],
        )?;
        Ok(row.as_ref().map(membership_from_row))
    }

    fn add_member(&self, room: &str, user: UserId) -> StoreResult<()> {
        self.execute(
            "INSERT INTO members (room, user_id, last_read)
             VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = $1))
             ON CONFLICT DO NOTHING",
            &[&room, &user],
        )
    }

    fn remove_member(&self, room: &str, user: UserId) -> StoreResult<()> {
        self.execute(
            "DELETE FROM members WHERE room = $1 AND user_id = $2",
            &[&room, &user],
        )
    }
}
