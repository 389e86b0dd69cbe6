//! [`ChatState`]: everything the client knows about the conversation, as a pure state machine.
//!
//! It does no IO and reads no clock: the connection tells it when the socket opens or closes
//! and hands it each server frame; the UI asks it to join or send. Frames it wants sent wait in
//! a queue that the connection drains once the socket is open, so nothing is lost to a send
//! made while disconnected.

use std::collections::VecDeque;

use crate::protocol::{ChatMessage, ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame};

/// Where the client is in its conversation with the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not connected and not trying; the user has not joined yet.
    Idle,
    /// Opening the socket.
    Connecting,
    /// The socket is open and the hello is on its way.
    Joining,
    /// In the room.
    Joined,
    /// The server refused the name; the socket stays open for another try.
    NameRefused,
    /// The connection ended.
    Disconnected {
        /// Why, in words for the user.
        reason: String,
    },
}

/// One row of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A chat message the server stored.
    Message(ChatMessage),
    /// Someone came or went.
    Presence {
        /// Who.
        name: String,
        /// True when they joined, false when they left.
        joined: bool,
    },
    /// Messages we missed while away that the server did not replay (too many).
    Gap {
        /// How many.
        missed: u64,
    },
}

/// A message of ours the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMessage {
    /// The client id the server will acknowledge it by.
    pub id: String,
    /// What was typed.
    pub text: String,
    /// Why the server refused it, if it did; a refused message is not sent again until the user
    /// retries it.
    pub refused: Option<String>,
}

/// An error the server reported, for the user to see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerError {
    /// The machine-readable code.
    pub code: ErrorCode,
    /// The server's explanation.
    pub message: String,
}

/// The client's view of the chat.
#[derive(Debug)]
pub struct ChatState {
    phase: Phase,
    name: String,
    room: String,
    timeline: Vec<Entry>,
    last_seq: u64,
    users: Vec<String>,
    pending: Vec<PendingMessage>,
    last_error: Option<ServerError>,
    outgoing: VecDeque<ClientFrame>,
    id_prefix: String,
    next_id: u64,
    token: String,
}

impl ChatState {
    /// A fresh state for `room`. `id_prefix` must differ between runs of the client (e.g. the
    /// start time), so message ids never repeat for one sender. `token` is this client's secret:
    /// it lets a reconnect take its name back from a connection the server still thinks is alive.
    pub fn new(
        room: impl Into<String>,
        id_prefix: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        Self {
            phase: Phase::Idle,
            name: String::new(),
            room: room.into(),
            timeline: Vec::new(),
            last_seq: 0,
            users: Vec::new(),
            pending: Vec::new(),
            last_error: None,
            outgoing: VecDeque::new(),
            id_prefix: id_prefix.into(),
            next_id: 1,
            token: token.into(),
        }
    }

    /// Where the client is.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The name we asked for, or hold once joined.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The room we are in (or joining).
    pub fn room(&self) -> &str {
        &self.room
    }

    /// Stored messages and presence notices, oldest first.
    pub fn timeline(&self) -> &[Entry] {
        &self.timeline
    }

    /// Our messages not yet acknowledged, oldest first.
    pub fn pending(&self) -> &[PendingMessage] {
        &self.pending
    }

    /// Who is online in the room, sorted.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The last error the server reported, cleared by the next successful join.
    pub fn last_error(&self) -> Option<&ServerError> {
        self.last_error.as_ref()
    }

    /// Whether the user still has to pick a name (the join screen shows).
    pub fn needs_name(&self) -> bool {
        match &self.phase {
            Phase::Idle | Phase::NameRefused => true,
            Phase::Connecting | Phase::Joining | Phase::Joined => false,
            Phase::Disconnected { .. } => self.name.is_empty(),
        }
    }

    /// The user asks to join as `name`. Returns false (and changes nothing) for an empty name.
    pub fn join(&mut self, name: &str) -> bool {
        let name = name.trim();
        if name.is_empty() {
            return false;
        }
        self.name = name.to_owned();
        self.last_error = None;
        match self.phase {
            Phase::NameRefused => self.queue_hello(),
            Phase::Disconnected { .. } => self.phase = Phase::Idle,
            Phase::Idle | Phase::Connecting | Phase::Joining | Phase::Joined => {}
        }
        true
    }

    /// Whether the socket should be (re)opened: we have a name and no live connection.
    pub fn wants_connection(&self) -> bool {
        !self.name.is_empty() && matches!(self.phase, Phase::Idle)
    }

    /// Whether reconnecting by itself makes sense after the last disconnect: not when the
    /// server refused our protocol version or another connection of ours took the name over.
    pub fn may_reconnect(&self) -> bool {
        !self.name.is_empty()
            && !matches!(
                self.last_error.as_ref().map(|error| error.code),
                Some(ErrorCode::UnsupportedVersion | ErrorCode::Replaced)
            )
    }

    /// The connection started opening a socket.
    pub fn connecting(&mut self) {
        self.phase = Phase::Connecting;
    }

    /// The socket is open: say hello.
    pub fn opened(&mut self) {
        self.outgoing.clear();
        self.queue_hello();
    }

    /// The socket closed or failed. Pending messages stay pending.
    pub fn closed(&mut self, reason: impl Into<String>) {
        let reason = match &self.last_error {
            Some(error) if error.code.is_fatal() => error.message.clone(),
            _ => reason.into(),
        };
        self.phase = Phase::Disconnected { reason };
        self.outgoing.clear();
        self.users.clear();
    }

    /// Try connecting again after a disconnect (the user asked, or the backoff ran out).
    pub fn retry(&mut self) {
        if matches!(self.phase, Phase::Disconnected { .. }) {
            self.phase = Phase::Idle;
            self.last_error = None;
        }
    }

    /// The user sends `text` (trailing white space dropped). It shows as pending at once and
    /// goes out when joined. Returns false (and changes nothing) for a blank text.
    pub fn send(&mut self, text: &str) -> bool {
        let text = text.trim_end();
        if text.trim_start().is_empty() {
            return false;
        }
        let id = format!("{}-{}", self.id_prefix, self.next_id);
        self.next_id += 1;
        let message = PendingMessage {
            id,
            text: text.to_owned(),
            refused: None,
        };
        if self.phase == Phase::Joined {
            self.outgoing.push_back(self.send_frame(&message));
        }
        self.pending.push(message);
        true
    }

    /// Sends a refused message again (after the user fixed what was wrong elsewhere).
    pub fn retry_message(&mut self, id: &str) {
        let Some(index) = self.pending.iter().position(|m| m.id == id) else {
            return;
        };
        self.pending[index].refused = None;
        if self.phase == Phase::Joined {
            let frame = self.send_frame(&self.pending[index]);
            self.outgoing.push_back(frame);
        }
    }

    /// Withdraws a refused message and hands its text back for editing.
    pub fn take_back(&mut self, id: &str) -> Option<String> {
        let index = self
            .pending
            .iter()
            .position(|m| m.id == id && m.refused.is_some())?;
        Some(self.pending.remove(index).text)
    }

    /// Takes the frames waiting to be sent, in order.
    pub fn take_outgoing(&mut self) -> impl Iterator<Item = ClientFrame> + '_ {
        self.outgoing.drain(..)
    }

    /// Applies one frame from the server.
    pub fn apply(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Welcome {
                name,
                room,
                users,
                history,
                skipped,
                ..
            } => {
                self.phase = Phase::Joined;
                self.name = name;
                self.room = room;
                self.users = users;
                self.last_error = None;
                if skipped > 0 {
                    self.timeline.push(Entry::Gap { missed: skipped });
                }
                for message in history {
                    self.add_message(message);
                }
                // Everything not yet acknowledged goes again: the server drops repeats by id.
                let resend: Vec<ClientFrame> = self
                    .pending
                    .iter()
                    .filter(|m| m.refused.is_none())
                    .map(|m| self.send_frame(m))
                    .collect();
                self.outgoing.extend(resend);
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
                    self.add_message(ChatMessage {
                        room,
                        seq,
                        id,
                        from: self.name.clone(),
                        time,
                        text: pending.text,
                    });
                }
            }
            ServerFrame::Joined { name, .. } => {
                if let Err(index) = self.users.binary_search(&name) {
                    self.users.insert(index, name.clone());
                }
                self.timeline.push(Entry::Presence { name, joined: true });
            }
            ServerFrame::Left { name, .. } => {
                self.users.retain(|user| *user != name);
                self.timeline.push(Entry::Presence {
                    name,
                    joined: false,
                });
            }
            ServerFrame::Error { code, message, id } => {
                if let Some(refused) =
                    id.and_then(|id| self.pending.iter_mut().find(|m| m.id == id))
                {
                    refused.refused = Some(message);
                    return;
                }
                if matches!(code, ErrorCode::NameTaken | ErrorCode::InvalidName)
                    && self.phase != Phase::Joined
                {
                    self.phase = Phase::NameRefused;
                }
                self.last_error = Some(ServerError { code, message });
            }
        }
    }

    /// Adds a stored message unless we already have it (history and broadcasts overlap).
    fn add_message(&mut self, message: ChatMessage) {
        if message.seq <= self.last_seq {
            return;
        }
        self.last_seq = message.seq;
        self.timeline.push(Entry::Message(message));
    }

    fn queue_hello(&mut self) {
        self.phase = Phase::Joining;
        self.outgoing.push_back(ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: self.name.clone(),
            room: self.room.clone(),
            token: Some(self.token.clone()),
            last_seq: (self.last_seq > 0).then_some(self.last_seq),
        });
    }

    fn send_frame(&self, message: &PendingMessage) -> ClientFrame {
        ClientFrame::Send {
            id: message.id.clone(),
            room: self.room.clone(),
            text: message.text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64, from: &str, id: &str, text: &str) -> ChatMessage {
        ChatMessage {
            room: "lobby".into(),
            seq,
            id: id.into(),
            from: from.into(),
            time: 1_000 * seq as i64,
            text: text.into(),
        }
    }

    fn welcome(name: &str, history: Vec<ChatMessage>) -> ServerFrame {
        ServerFrame::Welcome {
            version: PROTOCOL_VERSION,
            name: name.into(),
            room: "lobby".into(),
            users: vec![name.into()],
            history,
            skipped: 0,
        }
    }

    fn joined_state() -> ChatState {
        let mut state = ChatState::new("lobby", "t", "secret");
        assert!(state.join("alice"));
        state.connecting();
        state.opened();
        state.apply(welcome("alice", vec![]));
        state.take_outgoing().for_each(drop);
        state
    }

    #[test]
    fn join_says_hello_once_open() {
        let mut state = ChatState::new("lobby", "t", "secret");
        assert!(!state.join("   "));
        assert!(!state.wants_connection());
        assert!(state.join(" alice "));
        assert!(state.wants_connection());
        assert_eq!(
            state.take_outgoing().count(),
            0,
            "nothing before the socket opens"
        );
        state.connecting();
        state.opened();
        assert_eq!(
            state.take_outgoing().collect::<Vec<_>>(),
            vec![ClientFrame::Hello {
                version: PROTOCOL_VERSION,
                name: "alice".into(),
                room: "lobby".into(),
                token: Some("secret".into()),
                last_seq: None,
            }]
        );
        assert_eq!(state.phase(), &Phase::Joining);
        state.apply(welcome("alice", vec![message(1, "bob", "b1", "hi")]));
        assert_eq!(state.phase(), &Phase::Joined);
        assert_eq!(state.timeline().len(), 1);
        assert!(!state.needs_name());
    }

    #[test]
    fn a_sent_message_is_pending_until_acked() {
        let mut state = joined_state();
        assert!(state.send("hello"));
        assert!(!state.send("  "));
        let frames: Vec<_> = state.take_outgoing().collect();
        let [ClientFrame::Send { id, text, .. }] = frames.as_slice() else {
            panic!("expected one send frame, got {frames:?}");
        };
        assert_eq!(text, "hello");
        assert_eq!(state.pending().len(), 1);
        state.apply(ServerFrame::Ack {
            id: id.clone(),
            room: "lobby".into(),
            seq: 1,
            time: 5,
        });
        assert!(state.pending().is_empty());
        // The broadcast of the same message must not add it twice.
        state.apply(ServerFrame::Message(message(1, "alice", id, "hello")));
        assert_eq!(state.timeline().len(), 1);
        let Entry::Message(stored) = &state.timeline()[0] else {
            panic!("expected a message");
        };
        assert_eq!(stored.from, "alice");
        assert_eq!(stored.text, "hello");
    }

    #[test]
    fn messages_sent_while_disconnected_go_out_after_rejoining() {
        let mut state = joined_state();
        state.closed("network down");
        assert!(matches!(state.phase(), Phase::Disconnected { .. }));
        assert!(state.send("are you there?"));
        assert_eq!(state.take_outgoing().count(), 0);
        assert_eq!(state.pending().len(), 1);
        state.retry();
        assert!(state.wants_connection());
        state.connecting();
        state.opened();
        state.apply(welcome("alice", vec![]));
        let frames: Vec<_> = state.take_outgoing().collect();
        assert!(matches!(frames[0], ClientFrame::Hello { .. }));
        assert!(matches!(&frames[1], ClientFrame::Send { text, .. } if text == "are you there?"));
    }

    #[test]
    fn overlapping_history_is_not_duplicated() {
        let mut state = joined_state();
        state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
        state.apply(ServerFrame::Message(message(2, "bob", "b2", "two")));
        state.apply(welcome(
            "alice",
            vec![
                message(1, "bob", "b1", "one"),
                message(2, "bob", "b2", "two"),
                message(3, "bob", "b3", "three"),
            ],
        ));
        let seqs: Vec<u64> = state
            .timeline()
            .iter()
            .filter_map(|entry| match entry {
                Entry::Message(m) => Some(m.seq),
                Entry::Presence { .. } | Entry::Gap { .. } => None,
            })
            .collect();
        assert_eq!(seqs, vec![1, 2, 3]);
    }

    #[test]
    fn a_taken_name_asks_for_another() {
        let mut state = ChatState::new("lobby", "t", "secret");
        state.join("alice");
        state.connecting();
        state.opened();
        state.take_outgoing().for_each(drop);
        state.apply(ServerFrame::error(ErrorCode::NameTaken, "alice is taken"));
        assert_eq!(state.phase(), &Phase::NameRefused);
        assert!(state.needs_name());
        assert_eq!(
            state.last_error().map(|e| e.code),
            Some(ErrorCode::NameTaken)
        );
        assert!(state.join("alice2"));
        assert!(matches!(
            state.take_outgoing().next(),
            Some(ClientFrame::Hello { name, .. }) if name == "alice2"
        ));
    }

    #[test]
    fn presence_updates_the_user_list() {
        let mut state = joined_state();
        state.apply(ServerFrame::Joined {
            room: "lobby".into(),
            name: "bob".into(),
        });
        assert_eq!(state.users(), ["alice", "bob"]);
        state.apply(ServerFrame::Left {
            room: "lobby".into(),
            name: "bob".into(),
        });
        assert_eq!(state.users(), ["alice"]);
        assert_eq!(state.timeline().len(), 2);
    }

    #[test]
    fn a_fatal_error_becomes_the_disconnect_reason() {
        let mut state = joined_state();
        state.apply(ServerFrame::error(ErrorCode::TooSlow, "you fell behind"));
        state.closed("connection closed");
        assert_eq!(
            state.phase(),
            &Phase::Disconnected {
                reason: "you fell behind".into()
            }
        );
    }

    #[test]
    fn a_reconnect_asks_for_what_it_missed() {
        let mut state = joined_state();
        state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
        state.apply(ServerFrame::Message(message(2, "bob", "b2", "two")));
        state.closed("network down");
        state.retry();
        state.connecting();
        state.opened();
        assert!(matches!(
            state.take_outgoing().next(),
            Some(ClientFrame::Hello {
                last_seq: Some(2),
                ..
            })
        ));
        let mut welcome = welcome("alice", vec![message(3, "bob", "b3", "three")]);
        if let ServerFrame::Welcome { skipped, .. } = &mut welcome {
            *skipped = 0;
        }
        state.apply(welcome);
        assert_eq!(state.timeline().len(), 3);
    }

    #[test]
    fn too_many_missed_messages_leave_a_visible_gap() {
        let mut state = joined_state();
        state.apply(ServerFrame::Message(message(1, "bob", "b1", "one")));
        let mut welcome = welcome("alice", vec![message(50, "bob", "b50", "fifty")]);
        if let ServerFrame::Welcome { skipped, .. } = &mut welcome {
            *skipped = 48;
        }
        state.apply(welcome);
        assert_eq!(state.timeline()[1], Entry::Gap { missed: 48 });
    }

    #[test]
    fn a_refused_message_shows_why_and_can_be_retried_or_taken_back() {
        let mut state = joined_state();
        state.send("first");
        state.send("second");
        let ids: Vec<String> = state.pending().iter().map(|m| m.id.clone()).collect();
        state.take_outgoing().for_each(drop);
        state.apply(ServerFrame::error(ErrorCode::TooLarge, "too long").about_message(&ids[0]));
        assert_eq!(state.pending()[0].refused.as_deref(), Some("too long"));
        assert!(
            state.last_error().is_none(),
            "a refused message is not a connection error"
        );
        // A rejoin does not resend the refused one, only the other.
        state.closed("blip");
        state.retry();
        state.opened();
        state.apply(welcome("alice", vec![]));
        let resent: Vec<_> = state.take_outgoing().collect();
        assert_eq!(resent.len(), 2, "hello and the second message: {resent:?}");
        state.retry_message(&ids[0]);
        assert!(
            matches!(state.take_outgoing().next(), Some(ClientFrame::Send { id, .. }) if id == ids[0])
        );
        state.apply(ServerFrame::error(ErrorCode::TooLarge, "too long").about_message(&ids[0]));
        assert_eq!(state.take_back(&ids[0]).as_deref(), Some("first"));
        assert_eq!(
            state.take_back(&ids[1]),
            None,
            "only refused messages can be taken back"
        );
        assert_eq!(state.pending().len(), 1);
    }

    #[test]
    fn no_reconnect_after_being_replaced() {
        let mut state = joined_state();
        assert!(state.may_reconnect());
        state.apply(ServerFrame::error(
            ErrorCode::Replaced,
            "connected elsewhere",
        ));
        state.closed("closed");
        assert!(!state.may_reconnect());
    }
}
