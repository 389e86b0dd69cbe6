//! The Chinwag wire protocol, shared by the client and the server.
//!
//! # Transport
//! One WebSocket per client at `/ws`. Every frame is a **text** frame holding one JSON object,
//! internally tagged by its `type` field; field names are `snake_case`. Binary frames are refused
//! (close code 1003). A frame larger than [`MAX_FRAME_BYTES`] is refused with close code 1009.
//!
//! # Conversation
//! 1. The client opens the socket and sends [`ClientFrame::Hello`] with [`PROTOCOL_VERSION`],
//!    the name it wants and the room to join.
//! 2. The server answers [`ServerFrame::Welcome`] (the confirmed name, who is online, the most
//!    recent history) or an [`ServerFrame::Error`]. A name error (`name_taken`, `invalid_name`)
//!    leaves the socket open: the client may send another hello.
//! 3. The client sends [`ClientFrame::Send`] with a client-generated `id`. The server stamps the
//!    message with the sender's name, the server time and the next sequence number of the room,
//!    stores it, answers the sender with [`ServerFrame::Ack`] and broadcasts
//!    [`ServerFrame::Message`] to everyone in the room (the sender included).
//! 4. [`ServerFrame::Joined`] and [`ServerFrame::Left`] tell the room who comes and goes.
//!
//! The server is the authority for `from`, `time` (milliseconds since the Unix epoch, UTC) and
//! `seq` (per room, starts at 1, only grows). A client can never set them.
//!
//! # Errors
//! Errors are frames: `{"type":"error","code":"name_taken","message":"…"}`. [`ErrorCode`] lists the
//! codes. Fatal errors are followed by a WebSocket close with code 1008 (policy), 1009 (too big),
//! 1003 (binary data) or 1011 (server error); 1001 means the server is shutting down.

use serde::{Deserialize, Serialize};

/// The protocol version spoken by this build. A hello with any other version is refused.
pub const PROTOCOL_VERSION: u32 = 1;
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
/// Frames between [`MAX_FRAME_BYTES`] and this are read whole and refused politely (error frame,
/// then close 1009); beyond this the socket is cut at once without reading the rest.
pub const HARD_FRAME_LIMIT_BYTES: usize = 1024 * 1024;
/// How many recent messages a joiner receives in its welcome.
pub const HISTORY_ON_JOIN: usize = 100;
/// The most missed messages a reconnecting client receives in its welcome.
pub const MAX_REPLAY: usize = 1000;
/// Longest client token, in bytes.
pub const MAX_TOKEN_BYTES: usize = 128;

/// WebSocket close codes the server uses.
pub mod close_code {
    /// The server is going away (graceful shutdown).
    pub const GOING_AWAY: u16 = 1001;
    /// The peer sent data the server does not accept (binary frames).
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// The peer broke a rule (bad version, too slow to read, …).
    pub const POLICY: u16 = 1008;
    /// A frame was larger than [`super::MAX_FRAME_BYTES`].
    pub const TOO_BIG: u16 = 1009;
    /// The server hit an internal error.
    pub const SERVER_ERROR: u16 = 1011;
}

/// A frame sent by a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// The first frame on a socket: who I am and where I want to be.
    Hello {
        /// Must equal [`PROTOCOL_VERSION`].
        version: u32,
        /// The display name wanted; see [`validate_name`].
        name: String,
        /// The room to join; see [`validate_name`].
        room: String,
        /// A secret the client keeps (at most [`MAX_TOKEN_BYTES`]). A hello for a name held by a
        /// connection with the same token takes the name over (a reconnect beating the server's
        /// notice that the old connection died) instead of getting `name_taken`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        /// On a reconnect: the last sequence number the client has for the room. The welcome's
        /// history is then exactly the messages after it (see [`ServerFrame::Welcome`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seq: Option<u64>,
    },
    /// Post a message to a room the client has joined.
    Send {
        /// Client-generated id, unique per sender; the server echoes it in the ack and broadcast.
        id: String,
        /// The room to post to.
        room: String,
        /// The message text, at most [`MAX_TEXT_BYTES`].
        text: String,
    },
    /// Heartbeat; the server answers [`ServerFrame::Pong`]. Browsers cannot send WebSocket
    /// pings, so clients send this every few seconds to detect a dead connection.
    Ping,
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
    /// The sender's name, stamped by the server.
    pub from: String,
    /// Server time in milliseconds since the Unix epoch (UTC).
    pub time: i64,
    /// The message text.
    pub text: String,
}

/// A frame sent by the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to a successful hello.
    Welcome {
        /// The server's protocol version.
        version: u32,
        /// The name the client now holds.
        name: String,
        /// The room joined.
        room: String,
        /// Everyone online in the room, the new member included, sorted.
        users: Vec<String>,
        /// Oldest first: without `last_seq` in the hello, the most recent [`HISTORY_ON_JOIN`]
        /// messages; with it, every message after `last_seq`, or the newest [`MAX_REPLAY`] of
        /// them if more were missed.
        history: Vec<ChatMessage>,
        /// How many messages after the hello's `last_seq` were left out because more than
        /// [`MAX_REPLAY`] were missed (0 when the history is complete).
        #[serde(default)]
        skipped: u64,
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
    /// Someone joined the room.
    Joined {
        /// The room.
        room: String,
        /// Who joined.
        name: String,
    },
    /// Someone left the room.
    Left {
        /// The room.
        room: String,
        /// Who left.
        name: String,
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
    },
}

/// Machine-readable error codes carried by [`ServerFrame::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The name is held by someone online. Not fatal: send another hello.
    NameTaken,
    /// The name breaks the rules of [`validate_name`]. Not fatal.
    InvalidName,
    /// The room name breaks the rules of [`validate_name`]. Not fatal.
    InvalidRoom,
    /// The hello carried a version other than [`PROTOCOL_VERSION`]. Fatal (1008).
    UnsupportedVersion,
    /// The frame was not valid JSON or missed required fields. Not fatal.
    Malformed,
    /// The frame's `type` is not one the server knows. Not fatal.
    UnknownType,
    /// The text or id is over its limit. Not fatal; larger than a frame is fatal (1009).
    TooLarge,
    /// The message text is empty or only white space. Not fatal.
    EmptyMessage,
    /// A frame that needs a joined room came before a successful hello, or named another room.
    NotJoined,
    /// A hello came after the client had already joined. Not fatal.
    AlreadyJoined,
    /// A binary frame. Fatal (1003).
    UnsupportedData,
    /// Another connection with the same token took over this name. Fatal (1008).
    Replaced,
    /// The client did not read its frames fast enough. Fatal (1008).
    TooSlow,
    /// The server failed; the frame was not applied. Fatal (1011).
    Internal,
}

impl ErrorCode {
    /// Whether the server closes the socket after sending this error.
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            Self::UnsupportedVersion
                | Self::UnsupportedData
                | Self::Replaced
                | Self::TooSlow
                | Self::Internal
        )
    }
}

impl ServerFrame {
    /// Shorthand for an error frame.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
            id: None,
        }
    }

    /// The same frame, tied to the client message `id` if it is an error.
    pub fn about_message(self, message_id: &str) -> Self {
        match self {
            Self::Error { code, message, .. } => Self::Error {
                code,
                message,
                id: Some(message_id.to_owned()),
            },
            other => other,
        }
    }
}

/// Why a user or room name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// Empty.
    Empty,
    /// More than [`MAX_NAME_CHARS`] characters.
    TooLong,
    /// Starts or ends with white space.
    SurroundingSpace,
    /// Holds a control character (newline, tab, …).
    ControlCharacter,
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "must not be empty",
            Self::TooLong => return write!(f, "must be at most {MAX_NAME_CHARS} characters"),
            Self::SurroundingSpace => "must not start or end with a space",
            Self::ControlCharacter => "must not contain control characters",
        })
    }
}

/// Checks a user or room name: 1 to [`MAX_NAME_CHARS`] characters, no control characters,
/// no leading or trailing white space.
pub fn validate_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong);
    }
    if name.trim() != name {
        return Err(NameProblem::SurroundingSpace);
    }
    if name.chars().any(char::is_control) {
        return Err(NameProblem::ControlCharacter);
    }
    Ok(())
}

/// Checks a message text and its client id; returns the error frame to send if they break a rule.
pub fn validate_message(id: &str, text: &str) -> Result<(), ServerFrame> {
    if id.is_empty() || id.len() > MAX_CLIENT_ID_BYTES {
        return Err(ServerFrame::error(
            ErrorCode::TooLarge,
            format!("message id must be 1 to {MAX_CLIENT_ID_BYTES} bytes"),
        ));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(ServerFrame::error(
            ErrorCode::TooLarge,
            format!(
                "message is {} bytes; the limit is {MAX_TEXT_BYTES}",
                text.len()
            ),
        ));
    }
    if text.trim().is_empty() {
        return Err(ServerFrame::error(
            ErrorCode::EmptyMessage,
            "message is empty",
        ));
    }
    Ok(())
}

/// Parses a client frame, turning a parse failure into the error frame to answer with.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, ServerFrame> {
    serde_json::from_str(text).map_err(|err| {
        let code = if err.to_string().starts_with("unknown variant") {
            ErrorCode::UnknownType
        } else {
            ErrorCode::Malformed
        };
        ServerFrame::error(code, format!("could not read frame: {err}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each frame must serialise to exactly the documented JSON and parse back to itself.
    fn assert_golden<T>(frame: T, golden: serde_json::Value)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        assert_eq!(serde_json::to_value(&frame).unwrap(), golden);
        let parsed: T = serde_json::from_value(golden).unwrap();
        assert_eq!(parsed, frame);
    }

    fn sample_message() -> ChatMessage {
        ChatMessage {
            room: "lobby".into(),
            seq: 7,
            id: "c1".into(),
            from: "alice".into(),
            time: 1_700_000_000_000,
            text: "hi".into(),
        }
    }

    fn sample_message_json() -> serde_json::Value {
        json!({"room": "lobby", "seq": 7, "id": "c1", "from": "alice", "time": 1_700_000_000_000_i64, "text": "hi"})
    }

    #[test]
    fn client_frames_match_golden_json() {
        assert_golden(
            ClientFrame::Hello {
                version: 1,
                name: "alice".into(),
                room: "lobby".into(),
                token: None,
                last_seq: None,
            },
            json!({"type": "hello", "version": 1, "name": "alice", "room": "lobby"}),
        );
        assert_golden(
            ClientFrame::Hello {
                version: 1,
                name: "alice".into(),
                room: "lobby".into(),
                token: Some("s3cret".into()),
                last_seq: Some(41),
            },
            json!({"type": "hello", "version": 1, "name": "alice", "room": "lobby",
                   "token": "s3cret", "last_seq": 41}),
        );
        assert_golden(ClientFrame::Ping, json!({"type": "ping"}));
        assert_golden(
            ClientFrame::Send {
                id: "c1".into(),
                room: "lobby".into(),
                text: "hi".into(),
            },
            json!({"type": "send", "id": "c1", "room": "lobby", "text": "hi"}),
        );
    }

    #[test]
    fn server_frames_match_golden_json() {
        assert_golden(
            ServerFrame::Welcome {
                version: 1,
                name: "alice".into(),
                room: "lobby".into(),
                users: vec!["alice".into(), "bob".into()],
                history: vec![sample_message()],
                skipped: 3,
            },
            json!({"type": "welcome", "version": 1, "name": "alice", "room": "lobby",
                   "users": ["alice", "bob"], "history": [sample_message_json()], "skipped": 3}),
        );
        assert_golden(ServerFrame::Pong, json!({"type": "pong"}));
        assert_golden(
            ServerFrame::error(ErrorCode::TooLarge, "too big").about_message("c9"),
            json!({"type": "error", "code": "too_large", "message": "too big", "id": "c9"}),
        );
        let mut message = sample_message_json();
        message["type"] = json!("message");
        assert_golden(ServerFrame::Message(sample_message()), message);
        assert_golden(
            ServerFrame::Ack {
                id: "c1".into(),
                room: "lobby".into(),
                seq: 7,
                time: 5,
            },
            json!({"type": "ack", "id": "c1", "room": "lobby", "seq": 7, "time": 5}),
        );
        assert_golden(
            ServerFrame::Joined {
                room: "lobby".into(),
                name: "bob".into(),
            },
            json!({"type": "joined", "room": "lobby", "name": "bob"}),
        );
        assert_golden(
            ServerFrame::Left {
                room: "lobby".into(),
                name: "bob".into(),
            },
            json!({"type": "left", "room": "lobby", "name": "bob"}),
        );
        assert_golden(
            ServerFrame::error(ErrorCode::NameTaken, "taken"),
            json!({"type": "error", "code": "name_taken", "message": "taken"}),
        );
    }

    #[test]
    fn every_error_code_has_a_snake_case_name() {
        let codes = [
            (ErrorCode::NameTaken, "name_taken"),
            (ErrorCode::InvalidName, "invalid_name"),
            (ErrorCode::InvalidRoom, "invalid_room"),
            (ErrorCode::UnsupportedVersion, "unsupported_version"),
            (ErrorCode::Malformed, "malformed"),
            (ErrorCode::UnknownType, "unknown_type"),
            (ErrorCode::TooLarge, "too_large"),
            (ErrorCode::EmptyMessage, "empty_message"),
            (ErrorCode::NotJoined, "not_joined"),
            (ErrorCode::AlreadyJoined, "already_joined"),
            (ErrorCode::UnsupportedData, "unsupported_data"),
            (ErrorCode::Replaced, "replaced"),
            (ErrorCode::TooSlow, "too_slow"),
            (ErrorCode::Internal, "internal"),
        ];
        for (code, name) in codes {
            assert_golden(code, json!(name));
        }
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(validate_name("alice"), Ok(()));
        assert_eq!(validate_name("Zoë ✨"), Ok(()));
        assert_eq!(validate_name(""), Err(NameProblem::Empty));
        assert_eq!(validate_name(" alice"), Err(NameProblem::SurroundingSpace));
        assert_eq!(validate_name("alice "), Err(NameProblem::SurroundingSpace));
        assert_eq!(validate_name("a\nb"), Err(NameProblem::ControlCharacter));
        assert_eq!(validate_name(&"x".repeat(32)), Ok(()));
        assert_eq!(validate_name(&"x".repeat(33)), Err(NameProblem::TooLong));
        assert_eq!(validate_name(&"é".repeat(32)), Ok(()));
    }

    #[test]
    fn messages_are_validated() {
        assert!(validate_message("c1", "hello").is_ok());
        let too_long = "x".repeat(MAX_TEXT_BYTES + 1);
        assert!(matches!(
            validate_message("c1", &too_long),
            Err(ServerFrame::Error {
                code: ErrorCode::TooLarge,
                ..
            })
        ));
        assert!(matches!(
            validate_message("c1", " \n "),
            Err(ServerFrame::Error {
                code: ErrorCode::EmptyMessage,
                ..
            })
        ));
        assert!(validate_message("", "hi").is_err());
        assert!(validate_message(&"i".repeat(65), "hi").is_err());
    }

    #[test]
    fn parse_errors_name_their_cause() {
        let unknown = parse_client_frame(r#"{"type":"dance"}"#).unwrap_err();
        assert!(matches!(
            unknown,
            ServerFrame::Error {
                code: ErrorCode::UnknownType,
                ..
            }
        ));
        let malformed = parse_client_frame("{not json").unwrap_err();
        assert!(matches!(
            malformed,
            ServerFrame::Error {
                code: ErrorCode::Malformed,
                ..
            }
        ));
        let missing = parse_client_frame(r#"{"type":"send","id":"x"}"#).unwrap_err();
        assert!(matches!(
            missing,
            ServerFrame::Error {
                code: ErrorCode::Malformed,
                ..
            }
        ));
    }
}
