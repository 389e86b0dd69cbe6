//! [`ChatState`]: everything the client knows about its rooms, as a pure state machine.
//!
//! It does no IO and reads no clock: the connection tells it when the socket opens or closes,
//! hands it each server frame and the time; the UI asks it to join, switch, send, edit… Frames
//! it wants sent wait in a queue that the connection drains once the socket is open, so nothing
//! is lost to an action made while disconnected.

mod annotations;
mod apply;
mod attach;
mod members;
mod room;
#[cfg(test)]
mod tests;
mod upload;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chinwag_protocol::{
    ChatMessage, ClientFrame, ErrorCode, PROTOCOL_VERSION, Quote, Rejection, RoomCursor,
    RoomListing,
};

use crate::notify::Arrival;

pub use annotations::reacted;
pub use attach::UPLOADS_AT_ONCE;
pub use room::{Entry, RoomView, TYPING_SHOWS_FOR};
pub use upload::{Upload, UploadRequest};

/// How often the client tells a room the user is typing, at most, in seconds.
pub const TYPING_NOTICE_EVERY: f64 = 3.0;

/// The most [`Arrival`]s kept for [`ChatState::take_arrivals`]; the oldest go first (an owner
/// that never takes them, like a test client, keeps only the last few).
pub const MAX_ARRIVALS: usize = 64;

/// Where the client is in its conversation with the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not connected and not trying; the user has not joined yet.
    Idle,
    /// Opening the socket.
    Connecting,
    /// The socket is open and the hello is on its way.
    Joining,
    /// Said hello and welcomed.
    Joined,
    /// The server refused the name; the socket stays open for another try.
    NameRefused,
    /// The connection ended.
    Disconnected {
        /// Why, in words for the user.
        reason: String,
    },
}

/// A message of ours the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingMessage {
    /// The client id the server will acknowledge it by.
    pub id: String,
    /// The room it goes to.
    pub room: String,
    /// What was typed.
    pub text: String,
    /// The message it replies to, if it is a reply.
    pub reply_to: Option<Quote>,
    /// Why the server refused it, if it did; a refused message is not sent again until the user
    /// retries it. (A message refused only for coming too fast stays pending: see
    /// [`ChatState::sending_paused_for`].)
    pub refused: Option<String>,
    /// The file it carries, while and after it uploads (the message goes out once it is
    /// stored; see [`Upload`]).
    pub upload: Option<Upload>,
}

/// The answer to the last search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchResults {
    /// The room searched.
    pub room: String,
    /// What was looked for.
    pub query: String,
    /// Matches, newest first.
    pub messages: Vec<ChatMessage>,
}

/// What the user last asked to open, so the answer can be switched to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Opening {
    Room(String),
    DirectWith(String),
}

/// A welcome whose rooms did not all fit in it: the others follow as `room` frames.
#[derive(Debug)]
struct RoomsToCome {
    /// The rooms of the welcome and of the `room` frames after it so far.
    names: BTreeSet<String>,
    /// How many `room` frames are still to come.
    left: u64,
}

/// The client's view of the chat.
#[derive(Debug)]
pub struct ChatState {
    phase: Phase,
    name: String,
    token: String,
    rooms: BTreeMap<String, RoomView>,
    current: Option<String>,
    opening: Option<Opening>,
    /// Set by a welcome until all of its rooms are in.
    rooms_to_come: Option<RoomsToCome>,
    pending: Vec<PendingMessage>,
    last_error: Option<Rejection>,
    search: Option<SearchResults>,
    directory: Option<Vec<RoomListing>>,
    outgoing: VecDeque<ClientFrame>,
    id_prefix: String,
    next_id: u64,
    now: f64,
    viewing: bool,
    typing_sent: BTreeMap<String, f64>,
    /// The server said we send too fast: nothing is sent before this time (client clock).
    sending_paused_until: Option<f64>,
    /// Messages from others that arrived live, not yet taken (see [`Self::take_arrivals`]).
    arrivals: VecDeque<Arrival>,
    /// The server's database as its last welcome named it (see [`ServerFrame::Welcome`]).
    ///
    /// [`ServerFrame::Welcome`]: chinwag_protocol::ServerFrame::Welcome
    epoch: Option<String>,
    /// Whether our identity shares read receipts (as the server last said).
    share_receipts: bool,
}

impl ChatState {
    /// A fresh state. `id_prefix` must differ between runs of the client (e.g. the start time),
    /// so message ids never repeat for one sender. `token` is this client's secret identity: it
    /// owns the name, its direct messages and its messages.
    pub fn new(id_prefix: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            phase: Phase::Idle,
            name: String::new(),
            token: token.into(),
            rooms: BTreeMap::new(),
            // Messages typed before the first welcome go to the room everyone starts in.
            current: Some(chinwag_protocol::DEFAULT_ROOM.to_owned()),
            opening: None,
            rooms_to_come: None,
            epoch: None,
            pending: Vec::new(),
            last_error: None,
            search: None,
            directory: None,
            outgoing: VecDeque::new(),
            id_prefix: id_prefix.into(),
            next_id: 1,
            now: 0.0,
            viewing: true,
            typing_sent: BTreeMap::new(),
            sending_paused_until: None,
            arrivals: VecDeque::new(),
            share_receipts: true,
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

    /// The identity token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Uses `token` as the identity from the next hello on (each name has its own).
    pub fn set_token(&mut self, token: impl Into<String>) {
        self.token = token.into();
    }

    /// Every room we are in, by name.
    pub fn rooms(&self) -> impl Iterator<Item = &RoomView> {
        self.rooms.values()
    }

    /// One room.
    pub fn room(&self, room: &str) -> Option<&RoomView> {
        self.rooms.get(room)
    }

    /// One room, to change (e.g. to prepend a page of older history).
    pub fn room_mut(&mut self, room: &str) -> Option<&mut RoomView> {
        self.rooms.get_mut(room)
    }

    /// The room on screen, if any.
    pub fn current(&self) -> Option<&RoomView> {
        self.current.as_ref().and_then(|room| self.rooms.get(room))
    }

    /// Our messages not yet acknowledged in `room`, oldest first.
    pub fn pending_in<'a>(&'a self, room: &'a str) -> impl Iterator<Item = &'a PendingMessage> {
        self.pending.iter().filter(move |m| m.room == room)
    }

    /// Our messages not yet acknowledged, in every room.
    pub fn pending(&self) -> &[PendingMessage] {
        &self.pending
    }

    /// Unread messages in every room together.
    pub fn total_unread(&self) -> u64 {
        self.rooms.values().map(|room| room.unread).sum()
    }

    /// The last refusal the server reported (or the client's own "not connected" for an action
    /// made while offline), cleared by the next successful hello.
    pub fn last_error(&self) -> Option<&Rejection> {
        self.last_error.as_ref()
    }

    /// Forgets the last error (the user dismissed it).
    pub fn dismiss_error(&mut self) {
        self.last_error = None;
    }

    /// The answer to the last search, if it has come.
    pub fn search_results(&self) -> Option<&SearchResults> {
        self.search.as_ref()
    }

    /// The public rooms the server listed last, if asked (see [`Self::list_rooms`]).
    pub fn directory(&self) -> Option<&[RoomListing]> {
        self.directory.as_deref()
    }

    /// Asks the server which public rooms there are.
    pub fn list_rooms(&mut self) {
        self.queue_if_joined(ClientFrame::ListRooms);
    }

    /// The client clock (seconds), as last told by [`Self::tick`].
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Tells the state the time (typing notices expire by it; a pause in sending ends by it).
    pub fn tick(&mut self, now: f64) {
        self.now = now;
        if self.sending_paused_until.is_some_and(|until| now >= until) {
            self.sending_paused_until = None;
            if self.phase == Phase::Joined {
                self.resend_pending();
            }
        }
    }

    /// Seconds until sending resumes, while the server has us wait for sending too fast.
    /// Messages typed meanwhile stay pending; all of them go out in order when it ends.
    pub fn sending_paused_for(&self) -> Option<f64> {
        self.sending_paused_until
            .map(|until| (until - self.now).max(0.0))
    }

    /// The server refused a message for coming too fast: send nothing for `retry_after_ms`,
    /// then everything pending again, in order (what it stored meanwhile it acks, by id).
    fn pause_sending(&mut self, retry_after_ms: u64) {
        let until = self.now + retry_after_ms as f64 / 1000.0;
        self.sending_paused_until = Some(self.sending_paused_until.map_or(until, |u| u.max(until)));
        self.outgoing
            .retain(|frame| !matches!(frame, ClientFrame::Send { .. }));
    }

    /// Queues every pending message the server has not refused, oldest first.
    fn resend_pending(&mut self) {
        let resend: Vec<ClientFrame> = self
            .pending
            .iter()
            .filter(|m| m.is_ready())
            .map(send_frame)
            .collect();
        self.outgoing.extend(resend);
    }

    /// Whether a message may go out now: joined, and not told to wait.
    fn may_send(&self) -> bool {
        self.phase == Phase::Joined && self.sending_paused_until.is_none()
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
    /// server refused our protocol version or another connection of ours took over.
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
        self.phase = if self.phase == Phase::NameRefused {
            // The user is picking another name and the server stopped waiting for one (its hello
            // deadline): the join screen stays, and the next name opens a new connection.
            self.name.clear();
            Phase::Idle
        } else {
            Phase::Disconnected { reason }
        };
        self.outgoing.clear();
        self.rooms.values_mut().for_each(RoomView::offline);
    }

    /// Try connecting again after a disconnect (the user asked, or the backoff ran out).
    pub fn retry(&mut self) {
        if matches!(self.phase, Phase::Disconnected { .. }) {
            self.phase = Phase::Idle;
            self.last_error = None;
        }
    }

    /// Shows `room` (and marks it read while the user is looking).
    pub fn switch_to(&mut self, room: &str) {
        if !self.rooms.contains_key(room) || self.current.as_deref() == Some(room) {
            return;
        }
        if let Some(view) = self.current.as_ref().and_then(|r| self.rooms.get_mut(r)) {
            view.divider_after = None;
        }
        self.current = Some(room.to_owned());
        self.search = None;
        if let Some(view) = self.rooms.get_mut(room) {
            view.divider_after = (view.unread > 0).then_some(view.last_read);
        }
        self.mark_read();
    }

    /// Whether the user is looking at the window (unread counts only grow for rooms unseen).
    pub fn set_viewing(&mut self, viewing: bool) {
        self.viewing = viewing;
        if viewing {
            self.mark_read();
        }
    }

    /// Marks the current room read up to its newest message, telling the server.
    pub fn mark_read(&mut self) {
        if !self.viewing {
            return;
        }
        let joined = self.phase == Phase::Joined;
        let Some(view) = self.current.as_ref().and_then(|r| self.rooms.get_mut(r)) else {
            return;
        };
        view.unread = 0;
        view.mentions = 0;
        if view.last_seq() > view.last_read {
            view.last_read = view.last_seq();
            if joined {
                self.outgoing.push_back(ClientFrame::Read {
                    room: view.room.clone(),
                    seq: view.last_read,
                });
            }
        }
    }

    /// Joins (creating if asked) a public room and switches to it once in.
    pub fn join_room(&mut self, room: &str, create: bool) {
        let room = room.trim();
        if self.rooms.contains_key(room) {
            self.switch_to(room);
            return;
        }
        self.opening = Some(Opening::Room(room.to_owned()));
        self.queue_if_joined(ClientFrame::Join {
            room: room.to_owned(),
            create,
            last_seq: None,
        });
    }

    /// Leaves a room.
    pub fn leave_room(&mut self, room: &str) {
        self.queue_if_joined(ClientFrame::Leave {
            room: room.to_owned(),
        });
    }

    /// Opens the direct conversation with `peer` and switches to it once open.
    pub fn open_direct(&mut self, peer: &str) {
        if let Some(room) = self
            .rooms
            .values()
            .find(|view| {
                view.peer
                    .as_deref()
                    .is_some_and(|name| name.eq_ignore_ascii_case(peer))
            })
            .map(|view| view.room.clone())
        {
            self.switch_to(&room);
            return;
        }
        self.opening = Some(Opening::DirectWith(peer.to_owned()));
        self.queue_if_joined(ClientFrame::OpenDm {
            peer: peer.to_owned(),
        });
    }

    /// The user sends `text` to the current room (trailing white space dropped). It shows as
    /// pending at once and goes out when joined. False (nothing changes) for a blank text or
    /// when no room is open.
    pub fn send(&mut self, text: &str) -> bool {
        self.send_reply(text, None)
    }

    /// Like [`Self::send`], as a reply to message `reply_to` of the current room if given
    /// (the pending message carries its quote from the timeline).
    pub fn send_reply(&mut self, text: &str, reply_to: Option<u64>) -> bool {
        if text.trim().is_empty() {
            return false;
        }
        self.compose(text, reply_to, None)
    }

    /// Adds a pending message to the current room (false when none is open) and sends it if it
    /// is ready and the client may send.
    fn compose(&mut self, text: &str, reply_to: Option<u64>, upload: Option<Upload>) -> bool {
        let text = text.trim_end();
        let Some(room) = self.current.clone() else {
            return false;
        };
        let id = format!("{}-{}", self.id_prefix, self.next_id);
        self.next_id += 1;
        let reply_to = reply_to.map(|seq| {
            self.rooms
                .get(&room)
                .and_then(|view| view.quote_of(seq))
                .unwrap_or_else(|| Quote::of(seq, "", "", false))
        });
        let message = PendingMessage {
            id,
            room: room.clone(),
            text: text.to_owned(),
            reply_to,
            refused: None,
            upload,
        };
        if self.may_send() && message.is_ready() {
            self.outgoing.push_back(send_frame(&message));
        }
        self.pending.push(message);
        self.typing_sent.remove(&room);
        if let Some(view) = self.rooms.get_mut(&room) {
            view.divider_after = None;
        }
        true
    }

    /// The composer of the current room holds text: tell the room, at most every
    /// [`TYPING_NOTICE_EVERY`] seconds.
    pub fn typing(&mut self) {
        let Some(room) = self.current.clone() else {
            return;
        };
        if self.phase != Phase::Joined
            || self
                .typing_sent
                .get(&room)
                .is_some_and(|sent| self.now - sent < TYPING_NOTICE_EVERY)
        {
            return;
        }
        self.typing_sent.insert(room.clone(), self.now);
        self.outgoing.push_back(ClientFrame::Typing { room });
    }

    /// Replaces the text of our message `seq` in the current room.
    pub fn edit(&mut self, seq: u64, text: &str) {
        let Some(room) = self.current.clone() else {
            return;
        };
        self.queue_if_joined(ClientFrame::Edit {
            room,
            seq,
            text: text.trim_end().to_owned(),
        });
    }

    /// Deletes our message `seq` in the current room.
    pub fn delete(&mut self, seq: u64) {
        if let Some(room) = self.current.clone() {
            self.queue_if_joined(ClientFrame::Delete { room, seq });
        }
    }

    /// Sets the current room's topic.
    pub fn set_topic(&mut self, topic: &str) {
        if let Some(room) = self.current.clone() {
            self.queue_if_joined(ClientFrame::SetTopic {
                room,
                topic: topic.trim().to_owned(),
            });
        }
    }

    /// Searches the current room on the server.
    pub fn search(&mut self, query: &str) {
        if let Some(room) = self.current.clone() {
            self.search = None;
            self.queue_if_joined(ClientFrame::Search {
                room,
                query: query.to_owned(),
            });
        }
    }

    /// Closes the search results.
    pub fn clear_search(&mut self) {
        self.search = None;
    }

    /// Changes our display name (the server announces it).
    pub fn rename(&mut self, name: &str) {
        self.queue_if_joined(ClientFrame::Rename {
            name: name.trim().to_owned(),
        });
    }

    /// Sends a refused message again (after the user fixed what was wrong elsewhere).
    pub fn retry_message(&mut self, id: &str) {
        let Some(index) = self.pending.iter().position(|m| m.id == id) else {
            return;
        };
        let message = &mut self.pending[index];
        message.refused = None;
        if let Some(upload) = &mut message.upload {
            upload.retry();
        }
        if self.may_send() && self.pending[index].is_ready() {
            let frame = send_frame(&self.pending[index]);
            self.outgoing.push_back(frame);
        }
    }

    /// Withdraws a refused message, or one whose file is not uploaded yet (or cannot be), and
    /// hands its text back for editing.
    pub fn take_back(&mut self, id: &str) -> Option<String> {
        let index = self.pending.iter().position(|m| {
            m.id == id
                && (m.refused.is_some()
                    || m.upload.as_ref().is_some_and(|u| u.attachment().is_none()))
        })?;
        Some(self.pending.remove(index).text)
    }

    /// Takes the messages from others that arrived live since the last call, oldest first: what
    /// may call for a desktop notification (see [`crate::notify`]). History replayed on a
    /// reconnect, older pages and our own messages are not among them. At most
    /// [`MAX_ARRIVALS`] are kept.
    pub fn take_arrivals(&mut self) -> impl Iterator<Item = Arrival> + '_ {
        self.arrivals.drain(..)
    }

    /// Takes the frames waiting to be sent, in order.
    pub fn take_outgoing(&mut self) -> impl Iterator<Item = ClientFrame> + '_ {
        self.outgoing.drain(..)
    }

    fn queue_if_joined(&mut self, frame: ClientFrame) {
        if self.phase == Phase::Joined {
            self.outgoing.push_back(frame);
        } else {
            self.last_error = Some(Rejection::new(
                ErrorCode::NotJoined,
                "not connected; try again once reconnected",
            ));
        }
    }

    fn queue_hello(&mut self) {
        self.phase = Phase::Joining;
        let since = self
            .rooms
            .values()
            .filter(|view| view.last_seq() > 0)
            .map(|view| RoomCursor {
                room: view.room.clone(),
                last_seq: view.last_seq(),
            })
            .collect();
        self.outgoing.push_back(ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: self.name.clone(),
            token: self.token.clone(),
            since,
        });
    }
}

impl PendingMessage {
    /// Whether it can go to the server: not refused, and its file (if any) stored.
    pub fn is_ready(&self) -> bool {
        self.refused.is_none()
            && self
                .upload
                .as_ref()
                .is_none_or(|upload| upload.attachment().is_some())
    }
}

fn send_frame(message: &PendingMessage) -> ClientFrame {
    ClientFrame::Send {
        attachment: message
            .upload
            .as_ref()
            .and_then(Upload::attachment)
            .map(|attachment| attachment.hash.clone()),
        id: message.id.clone(),
        room: message.room.clone(),
        text: message.text.clone(),
        reply_to: message.reply_to.as_ref().map(|quote| quote.seq),
    }
}
