//! Read receipts: "seen by" from the read markers the hub already keeps. A member who does not
//! share theirs is left out of what others receive and receives nobody's.
//!
//! Markers moved by `read` frames are announced after the batch that stores them, one
//! [`ServerFrame::Seen`] a room for the batch. A poster's marker moving to their own message
//! is not announced (clients know who wrote what).

use std::collections::{BTreeMap, HashSet};

use super::{ConnId, Hub, Outgoing, Refusal, Who, encode};
use crate::store::cluster::Happened;
use crate::store::{StoreResult, UserId};
use chinwag_protocol::{MAX_SEEN, SeenMark, ServerFrame};

/// What the hub keeps in memory about read receipts.
#[derive(Default)]
pub(super) struct Receipts {
    /// The identities that do not share theirs, once read from the store.
    private: Option<HashSet<UserId>>,
    /// Markers moved by `read` frames since they were last announced: by room, then identity
    /// (with its name).
    moved: BTreeMap<String, BTreeMap<UserId, (String, u64)>>,
}

impl Receipts {
    /// Notes that `who` has read `room` up to `seq`, to announce after the batch.
    pub(super) fn note(&mut self, room: &str, who: &Who, seq: u64) {
        let marks = self.moved.entry(room.to_owned()).or_default();
        let mark = marks
            .entry(who.user)
            .or_insert_with(|| (who.name.clone(), 0));
        mark.1 = mark.1.max(seq);
    }
}

impl Hub {
    /// The identities that do not share their receipts (read from the store the first time).
    fn private_receipts(&mut self) -> StoreResult<&mut HashSet<UserId>> {
        if self.receipts.private.is_none() {
            self.receipts.private = Some(self.store.private_receipts()?.into_iter().collect());
        }
        Ok(self.receipts.private.get_or_insert_default())
    }

    /// Whether `user` shares their receipts.
    fn shares(&mut self, user: UserId) -> StoreResult<bool> {
        Ok(!self.private_receipts()?.contains(&user))
    }

    /// The receipts a room state of `room` carries for `user`: none if `user` does not share.
    pub(super) fn seen_for(&mut self, room: &str, user: UserId) -> StoreResult<Vec<SeenMark>> {
        if self.shares(user)? {
            self.store.seen(room, MAX_SEEN)
        } else {
            Ok(Vec::new())
        }
    }

    /// Right after a welcome: tells the connection if its identity does not share receipts
    /// (sharing is what a client assumes on each welcome).
    pub(super) fn after_welcome(&mut self, conn: ConnId) -> Result<(), Refusal> {
        let Ok(who) = self.who(conn) else {
            return Ok(());
        };
        if !self.shares(who.user)? {
            self.reply(conn, &ServerFrame::ReceiptSharing { share: false });
        }
        Ok(())
    }

    /// Starts or stops sharing `conn`'s receipts: answers with the setting and each of its
    /// rooms' receipts afresh (none when it stopped), and tells the others who share where it
    /// has read (or, when it stopped, takes it off).
    pub(super) fn share_receipts(&mut self, conn: ConnId, share: bool) -> Result<(), Refusal> {
        let who = self.who(conn)?;
        self.store.set_share_receipts(who.user, share)?;
        let private = self.private_receipts()?;
        if share {
            private.remove(&who.user);
        } else {
            private.insert(who.user);
        }
        self.reply(conn, &ServerFrame::ReceiptSharing { share });
        self.tell(Happened::Sharing {
            user: who.user,
            share,
        });
        let rooms: Vec<String> = self
            .peers
            .get(&conn)
            .and_then(|peer| peer.session.as_ref())
            .map(|session| session.rooms.iter().cloned().collect())
            .unwrap_or_default();
        for room in rooms {
            let marks = self.seen_for(&room, who.user)?;
            let own = if share {
                self.store
                    .membership(&room, who.user)?
                    .map_or(0, |membership| membership.last_read)
            } else {
                0
            };
            self.reply(
                conn,
                &ServerFrame::Seen {
                    room: room.clone(),
                    marks,
                    reset: true,
                },
            );
            let others: Vec<ConnId> = self
                .sharers_online(&room)?
                .into_iter()
                .filter(|&other| other != conn)
                .collect();
            let mark = SeenMark {
                name: who.name.clone(),
                seq: own,
            };
            self.tell_seen(&room, std::slice::from_ref(&mark));
            self.send_to(&others, &seen(room, vec![mark]));
        }
        Ok(())
    }

    /// Announces the markers `read` frames moved (called once their batch is stored): to each
    /// room's members online who share, about those who share.
    pub(super) fn announce_seen(&mut self) {
        for (room, moved) in std::mem::take(&mut self.receipts.moved) {
            let announced = self.marks_shared(moved).and_then(|marks| {
                let recipients = self.sharers_online(&room)?;
                Ok((marks, recipients))
            });
            match announced {
                Ok((marks, recipients)) if !marks.is_empty() => {
                    self.tell_seen(&room, &marks);
                    self.send_to(&recipients, &seen(room, marks));
                }
                Ok(_) => {}
                Err(err) => tracing::error!(%err, "reading who shares read receipts failed"),
            }
        }
    }

    /// Read receipts moved in `room` on another node: told to the members here who share.
    pub(super) fn seen_elsewhere(&mut self, room: String, marks: Vec<SeenMark>) -> StoreResult<()> {
        let recipients = self.sharers_online(&room)?;
        self.send_to(&recipients, &seen(room, marks));
        Ok(())
    }

    /// Identity `user` started or stopped sharing on another node: the cache of who does not
    /// share follows (if it was read yet).
    pub(super) fn sharing_elsewhere(&mut self, user: UserId, share: bool) {
        if let Some(private) = self.receipts.private.as_mut() {
            if share {
                private.remove(&user);
            } else {
                private.insert(user);
            }
        }
    }

    /// Of `moved`, the marks of those who share.
    fn marks_shared(
        &mut self,
        moved: BTreeMap<UserId, (String, u64)>,
    ) -> StoreResult<Vec<SeenMark>> {
        let private = self.private_receipts()?;
        Ok(moved
            .into_iter()
            .filter(|(user, _)| !private.contains(user))
            .map(|(_, (name, seq))| SeenMark { name, seq })
            .collect())
    }

    /// The connections online in `room` whose identities share their receipts.
    fn sharers_online(&mut self, room: &str) -> StoreResult<Vec<ConnId>> {
        let conns: Vec<ConnId> = self
            .rooms
            .get(room)
            .map(|state| state.online.values().copied().collect())
            .unwrap_or_default();
        let users: Vec<(ConnId, UserId)> = conns
            .into_iter()
            .filter_map(|conn| {
                let session = self.peers.get(&conn)?.session.as_ref()?;
                Some((conn, session.user))
            })
            .collect();
        let private = self.private_receipts()?;
        Ok(users
            .into_iter()
            .filter(|(_, user)| !private.contains(user))
            .map(|(conn, _)| conn)
            .collect())
    }

    /// Sends `frame` (encoded once) to `conns`; kicks those whose queue is full.
    fn send_to(&mut self, conns: &[ConnId], frame: &ServerFrame) {
        let encoded = encode(frame);
        let too_slow: Vec<ConnId> = conns
            .iter()
            .copied()
            .filter(|&conn| !self.deliver(conn, Outgoing::Frame(encoded.clone())))
            .collect();
        for conn in too_slow {
            self.kick(conn);
        }
    }
}

/// A `seen` frame that moves `marks` of `room`.
fn seen(room: String, marks: Vec<SeenMark>) -> ServerFrame {
    ServerFrame::Seen {
        room,
        marks,
        reset: false,
    }
}
