//! Machine-readable error codes, shared by error frames and HTTP error bodies.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes carried by a [`Rejection`]: in error frames
/// ([`super::ServerFrame::Error`]) and HTTP error bodies.
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
    /// Too many frames of one kind too fast (messages, rooms created, new identities, HTTP
    /// requests): the frame was not applied. Not fatal: try again after `retry_after`
    /// milliseconds (HTTP: 429 with a `Retry-After` header).
    RateLimited,
    /// Storing the attachment would take the identity past its storage quota (HTTP 413).
    QuotaExceeded,
    /// No attachment with that hash that the asker may use (a send naming content the sender
    /// has not uploaded, or a download of content no message of the room carries). Not fatal.
    UnknownAttachment,
    /// No upload with that id belongs to the asker (or it expired). HTTP 404.
    UnknownUpload,
    /// An upload chunk started past the bytes the server has; the body's status says where to
    /// resume. HTTP 409.
    UploadOffset,
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

/// What the server refuses, and why: the one refusal both sides speak. A frame refused becomes
/// an error frame (`From<Rejection> for ServerFrame`); an HTTP request refused answers it as
/// its JSON body, `{"code", "message", "retry_after"?}` (see [`super::api`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// The client message id of the `send` refused, when the refusal is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// For `rate_limited`: how long to wait before trying again, in milliseconds (HTTP: also
    /// in the `Retry-After` header, in whole seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Rejection {
    /// A refusal with `code` and an explanation.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            id: None,
            retry_after: None,
        }
    }

    /// A `rate_limited` refusal: try again after `retry_after`.
    pub fn rate_limited(message: impl Into<String>, retry_after: std::time::Duration) -> Self {
        Self {
            retry_after: Some(retry_after_ms(retry_after)),
            ..Self::new(ErrorCode::RateLimited, message)
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

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:?})", self.message, self.code)
    }
}

impl std::error::Error for Rejection {}

impl From<Rejection> for super::ServerFrame {
    fn from(rejection: Rejection) -> Self {
        Self::Error {
            code: rejection.code,
            message: rejection.message,
            id: rejection.id,
            retry_after: rejection.retry_after,
        }
    }
}

/// A wait in whole milliseconds, rounded up (a client that waits that long is never early).
pub fn retry_after_ms(wait: std::time::Duration) -> u64 {
    u64::try_from(wait.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// A wait in words for the user: "3 s", "12 min", "2 h" (rounded up).
pub fn wait_in_words(wait: std::time::Duration) -> String {
    let seconds = wait.as_secs_f64().ceil() as u64;
    match seconds {
        0..=90 => format!("{} s", seconds.max(1)),
        91..=5400 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{} h", seconds.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn waits_are_whole_milliseconds_rounded_up_and_read_as_words() {
        assert_eq!(retry_after_ms(Duration::from_nanos(1)), 1);
        assert_eq!(retry_after_ms(Duration::from_millis(200)), 200);
        assert_eq!(wait_in_words(Duration::from_millis(1)), "1 s");
        assert_eq!(wait_in_words(Duration::from_millis(2500)), "3 s");
        assert_eq!(wait_in_words(Duration::from_secs(36)), "36 s");
        assert_eq!(wait_in_words(Duration::from_secs(1700)), "29 min");
        assert_eq!(wait_in_words(Duration::from_secs(86_000)), "24 h");
    }
}
