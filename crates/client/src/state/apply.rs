//! Applying the server's frames to [`ChatState`]: [`ChatState::apply`] dispatches each frame to
//! the method that handles its kind.

use super::{
    ChatState, MAX_ARRIVALS, Opening, Phase, RoomView, RoomsToCome, SearchResults,
    TYPING_SHOWS_FOR, Upload,
};
use crate::notify::Arrival;
use chinwag_protocol::markup::mentions;
use chinwag_protocol::{
    ChatMessage, DEFAULT_ROOM, ErrorCode, Rejection, RoomKind, RoomState, ServerFrame,
};

impl ChatState {
    /// Applies one frame from the server.
    pub fn apply(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Welcome {
                name,
                rooms,
                more_rooms,
                epoch,
                ..
            } => {
                self.another_history(epoch);
                self.welcome(name, rooms, more_rooms);
            }
            ServerFrame::Room(state) => self.room_frame(state),
            ServerFrame::History { room, messages } => self.history(&room, messages),
            ServerFrame::Parted { room } => self.parted(&room),
            ServerFrame::Pong => {}
            ServerFrame::Message(message) => self.add_message(message),
            ServerFrame::Ack {
                id,
                room,
                seq,
                time,
            } => self.ack(id, room, seq, time),
            ServerFrame::Edited {
                room,
                seq,
                text,
                edited,
            } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.edited(seq, text, edited);
                }
            }
            ServerFrame::Deleted { room, seq } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.deleted(seq);
                }
            }
            ServerFrame::Presence {
                room,
                joined,
                left,
                online,
            } => self.presence(&room, joined, left, online),
            ServerFrame::Members {
                room,
                after,
                users,
                more,
                online,
            } => self.members_page(&room, after, users, more, online),
            ServerFrame::Typing { room, name } => {
                let until = self.now + TYPING_SHOWS_FOR;
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.typing_until(name, until);
                }
            }
            ServerFrame::Topic { room, topic, by } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.set_topic(by, topic);
                }
            }
            ServerFrame::Renamed { room, from, to } => self.renamed(&room, from, to),
            ServerFrame::RoomList { rooms } => self.directory = Some(rooms),
            ServerFrame::SearchResults {
                room,
                query,
                messages,
            } => {
                // An answer that comes after the user switched rooms belongs to no search.
                if self.current.as_deref() == Some(room.as_str()) {
                    self.search = Some(SearchResults {
                        room,
                        query,
                        messages,
                    });
                }
            }
            frame @ (ServerFrame::Reactions { .. }
            | ServerFrame::Pinned { .. }
            | ServerFrame::Pins { .. }
            | ServerFrame::Seen { .. }
            | ServerFrame::ReceiptSharing { .. }) => self.apply_annotation(frame),
            ServerFrame::Error {
                code,
                message,
                id,
                retry_after,
            } => self.error(Rejection {
                code,
                message,
                id,
                retry_after,
            }),
        }
    }

    /// Welcomed as `name` with the state of our `rooms` (`more_rooms` follow as room frames).
    fn welcome(&mut self, name: String, rooms: Vec<RoomState>, more_rooms: u64) {
        self.phase = Phase::Joined;
        self.name = name;
        // Unless the server says otherwise right after the welcome.
        self.share_receipts = true;
        self.last_error = None;
        let names = rooms.iter().map(|state| state.room.clone()).collect();
        for state in rooms {
            self.room_state(state);
        }
        self.rooms_to_come = Some(RoomsToCome {
            names,
            left: more_rooms,
        });
        self.settle_rooms();
        // Everything not yet acknowledged goes again (the server drops repeats by id),
        // unless the server has us wait: then it goes when the wait is over.
        if self.sending_paused_until.is_none() {
            self.resend_pending();
        }
        self.resume_uploads();
    }

    /// A welcome from a server whose database is not the one we talked to (another `epoch`):
    /// every timeline we hold is of another history, whose numbers mean nothing here — start
    /// over, as when a server's history ends before our cursor. (A server that names no epoch
    /// changes nothing.)
    fn another_history(&mut self, epoch: Option<String>) {
        let Some(epoch) = epoch else {
            return;
        };
        if self.epoch.as_ref().is_some_and(|known| *known != epoch) {
            for view in self.rooms.values_mut() {
                view.forget_history();
            }
        }
        self.epoch = Some(epoch);
    }

    /// A room's state: one of the welcome's rooms, or the answer to a join or direct message.
    fn room_frame(&mut self, state: RoomState) {
        if let Some(to_come) = &mut self.rooms_to_come {
            // One of the welcome's rooms, not the answer to a join: no switching to it.
            to_come.names.insert(state.room.clone());
            to_come.left = to_come.left.saturating_sub(1);
            self.room_state(state);
            self.settle_rooms();
            return;
        }
        let room = state.room.clone();
        let wanted = match &self.opening {
            Some(Opening::Room(name)) => *name == room,
            // Names are unique regardless of ASCII case: "Bob" opens bob's.
            Some(Opening::DirectWith(peer)) => state
                .peer
                .as_ref()
                .is_some_and(|name| name.eq_ignore_ascii_case(peer)),
            None => false,
        };
        self.room_state(state);
        if wanted {
            self.opening = None;
            self.switch_to(&room);
        }
    }

    /// Part of a replay of what we missed in `room`.
    fn history(&mut self, room: &str, messages: Vec<ChatMessage>) {
        if let Some(view) = self.rooms.get_mut(room) {
            for message in messages {
                view.add_message(message);
            }
        }
        if self.current.as_deref() == Some(room) {
            self.mark_read();
        }
    }

    /// We left `room` (here or on another device): forget it, show another one.
    fn parted(&mut self, room: &str) {
        self.rooms.remove(room);
        self.pending.retain(|m| m.room != room);
        if self.current.as_deref() == Some(room) {
            self.current = None;
            if let Some(next) = self.rooms.keys().next().cloned() {
                self.switch_to(&next);
            }
        }
    }

    /// The server stored our message `id` as `seq`: it turns from pending into stored.
    fn ack(&mut self, id: String, room: String, seq: u64, time: i64) {
        if let Some(index) = self.pending.iter().position(|m| m.id == id) {
            let pending = self.pending.remove(index);
            let message = ChatMessage {
                // What the server stored, as the upload's last answer said.
                attachment: pending
                    .upload
                    .as_ref()
                    .and_then(Upload::attachment)
                    .cloned()
                    .map(Box::new),
                room,
                seq,
                id,
                from: self.name.clone(),
                time,
                text: pending.text,
                edited: None,
                deleted: false,
                reply_to: pending.reply_to,
                reactions: Vec::new(),
            };
            self.add_message(message);
        }
    }

    /// `from` is called `to` now (in `room`; if it is us, everywhere).
    fn renamed(&mut self, room: &str, from: String, to: String) {
        if from == self.name {
            self.name = to.clone();
        }
        if let Some(view) = self.rooms.get_mut(room) {
            view.renamed(from, to);
        }
    }

    /// The server refused something: a message of ours (marked refused, or sending paused when
    /// it came too fast), our hello (the name screen shows why), or a request (shown as the
    /// last error).
    fn error(&mut self, rejection: Rejection) {
        if rejection.code == ErrorCode::RateLimited && rejection.id.is_some() {
            self.pause_sending(rejection.retry_after.unwrap_or_default());
            return;
        }
        if let Some(refused) = rejection
            .id
            .as_ref()
            .and_then(|id| self.pending.iter_mut().find(|m| m.id == *id))
        {
            refused.refused = Some(rejection.message);
            return;
        }
        let code = rejection.code;
        // The server stopped waiting while the user picks another name: why the name
        // was refused is what the join screen keeps showing.
        if code == ErrorCode::HelloTimeout && self.phase == Phase::NameRefused {
            return;
        }
        // A hello refused (a name not ours, or too many new names from this address):
        // the user picks again or waits, with the reason on the join screen.
        if (code.refuses_name() || code == ErrorCode::RateLimited) && self.phase != Phase::Joined {
            self.phase = Phase::NameRefused;
        }
        self.opening = None;
        self.last_error = Some(rejection);
    }

    /// Once every room of the welcome is in: forgets the rooms left meanwhile (on another
    /// device) and shows a room if none is shown.
    fn settle_rooms(&mut self) {
        let Some(to_come) = self.rooms_to_come.take_if(|to_come| to_come.left == 0) else {
            return;
        };
        self.rooms.retain(|room, _| to_come.names.contains(room));
        if self.current().is_none() {
            self.current = None;
            let first = self
                .rooms
                .contains_key(DEFAULT_ROOM)
                .then(|| DEFAULT_ROOM.to_owned())
                .or_else(|| self.rooms.keys().next().cloned());
            if let Some(first) = first {
                self.switch_to(&first);
            }
        }
        self.mark_read();
    }

    /// Creates or refreshes a room from the server's state of it.
    fn room_state(&mut self, state: chinwag_protocol::RoomState) {
        let room = state.room.clone();
        self.rooms
            .entry(room.clone())
            .or_insert_with(|| RoomView::new(&state))
            .resync(state);
        if self.current.as_deref() == Some(room.as_str()) {
            self.mark_read();
        }
    }

    /// Adds a live message to its room, counting it unread unless the user is looking, and
    /// reports it as an arrival when someone else wrote it.
    fn add_message(&mut self, message: ChatMessage) {
        let from_me = message.from == self.name;
        let mentioned = !from_me && mentions(&message.text, &self.name);
        let room = message.room.clone();
        let Some(view) = self.rooms.get_mut(&room) else {
            return;
        };
        let arrival = (!from_me).then(|| Arrival {
            room: room.clone(),
            room_title: match view.kind {
                RoomKind::Public => format!("#{}", view.title()),
                RoomKind::Direct => view.title().to_owned(),
            },
            direct: view.kind == RoomKind::Direct,
            sender: message.from.clone(),
            text: message.text.clone(),
            mentioned,
            focused: self.viewing,
        });
        if !view.add_message(message) {
            return;
        }
        let Some(arrival) = arrival else {
            return;
        };
        if self.arrivals.len() == MAX_ARRIVALS {
            self.arrivals.pop_front();
        }
        self.arrivals.push_back(arrival);
        let looking = self.viewing && self.current.as_deref() == Some(room.as_str());
        if looking {
            self.mark_read();
        } else {
            if view.unread == 0 && self.current.as_deref() == Some(room.as_str()) {
                view.divider_after = Some(view.last_read);
            }
            view.unread += 1;
            view.mentions += u64::from(mentioned);
        }
    }
}
