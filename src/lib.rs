//! Chinwag: a real-time chat app. One egui codebase runs natively and in the browser; native
//! builds also carry the chat server. The layers are crates of their own (see ARCHITECTURE.md);
//! this crate is the app on top and re-exports them under their old paths.
//!
//! - [`protocol`] (`chinwag-protocol`): the JSON wire format shared by client and server.
//! - [`client`] (`chinwag-client`): the chat state machine and the WebSocket connection (no egui).
//! - [`ui`]: the egui app.
//! - `server` (`chinwag-server`, native only): the axum + SQLite chat server.
//! - `host` (native only): "host the server if nobody answers" for plain `cargo run`.

pub use chinwag_client as client;
pub use chinwag_protocol as protocol;
#[cfg(not(target_arch = "wasm32"))]
pub use chinwag_server as server;

#[cfg(not(target_arch = "wasm32"))]
pub mod host;
pub mod ui;
