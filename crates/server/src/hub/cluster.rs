//! The hub as one node of several on one database (PostgreSQL; with SQLite none of this runs,
//! [`crate::store::ClusterStore::shared`] is false).
//!
//! Messages: every node delivers every committed message to its own members, in seq order.
//! A room in memory keeps the highest seq this node delivered (`Room::last_seq`); whatever is
//! committed past it — told by a notification, found by the catch-up each tick, or found under
//! this node's own batch when its numbers start further on — is read from the store and
//! broadcast on the same path as the node's own commits. So a lost notification costs latency,
//! never a message, and nothing is delivered twice.
//!
//! Presence and typing: what this node's connections do is recorded (`online` rows) and told
//! (notifications) at the end of each batch ([`Hub::publish`]); what the others tell is
//! broadcast to this node's members ([`Hub::heard`]). Everything else members do (renames,
//! reactions, pins, topics, receipts, direct rooms) is told the same way and broadcast by
//! `relayed.rs`; what could not be told while the database was away, `outage.rs` tells later.

use std::collections::HashSet;

use super::Hub;
use crate::store::UserId;
use crate::store::cluster::{Event, Happened, Presence};
use chinwag_protocol::ServerFrame;

/// Most messages read from the store at a time while catching up.
const CATCH_UP_PAGE: usize = 512;

/// This node's part: what it tells the others at the end of the batch, and which of its
/// identities online had their hello come back (so a later hello elsewhere is newer).
#[derive(Default)]
pub(super) struct Said {
    pub(super) presence: Vec<Presence>,
    pub(super) events: Vec<Happened>,
    confirmed: HashSet<UserId>,
    /// Some presence could not be told (or this node may have been declared dead): all of it
    /// is written afresh at the next chance ([`Hub::restate`]).
    pub(super) restate: bool,
}

impl Hub {
    /// Records that `name` is online (or not) in `room` on this node.
    pub(super) fn note_presence(&mut self, room: &str, name: &str, online: bool) {
        if self.store.shared() {
            self.said.presence.push(Presence {
                room: room.to_owned(),
                name: name.to_owned(),
                online,
            });
        }
    }

    /// Tells the other nodes `what` at the end of the batch.
    pub(super) fn tell(&mut self, what: Happened) {
        if self.store.shared() {
            self.said.events.push(what);
        }
    }

    /// Tells the other nodes that `user` said hello here: a connection of it on another node
    /// is replaced there, unless this hello turns out to be the older one.
    pub(super) fn tell_hello(&mut self, user: UserId) {
        self.said.confirmed.remove(&user);
        self.tell(Happened::Hello { user });
    }

    /// Records and tells what the batch noted (see [`Hub::note_presence`], [`Hub::tell`]). If
    /// the database cannot be reached, presence is restated once it can ([`Hub::restate`]) and
    /// the other events wait for it (but typing, stale by then).
    pub(super) fn publish(&mut self) {
        if self.said.restate && !self.restate() {
            self.said.presence.clear();
            self.keep_waiting();
            return;
        }
        if self.said.presence.is_empty() && self.said.events.is_empty() {
            return;
        }
        let presence = std::mem::take(&mut self.said.presence);
        let events = std::mem::take(&mut self.said.events);
        if let Err(err) = self.store.publish(&presence, &events) {
            tracing::error!(%err, "telling the other nodes failed; telling them again later");
            self.said.restate = true;
            self.said.events = events;
            self.keep_waiting();
        }
    }

    /// Acts on what another node said (or on a tick of the listener).
    pub(super) fn heard(&mut self, event: Event) {
        let ours = event.node == self.store.node();
        if ours
            && !matches!(
                event.what,
                Happened::Tick | Happened::Listening | Happened::Hello { .. }
            )
        {
            return;
        }
        let result = match event.what {
            Happened::Hello { user } if ours => {
                // Ours, back in commit order: a hello from elsewhere from now on is newer.
                self.said.confirmed.insert(user);
                Ok(())
            }
            Happened::Message { room, seq } => self.catch_up(&room, seq),
            Happened::Changed { room, seq } => self.changed(&room, seq),
            Happened::Typing { room, name } => {
                self.broadcast(
                    &room,
                    &ServerFrame::Typing {
                        room: room.clone(),
                        name,
                    },
                );
                Ok(())
            }
            Happened::Joined { room, name } => {
                self.remote_presence(&room, name, true);
                Ok(())
            }
            Happened::Left { room, name } => {
                self.remote_presence(&room, name, false);
                Ok(())
            }
            Happened::Hello { user } => {
                // Hellos arrive in commit order: one committed before ours (not yet back) is
                // older, and its connection is the one replaced, on its node.
                if self.said.confirmed.remove(&user)
                    && let Some(&old) = self.online.get(&user)
                {
                    self.replace(old);
                }
                Ok(())
            }
            Happened::Restated => self.reload_remote(),
            Happened::Tick => self.tick(),
            Happened::Listening => {
                // Maybe declared dead meanwhile: this node's presence is written afresh.
                self.said.restate = true;
                self.reload_remote().and_then(|()| self.tick())
            }
            what => self.relayed(what),
        };
        if let Err(err) = result {
            tracing::error!(%err, "catching up with the other nodes failed");
        }
    }

    /// `name` came online in `room` on another node (or went offline there): counted, and told
    /// to the members here with the batch's presence (unless it is online here too).
    fn remote_presence(&mut self, room: &str, name: String, online: bool) {
        let Some(state) = self.rooms.get_mut(room) else {
            return;
        };
        let here = state.online.contains_key(&name);
        let changed = if online {
            state.remote.insert(name.clone())
        } else {
            state.remote.remove(&name)
        };
        if changed && !here {
            if online {
                self.presence.came(room, &name);
            } else {
                self.presence.went(room, &name);
            }
        }
    }

    /// Catches up with every room in memory, and drops dead nodes' users.
    fn tick(&mut self) -> crate::store::StoreResult<()> {
        let rooms: Vec<String> = self.rooms.keys().cloned().collect();
        for (room, head) in self.store.heads(&rooms)? {
            self.catch_up(&room, head)?;
        }
        self.store.reap()
    }

    /// Delivers what is committed in `room` past this node's high-water mark, up to `head`.
    /// Nobody here online: only the mark moves.
    pub(super) fn catch_up(&mut self, room: &str, head: u64) -> crate::store::StoreResult<()> {
        let Some(state) = self.rooms.get_mut(room) else {
            return Ok(());
        };
        if head <= state.last_seq {
            return Ok(());
        }
        if state.online.is_empty() {
            state.last_seq = head;
            return Ok(());
        }
        let mut delivered = state.last_seq;
        while delivered < head {
            let page = self.store.after(room, delivered, CATCH_UP_PAGE)?;
            let Some(last) = page.last().map(|message| message.seq) else {
                break;
            };
            for message in page.into_iter().take_while(|message| message.seq <= head) {
                delivered = message.seq;
                self.broadcast(room, &ServerFrame::Message(message));
            }
            // What went out counts even if the next page fails.
            if let Some(state) = self.rooms.get_mut(room) {
                state.last_seq = state.last_seq.max(delivered);
            }
            if last > head {
                break;
            }
        }
        Ok(())
    }

    /// This node's own messages in `room` are committed, but what other nodes committed before
    /// them could not be read (`err`): sending them now would leave a gap in every member's
    /// view here. Instead the room's connections here are closed (a server error): they come
    /// back with their cursors and get everything in order, and their senders' retries find
    /// their acks.
    pub(super) fn lost_track(&mut self, room: &str, err: &crate::store::StoreError) {
        tracing::error!(%err, room, "reading other nodes' messages failed; the room's clients reconnect");
        let members: Vec<_> = self
            .rooms
            .get(room)
            .map(|state| state.online.values().copied().collect())
            .unwrap_or_default();
        for conn in members {
            self.fail(conn);
            self.remove(conn);
        }
    }

    /// Tells this node's members of `room` what became of message `seq` (edited or deleted
    /// on another node).
    fn changed(&mut self, room: &str, seq: u64) -> crate::store::StoreResult<()> {
        if self
            .rooms
            .get(room)
            .is_none_or(|state| state.online.is_empty())
        {
            return Ok(());
        }
        let Some(stored) = self.store.message(room, seq)? else {
            return Ok(());
        };
        let message = stored.message;
        let frame = if message.deleted {
            ServerFrame::Deleted {
                room: room.to_owned(),
                seq,
            }
        } else {
            ServerFrame::Edited {
                room: room.to_owned(),
                seq,
                text: message.text,
                edited: message.edited.unwrap_or_default(),
            }
        };
        self.broadcast(room, &frame);
        Ok(())
    }
}
