//! The chat client without any UI: [`state::ChatState`] and [`connection::Connection`].

pub mod connection;
pub mod state;
