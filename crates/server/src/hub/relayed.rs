//! What other nodes tell beyond messages and presence (see [`super::cluster`]): renames,
//! reactions, pins, topics, read receipts and direct rooms opened, each broadcast to this node's
//! members as the frame a member on the same node would have had.
//!
//! A notification carries ids and small values only (PostgreSQL refuses a payload of 8,000
//! bytes or more): whatever the frame shows that is stored (reactions, a pinned message's quote,
//! a topic) is read from the store when the notification arrives.

use super::Hub;
use crate::store::StoreResult;
use crate::store::cluster::{Happened, SEEN_PER_EVENT};
use chinwag_protocol::{SeenMark, ServerFrame};

impl Hub {
    /// Tells the other nodes that read receipts moved in `room` (in events of at most
    /// [`SEEN_PER_EVENT`] marks).
    pub(super) fn tell_seen(&mut self, room: &str, marks: &[SeenMark]) {
        for marks in marks.chunks(SEEN_PER_EVENT) {
            self.tell(Happened::Seen {
                room: room.to_owned(),
                marks: marks.to_vec(),
            });
        }
    }

    /// Acts on what another node did beyond messages and presence.
    pub(super) fn relayed(&mut self, what: Happened) -> StoreResult<()> {
        match what {
            Happened::Renamed { user, from, to } => self.renamed_elsewhere(user, &from, &to),
            Happened::Reactions { room, seq } if self.has_members_here(&room) => {
                let reactions = self.store.reactions(&room, seq)?;
                let frame = ServerFrame::Reactions {
                    room: room.clone(),
                    seq,
                    reactions,
                };
                self.broadcast(&room, &frame);
                Ok(())
            }
            Happened::Pinned {
                room,
                seq,
                by,
                pinned,
                time,
            } if self.has_members_here(&room) => {
                let quote = self.pin_quote(&room, seq)?;
                let frame = ServerFrame::Pinned {
                    room: room.clone(),
                    quote,
                    by,
                    pinned,
                    time,
                };
                self.broadcast(&room, &frame);
                Ok(())
            }
            Happened::Topic { room, by } if self.has_members_here(&room) => {
                let Some(row) = self.store.room(&room)? else {
                    return Ok(());
                };
                let frame = ServerFrame::Topic {
                    room: room.clone(),
                    topic: row.topic,
                    by,
                };
                self.broadcast(&room, &frame);
                Ok(())
            }
            Happened::Seen { room, marks } => self.seen_elsewhere(room, marks),
            Happened::Sharing { user, share } => {
                self.sharing_elsewhere(user, share);
                Ok(())
            }
            Happened::Opened { room, user } => self.opened_elsewhere(&room, user),
            // The rest is `cluster.rs`'s, or about a room nobody here is in.
            _ => Ok(()),
        }
    }

    /// Whether someone is online in `room` on this node.
    fn has_members_here(&self, room: &str) -> bool {
        self.rooms
            .get(room)
            .is_some_and(|state| !state.online.is_empty())
    }

    /// Identity `user` was renamed on another node: each of its rooms here hears it, and its
    /// presence there moves to the new name.
    fn renamed_elsewhere(&mut self, user: i64, from: &str, to: &str) -> StoreResult<()> {
        self.presence.renamed(from, to);
        for membership in self.store.memberships(user)? {
            let room = membership.room;
            let Some(state) = self.rooms.get_mut(&room) else {
                continue;
            };
            if state.remote.remove(from) {
                state.remote.insert(to.to_owned());
            }
            let frame = ServerFrame::Renamed {
                room: room.clone(),
                from: from.to_owned(),
                to: to.to_owned(),
            };
            self.broadcast(&room, &frame);
        }
        Ok(())
    }
}
