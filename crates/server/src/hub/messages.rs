//! Messages: posting with group commit and dedup, edits and deletions by their author, read
//! markers, typing notices and search.

use std::time::Duration;

use super::{ConnId, Hub, Refusal, fitting, refuse};
use crate::store::cluster::Happened;
use crate::store::{Authored, ReadMark, StoreResult, UserId};
use chinwag_protocol::{self as protocol, ChatMessage, ErrorCode, MAX_SEARCH_RESULTS, ServerFrame};

/// A connection's typing notices for one room are forwarded at most this often.
const TYPING_INTERVAL: Duration = Duration::from_secs(1);

/// A message that has its sequence number and waits for the batch to commit.
pub(super) struct PendingPost {
    sender: ConnId,
    pub(super) authored: Authored,
}

impl Hub {
    /// A new message: checked, numbered and queued for the batch's commit (or, if it is a
    /// retry of one we have, answered with the original ack).
    pub(super) fn post(
        &mut self,
        conn: ConnId,
        id: String,
        room: String,
        text: String,
        reply_to: Option<u64>,
        attachment: Option<String>,
    ) -> Result<(), Refusal> {
        let who = self
            .member_of(conn, &room)
            .map_err(|refusal| about_message(refusal, &id))?;
        match protocol::validate_message(&id, &text) {
            // A message with an attachment may have no text.
            Err(error) if error.code == ErrorCode::EmptyMessage && attachment.is_some() => {}
            checked => checked.map_err(|error| error.about_message(&id))?,
        }
        let reply_to = self
            .quote_for_reply(&room, reply_to)
            .map_err(|refusal| about_message(refusal, &id))?;
        if self.is_pending(&room, who.user, &id) {
            // A retry of a message of this batch: its number is final only once committed (a
            // shared store numbers the batch again), and then the store answers below.
            self.flush();
        }
        if let Some(ack) = self.already_posted(&room, who.user, &id)? {
            // A retry of a message we have: answer with the original, broadcast nothing (even
            // if its attachment is gone since).
            self.reply(conn, &ack);
            return Ok(());
        }
        let attachment = self
            .attachment_to_send(who.user, attachment)
            .map_err(|refusal| about_message(refusal, &id))?;
        let Some(state) = self.rooms.get_mut(&room) else {
            return Ok(());
        };
        // Final with one node; a shared store numbers the batch again as it commits it.
        state.pending += 1;
        let seq = state.last_seq + state.pending;
        let message = ChatMessage {
            attachment,
            room,
            seq,
            id,
            from: who.name,
            time: self.now.unix_ms,
            text,
            edited: None,
            deleted: false,
            reply_to,
            reactions: Vec::new(),
        };
        self.pending.push(PendingPost {
            sender: conn,
            authored: Authored {
                sender_id: who.user,
                message,
            },
        });
        Ok(())
    }

    /// Whether the batch holds a message of `sender` under this client id.
    fn is_pending(&self, room: &str, sender: UserId, id: &str) -> bool {
        self.pending.iter().any(|pending| {
            let message = &pending.authored.message;
            message.room == room && pending.authored.sender_id == sender && message.id == id
        })
    }

    /// The ack for a message already stored under this client id, if any.
    fn already_posted(
        &self,
        room: &str,
        sender: UserId,
        id: &str,
    ) -> StoreResult<Option<ServerFrame>> {
        Ok(self
            .store
            .find(room, sender, id)?
            .map(|stored| ServerFrame::Ack {
                id: id.to_owned(),
                room: room.to_owned(),
                seq: stored.seq,
                time: stored.time,
            }))
    }

    /// Welcomes the batch's hellos once their identities are committed (see
    /// [`Hub::welcome_hellos`]); then stores what the batch queued and acks and broadcasts it
    /// ([`Hub::commit`]), and tells the other nodes what happened here ([`Hub::publish`]). What
    /// it sends goes into the connections' bags, posted at the end of the batch (see
    /// [`Hub::end_batch`]).
    pub fn flush(&mut self) {
        self.welcome_hellos();
        self.commit();
        self.publish();
    }

    /// Stores what the batch queued in one transaction (new messages, and read markers: the
    /// ones sent, and every poster's, who has read up to their own message), then acks and
    /// broadcasts the messages.
    fn commit(&mut self) {
        if self.pending.is_empty() && self.read_marks.is_empty() {
            return;
        }
        let posts = std::mem::take(&mut self.pending);
        for post in &posts {
            let message = &post.authored.message;
            let marker = self
                .read_marks
                .entry((message.room.clone(), post.authored.sender_id))
                .or_default();
            *marker = (*marker).max(message.seq);
        }
        let read_marks: Vec<ReadMark> = self
            .read_marks
            .drain()
            .map(|((room, user), seq)| ReadMark { room, user, seq })
            .collect();
        let (senders, mut authored): (Vec<ConnId>, Vec<Authored>) = posts
            .into_iter()
            .map(|post| (post.sender, post.authored))
            .unzip();
        let stored = self.metrics.time_batch(authored.len(), || {
            self.store.write_batch(&mut authored, &read_marks)
        });
        for authored in &authored {
            if let Some(room) = self.rooms.get_mut(&authored.message.room) {
                room.pending = 0;
            }
        }
        if let Err(err) = stored {
            tracing::error!(%err, count = authored.len(), "storing a batch failed");
            // Nothing of the batch is stored (its numbers are free again): senders retry.
            for sender in senders {
                self.fail(sender);
            }
            return;
        }
        for (sender, authored) in senders.into_iter().zip(authored) {
            let message = authored.message;
            // Another node's messages numbered before this one go out first.
            if let Err(err) = self.catch_up(&message.room, message.seq - 1) {
                self.lost_track(&message.room, &err);
                continue;
            }
            if let Some(room) = self.rooms.get_mut(&message.room) {
                room.last_seq = room.last_seq.max(message.seq);
            }
            self.reply(
                sender,
                &ServerFrame::Ack {
                    id: message.id.clone(),
                    room: message.room.clone(),
                    seq: message.seq,
                    time: message.time,
                },
            );
            let room = message.room.clone();
            self.broadcast(&room, &ServerFrame::Message(message));
        }
        self.announce_seen();
    }

    /// Replaces the text of one of the sender's own messages.
    pub(super) fn edit(
        &mut self,
        conn: ConnId,
        room: String,
        seq: u64,
        text: String,
    ) -> Result<(), Refusal> {
        protocol::validate_text(&text)?;
        self.own_message(conn, &room, seq)?;
        let edited = self.now.unix_ms;
        self.store.edit(&room, seq, &text, edited)?;
        self.tell(Happened::Changed {
            room: room.clone(),
            seq,
        });
        self.broadcast(
            &room,
            &ServerFrame::Edited {
                room: room.clone(),
                seq,
                text,
                edited,
            },
        );
        Ok(())
    }

    /// Deletes one of the sender's own messages.
    pub(super) fn delete(&mut self, conn: ConnId, room: String, seq: u64) -> Result<(), Refusal> {
        self.own_message(conn, &room, seq)?;
        self.store.delete(&room, seq)?;
        // Its attachment, if it had one, may now be carried by no message.
        self.sweeper.notify_one();
        self.tell(Happened::Changed {
            room: room.clone(),
            seq,
        });
        self.broadcast(
            &room,
            &ServerFrame::Deleted {
                room: room.clone(),
                seq,
            },
        );
        Ok(())
    }

    /// Checks that message `seq` of `room` exists, is not deleted and was written by `conn`.
    fn own_message(&self, conn: ConnId, room: &str, seq: u64) -> Result<(), Refusal> {
        let who = self.member_of(conn, room)?;
        let stored = self.store.message(room, seq)?.ok_or_else(|| {
            refuse(
                ErrorCode::UnknownMessage,
                format!("{room} has no message {seq}"),
            )
        })?;
        if stored.sender_id != Some(who.user) {
            return Err(refuse(
                ErrorCode::NotYours,
                "only its sender can change a message",
            ));
        }
        if stored.message.deleted {
            return Err(refuse(
                ErrorCode::MessageDeleted,
                "that message was deleted",
            ));
        }
        Ok(())
    }

    /// Moves the reader's marker in a room forward. Markers are written with the batch (see
    /// [`Hub::flush`]), not one write each.
    pub(super) fn read(&mut self, conn: ConnId, room: String, seq: u64) -> Result<(), Refusal> {
        let who = self.member_of(conn, &room)?;
        let newest = self
            .rooms
            .get(&room)
            .map_or(0, |state| state.last_seq + state.pending);
        let seq = seq.min(newest);
        self.receipts.note(&room, &who, seq);
        let marker = self.read_marks.entry((room, who.user)).or_default();
        *marker = (*marker).max(seq);
        Ok(())
    }

    /// Forwards a typing notice to the room's other members, at most once a second.
    pub(super) fn typing(&mut self, conn: ConnId, room: String) -> Result<(), Refusal> {
        let who = self.member_of(conn, &room)?;
        let now = self.now.instant;
        let Some(peer) = self.peers.get_mut(&conn) else {
            return Ok(());
        };
        if peer
            .typing_sent
            .get(&room)
            .is_some_and(|last| now.duration_since(*last) < TYPING_INTERVAL)
        {
            return Ok(());
        }
        peer.typing_sent.insert(room.clone(), now);
        let notice = ServerFrame::Typing {
            room: room.clone(),
            name: who.name.clone(),
        };
        self.broadcast_except(&room, &notice, Some(conn));
        self.tell(Happened::Typing {
            room,
            name: who.name,
        });
        Ok(())
    }

    /// Searches a room's stored messages.
    pub(super) fn search(
        &mut self,
        conn: ConnId,
        room: String,
        query: String,
    ) -> Result<(), Refusal> {
        self.member_of(conn, &room)?;
        protocol::validate_query(&query)?;
        let messages = self.store.search(&room, query.trim(), MAX_SEARCH_RESULTS)?;
        self.reply(conn, &fitting::search_results(room, query, messages));
        Ok(())
    }
}

/// Ties a refusal's error frame to the client message id it is about.
pub(super) fn about_message(refusal: Refusal, id: &str) -> Refusal {
    match refusal {
        Refusal::Rejected(rejection) => Refusal::Rejected(rejection.about_message(id)),
        other => other,
    }
}
