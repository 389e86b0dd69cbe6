//! The server's integration tests, one binary: a real server on 127.0.0.1:0 and raw WebSocket
//! and HTTP clients that speak the protocol frame by frame (helpers in `chinwag-testkit`).

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a test fails, in #[test] fns (clippy.toml) and their helpers alike"
)]

mod abuse;
mod attachments;
mod attachments_access;
mod attachments_limits;
mod beyond_text;
mod chat;
mod connections;
mod crowds;
mod delivery;
mod durability;
mod frame_limits;
mod history_api;
mod identity;
mod limits;
mod messages;
mod name_properties;
mod names;
mod nodes;
mod nodes_live;
mod operations;
mod recovery;
mod rooms;
mod server_process;
mod store;
mod store_annotations;
mod tls;
