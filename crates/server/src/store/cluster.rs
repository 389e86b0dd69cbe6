//! Several servers ("nodes") on one database: what they tell each other, and the store's part
//! in it ([`ClusterStore`]).
//!
//! Only PostgreSQL is shared ([`super::pg`]: `LISTEN`/`NOTIFY`, heartbeat rows, who is online
//! where). SQLite is one node's own file: every method keeps its default, which does nothing.

use serde::{Deserialize, Serialize};

use super::StoreResult;

/// Something a node tells the others, stamped with the node it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The node that says it (0: the database itself, for nodes declared dead).
    pub node: i64,
    /// What happened.
    #[serde(flatten)]
    pub what: Happened,
}

/// What a node heard or says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happened {
    /// Messages of `room` up to `seq` are committed.
    Message {
        /// The room.
        room: String,
        /// The newest committed sequence number.
        seq: u64,
    },
    /// Message `seq` of `room` was edited or deleted.
    Changed {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
    },
    /// Someone is typing in `room`.
    Typing {
        /// The room.
        room: String,
        /// Who.
        name: String,
    },
    /// `name` came online in `room`.
    Joined {
        /// The room.
        room: String,
        /// Who.
        name: String,
    },
    /// `name` went offline in `room`.
    Left {
        /// The room.
        room: String,
        /// Who.
        name: String,
    },
    /// Identity `user` said hello on the sending node: any other connection of it elsewhere is
    /// replaced.
    Hello {
        /// The identity.
        user: i64,
    },
    /// Not a notification: a second passed (or the listener connected again) — time to catch up
    /// with anything a lost notification did not say, and to drop dead nodes' users.
    Tick,
}

/// A change of who is online on this node: `name` in `room`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    /// The room.
    pub room: String,
    /// Who.
    pub name: String,
    /// Online (or gone).
    pub online: bool,
}

/// What a node hears, forwarded by the listener thread; false once nobody listens any more
/// (the listener then stops).
pub type Forward = Box<dyn FnMut(Event) -> bool + Send>;

/// The store's part in running several nodes on one database. The defaults are a store of one
/// node's own (SQLite); every store has an epoch.
pub trait ClusterStore {
    /// Whether other nodes share this database (their messages, presence and typing reach this
    /// node as [`Event`]s).
    fn shared(&self) -> bool {
        false
    }

    /// This node's id (0 when not shared).
    fn node(&self) -> i64 {
        0
    }

    /// A random id of this database, made with its schema: a client that sees another one
    /// talks to another history.
    fn epoch(&self) -> String;

    /// Records who went online or offline here, and tells the other nodes `events`.
    fn publish(&mut self, _presence: &[Presence], _events: &[Happened]) -> StoreResult<()> {
        Ok(())
    }

    /// The names online in `room` on other live nodes.
    fn online_elsewhere(&self, _room: &str) -> StoreResult<Vec<String>> {
        Ok(Vec::new())
    }

    /// Whether `name` is online on another node.
    fn is_online_elsewhere(&self, _name: &str) -> StoreResult<bool> {
        Ok(false)
    }

    /// The newest committed sequence number of each of `rooms`.
    fn heads(&self, _rooms: &[String]) -> StoreResult<Vec<(String, u64)>> {
        Ok(Vec::new())
    }

    /// Forgets nodes silent for too long and their users' presence, telling every node who
    /// went offline.
    fn reap(&mut self) -> StoreResult<()> {
        Ok(())
    }

    /// Starts listening for the other nodes' events on a thread of its own, heartbeating this
    /// node; each event (and a [`Happened::Tick`] every second) goes to `forward`.
    fn listen(&self, _forward: Forward) -> std::io::Result<()> {
        Ok(())
    }
}
