//! Machine-readable error codes, shared by error frames and HTTP error bodies.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes carried by [`super::ServerFrame::Error`] and [`super::ApiError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The name belongs to another identity. Not fatal: send another hello or rename.
    NameTaken,
    /// The name breaks the rules of [`super::validate_name`]. Not fatal.
    InvalidName,
    /// The room name breaks the rules of [`super::validate_room_name`]. Not fatal.
    InvalidRoom,
    /// No room of that name exists (and the join did not ask to create it). Not fatal.
    UnknownRoom,
    /// No user of that name exists. Not fatal.
    UnknownUser,
    /// The room is a direct conversation of two other users. Not fatal.
    Forbidden,
    /// No message with that sequence number in the room. Not fatal.
    UnknownMessage,
    /// The message belongs to someone else. Not fatal.
    NotYours,
    /// The message was deleted and cannot be edited. Not fatal.
    MessageDeleted,
    /// The token is missing, too short or too long. Not fatal.
    InvalidToken,
    /// The hello carried a version other than [`super::PROTOCOL_VERSION`]. Fatal (1008).
    UnsupportedVersion,
    /// The frame was not valid JSON or missed required fields. Not fatal.
    Malformed,
    /// The frame's `type` is not one the server knows. Not fatal.
    UnknownType,
    /// The text, id, topic or query is over its limit. Not fatal; larger than a frame is fatal
    /// (1009).
    TooLarge,
    /// The message text or search query is empty or only white space. Not fatal.
    EmptyMessage,
    /// A frame that needs a room came before a successful hello, or named a room the client
    /// is not a member of. Not fatal.
    NotJoined,
    /// A hello came after the client had already said hello. Not fatal.
    AlreadyJoined,
    /// A binary frame. Fatal (1003).
    UnsupportedData,
    /// Another connection with the same token took over this identity. Fatal (1008).
    Replaced,
    /// The client did not read its frames fast enough. Fatal (1008).
    TooSlow,
    /// No successful hello within the server's deadline (10 s by default). Fatal (1008).
    HelloTimeout,
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
                | Self::HelloTimeout
                | Self::Internal
        )
    }

    /// Whether the error refuses the name asked for (the user has to pick another).
    pub fn refuses_name(self) -> bool {
        matches!(
            self,
            Self::NameTaken | Self::InvalidName | Self::InvalidToken
        )
    }
}

/// A frame the server refuses, and why: what an error frame will say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// The client message id of the `send` refused, when the refusal is about one.
    pub id: Option<String>,
}

impl Rejection {
    /// A refusal with `code` and an explanation.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            id: None,
        }
    }

    /// The same refusal, tied to the client message `id`.
    pub fn about_message(self, id: &str) -> Self {
        Self {
            id: Some(id.to_owned()),
            ..self
        }
    }
}

impl From<Rejection> for super::ServerFrame {
    fn from(rejection: Rejection) -> Self {
        Self::Error {
            code: rejection.code,
            message: rejection.message,
            id: rejection.id,
        }
    }
}
