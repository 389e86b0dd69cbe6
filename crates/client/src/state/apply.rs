//! Applying the server's frames to [`ChatState`].

use super::{
    ChatState, Opening, Phase, RoomView, RoomsToCome, SearchResults, ServerError, TYPING_SHOWS_FOR,
};
use chinwag_protocol::markup::mentions;
use chinwag_protocol::{ChatMessage, DEFAULT_ROOM, ErrorCode, ServerFrame};

impl ChatState {
    /// Applies one frame from the server.
    pub fn apply(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Welcome {
                name,
                rooms,
                more_rooms,
                ..
            } => {
                self.phase = Phase::Joined;
                self.name = name;
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
            }
            ServerFrame::Room(state) => {
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
            ServerFrame::History { room, messages } => {
                if let Some(view) = self.rooms.get_mut(&room) {
                    for message in messages {
                        view.add_message(message);
                    }
                }
                if self.current.as_deref() == Some(room.as_str()) {
                    self.mark_read();
                }
            }
            ServerFrame::Parted { room } => {
                self.rooms.remove(&room);
                self.pending.retain(|m| m.room != room);
                if self.current.as_deref() == Some(room.as_str()) {
                    self.current = None;
                    if let Some(next) = self.rooms.keys().next().cloned() {
                        self.switch_to(&next);
                    }
                }
            }
            ServerFrame::Pong => {}
            ServerFrame::Message(message) => self.add_message(message),
            ServerFrame::Ack {
                id,
                room,
                seq,
                time,
            } => {
                if let Some(index) = self.pending.iter().position(|m| m.id == id) {
                    let pending = self.pending.remove(index);
                    let message = ChatMessage {
                        room,
                        seq,
                        id,
                        from: self.name.clone(),
                        time,
                        text: pending.text,
                        edited: None,
                        deleted: false,
                    };
                    self.add_message(message);
                }
            }
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
            ServerFrame::Joined { room, name } => self.presence(&room, name, true),
            ServerFrame::Left { room, name } => self.presence(&room, name, false),
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
            ServerFrame::Renamed { room, from, to } => {
                if from == self.name {
                    self.name = to.clone();
                }
                if let Some(view) = self.rooms.get_mut(&room) {
                    view.renamed(from, to);
                }
            }
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
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                id: Some(_),
                retry_after,
                ..
            } => self.pause_sending(retry_after.unwrap_or_default()),
            ServerFrame::Error {
                code, message, id, ..
            } => {
                if let Some(refused) =
                    id.and_then(|id| self.pending.iter_mut().find(|m| m.id == id))
                {
                    refused.refused = Some(message);
                    return;
                }
                // The server stopped waiting while the user picks another name: why the name
                // was refused is what the join screen keeps showing.
                if code == ErrorCode::HelloTimeout && self.phase == Phase::NameRefused {
                    return;
                }
                // A hello refused (a name not ours, or too many new names from this address):
                // the user picks again or waits, with the reason on the join screen.
                if (code.refuses_name() || code == ErrorCode::RateLimited)
                    && self.phase != Phase::Joined
                {
                    self.phase = Phase::NameRefused;
                }
                self.opening = None;
                self.last_error = Some(ServerError { code, message });
            }
        }
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

    fn presence(&mut self, room: &str, name: String, joined: bool) {
        if let Some(view) = self.rooms.get_mut(room) {
            view.presence(name, joined);
        }
    }

    /// Adds a stored message to its room, counting it unread unless the user is looking.
    fn add_message(&mut self, message: ChatMessage) {
        let from_me = message.from == self.name;
        let mentioned = !from_me && mentions(&message.text, &self.name);
        let room = message.room.clone();
        let Some(view) = self.rooms.get_mut(&room) else {
            return;
        };
        if !view.add_message(message) || from_me {
            return;
        }
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
