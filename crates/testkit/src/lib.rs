//! Helpers shared by the integration tests and examples of every crate: a real server on
//! 127.0.0.1:0 (on SQLite, or on a throw-away PostgreSQL cluster), raw WebSocket clients that
//! speak the protocol frame by frame, plain HTTP, and the real client core driven as the app
//! drives it. No GUI: the window's test helpers stay with the
//! app's tests (tests/it/window.rs).

use std::time::Duration;

pub mod balancer;
pub mod bulk;
mod http;
mod live_client;
pub mod measure;
mod pg_cluster;
pub mod process;
mod raw_client;
mod server;
pub mod strategies;
pub mod tls;
pub mod writers;

pub use http::{HttpAnswer, http_exchange, http_get, http_request, http_send};
pub use live_client::{LiveClient, lobby_messages, texts};
pub use pg_cluster::PgCluster;
pub use raw_client::{RawClient, came, error_code, hello, hello_with, room_of, token_of, went};
pub use server::{StoreKind, TestServer, unlimited, with_limits};

/// How long a test waits for a frame before it fails (a guard against hangs, not a sleep).
pub const PATIENCE: Duration = Duration::from_secs(10);
