//! The hub: identities, rooms, presence, sequence numbers, persistence and fan-out.
//!
//! The hub runs on one dedicated thread that owns all chat state and the [`Store`]. Socket
//! tasks (and HTTP handlers) send it [`Command`]s; it drains whatever has queued up, stores every
//! new message of that batch in one transaction (group commit), and only then acknowledges and
//! broadcasts them. Frames to a connection go through its bounded [`Outbox`]; a connection whose
//! outbox is full is kicked, so one slow reader never holds up a room.
//!
//! The hub does no I/O but the store's: it reads no clock (each command comes with its [`Now`])
//! and writes to no socket (outboxes are channels), so a test drives it directly (see `tests`).
//!
//! One concern a file: [`identity`] (hello, names, tokens; hellos committed by the batch),
//! [`rooms`] (join, leave, direct messages, topics), [`presence`] (who came and went, told per
//! tick; pages of who is online), [`messages`] (post, edit, delete, read markers, typing, search),
//! [`paging`] (older history for the HTTP API), [`rates`] (which frames count against which rate
//! limit), [`delivery`] and [`pacing`] (fan-out), [`probe`] and [`admission`] (overload),
//! [`fitting`] (frames within [`chinwag_protocol::MAX_SERVER_FRAME_BYTES`]), [`clock`] (the time a
//! command is handled at); beyond text, [`extras`] hands reactions ([`reactions`]), pins ([`pins`])
//! and read receipts ([`receipts`]) to their files, and [`replies`] quotes what a reply answers;
//! [`attachments`] answers who an attachment request is and what it may, and finds the attachment a
//! `send` names (the bytes never pass through the hub: see [`crate::attachments`]). Several nodes
//! on one database: [`cluster`] (messages, presence and typing across nodes), [`relayed`]
//! (everything else other nodes tell), [`outage`] (what is told again after the database or the
//! listener was away).

mod admission;
mod attachments;
mod clock;
mod cluster;
mod delivery;
mod extras;
mod fitting;
mod identity;
mod idle;
mod messages;
mod outage;
mod outbox;
mod pacing;
mod paging;
mod pins;
mod presence;
mod probe;
mod rates;
mod reactions;
mod receipts;
mod relayed;
mod replies;
mod rooms;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::limits::{Limiters, RateLimits};
use crate::metrics::Metrics;
use crate::store::{Store, StoreError, UserId};
use chinwag_protocol::{ClientFrame, ErrorCode, Rejection, RoomKind, ServerFrame, close_code};

pub use attachments::{Access, AttachmentRequest, Grant};
pub use clock::Now;
pub use outbox::{Outbox, OutboxReader, Wake};
pub use paging::PageRequest;
pub use presence::{PRESENCE_INTERVAL, tick};
pub use probe::{PROBE_PAYLOAD, Probe};

/// Identifies one WebSocket connection for the lifetime of the server.
pub type ConnId = u64;

/// How many commands the hub handles in one batch at most.
const MAX_BATCH: usize = 256;

/// The most bytes of frames a connection may have waiting in its queue (besides the one its
/// socket task is writing). Each item is small next to it, but a client may ask for large answers
/// (a room with its replay) faster than it reads them: past this it is dropped as too slow, so
/// one connection never holds more than this (and one item) in the server's memory.
pub const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// What the hub asks a connection's socket task to write to its socket.
#[derive(Debug)]
pub enum Outgoing {
    /// A serialised server frame, shared between all the recipients of a broadcast.
    Frame(Utf8Bytes),
    /// Serialised frames to write one after the other (a welcome or a room and what follows
    /// it), taking one place in the queue.
    Frames(Vec<Utf8Bytes>),
    /// Close the socket with this code and reason.
    Close(u16, &'static str),
}

impl Outgoing {
    /// The bytes of text it writes, as counted against [`MAX_QUEUED_BYTES`].
    pub fn bytes(&self) -> usize {
        match self {
            Self::Frame(text) => text.len(),
            Self::Frames(texts) => texts.iter().map(|text| text.len()).sum(),
            Self::Close(..) => 0,
        }
    }
}

/// A request to the hub.
#[derive(Debug)]
pub enum Command {
    /// A new connection; frames for it go to `outbox`.
    Connect {
        /// The new connection.
        conn: ConnId,
        /// Its outgoing queue.
        outbox: Outbox,
        /// The peer's IP address (identities created are counted per address).
        address: IpAddr,
    },
    /// A frame the connection sent (already parsed).
    Frame {
        /// The sender.
        conn: ConnId,
        /// What it sent.
        frame: ClientFrame,
    },
    /// The connection is gone.
    Disconnect {
        /// The connection.
        conn: ConnId,
    },
    /// An HTTP request for a page of older history.
    Page {
        /// What is asked, and by whom.
        request: PageRequest,
        /// Where the answer goes.
        reply: oneshot::Sender<Result<chinwag_protocol::HistoryPage, Rejection>>,
    },
    /// An HTTP request of the attachment API: who asks, and may they (see [`Access`]).
    Attachment {
        /// What is asked, and by whom.
        request: AttachmentRequest,
        /// Where the answer goes: what the asker may, or why not.
        reply: oneshot::Sender<Result<Grant, Rejection>>,
    },
    /// What another node said (or a tick of the listener), when several share the database.
    Cluster(crate::store::cluster::Event),
    /// Time to tell the crowds how many are online (sent every [`PRESENCE_INTERVAL`]).
    Tick,
    /// `/healthz`: does the store answer? (`Err` says why not.)
    Health {
        /// Where the answer goes.
        reply: oneshot::Sender<Result<(), String>>,
    },
}

/// A connection as the hub knows it: where its frames go, its address, and who it is once it
/// said hello.
struct Peer {
    outbox: Outbox,
    address: IpAddr,
    session: Option<Session>,
    /// When this connection last had a typing notice forwarded, per room.
    typing_sent: HashMap<String, std::time::Instant>,
    /// What the batch being handled sends it (see [`delivery`]).
    bag: delivery::Bag,
}

/// A connection that said hello: its identity and the rooms it receives.
struct Session {
    user: UserId,
    name: String,
    rooms: BTreeSet<String>,
}

impl Session {
    fn who(&self) -> Who {
        Who {
            user: self.user,
            name: self.name.clone(),
        }
    }
}

/// An identity online: its id and current name.
#[derive(Clone, Debug)]
struct Who {
    user: UserId,
    name: String,
}

/// Why a frame was not applied: the peer broke a rule (answered with an error frame), or the
/// database failed (the connection is told and closed).
enum Refusal {
    Rejected(Rejection),
    Database(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(err: StoreError) -> Self {
        Self::Database(err)
    }
}

impl From<Rejection> for Refusal {
    fn from(rejection: Rejection) -> Self {
        Self::Rejected(rejection)
    }
}

/// A refusal with an error frame.
fn refuse(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal::Rejected(Rejection::new(code, message))
}

/// A room in memory: who is online in it (on this node), its last sequence number delivered
/// here, how many messages the batch holds for it, and its kind.
struct Room {
    online: BTreeMap<String, ConnId>,
    /// Who is online in it on other nodes (and not here), as they told (see [`cluster`]).
    remote: BTreeSet<String>,
    last_seq: u64,
    pending: u64,
    kind: RoomKind,
}

impl Room {
    /// How many are online in it, here and on other nodes.
    fn count(&self) -> usize {
        self.online.len()
            + self
                .remote
                .iter()
                .filter(|name| !self.online.contains_key(*name))
                .count()
    }
}

/// All chat state. Lives on the hub thread.
pub struct Hub {
    store: Store,
    peers: delivery::ConnMap<Peer>,
    /// The connection of each identity online (one at a time: a newer one replaces it).
    online: HashMap<UserId, ConnId>,
    rooms: HashMap<String, Room>,
    pending: Vec<messages::PendingPost>,
    /// Read markers not yet written, by room and identity.
    read_marks: HashMap<(String, UserId), u64>,
    /// Who shares read receipts, and markers moved but not yet announced.
    receipts: receipts::Receipts,
    /// Hellos whose identity waits for the batch's commit before their welcome.
    hellos: Vec<identity::PendingHello>,
    /// Who came and went, not yet told.
    presence: presence::Changes,
    limits: Limiters<UserId>,
    /// The time of the command being handled (see [`Hub::handle`]).
    now: Now,
    /// What the batch sends each connection (see [`delivery`]).
    mail: delivery::Mail,
    /// Big rooms' fan-outs, paced (see [`pacing`]).
    pacing: pacing::Pacing,
    /// How many new messages are let in after the fan-out lagged (see [`admission`]).
    admission: admission::Admission,
    /// Whether the store may have work for idle time (see `idle.rs`).
    idle_work: bool,
    /// What `/metrics` reports.
    metrics: Arc<Metrics>,
    /// What this node tells the others at the end of the batch (see [`cluster`]).
    said: cluster::Said,
    /// Woken when a deleted message may have left an attachment unreferenced.
    sweeper: Arc<Notify>,
}

impl Hub {
    /// A hub over `store`, applying `limits`.
    pub fn new(store: Store, limits: &RateLimits) -> Self {
        Self {
            store,
            peers: delivery::ConnMap::default(),
            online: HashMap::new(),
            rooms: HashMap::new(),
            pending: Vec::new(),
            read_marks: HashMap::new(),
            receipts: receipts::Receipts::default(),
            hellos: Vec::new(),
            presence: presence::Changes::default(),
            limits: Limiters::new(limits),
            now: Now::read(),
            mail: delivery::Mail::default(),
            pacing: pacing::Pacing::default(),
            admission: admission::Admission::default(),
            idle_work: true,
            metrics: Arc::default(),
            said: cluster::Said::default(),
            sweeper: Arc::default(),
        }
    }

    /// The hub, waking `sweeper` when a deleted message may have left an attachment that
    /// nothing references (see [`crate::attachments`]).
    #[must_use]
    pub fn with_sweeper(mut self, sweeper: Arc<Notify>) -> Self {
        self.sweeper = sweeper;
        self
    }

    /// The hub, counting into `metrics` (see [`crate::metrics`]).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Runs the hub until every command sender is dropped, then returns (store flushed).
    pub fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        // Waking at a deadline takes the runtime's timers: without them, nothing is paced.
        let paced = tokio::runtime::Handle::try_current().is_ok();
        // A batch may be empty: the hub woke to release a paced room (see [`pacing`]).
        while self.next_batch(&mut commands, &mut batch, self.pacing.next_release()) {
            if paced {
                self.pacing.set_clock(std::time::Instant::now());
            }
            for command in batch.drain(..) {
                self.handle(command, Now::read());
            }
            self.end_batch();
        }
        tracing::info!("hub stopped");
    }

    /// Ends a batch: stores and sends what it queued ([`Hub::flush`]; unless it can wait for a
    /// paced room's next fan-out, see [`pacing`]), releases the paced rooms
    /// whose interval is over (see [`pacing`]), tells the small rooms who came and went in it
    /// (crowds hear at the next [`Command::Tick`]), then posts what the batch sends each
    /// connection as one queue item (see [`delivery`]).
    pub fn end_batch(&mut self) {
        if !self.commit_can_wait() {
            self.flush();
        }
        self.release_due();
        self.drop_full();
        self.publish_presence(false);
        self.send_mail();
    }

    /// Applies one command at `now`. What it sends goes into the connections' bags at once, but the
    /// acks and broadcasts of new messages (and the welcomes of hellos) wait for [`Hub::flush`],
    /// which [`Hub::run`] calls after each batch (see [`Hub::end_batch`]).
    pub fn handle(&mut self, command: Command, now: Now) {
        self.now = now;
        match command {
            Command::Connect {
                conn,
                outbox,
                address,
            } => {
                self.peers.insert(
                    conn,
                    Peer {
                        outbox,
                        address,
                        session: None,
                        typing_sent: HashMap::new(),
                        bag: delivery::Bag::default(),
                    },
                );
            }
            Command::Frame { conn, frame } => self.frame(conn, frame),
            Command::Disconnect { conn } => {
                self.flush();
                self.remove(conn);
            }
            Command::Page { request, reply } => {
                // Messages of this batch belong in the page.
                self.flush();
                let _ = reply.send(self.page(request));
            }
            Command::Attachment { request, reply } => {
                let _ = reply.send(self.attachment_access(request));
            }
            Command::Cluster(event) => self.heard(event),
            Command::Tick => self.publish_presence(true),
            Command::Health { reply } => {
                let _ = reply.send(self.store.check().map_err(|err| err.to_string()));
            }
        }
    }

    fn frame(&mut self, conn: ConnId, frame: ClientFrame) {
        if let Err(refusal) = self.within_rate(conn, &frame) {
            self.refused(conn, refusal);
            return;
        }
        let cheap = matches!(
            frame,
            ClientFrame::Send { .. }
                | ClientFrame::Typing { .. }
                | ClientFrame::Read { .. }
                | ClientFrame::Ping
                | ClientFrame::Hello { .. }
                | ClientFrame::Members { .. }
        );
        if !cheap || self.awaits_welcome(conn) {
            // Whatever reads or changes stored state must see this batch's posts and markers,
            // and a connection's frames after its hello come after its welcome. (A hello reads
            // and writes only identities, and its welcome waits for the batch's commit.)
            self.flush();
        }
        let result = match frame {
            ClientFrame::Hello {
                version,
                name,
                token,
                since,
            } => self.hello(conn, version, name, token, since),
            ClientFrame::Join {
                room,
                create,
                last_seq,
            } => self.join(conn, room, create, last_seq),
            ClientFrame::Leave { room } => self.leave(conn, room),
            ClientFrame::OpenDm { peer } => self.open_dm(conn, peer),
            ClientFrame::Send {
                id,
                room,
                text,
                reply_to,
                attachment,
            } => self.post(conn, id, room, text, reply_to, attachment),
            ClientFrame::Edit { room, seq, text } => self.edit(conn, room, seq, text),
            ClientFrame::Delete { room, seq } => self.delete(conn, room, seq),
            ClientFrame::Typing { room } => self.typing(conn, room),
            ClientFrame::Read { room, seq } => self.read(conn, room, seq),
            ClientFrame::SetTopic { room, topic } => self.set_topic(conn, room, topic),
            ClientFrame::Search { room, query } => self.search(conn, room, query),
            ClientFrame::Rename { name } => self.rename(conn, name),
            ClientFrame::ListRooms => self.list_rooms(conn),
            frame @ (ClientFrame::React { .. }
            | ClientFrame::Unreact { .. }
            | ClientFrame::Pin { .. }
            | ClientFrame::Unpin { .. }
            | ClientFrame::ListPins { .. }
            | ClientFrame::ShareReceipts { .. }) => self.extra_frame(conn, frame),
            ClientFrame::Members { room, after } => self.members(conn, room, after),
            // Socket tasks answer pings themselves; nothing reaches the hub.
            ClientFrame::Ping => Ok(()),
        };
        if let Err(refusal) = result {
            self.refused(conn, refusal);
        }
    }

    /// Tells `conn` why its frame was not applied.
    fn refused(&mut self, conn: ConnId, refusal: Refusal) {
        match refusal {
            Refusal::Rejected(rejection) => self.reply(conn, &rejection.into()),
            Refusal::Database(err) => {
                tracing::error!(%err, conn, "the database failed");
                self.fail(conn);
            }
        }
    }

    /// Who `conn` is if it said hello and is in `room`.
    fn member_of(&self, conn: ConnId, room: &str) -> Result<Who, Refusal> {
        self.peers
            .get(&conn)
            .and_then(|peer| peer.session.as_ref())
            .filter(|session| session.rooms.contains(room))
            .map(Session::who)
            .ok_or_else(|| refuse(ErrorCode::NotJoined, format!("you are not in {room}")))
    }

    /// Who `conn` is if it said hello.
    fn who(&self, conn: ConnId) -> Result<Who, Refusal> {
        self.peers
            .get(&conn)
            .and_then(|peer| peer.session.as_ref())
            .map(Session::who)
            .ok_or_else(|| refuse(ErrorCode::NotJoined, "say hello first"))
    }

    /// The session of `conn`, to change.
    fn session_mut(&mut self, conn: ConnId) -> Option<&mut Session> {
        self.peers
            .get_mut(&conn)
            .and_then(|peer| peer.session.as_mut())
    }

    /// Sends `frame` to one connection; kicks it if its queue is full.
    fn reply(&mut self, conn: ConnId, frame: &ServerFrame) {
        if !self.deliver(conn, Outgoing::Frame(encode(frame))) {
            self.kick(conn);
        }
    }

    /// Sends `frames` to one connection, in order and with nothing in between; kicks it if its
    /// queue is full.
    fn reply_all(&mut self, conn: ConnId, frames: &[ServerFrame]) {
        let frames = frames.iter().map(encode).collect();
        if !self.deliver(conn, Outgoing::Frames(frames)) {
            self.kick(conn);
        }
    }

    /// Sends `frame` to every member of `room` online; kicks those whose queue is full.
    fn broadcast(&mut self, room: &str, frame: &ServerFrame) {
        self.broadcast_except(room, frame, None);
    }

    /// Sends `frame` to every member of `room` online but `skip`: now, or with the room's next
    /// fan-out if it is paced (see [`pacing`]).
    fn broadcast_except(&mut self, room: &str, frame: &ServerFrame, skip: Option<ConnId>) {
        if !self.rooms.contains_key(room) {
            return;
        }
        if let Some(encoded) = self.pacing.hold(room, encode(frame), skip) {
            self.fan_out(room, encoded, skip);
        }
    }

    /// Puts `encoded` in the bag of every member of `room` online but `skip`; kicks those
    /// whose queue is full.
    fn fan_out(&mut self, room: &str, encoded: Utf8Bytes, skip: Option<ConnId>) {
        let Self {
            rooms,
            peers,
            mail,
            metrics,
            pacing,
            ..
        } = self;
        let Some(online) = rooms.get(room).map(|room| &room.online) else {
            return;
        };
        pacing.fanned_out(room, online.len());
        let too_slow: Vec<ConnId> = online
            .values()
            .copied()
            .filter(|&conn| Some(conn) != skip)
            .filter(|&conn| {
                metrics.frame_queued();
                !mail.put(peers, conn, Outgoing::Frame(encoded.clone()))
            })
            .collect();
        for conn in too_slow {
            self.kick(conn);
        }
    }

    /// Queues `outgoing` for `conn` (it goes out with the batch's other frames for `conn`, see
    /// [`delivery`]); false if that would pass [`MAX_QUEUED_BYTES`] (an empty queue takes any
    /// one item). A full queue is found when the batch is posted.
    fn deliver(&mut self, conn: ConnId, outgoing: Outgoing) -> bool {
        self.metrics.frame_queued();
        self.mail.put(&mut self.peers, conn, outgoing)
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str) {
        if !self.deliver(conn, Outgoing::Close(code, reason)) {
            self.kick(conn);
        }
    }

    /// Tells a connection the server failed and closes it.
    fn fail(&mut self, conn: ConnId) {
        self.reply(
            conn,
            &ServerFrame::error(
                ErrorCode::Internal,
                "the server could not store or read messages",
            ),
        );
        self.close(conn, close_code::SERVER_ERROR, "server error");
    }

    /// Drops a connection that cannot keep up with its queue.
    fn kick(&mut self, conn: ConnId) {
        if let Some(peer) = self.peers.get(&conn) {
            tracing::warn!(conn, "outgoing queue full; disconnecting a slow client");
            self.metrics.slow_client_dropped();
            peer.outbox.kick();
        }
        self.remove(conn);
    }

    /// Forgets a connection and tells its rooms it went offline.
    fn remove(&mut self, conn: ConnId) {
        let Some(session) = self.forget(conn) else {
            return;
        };
        for room in &session.rooms {
            self.presence.went(room, &session.name);
            self.tell(crate::store::cluster::Happened::Left {
                room: room.clone(),
                name: session.name.clone(),
            });
        }
    }

    /// Forgets a connection without telling anyone; returns its session if it had one.
    fn forget(&mut self, conn: ConnId) -> Option<Session> {
        let peer = self.peers.remove(&conn)?;
        delivery::post_last(&peer.outbox, peer.bag);
        let session = peer.session?;
        for room in &session.rooms {
            if let Some(state) = self.rooms.get_mut(room) {
                state.online.remove(&session.name);
            }
            self.note_presence(room, &session.name, false);
        }
        if self.online.get(&session.user) == Some(&conn) {
            self.online.remove(&session.user);
        }
        Some(session)
    }
}

/// Serialises a frame once so a broadcast can share the bytes.
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    // Serialising these plain structs cannot fail.
    serde_json::to_string(frame)
        .unwrap_or_else(|err| unreachable!("server frame failed to serialise: {err}"))
        .into()
}
