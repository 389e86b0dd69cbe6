//! Several servers ("nodes") on one database: what they tell each other, and the store's part
//! in it ([`ClusterStore`]).
//!
//! Only PostgreSQL is shared ([`super::pg`]: `LISTEN`/`NOTIFY`, heartbeat rows, who is online
//! where). SQLite is one node's own file: every method keeps its default, which does nothing.

use chinwag_protocol::SeenMark;
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
    /// Identity `user` changed its name from `from` to `to`.
    Renamed {
        /// The identity.
        user: i64,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// The reactions of message `seq` of `room` changed (read them from the store).
    Reactions {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
    },
    /// `by` pinned (or unpinned) message `seq` of `room` at `time`.
    Pinned {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
        /// Who.
        by: String,
        /// A pin (or an unpin).
        pinned: bool,
        /// When (server time, ms).
        time: i64,
    },
    /// `by` set the topic of `room` (read it from the store).
    Topic {
        /// The room.
        room: String,
        /// Who.
        by: String,
    },
    /// Read receipts moved in `room`: the marks of members who share theirs (at most
    /// [`SEEN_PER_EVENT`] an event, so a notification stays small).
    Seen {
        /// The room.
        room: String,
        /// The marks (a `seq` of 0 takes a member off).
        marks: Vec<SeenMark>,
    },
    /// Identity `user` started (or stopped) sharing its read receipts.
    Sharing {
        /// The identity.
        user: i64,
        /// Whether it shares now.
        share: bool,
    },
    /// The direct room `room` was opened with identity `user`: a connection of it elsewhere
    /// gets the room.
    Opened {
        /// The direct room.
        room: String,
        /// The peer it was opened with.
        user: i64,
    },
    /// The sending node wrote all of its `online` rows afresh (after it could not tell some
    /// changes): who is online elsewhere is read again.
    Restated,
    /// Not a notification: a second passed — time to catch up with anything a lost
    /// notification did not say, and to drop dead nodes' users.
    Tick,
    /// Not a notification: the listener connected (again). What was said while it was not
    /// listening is lost: who is online elsewhere is read again, and this node writes its own
    /// presence afresh (it may have been declared dead meanwhile).
    Listening,
}

/// The most read receipts one [`Happened::Seen`] carries: 16 marks of the longest names stay
/// far below PostgreSQL's 8,000-byte limit of a notification.
pub const SEEN_PER_EVENT: usize = 16;

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

    /// Writes who is online on this node afresh (`(room, name)` pairs: all of them) and tells
    /// the other nodes [`Happened::Restated`]: after changes that could not be told.
    fn restate(&mut self, _online: &[(String, String)]) -> StoreResult<()> {
        Ok(())
    }

    /// Who is online on other nodes in each of `rooms`, as `(room, name)` pairs.
    fn online_elsewhere(&self, _rooms: &[String]) -> StoreResult<Vec<(String, String)>> {
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
    /// node; each event (and a [`Happened::Tick`] every second, a [`Happened::Listening`] after
    /// each connection) goes to `forward`.
    fn listen(&self, _forward: Forward) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chinwag_protocol::MAX_NAME_CHARS;

    #[test]
    fn the_largest_events_stay_far_below_the_8000_bytes_of_a_notification() {
        // Names and rooms of the most characters, each of the most bytes (JSON leaves them as
        // they are); ids and numbers at their largest.
        let name = "𝕏".repeat(MAX_NAME_CHARS);
        let largest = [
            Happened::Seen {
                room: name.clone(),
                marks: vec![
                    SeenMark {
                        name: name.clone(),
                        seq: u64::MAX,
                    };
                    SEEN_PER_EVENT
                ],
            },
            Happened::Renamed {
                user: i64::MAX,
                from: name.clone(),
                to: name.clone(),
            },
            Happened::Pinned {
                room: name.clone(),
                seq: u64::MAX,
                by: name.clone(),
                pinned: true,
                time: i64::MIN,
            },
            Happened::Topic {
                room: name.clone(),
                by: name.clone(),
            },
        ];
        for what in largest {
            let payload = serde_json::to_string(&Event {
                node: i64::MAX,
                what,
            })
            .unwrap();
            assert!(payload.len() < 4000, "{} bytes: {payload}", payload.len());
        }
    }
}
