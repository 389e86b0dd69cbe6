//! Chinwag: a real-time chat app. One egui codebase runs natively and in the browser; native
//! builds also carry the chat server.
//!
//! - [`protocol`]: the JSON wire format shared by client and server.
//! - [`client`]: the chat state machine and the WebSocket connection (no egui).
//! - [`ui`]: the egui app.
//! - `server` (native only): the axum + SQLite chat server.
//! - `host` (native only): "host the server if nobody answers" for plain `cargo run`.

pub mod client;
#[cfg(not(target_arch = "wasm32"))]
pub mod host;
pub mod protocol;
#[cfg(not(target_arch = "wasm32"))]
pub mod server;
pub mod ui;
