//! The hub: rooms, names, sequence numbers, persistence and fan-out.
//!
//! The hub runs on one dedicated thread that owns all chat state and the [`Store`]. Sessions send
//! it [`Command`]s; it drains whatever has queued up, stores every new message of that batch in
//! one transaction (group commit), and only then acknowledges and broadcasts them. Frames to a
//! session go through that session's bounded [`Outbox`]; a session whose outbox is full is
//! kicked, so one slow reader never holds up a room.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc};

use crate::protocol::{
    self, ChatMessage, ClientFrame, ErrorCode, HISTORY_ON_JOIN, MAX_REPLAY, MAX_TOKEN_BYTES,
    PROTOCOL_VERSION, ServerFrame, close_code,
};
use crate::server::store::Store;

/// Identifies one WebSocket connection for the lifetime of the server.
pub type ConnId = u64;

/// How many commands the hub handles in one batch at most.
const MAX_BATCH: usize = 256;

/// What the hub asks a session to write to its socket.
#[derive(Debug)]
pub enum Outgoing {
    /// A serialised server frame, shared between all the recipients of a broadcast.
    Frame(Utf8Bytes),
    /// Close the socket with this code and reason.
    Close(u16, &'static str),
}

/// The sending half of a session's outgoing queue, as held by the hub.
#[derive(Clone, Debug)]
pub struct Outbox {
    /// Bounded queue of frames to write.
    pub queue: mpsc::Sender<Outgoing>,
    /// Signalled when the hub drops this session for not keeping up.
    pub kicked: Arc<Notify>,
}

/// A request from a session to the hub.
#[derive(Debug)]
pub enum Command {
    /// A new connection; frames for it go to `outbox`.
    Connect {
        /// The new connection.
        conn: ConnId,
        /// Its outgoing queue.
        outbox: Outbox,
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
}

/// Someone connected, and where they are if they joined.
struct Connection {
    outbox: Outbox,
    member: Option<Membership>,
    token: Option<String>,
}

/// What a hello asks for.
struct Hello {
    version: u32,
    name: String,
    room: String,
    token: Option<String>,
    last_seq: Option<u64>,
}

/// A joined connection's name and room.
struct Membership {
    name: String,
    room: String,
}

/// A room's members (by name) and its last sequence number.
#[derive(Default)]
struct Room {
    members: BTreeMap<String, ConnId>,
    last_seq: u64,
}

/// A message that has its sequence number and waits for the batch to commit.
struct PendingPost {
    sender: ConnId,
    message: ChatMessage,
}

/// All chat state. Lives on the hub thread.
pub struct Hub {
    store: Store,
    connections: HashMap<ConnId, Connection>,
    rooms: HashMap<String, Room>,
    pending: Vec<PendingPost>,
}

impl Hub {
    /// A hub over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            connections: HashMap::new(),
            rooms: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Runs the hub until every command sender is dropped, then returns (store flushed).
    pub fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while commands.blocking_recv_many(&mut batch, MAX_BATCH) > 0 {
            for command in batch.drain(..) {
                self.handle(command);
            }
            self.commit_pending();
        }
        tracing::info!("hub stopped");
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Connect { conn, outbox } => {
                self.connections.insert(
                    conn,
                    Connection {
                        outbox,
                        member: None,
                        token: None,
                    },
                );
            }
            Command::Frame { conn, frame } => match frame {
                ClientFrame::Hello {
                    version,
                    name,
                    room,
                    token,
                    last_seq,
                } => {
                    // Messages already in this batch must reach the history the joiner reads.
                    self.commit_pending();
                    let hello = Hello {
                        version,
                        name,
                        room,
                        token,
                        last_seq,
                    };
                    self.hello(conn, hello);
                }
                ClientFrame::Send { id, room, text } => self.post(conn, id, room, text),
                // Sessions answer pings themselves; nothing reaches the hub.
                ClientFrame::Ping => {}
            },
            Command::Disconnect { conn } => {
                self.commit_pending();
                self.remove(conn);
            }
        }
    }

    fn hello(&mut self, conn: ConnId, hello: Hello) {
        let Hello {
            version,
            name,
            room,
            token,
            last_seq,
        } = hello;
        let Some(connection) = self.connections.get(&conn) else {
            return;
        };
        if version != PROTOCOL_VERSION {
            self.reply(
                conn,
                &ServerFrame::error(
                    ErrorCode::UnsupportedVersion,
                    format!(
                        "this server speaks protocol version {PROTOCOL_VERSION}, not {version}"
                    ),
                ),
            );
            self.close(conn, close_code::POLICY, "unsupported protocol version");
            return;
        }
        let refusal = if connection.member.is_some() {
            Some(ServerFrame::error(
                ErrorCode::AlreadyJoined,
                "you have already joined",
            ))
        } else if let Err(problem) = protocol::validate_name(&name) {
            Some(ServerFrame::error(
                ErrorCode::InvalidName,
                format!("name {problem}"),
            ))
        } else if let Err(problem) = protocol::validate_name(&room) {
            Some(ServerFrame::error(
                ErrorCode::InvalidRoom,
                format!("room name {problem}"),
            ))
        } else if token
            .as_ref()
            .is_some_and(|token| token.len() > MAX_TOKEN_BYTES)
        {
            Some(ServerFrame::error(
                ErrorCode::TooLarge,
                format!("token must be at most {MAX_TOKEN_BYTES} bytes"),
            ))
        } else {
            None
        };
        if let Some(refusal) = refusal {
            self.reply(conn, &refusal);
            return;
        }
        let rejoining = match self.holder_of(&name) {
            None => false,
            Some(holder)
                if same_secret(self.connections[&holder].token.as_deref(), token.as_deref()) =>
            {
                self.replace(holder);
                true
            }
            Some(_) => {
                self.reply(
                    conn,
                    &ServerFrame::error(
                        ErrorCode::NameTaken,
                        format!("{name} is already taken; pick another name"),
                    ),
                );
                return;
            }
        };
        let (history, skipped) = match self.history_for(&room, last_seq) {
            Ok(found) => found,
            Err(err) => {
                tracing::error!(%err, "reading history failed");
                self.fail(conn);
                return;
            }
        };
        if !rejoining {
            let joined = ServerFrame::Joined {
                room: room.clone(),
                name: name.clone(),
            };
            self.broadcast(&room, &joined);
        }
        let members = &mut self.rooms.entry(room.clone()).or_default().members;
        members.insert(name.clone(), conn);
        let users = members.keys().cloned().collect();
        tracing::info!(conn, room = %room, rejoining, "joined");
        if let Some(connection) = self.connections.get_mut(&conn) {
            connection.member = Some(Membership {
                name: name.clone(),
                room: room.clone(),
            });
            connection.token = token;
        }
        self.reply(
            conn,
            &ServerFrame::Welcome {
                version: PROTOCOL_VERSION,
                name,
                room,
                users,
                history,
                skipped,
            },
        );
    }

    /// The welcome's history: the recent messages for a new joiner; for a reconnect, those after
    /// `last_seq` (the newest [`MAX_REPLAY`] of them, with how many were left out).
    fn history_for(
        &mut self,
        room: &str,
        last_seq: Option<u64>,
    ) -> rusqlite::Result<(Vec<ChatMessage>, u64)> {
        self.ensure_room(room)?;
        let Some(last_seq) = last_seq else {
            return Ok((self.store.recent(room, HISTORY_ON_JOIN)?, 0));
        };
        let newest = self.rooms.get(room).map_or(0, |room| room.last_seq);
        let missed = newest.saturating_sub(last_seq);
        if missed > MAX_REPLAY as u64 {
            Ok((
                self.store.recent(room, MAX_REPLAY)?,
                missed - MAX_REPLAY as u64,
            ))
        } else {
            Ok((self.store.after(room, last_seq, MAX_REPLAY)?, 0))
        }
    }

    /// The connection holding `name`, if anyone does.
    fn holder_of(&self, name: &str) -> Option<ConnId> {
        self.connections.iter().find_map(|(&conn, connection)| {
            connection
                .member
                .as_ref()
                .is_some_and(|member| member.name == name)
                .then_some(conn)
        })
    }

    /// Drops an old connection whose name a reconnect of the same client takes over, without
    /// telling the room it left (it is coming straight back).
    fn replace(&mut self, old: ConnId) {
        self.reply(
            old,
            &ServerFrame::error(
                ErrorCode::Replaced,
                "this name connected again from elsewhere",
            ),
        );
        self.close(old, close_code::POLICY, "replaced by a newer connection");
        if let Some(Membership { name, room }) = self
            .connections
            .remove(&old)
            .and_then(|connection| connection.member)
            && let Some(state) = self.rooms.get_mut(&room)
        {
            state.members.remove(&name);
        }
    }

    fn post(&mut self, conn: ConnId, id: String, room: String, text: String) {
        let Some(member) = self
            .connections
            .get(&conn)
            .and_then(|connection| connection.member.as_ref())
            .filter(|member| member.room == room)
        else {
            self.reply(
                conn,
                &ServerFrame::error(ErrorCode::NotJoined, format!("you have not joined {room}")),
            );
            return;
        };
        if let Err(error) = protocol::validate_message(&id, &text) {
            self.reply(conn, &error.about_message(&id));
            return;
        }
        let from = member.name.clone();
        if let Some(ack) = self.already_posted(&room, &from, &id) {
            // A retry of a message we have: answer with the original, broadcast nothing.
            self.reply(conn, &ack);
            return;
        }
        let Some(last_seq) = self.rooms.get_mut(&room).map(|room| &mut room.last_seq) else {
            return;
        };
        *last_seq += 1;
        let message = ChatMessage {
            room,
            seq: *last_seq,
            id,
            from,
            time: now_ms(),
            text,
        };
        self.pending.push(PendingPost {
            sender: conn,
            message,
        });
    }

    /// The ack for a message already stored or pending under this client id, if any.
    fn already_posted(&self, room: &str, from: &str, id: &str) -> Option<ServerFrame> {
        let ack = |seq, time| ServerFrame::Ack {
            id: id.to_owned(),
            room: room.to_owned(),
            seq,
            time,
        };
        if let Some(pending) = self.pending.iter().find(|pending| {
            pending.message.room == room && pending.message.from == from && pending.message.id == id
        }) {
            return Some(ack(pending.message.seq, pending.message.time));
        }
        match self.store.find(room, from, id) {
            Ok(found) => found.map(|stored| ack(stored.seq, stored.time)),
            Err(err) => {
                tracing::error!(%err, "looking up a message id failed");
                None
            }
        }
    }

    /// Stores the batch's new messages in one transaction, then acks and broadcasts them.
    fn commit_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let posts = std::mem::take(&mut self.pending);
        let messages: Vec<ChatMessage> = posts.iter().map(|post| post.message.clone()).collect();
        if let Err(err) = self.store.insert_batch(&messages) {
            tracing::error!(%err, count = messages.len(), "storing messages failed");
            for post in &posts {
                // Nothing of the batch is stored: hand the numbers back and let senders retry.
                if let Some(room) = self.rooms.get_mut(&post.message.room) {
                    room.last_seq = room.last_seq.min(post.message.seq - 1);
                }
                self.fail(post.sender);
            }
            return;
        }
        for PendingPost { sender, message } in posts {
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
    }

    fn ensure_room(&mut self, room: &str) -> rusqlite::Result<()> {
        if !self.rooms.contains_key(room) {
            let last_seq = self.store.last_seq(room)?;
            self.rooms.insert(
                room.to_owned(),
                Room {
                    members: BTreeMap::new(),
                    last_seq,
                },
            );
        }
        Ok(())
    }

    /// Sends `frame` to one connection; kicks it if its queue is full.
    fn reply(&mut self, conn: ConnId, frame: &ServerFrame) {
        if !self.deliver(conn, Outgoing::Frame(encode(frame))) {
            self.kick(conn);
        }
    }

    /// Sends `frame` to every member of `room`; kicks those whose queue is full.
    fn broadcast(&mut self, room: &str, frame: &ServerFrame) {
        let Some(members) = self.rooms.get(room).map(|room| &room.members) else {
            return;
        };
        let encoded = encode(frame);
        let too_slow: Vec<ConnId> = members
            .values()
            .copied()
            .filter(|&conn| !self.deliver(conn, Outgoing::Frame(encoded.clone())))
            .collect();
        for conn in too_slow {
            self.kick(conn);
        }
    }

    /// Queues `outgoing` for `conn`; false if its queue is full.
    fn deliver(&self, conn: ConnId, outgoing: Outgoing) -> bool {
        match self.connections.get(&conn) {
            Some(connection) => !matches!(
                connection.outbox.queue.try_send(outgoing),
                Err(mpsc::error::TrySendError::Full(_))
            ),
            None => true,
        }
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
        if let Some(connection) = self.connections.get(&conn) {
            tracing::warn!(conn, "outgoing queue full; disconnecting a slow client");
            connection.outbox.kicked.notify_one();
        }
        self.remove(conn);
    }

    /// Forgets a connection and tells its room it left.
    fn remove(&mut self, conn: ConnId) {
        let Some(connection) = self.connections.remove(&conn) else {
            return;
        };
        let Some(Membership { name, room }) = connection.member else {
            return;
        };
        if let Some(state) = self.rooms.get_mut(&room) {
            state.members.remove(&name);
        }
        self.broadcast(
            &room,
            &ServerFrame::Left {
                room: room.clone(),
                name,
            },
        );
    }
}

/// Whether two client tokens are present and equal, compared in constant time.
fn same_secret(held: Option<&str>, offered: Option<&str>) -> bool {
    let (Some(held), Some(offered)) = (held, offered) else {
        return false;
    };
    held.len() == offered.len()
        && held
            .bytes()
            .zip(offered.bytes())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

/// Serialises a frame once so a broadcast can share the bytes.
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    // Serialising these plain structs cannot fail.
    serde_json::to_string(frame)
        .unwrap_or_else(|err| unreachable!("server frame failed to serialise: {err}"))
        .into()
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}
