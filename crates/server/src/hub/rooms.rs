//! Rooms: joining, leaving, direct messages, topics, and the room state a member receives.

use std::collections::BTreeMap;

use super::fitting::{self, FittedRoom, Keep};
use super::{ConnId, Hub, Refusal, Room, refuse};
use crate::names;
use crate::store::cluster::Happened;
use crate::store::{Membership, StoreError, StoreResult, UserId};
use chinwag_protocol::{
    self as protocol, DIRECT_ROOM_PREFIX, ErrorCode, HISTORY_ON_JOIN, MAX_REPLAY, MAX_ROOM_LIST,
    Rejection, RoomKind, RoomState, ServerFrame, wait_in_words,
};

/// The room key of the direct conversation between two identities (the same either way round).
fn direct_room(a: UserId, b: UserId) -> String {
    format!("{DIRECT_ROOM_PREFIX}{}:{}", a.min(b), a.max(b))
}

/// The two identities of a direct room key.
fn direct_members(room: &str) -> Option<(UserId, UserId)> {
    let (a, b) = room.strip_prefix(DIRECT_ROOM_PREFIX)?.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Whether `user` may read `room` of kind `kind`: anyone a public room, only its two a direct one.
pub(super) fn may_read(room: &str, kind: RoomKind, user: UserId) -> bool {
    match kind {
        RoomKind::Public => true,
        RoomKind::Direct => direct_members(room).is_some_and(|(a, b)| user == a || user == b),
    }
}

impl Hub {
    /// Joins (or creates) a public room.
    pub(super) fn join(
        &mut self,
        conn: ConnId,
        room: String,
        create: bool,
        last_seq: Option<u64>,
    ) -> Result<(), Refusal> {
        let who = self.who(conn)?;
        let name = names::room_name(&room)
            .map_err(|problem| refuse(ErrorCode::InvalidRoom, format!("room name {problem}")))?;
        let room = name.text.clone();
        if self.store.room(&room)?.is_none() {
            if let Some(existing) = self.store.room_like(&name.key)? {
                return Err(refuse(
                    ErrorCode::InvalidRoom,
                    format!("{room} looks too much like the room {existing}; join that one"),
                ));
            }
            if !create {
                return Err(refuse(
                    ErrorCode::UnknownRoom,
                    format!("there is no room called {room}"),
                ));
            }
            self.may_create_room(who.user)?;
            self.store.create_public_room(&name)?;
        }
        self.store.add_member(&room, who.user)?;
        self.enter(conn, &room, who.user, last_seq, true)
    }

    /// Leaves a room for good (until joined again).
    pub(super) fn leave(&mut self, conn: ConnId, room: String) -> Result<(), Refusal> {
        let who = self.member_of(conn, &room)?;
        if self.rooms.get(&room).map(|state| state.kind) == Some(RoomKind::Direct) {
            // Both stay members, so the conversation (and who may read it) never changes.
            return Err(refuse(
                ErrorCode::Forbidden,
                "a direct conversation cannot be left",
            ));
        }
        self.store.remove_member(&room, who.user)?;
        if let Some(session) = self.session_mut(conn) {
            session.rooms.remove(&room);
        }
        if let Some(state) = self.rooms.get_mut(&room) {
            state.online.remove(&who.name);
        }
        self.note_presence(&room, &who.name, false);
        self.tell(Happened::Left {
            room: room.clone(),
            name: who.name.clone(),
        });
        self.reply(conn, &ServerFrame::Parted { room: room.clone() });
        self.presence.went(&room, &who.name);
        Ok(())
    }

    /// Opens the direct conversation with `peer`: both become members; each side online gets
    /// the room.
    pub(super) fn open_dm(&mut self, conn: ConnId, peer: String) -> Result<(), Refusal> {
        let who = self.who(conn)?;
        let unknown = || {
            refuse(
                ErrorCode::UnknownUser,
                format!("there is no other user called {peer}"),
            )
        };
        let name = names::user_name(&peer).map_err(|_| unknown())?;
        let peer = self
            .store
            .user_named(&name)?
            .filter(|user| user.id != who.user)
            .ok_or_else(unknown)?;
        let room = direct_room(who.user, peer.id);
        if self.store.room(&room)?.is_none() {
            self.may_create_room(who.user)?;
        }
        self.store.create_direct_room(&room)?;
        self.store.add_member(&room, who.user)?;
        self.store.add_member(&room, peer.id)?;
        match self.online.get(&peer.id) {
            Some(&peer_conn) if !self.is_subscribed(peer_conn, &room) => {
                self.enter(peer_conn, &room, peer.id, None, false)?;
            }
            Some(_) => {}
            // Perhaps online on another node.
            None => self.tell(Happened::Opened {
                room: room.clone(),
                user: peer.id,
            }),
        }
        self.enter(conn, &room, who.user, None, true)
    }

    /// Direct room `room` was opened with `user` on another node: its connection here, if it
    /// has one, gets the room.
    pub(super) fn opened_elsewhere(&mut self, room: &str, user: UserId) -> StoreResult<()> {
        let Some(&conn) = self.online.get(&user) else {
            return Ok(());
        };
        if self.is_subscribed(conn, room) {
            return Ok(());
        }
        match self.enter(conn, room, user, None, false) {
            Err(Refusal::Database(err)) => Err(err),
            // A member of the room can always enter it.
            Ok(()) | Err(Refusal::Rejected(_)) => Ok(()),
        }
    }

    /// Counts a room `user` is about to create against its limit.
    fn may_create_room(&mut self, user: UserId) -> Result<(), Refusal> {
        self.limits
            .rooms
            .take(user, self.now.instant)
            .map_err(|wait| {
                Refusal::Rejected(Rejection::rate_limited(
                    format!(
                        "you have created too many rooms; try again in {}",
                        wait_in_words(wait)
                    ),
                    wait,
                ))
            })
    }

    /// Puts `conn` (identity `user`, a member of `room`) online in the room and sends it the
    /// room's state (and the rest of its replay).
    fn enter(
        &mut self,
        conn: ConnId,
        room: &str,
        user: UserId,
        last_seq: Option<u64>,
        announce: bool,
    ) -> Result<(), Refusal> {
        let membership = self
            .store
            .membership(room, user)?
            .ok_or(StoreError::Missing("a membership"))?;
        let room = self.subscribe(conn, &membership, last_seq, MAX_REPLAY, announce)?;
        self.reply_all(conn, &fitting::room_frames(room));
        Ok(())
    }

    /// Answers with the public rooms there are.
    pub(super) fn list_rooms(&mut self, conn: ConnId) -> Result<(), Refusal> {
        self.who(conn)?;
        let rooms = self.store.public_rooms(MAX_ROOM_LIST)?;
        self.reply(conn, &fitting::room_list(rooms));
        Ok(())
    }

    /// Sets a public room's topic.
    pub(super) fn set_topic(
        &mut self,
        conn: ConnId,
        room: String,
        topic: String,
    ) -> Result<(), Refusal> {
        let who = self.member_of(conn, &room)?;
        protocol::validate_topic(&topic)?;
        if self.rooms.get(&room).map(|state| state.kind) != Some(RoomKind::Public) {
            return Err(refuse(
                ErrorCode::Forbidden,
                "direct conversations have no topic",
            ));
        }
        self.store.set_topic(&room, &topic)?;
        self.tell(Happened::Topic {
            room: room.clone(),
            by: who.name.clone(),
        });
        self.broadcast(
            &room,
            &ServerFrame::Topic {
                room: room.clone(),
                topic,
                by: who.name,
            },
        );
        Ok(())
    }

    fn is_subscribed(&self, conn: ConnId, room: &str) -> bool {
        self.peers
            .get(&conn)
            .and_then(|peer| peer.session.as_ref())
            .is_some_and(|session| session.rooms.contains(room))
    }

    /// Puts `conn` online in a room it is a member of and returns the room's state for it:
    /// history after `last_seq` (or the recent history; at most the newest `most_replayed` it
    /// missed), who is online, unread counts; trimmed to fit in a frame, with the rest of a
    /// replay to follow. With `announce`, the others online hear (at the next presence
    /// tick) that it came.
    pub(super) fn subscribe(
        &mut self,
        conn: ConnId,
        membership: &Membership,
        last_seq: Option<u64>,
        most_replayed: usize,
        announce: bool,
    ) -> Result<FittedRoom, Refusal> {
        let room = membership.room.clone();
        let who = self.who(conn)?;
        // What its room state will hold reaches the others first (see `pacing`).
        self.release_held(&room);
        let row = self
            .store
            .room(&room)?
            .ok_or(StoreError::Missing("a room"))?;
        self.load_room(&room, row.kind)?;
        if self.store.shared() {
            // What other nodes committed reaches those here before the newcomer's history
            // (which stops there; what follows it comes by broadcast).
            let head = self.store.last_seq(&room)?;
            self.catch_up(&room, head)?;
        }
        let already = self.is_subscribed(conn, &room);
        if announce && !already {
            self.presence.came(&room, &who.name);
        }
        if !already {
            // Other nodes count it here even when it only moved from one of them.
            self.tell(Happened::Joined {
                room: room.clone(),
                name: who.name.clone(),
            });
        }
        if let Some(state) = self.rooms.get_mut(&room) {
            state.online.insert(who.name.clone(), conn);
        }
        self.note_presence(&room, &who.name, true);
        if let Some(session) = self.session_mut(conn) {
            session.rooms.insert(room.clone());
        }
        let (history, skipped, keep) = self.history_for(&room, last_seq, most_replayed)?;
        let (unread, mentions) =
            self.store
                .unread(&room, membership.last_read, who.user, &who.name)?;
        let peer = match direct_members(&room) {
            Some((a, b)) if row.kind == RoomKind::Direct => {
                let other = if a == who.user { b } else { a };
                self.store.user_by_id(other)?.map(|user| user.name)
            }
            _ => None,
        };
        let (users, _) = self.online_page(&room, None);
        let online = self.rooms.get(&room).map_or(0, |state| state.count()) as u64;
        let seen = self.seen_for(&room, who.user)?;
        let state = RoomState {
            room,
            kind: row.kind,
            topic: row.topic,
            peer,
            users,
            online,
            history,
            skipped,
            last_read: membership.last_read,
            unread,
            mentions,
            seen,
        };
        Ok(fitting::fit_room_state(state, keep))
    }

    /// The history a subscriber receives: the recent messages, or after `last_seq` those it
    /// missed (the newest `most` of them, with how many were left out); and which of them to
    /// keep if they do not all fit in a frame.
    fn history_for(
        &mut self,
        room: &str,
        last_seq: Option<u64>,
        most: usize,
    ) -> StoreResult<(Vec<protocol::ChatMessage>, u64, Keep)> {
        let newest = self.rooms.get(room).map_or(0, |room| room.last_seq);
        // Another node may have committed more since: that comes by broadcast.
        let upto = |mut messages: Vec<protocol::ChatMessage>| {
            messages.retain(|message| message.seq <= newest);
            messages
        };
        let recent = |hub: &Self| {
            Ok((
                hub.store.before(room, newest + 1, HISTORY_ON_JOIN)?,
                0,
                Keep::Newest,
            ))
        };
        let Some(last_seq) = last_seq else {
            return recent(self);
        };
        if last_seq > newest {
            // A cursor from another history (the database was replaced): start over.
            return recent(self);
        }
        let missed = newest - last_seq;
        if missed > most as u64 {
            Ok((
                self.store.before(room, newest + 1, most)?,
                missed - most as u64,
                Keep::Oldest,
            ))
        } else {
            Ok((
                upto(self.store.after(room, last_seq, most)?),
                0,
                Keep::Oldest,
            ))
        }
    }

    /// Loads a room's sequence number (and who is online in it on other nodes) into memory the
    /// first time it is used.
    pub(super) fn load_room(&mut self, room: &str, kind: RoomKind) -> StoreResult<()> {
        if !self.rooms.contains_key(room) {
            let last_seq = self.store.last_seq(room)?;
            let remote = self
                .store
                .online_elsewhere(&[room.to_owned()])?
                .into_iter()
                .map(|(_, name)| name)
                .collect();
            self.rooms.insert(
                room.to_owned(),
                Room {
                    online: BTreeMap::new(),
                    last_seq,
                    remote,
                    pending: 0,
                    kind,
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direct_room_key_is_the_same_both_ways_and_names_its_two_members() {
        assert_eq!(direct_room(7, 3), "@3:7");
        assert_eq!(direct_room(3, 7), "@3:7");
        assert_eq!(direct_members("@3:7"), Some((3, 7)));
        assert_eq!(direct_members("lobby"), None);
        assert_eq!(direct_members("@x:7"), None);
        assert!(may_read("@3:7", RoomKind::Direct, 3));
        assert!(!may_read("@3:7", RoomKind::Direct, 4));
        assert!(may_read("lobby", RoomKind::Public, 4));
    }
}
