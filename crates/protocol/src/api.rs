//! The HTTP API next to the WebSocket: paging through older history.
//!
//! `GET /api/rooms/{room}/messages?before=SEQ&limit=N` with `Authorization: Bearer TOKEN`
//! answers a [`HistoryPage`]: up to `limit` (1 to [`MAX_PAGE`], default [`DEFAULT_PAGE`])
//! messages with a sequence number below `before` (absent: the newest), oldest first. Errors
//! answer a [`Rejection`](super::Rejection) as the body: 400 `malformed` (bad `before` or `limit`), 401 `invalid_token`
//! (no or unknown token), 404 `unknown_room` (no such room, or someone else's direct messages:
//! the same answer, so a stranger cannot tell which conversations exist), 429 `rate_limited`
//! (too many requests with this token; `Retry-After` says when to come back).

use serde::{Deserialize, Serialize};

use super::ChatMessage;

/// The most messages one page holds.
pub const MAX_PAGE: usize = 200;
/// The page size when the request names none.
pub const DEFAULT_PAGE: usize = 50;

/// One page of a room's older history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// The room.
    pub room: String,
    /// Oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether older messages remain before the first one here.
    pub more: bool,
}

/// The path and query of a history page request for `room` (percent-encoded).
pub fn history_path(room: &str, before: Option<u64>, limit: usize) -> String {
    let mut path = format!("/api/rooms/{}/messages?limit={limit}", percent_encode(room));
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    path
}

/// Percent-encodes everything but unreserved URL characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The HTTP base (`http://host:port` or `https://…`) of the server behind a WebSocket URL
/// (`ws://host:port/ws`, `wss://…`), or `None` if it is not a WebSocket URL.
pub fn http_base(ws_url: &str) -> Option<String> {
    let (scheme, rest) = ws_url.split_once("://")?;
    let scheme = match scheme {
        "ws" => "http",
        "wss" => "https",
        _ => return None,
    };
    let authority = rest.split('/').next().filter(|host| !host.is_empty())?;
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_the_room_and_carry_the_cursor() {
        assert_eq!(
            history_path("lobby", Some(120), 50),
            "/api/rooms/lobby/messages?limit=50&before=120"
        );
        assert_eq!(
            history_path("Zoë & co/x", None, 10),
            "/api/rooms/Zo%C3%AB%20%26%20co%2Fx/messages?limit=10"
        );
    }

    #[test]
    fn the_http_base_follows_the_websocket_url() {
        assert_eq!(
            http_base("ws://127.0.0.1:9001/ws").as_deref(),
            Some("http://127.0.0.1:9001")
        );
        assert_eq!(
            http_base("wss://chat.example/ws").as_deref(),
            Some("https://chat.example")
        );
        assert_eq!(http_base("http://x/ws"), None);
        assert_eq!(http_base("ws:///ws"), None);
    }
}
