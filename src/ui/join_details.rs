//! [`JoinDetails`]: the name and server the app remembers between runs, and the default server.

use serde::{Deserialize, Serialize};

/// What the app remembers between runs (eframe persistence: a file natively, local storage on
/// the web).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinDetails {
    /// The name the user joins with.
    pub name: String,
    /// The WebSocket URL of the chat server.
    pub server_url: String,
}

impl Default for JoinDetails {
    fn default() -> Self {
        Self {
            name: String::new(),
            server_url: default_server_url(),
        }
    }
}

impl JoinDetails {
    /// The name and server saved by an earlier run, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default()
    }
}

/// The server URL used unless the user or the command line says otherwise: natively the local
/// default server; in the browser, `/ws` on the page's own origin.
pub fn default_server_url() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.location().href().ok())
            .map(|href| page_ws_url(&href))
            .unwrap_or_else(|| format!("ws://{}/ws", crate::protocol::DEFAULT_BIND))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("ws://{}/ws", crate::protocol::DEFAULT_BIND)
    }
}

/// `/ws` on the origin of the page at `href` (`wss:` for an `https:` page).
pub fn page_ws_url(href: &str) -> String {
    let (scheme, rest) = match href.split_once("://") {
        Some(("https", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => ("ws", href),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{scheme}://{host}/ws")
}

#[cfg(test)]
mod tests {
    use super::page_ws_url;

    #[test]
    fn the_web_client_talks_to_its_own_origin() {
        assert_eq!(
            page_ws_url("http://localhost:8080/"),
            "ws://localhost:8080/ws"
        );
        assert_eq!(
            page_ws_url("https://chat.example/room?x=1"),
            "wss://chat.example/ws"
        );
        assert_eq!(
            page_ws_url("http://127.0.0.1:9001"),
            "ws://127.0.0.1:9001/ws"
        );
    }
}
