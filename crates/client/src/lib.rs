//! The chat client without any UI: [`chat_client::ChatClient`] (all of it in one object, driven
//! by one `pump`), made of [`state::ChatState`] (what the client knows),
//! [`connection::Connection`] (one socket), [`link::Link`] (keeping a socket up),
//! [`history::HistoryFetch`] (older history over HTTP) and [`identity::Identities`] (tokens);
//! [`notify`] decides which new messages call for a desktop notification; [`download::Download`]
//! fetches an attachment.

pub mod chat_client;
pub mod connection;
pub mod download;
pub mod error;
pub mod history;
mod http;
pub mod identity;
pub mod link;
pub mod notify;
pub mod random;
pub mod state;
