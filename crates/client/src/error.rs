//! [`ClientError`]: why the client could not do what it was asked, over the socket or HTTP.
//!
//! Each variant's `Display` is complete on its own, in words for the user (the app shows it as
//! it is); [`std::error::Error::source`] hands a program the typed cause where there is one:
//! the server's [`Rejection`] (with its [`chinwag_protocol::ErrorCode`]) or the JSON error.

use chinwag_protocol::Rejection;

/// A failure of the client's own I/O: connecting, fetching a page of history.
#[derive(Debug)]
pub enum ClientError {
    /// The server URL is not a WebSocket URL (`ws://…` or `wss://…`).
    NotWebSocketUrl(String),
    /// The socket could not even start connecting to `url`.
    Connect {
        /// The server URL.
        url: String,
        /// Why, as the WebSocket library put it.
        reason: String,
    },
    /// The request got no answer (no route, refused, reset, …), as the HTTP library put it.
    Network(String),
    /// The server answered with an HTTP error and no explanation the client can read.
    Http {
        /// The HTTP status code.
        status: u16,
        /// The status line's text.
        status_text: String,
    },
    /// The server refused the request, and said why.
    Refused(Rejection),
    /// The answer is not what the protocol says it is.
    Unreadable(serde_json::Error),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotWebSocketUrl(url) => write!(f, "{url} is not a WebSocket URL"),
            Self::Connect { url, reason } => write!(f, "cannot connect to {url}: {reason}"),
            Self::Network(reason) => f.write_str(reason),
            Self::Http {
                status,
                status_text,
            } => write!(f, "{status} {status_text}"),
            Self::Refused(rejection) => f.write_str(&rejection.message),
            Self::Unreadable(error) => write!(f, "unreadable answer from the server: {error}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Refused(rejection) => Some(rejection),
            Self::Unreadable(error) => Some(error),
            Self::NotWebSocketUrl(_)
            | Self::Connect { .. }
            | Self::Network(_)
            | Self::Http { .. } => None,
        }
    }
}

impl From<Rejection> for ClientError {
    fn from(rejection: Rejection) -> Self {
        Self::Refused(rejection)
    }
}

impl From<serde_json::Error> for ClientError {
    fn from(error: serde_json::Error) -> Self {
        Self::Unreadable(error)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use chinwag_protocol::ErrorCode;

    use super::*;

    #[test]
    fn a_refusal_reads_as_the_servers_words_and_keeps_its_code() {
        let error = ClientError::from(Rejection::new(ErrorCode::UnknownRoom, "no such room"));
        assert_eq!(error.to_string(), "no such room");
        let cause = error
            .source()
            .and_then(|cause| cause.downcast_ref::<Rejection>())
            .expect("the rejection is the source");
        assert_eq!(cause.code, ErrorCode::UnknownRoom);
    }

    #[test]
    fn an_unreadable_answer_names_the_json_error_as_its_source() {
        let json = serde_json::from_str::<u32>("{").expect_err("not a number");
        let error = ClientError::from(json);
        assert!(
            error.to_string().starts_with("unreadable answer"),
            "{error}"
        );
        assert!(error.source().is_some());
        assert!(
            ClientError::Http {
                status: 502,
                status_text: "Bad Gateway".into()
            }
            .source()
            .is_none()
        );
    }
}
