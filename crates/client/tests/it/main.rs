//! The client core's integration tests, one binary: the real client (`ChatClient`: `Link` +
//! ewebsock driving a `ChatState`, history paging) against a real server on 127.0.0.1:0 (helpers
//! in `chinwag-testkit`).

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a test fails, in #[test] fns (clippy.toml) and their helpers alike"
)]

mod connection;
mod missed_messages;
mod network_faults;
mod paging;
mod rate_limits;
mod uploads;
mod wss;
