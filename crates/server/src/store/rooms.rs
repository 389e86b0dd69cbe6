//! Rooms (public or direct), their topics, and who is a member with what read marker.

use super::{StoreResult, UserId};
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

/// The kind stored for a room (`rooms.kind`).
pub(super) fn kind_from_text(kind: &str) -> RoomKind {
    if kind == "direct" {
        RoomKind::Direct
    } else {
        RoomKind::Public
    }
}

/// Rooms and memberships as a store keeps them.
pub trait RoomStore {
    /// The room called `name`, if it exists.
    fn room(&self, name: &str) -> StoreResult<Option<RoomRow>>;

    /// The name of the public room whose look-alike key (see [`crate::names`]) is `key`.
    fn room_like(&self, key: &str) -> StoreResult<Option<String>>;

    /// Creates a public room with its look-alike key, which no other room may hold (see
    /// [`RoomStore::room_like`]); nothing happens if the room exists.
    fn create_public_room(&self, name: &Name) -> StoreResult<()>;

    /// Creates a direct room, named by the server (nothing happens if it exists).
    fn create_direct_room(&self, name: &str) -> StoreResult<()>;

    /// Up to `limit` public rooms with their topics and member counts, most members first.
    fn public_rooms(&self, limit: usize) -> StoreResult<Vec<RoomListing>>;

    /// Sets a room's topic.
    fn set_topic(&self, room: &str, topic: &str) -> StoreResult<()>;

    /// Every room `user` is a member of, by name.
    fn memberships(&self, user: UserId) -> StoreResult<Vec<Membership>>;

    /// `user`'s membership of `room`, if it is a member.
    fn membership(&self, room: &str, user: UserId) -> StoreResult<Option<Membership>>;

    /// Makes `user` a member of `room` (nothing happens if it is one). A new member has read
    /// what was said before it joined.
    fn add_member(&self, room: &str, user: UserId) -> StoreResult<()>;

    /// Ends `user`'s membership of `room`.
    fn remove_member(&self, room: &str, user: UserId) -> StoreResult<()>;
}
