//! The frames of the WebSocket conversation: what a client sends and what the server answers.

use serde::{Deserialize, Serialize};

use super::ErrorCode;
use super::annotations::{Pin, Quote, Reaction, SeenMark};
use super::attachments::Attachment;

/// A frame sent by a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// The first frame on a socket: who I am. Answered by [`ServerFrame::Welcome`].
    Hello {
        /// Must equal [`super::PROTOCOL_VERSION`].
        version: u32,
        /// The display name wanted; see [`super::validate_name`] (the server keeps its NFC
        /// form). A name belongs to the first token that claims it; another token gets
        /// `name_taken` for it and for any name that looks like it.
        name: String,
        /// The client's secret identity (16 to [`super::MAX_TOKEN_BYTES`] bytes), created once
        /// and kept. It proves who owns the name, its direct messages and its messages.
        token: String,
        /// On a reconnect: the last sequence number the client has of each room. The welcome
        /// then carries the messages after it for those rooms (see [`RoomState::history`]).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        since: Vec<RoomCursor>,
    },
    /// Join a room (becoming a member until leaving it). Answered by [`ServerFrame::Room`].
    Join {
        /// The room; see [`super::validate_room_name`].
        room: String,
        /// Create the room if it does not exist (otherwise `unknown_room`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        create: bool,
        /// The last sequence number the client has of the room, if it has any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seq: Option<u64>,
    },
    /// Stop being a member of a public room (a direct conversation cannot be left:
    /// `forbidden`). Answered by [`ServerFrame::Parted`].
    Leave {
        /// The room.
        room: String,
    },
    /// Open (creating if needed) the direct-message room with another user. Both users become
    /// its only members; each gets a [`ServerFrame::Room`].
    OpenDm {
        /// The other user's name.
        peer: String,
    },
    /// Post a message to a room the client is a member of.
    Send {
        /// Client-generated id, unique per sender; the server echoes it in the ack and broadcast.
        id: String,
        /// The room to post to.
        room: String,
        /// The message text, at most [`super::MAX_TEXT_BYTES`].
        text: String,
        /// The sequence number of the message of the same room this one answers, if it is a
        /// reply (`unknown_message` if there is no such message).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<u64>,
        /// The [`Attachment::hash`] of content the sender uploaded, to post with the text (which
        /// may then be empty); see [`super::attachments`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<String>,
    },
    /// Replace the text of one of our own messages. Broadcast as [`ServerFrame::Edited`].
    Edit {
        /// The room.
        room: String,
        /// The message's sequence number.
        seq: u64,
        /// The new text.
        text: String,
    },
    /// Delete one of our own messages. Broadcast as [`ServerFrame::Deleted`].
    Delete {
        /// The room.
        room: String,
        /// The message's sequence number.
        seq: u64,
    },
    /// The user is typing in a room. Clients send it at most every few seconds while the
    /// composer holds text; the others see [`ServerFrame::Typing`].
    Typing {
        /// The room.
        room: String,
    },
    /// The user has read a room up to `seq` (kept by the server: unread counts follow the
    /// identity, not the device).
    Read {
        /// The room.
        room: String,
        /// The last sequence number read.
        seq: u64,
    },
    /// Set a room's topic (not for direct messages). Broadcast as [`ServerFrame::Topic`].
    SetTopic {
        /// The room.
        room: String,
        /// The new topic, at most [`super::MAX_TOPIC_CHARS`] characters; empty clears it.
        topic: String,
    },
    /// Search a room's history. Answered by [`ServerFrame::SearchResults`].
    Search {
        /// The room.
        room: String,
        /// Text to look for (case-insensitive for ASCII), 1 to [`super::MAX_QUERY_CHARS`].
        query: String,
    },
    /// Ask for the public rooms there are. Answered by [`ServerFrame::RoomList`].
    ListRooms,
    /// Ask for a page of who is online in a room the client is in (a crowd's room state and
    /// presence frames do not list everyone). Answered by [`ServerFrame::Members`].
    Members {
        /// The room.
        room: String,
        /// The page starts after this name (in the server's sorted order); none: from the start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    /// Change the display name; every room the user is in sees [`ServerFrame::Renamed`].
    Rename {
        /// The new name; see [`super::validate_name`].
        name: String,
    },
    /// Add our reaction `emoji` to a message (nothing changes if we already reacted with it).
    /// Broadcast as [`ServerFrame::Reactions`].
    React {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
        /// The emoji; see [`super::validate_emoji`].
        emoji: String,
    },
    /// Take our reaction `emoji` off a message (nothing changes if we had none). Broadcast as
    /// [`ServerFrame::Reactions`].
    Unreact {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
        /// The emoji.
        emoji: String,
    },
    /// Pin a message of a room (any member may; at most [`super::MAX_PINS`] a room). Broadcast as
    /// [`ServerFrame::Pinned`].
    Pin {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
    },
    /// Unpin a message. Broadcast as [`ServerFrame::Pinned`] with `pinned: false`.
    Unpin {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
    },
    /// Ask for a room's pinned messages. Answered by [`ServerFrame::Pins`].
    ListPins {
        /// The room.
        room: String,
    },
    /// Share our read receipts with the members of our rooms, or stop (kept by the server for
    /// the identity; shared by default). Who does not share sees nobody's. Answered by
    /// [`ServerFrame::ReceiptSharing`] and a [`ServerFrame::Seen`] reset of each room.
    ShareReceipts {
        /// Whether to share.
        share: bool,
    },
    /// Heartbeat; the server answers [`ServerFrame::Pong`]. Browsers cannot send WebSocket
    /// pings, so clients send this every few seconds to detect a dead connection.
    Ping,
}

/// The last sequence number a client has of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCursor {
    /// The room.
    pub room: String,
    /// The last sequence number the client has.
    pub last_seq: u64,
}

/// A stored chat message as the server stamped it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// The room it was posted to.
    pub room: String,
    /// Per-room sequence number: starts at 1 and only grows.
    pub seq: u64,
    /// The client message id the sender chose.
    pub id: String,
    /// The sender's name, stamped by the server: the author identity's current name (a
    /// rename renames its old messages too).
    pub from: String,
    /// Server time in milliseconds since the Unix epoch (UTC).
    pub time: i64,
    /// The message text (empty once deleted).
    pub text: String,
    /// When the text was last edited (server time, ms), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<i64>,
    /// Whether the sender deleted it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// For a reply: the message it answers, as it reads now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quote>,
    /// Its emoji reactions, in the order each emoji was first used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The image or file posted with it (gone once the message is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Box<Attachment>>,
}

/// Whether a room is open to anyone or a direct conversation between two users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// Anyone may join.
    Public,
    /// Two users only; nobody else may join, read or page its history.
    Direct,
}

/// A public room as the room list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomListing {
    /// The room's name.
    pub room: String,
    /// Its topic (empty when none).
    pub topic: String,
    /// How many members it has (online or not).
    pub members: u64,
}

/// Everything a member needs to show a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomState {
    /// The room's name: a public room's name, or the server's key of a direct conversation.
    pub room: String,
    /// Public room or direct messages.
    pub kind: RoomKind,
    /// The topic (empty when none).
    #[serde(default)]
    pub topic: String,
    /// For direct messages: the other user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Members online in the room, sorted: the first [`super::MEMBER_PAGE`] at most, and as
    /// many of them as fit in [`super::MAX_USERS_BYTES`]; the rest are paged with
    /// [`ClientFrame::Members`].
    pub users: Vec<String>,
    /// How many members are online in the room (`users` lists all of them when it has this
    /// many); [`ServerFrame::Presence`] keeps it exact.
    #[serde(default)]
    pub online: u64,
    /// Oldest first: the most recent [`super::HISTORY_ON_JOIN`] messages, or, after a cursor,
    /// every message after it (the newest [`super::MAX_REPLAY`] if more were missed; the recent
    /// ones if the cursor is beyond the room's newest message, i.e. from another history).
    ///
    /// Bounded by [`super::MAX_SERVER_FRAME_BYTES`] too: without a cursor it holds the newest of
    /// those that fit (older ones are paged over HTTP); after a cursor it holds the oldest missed
    /// ones that fit and the rest follow at once in [`ServerFrame::History`] frames.
    pub history: Vec<ChatMessage>,
    /// How many messages after the cursor were left out (0 when the history is complete).
    #[serde(default)]
    pub skipped: u64,
    /// The last sequence number this user has read.
    #[serde(default)]
    pub last_read: u64,
    /// Messages from others after `last_read` (at most [`super::MAX_UNREAD_COUNT`]).
    #[serde(default)]
    pub unread: u64,
    /// Of those, how many mention this user (`@name`; at most [`super::MAX_MENTION_COUNT`]).
    #[serde(default)]
    pub mentions: u64,
    /// How far the members who share read receipts have read, furthest first (at most
    /// [`super::MAX_SEEN`]; empty when this user does not share theirs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<SeenMark>,
}

/// A frame sent by the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to a successful hello: the name held and every room the user is a member of
    /// (a new user starts in [`super::DEFAULT_ROOM`]).
    Welcome {
        /// The server's protocol version.
        version: u32,
        /// The name the client now holds.
        name: String,
        /// The user's rooms: those that fit in [`super::MAX_SERVER_FRAME_BYTES`].
        rooms: Vec<RoomState>,
        /// How many more rooms the user is a member of: each follows right after the welcome as
        /// a [`ServerFrame::Room`], before any other frame (0: `rooms` is complete).
        #[serde(default, skip_serializing_if = "is_zero")]
        more_rooms: u64,
        /// A random id of the server's database, made with it (servers sharing one database say
        /// the same). A client that sees another epoch than before talks to another history: its
        /// sequence numbers mean nothing here, so it starts over (as when the server's history
        /// ends before its cursor). Absent from older servers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        epoch: Option<String>,
    },
    /// A room the user just joined, or a direct conversation opened by either side; also each
    /// room that did not fit in the welcome (see its `more_rooms`).
    Room(RoomState),
    /// The rest of a replay: the next missed messages of a room, oldest first, continuing the
    /// history of the room state just sent (as many of these frames as needed, each within
    /// [`super::MAX_SERVER_FRAME_BYTES`]).
    History {
        /// The room.
        room: String,
        /// The messages, oldest first.
        messages: Vec<ChatMessage>,
    },
    /// The user left this room (on this or another connection).
    Parted {
        /// The room.
        room: String,
    },
    /// A message posted to a room (broadcast to every member, the sender included).
    Message(ChatMessage),
    /// Confirms to the sender that its message is stored.
    Ack {
        /// The client message id being acknowledged.
        id: String,
        /// The room it went to.
        room: String,
        /// The sequence number it was given.
        seq: u64,
        /// The server time it was stamped with.
        time: i64,
    },
    /// A message's text was edited by its sender.
    Edited {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
        /// The new text.
        text: String,
        /// When (server time, ms).
        edited: i64,
    },
    /// A message was deleted by its sender.
    Deleted {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
    },
    /// Who came online in the room (or joined it) and who went offline (or left it) since the
    /// room's last presence frame, and how many are online now. The server gathers changes: a
    /// room hears them once per batch of frames the server handles, a crowd (more than
    /// [`super::MEMBER_PAGE`] online) at most once a second and without the lists (only the
    /// count is exact: [`ClientFrame::Members`] pages the names). Someone who came and went in
    /// between is in `left`, someone who went and came back in `joined`: a client ignores the
    /// arrival of someone it lists and the departure of someone it does not.
    Presence {
        /// The room.
        room: String,
        /// Who came online, sorted.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        joined: Vec<String>,
        /// Who went offline, sorted.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        left: Vec<String>,
        /// How many members are online in the room now.
        online: u64,
    },
    /// Someone is typing in the room (shown for a few seconds unless repeated).
    Typing {
        /// The room.
        room: String,
        /// Who.
        name: String,
    },
    /// A room's topic changed.
    Topic {
        /// The room.
        room: String,
        /// The new topic (empty: none).
        topic: String,
        /// Who set it.
        by: String,
    },
    /// A member of the room changed their name.
    Renamed {
        /// The room.
        room: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// The answer to [`ClientFrame::ListRooms`]: public rooms, most members first (at most
    /// [`super::MAX_ROOM_LIST`], and as many as fit in [`super::MAX_SERVER_FRAME_BYTES`]).
    RoomList {
        /// The rooms.
        rooms: Vec<RoomListing>,
    },
    /// The answer to [`ClientFrame::Members`]: the next names online in the room, sorted (at
    /// most [`super::MEMBER_PAGE`], within [`super::MAX_USERS_BYTES`]).
    Members {
        /// The room.
        room: String,
        /// The name the page starts after, as asked (none: the first page).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        /// The names.
        users: Vec<String>,
        /// Whether more names follow the last one.
        more: bool,
        /// How many members are online in the room.
        online: u64,
    },
    /// The answer to [`ClientFrame::Search`]: matches, newest first (at most
    /// [`super::MAX_SEARCH_RESULTS`], and as many as fit in [`super::MAX_SERVER_FRAME_BYTES`]).
    SearchResults {
        /// The room searched.
        room: String,
        /// The query, as sent.
        query: String,
        /// The matching messages, newest first.
        messages: Vec<ChatMessage>,
    },
    /// A message's reactions changed: all of them as they are now.
    Reactions {
        /// The room.
        room: String,
        /// The message.
        seq: u64,
        /// Its reactions (empty: none left).
        reactions: Vec<Reaction>,
    },
    /// Someone pinned or unpinned a message (shown in the timeline).
    Pinned {
        /// The room.
        room: String,
        /// The message.
        quote: Quote,
        /// Who.
        by: String,
        /// True for a pin, false for an unpin.
        pinned: bool,
        /// When (server time, ms).
        time: i64,
    },
    /// The answer to [`ClientFrame::ListPins`]: the room's pinned messages, newest pin first.
    Pins {
        /// The room.
        room: String,
        /// The pins.
        pins: Vec<Pin>,
    },
    /// Read receipts moved: members of the room and the last sequence number each has read
    /// (sent only to members who share theirs, and only about those who share).
    Seen {
        /// The room.
        room: String,
        /// The marks that changed (a `seq` of 0 takes a member off).
        marks: Vec<SeenMark>,
        /// Whether `marks` replaces every mark the client had for the room.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reset: bool,
    },
    /// Whether this identity shares its read receipts: after each
    /// [`ClientFrame::ShareReceipts`], and right after the welcome (and the frames that
    /// complete it) when it does not share (a client assumes it shares on each welcome).
    ReceiptSharing {
        /// Whether it shares.
        share: bool,
    },
    /// The answer to [`ClientFrame::Ping`].
    Pong,
    /// Something went wrong; see [`ErrorCode`].
    Error {
        /// Machine-readable reason.
        code: ErrorCode,
        /// Human-readable explanation.
        message: String,
        /// The client message id of the `send` refused, when the error is about one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// For `rate_limited`: milliseconds to wait before trying again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
}

/// For `skip_serializing_if`: a count of zero is left out.
fn is_zero(count: &u64) -> bool {
    *count == 0
}

impl ServerFrame {
    /// Shorthand for an error frame.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
            id: None,
            retry_after: None,
        }
    }
}
