//! The chat client without any UI: [`state::ChatState`] (what the client knows),
//! [`connection::Connection`] (one socket) and [`link::Link`] (keeping a socket up).

pub mod connection;
pub mod history;
pub mod identity;
pub mod link;
pub mod random;
pub mod state;
