//! The Chinwag wire protocol, shared by the client and the server.
//!
//! # Transport
//! One WebSocket per client at `/ws`. Every frame is a **text** frame holding one JSON object,
//! internally tagged by its `type` field; field names are `snake_case`. Binary frames are refused
//! (close code 1003). A frame larger than [`MAX_FRAME_BYTES`] is refused with close code 1009.
//! The server's frames are at most [`MAX_SERVER_FRAME_BYTES`].
//! Older history is paged over HTTP (see [`api`]).
//!
//! # Conversation
//! 1. The client opens the socket and sends [`ClientFrame::Hello`] with [`PROTOCOL_VERSION`],
//!    the name it wants and its identity token (a secret it created once and keeps).
//! 2. The server answers [`ServerFrame::Welcome`] (the confirmed name and the state of every
//!    room the user is a member of; rooms that do not fit follow as [`ServerFrame::Room`]
//!    frames, a long replay as [`ServerFrame::History`] frames) or an [`ServerFrame::Error`].
//!    A name error (`name_taken`, `invalid_name`, `invalid_token`) leaves the socket open: the
//!    client may send another hello. A name belongs to the first token that claims it, for good
//!    (after a rename it stays kept for that identity for a while), and so does every name that
//!    looks like it.
//! 3. [`ClientFrame::Join`] / [`ClientFrame::Leave`] / [`ClientFrame::OpenDm`] change the rooms
//!    the user is in; each answer is a [`ServerFrame::Room`] or [`ServerFrame::Parted`].
//! 4. The client sends [`ClientFrame::Send`] with a client-generated `id`. The server stamps the
//!    message with the sender's name, the server time and the next sequence number of the room,
//!    stores it, answers the sender with [`ServerFrame::Ack`] and broadcasts
//!    [`ServerFrame::Message`] to everyone in the room (the sender included).
//! 5. Edits, deletions, typing, topics and renames are broadcast to the room's members online;
//!    presence is gathered and broadcast as [`ServerFrame::Presence`] (the exact count online,
//!    and in rooms up to [`MEMBER_PAGE`] online who came and went; a crowd's count at most once
//!    a second). A crowd's names are paged on demand with [`ClientFrame::Members`]. So are
//!    reactions ([`ServerFrame::Reactions`]), pins ([`ServerFrame::Pinned`]) and read receipts
//!    ([`ServerFrame::Seen`], to those who share theirs). A reply carries a one-line [`Quote`]
//!    of the message it answers.
//!
//! The server is the authority for `from`, `time` (milliseconds since the Unix epoch, UTC) and
//! `seq` (per room, starts at 1, only grows). A client can never set them.
//!
//! # Errors
//! Errors are frames: `{"type":"error","code":"name_taken","message":"…"}`. [`ErrorCode`] lists the
//! codes; a `rate_limited` error also says in `retry_after` how many milliseconds to wait. Fatal
//! errors are followed by a WebSocket close with code 1008 (policy), 1009 (too big),
//! 1003 (binary data) or 1011 (server error); 1001 means the server is shutting down. A text frame
//! that is not UTF-8 is closed with 1007. A connection without a successful hello within 10 s
//! (by default) gets `hello_timeout` and 1008.

mod annotations;
pub mod api;
pub mod attachments;
mod errors;
mod frames;
#[cfg(test)]
mod golden_tests;
pub mod markup;
mod names;

pub use annotations::{
    MAX_EMOJI_BYTES, MAX_PINS, MAX_QUOTE_CHARS, MAX_REACTION_NAMES, MAX_REACTIONS_PER_MESSAGE,
    MAX_SEEN, Pin, Quote, Reaction, SeenMark, validate_emoji,
};
pub use api::HistoryPage;
pub use attachments::{Attachment, ImageSize};
pub use errors::{ErrorCode, Rejection, retry_after_ms, wait_in_words};
pub use frames::{
    ChatMessage, ClientFrame, RoomCursor, RoomKind, RoomListing, RoomState, ServerFrame,
};
pub use names::{NameProblem, validate_name, validate_room_name};

/// The protocol version spoken by this build. A hello with any other version is refused.
/// Version 3 added presence frames and member pages (crowds), replies, reactions, pins and read
/// receipts. Version 4 added attachments ([`attachments`]).
pub const PROTOCOL_VERSION: u32 = 4;
/// The room everybody joins unless they ask for another.
pub const DEFAULT_ROOM: &str = "lobby";
/// Longest user or room name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// Longest message text, in UTF-8 bytes.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;
/// Longest client message id, in bytes.
pub const MAX_CLIENT_ID_BYTES: usize = 64;
/// Largest WebSocket frame the server accepts; anything bigger closes the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Largest frame the server sends, in bytes. Frames built from many items (a welcome, a room
/// state's history and users, a replay, search results, the room list) carry as many as fit and
/// say how the rest comes (see [`ServerFrame`]); every other frame is far smaller. One message
/// always fits with room to spare: its text is at most [`MAX_TEXT_BYTES`], which JSON escapes to
/// at most six times as many bytes, and its quote and reactions (at most
/// [`MAX_REACTIONS_PER_MESSAGE`] of [`MAX_REACTION_NAMES`] names) add under 32 KiB.
pub const MAX_SERVER_FRAME_BYTES: usize = 128 * 1024;
/// The most bytes of JSON the `users` of one room state take (see [`RoomState::users`]).
pub const MAX_USERS_BYTES: usize = 16 * 1024;
/// The most names of members online a room state or a [`ServerFrame::Members`] page lists; a room
/// with more online than this is a crowd, whose presence frames carry only the count.
pub const MEMBER_PAGE: usize = 100;
/// Frames between [`MAX_FRAME_BYTES`] and this are read whole and refused politely (error frame,
/// then close 1009); beyond this the socket is cut at once without reading the rest.
pub const HARD_FRAME_LIMIT_BYTES: usize = 1024 * 1024;
/// How many recent messages a joiner receives in its room state, at most (fewer when they do not
/// fit in [`MAX_SERVER_FRAME_BYTES`]).
pub const HISTORY_ON_JOIN: usize = 100;
/// The most missed messages a reconnecting client receives (in its room state and the
/// [`ServerFrame::History`] frames right after it).
pub const MAX_REPLAY: usize = 1000;
/// Longest client token, in bytes.
pub const MAX_TOKEN_BYTES: usize = 128;
/// Shortest client token, in bytes (a token is a secret: it must not be guessable).
pub const MIN_TOKEN_BYTES: usize = 16;
/// Longest room topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 200;
/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// Unread counts in a room state stop at this many (shown as "999+").
pub const MAX_UNREAD_COUNT: usize = 1000;
/// Mention counts in a room state stop at this many.
pub const MAX_MENTION_COUNT: usize = 100;
/// The most rooms one room list holds.
pub const MAX_ROOM_LIST: usize = 200;
/// The most matches one search answers with.
pub const MAX_SEARCH_RESULTS: usize = 50;
/// Direct-message rooms are named by the server with this prefix, which public room names may
/// not start with.
pub const DIRECT_ROOM_PREFIX: char = '@';
/// The address a server listens on unless told otherwise (`chinwag serve`, the embedded host),
/// and so the one the native client tries first.
pub const DEFAULT_BIND: &str = "127.0.0.1:9001";

/// WebSocket close codes the server uses.
pub mod close_code {
    /// The server is going away (graceful shutdown).
    pub const GOING_AWAY: u16 = 1001;
    /// The peer sent data the server does not accept (binary frames).
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// A text frame that is not valid UTF-8.
    pub const INVALID_DATA: u16 = 1007;
    /// The peer broke a rule (bad version, too slow to read, no hello in time, …).
    pub const POLICY: u16 = 1008;
    /// A frame was larger than [`super::MAX_FRAME_BYTES`].
    pub const TOO_BIG: u16 = 1009;
    /// The server hit an internal error.
    pub const SERVER_ERROR: u16 = 1011;
}

/// Checks a message text and its client id; returns why if they break a rule.
pub fn validate_message(id: &str, text: &str) -> Result<(), Rejection> {
    if id.is_empty() || id.len() > MAX_CLIENT_ID_BYTES {
        return Err(Rejection::new(
            ErrorCode::TooLarge,
            format!("message id must be 1 to {MAX_CLIENT_ID_BYTES} bytes"),
        ));
    }
    validate_text(text)
}

/// Checks a message text (new or edited): not blank, at most [`MAX_TEXT_BYTES`].
pub fn validate_text(text: &str) -> Result<(), Rejection> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(Rejection::new(
            ErrorCode::TooLarge,
            format!(
                "message is {} bytes; the limit is {MAX_TEXT_BYTES}",
                text.len()
            ),
        ));
    }
    if text.trim().is_empty() {
        return Err(Rejection::new(ErrorCode::EmptyMessage, "message is empty"));
    }
    Ok(())
}

/// Checks a room topic: at most [`MAX_TOPIC_CHARS`] characters, no control characters.
pub fn validate_topic(topic: &str) -> Result<(), Rejection> {
    if topic.chars().count() > MAX_TOPIC_CHARS {
        return Err(Rejection::new(
            ErrorCode::TooLarge,
            format!("a topic must be at most {MAX_TOPIC_CHARS} characters"),
        ));
    }
    if topic.chars().any(char::is_control) {
        return Err(Rejection::new(
            ErrorCode::Malformed,
            "a topic must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks a search query: 1 to [`MAX_QUERY_CHARS`] characters, not blank.
pub fn validate_query(query: &str) -> Result<(), Rejection> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(Rejection::new(
            ErrorCode::TooLarge,
            format!("a search must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if query.trim().is_empty() {
        return Err(Rejection::new(
            ErrorCode::EmptyMessage,
            "the search is empty",
        ));
    }
    Ok(())
}

/// Checks an identity token: [`MIN_TOKEN_BYTES`] to [`MAX_TOKEN_BYTES`] bytes.
pub fn validate_token(token: &str) -> Result<(), Rejection> {
    if (MIN_TOKEN_BYTES..=MAX_TOKEN_BYTES).contains(&token.len()) {
        Ok(())
    } else {
        Err(Rejection::new(
            ErrorCode::InvalidToken,
            format!("the identity token must be {MIN_TOKEN_BYTES} to {MAX_TOKEN_BYTES} bytes"),
        ))
    }
}

/// Parses a client frame, turning a parse failure into the refusal to answer with. A frame is
/// one JSON object; anything else (an array, which serde would read field by field, a string, a
/// number) is `malformed`.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, Rejection> {
    if !text.trim_start().starts_with('{') {
        return Err(Rejection::new(
            ErrorCode::Malformed,
            "could not read frame: a frame is one JSON object",
        ));
    }
    serde_json::from_str(text).map_err(|err| {
        let code = if err.to_string().starts_with("unknown variant") {
            ErrorCode::UnknownType
        } else {
            ErrorCode::Malformed
        };
        Rejection::new(
            code,
            format!("could not read frame: {}", quoted_briefly(&err)),
        )
    })
}

/// Most characters of a parse error quoted back to the peer: serde's errors quote the frame's own
/// text, escaped up to seven times longer (`\u{7f}` for one byte), so a whole quote could make
/// the error frame larger than [`MAX_SERVER_FRAME_BYTES`].
const MAX_PARSE_ERROR_CHARS: usize = 200;

/// `err` in words, cut after [`MAX_PARSE_ERROR_CHARS`] characters.
fn quoted_briefly(err: &serde_json::Error) -> String {
    let mut text = err.to_string();
    if let Some((cut, _)) = text.char_indices().nth(MAX_PARSE_ERROR_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}
