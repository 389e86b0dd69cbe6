//! The egui app. Reads [`crate::client::state::ChatState`] and turns clicks and keys into calls on
//! it; all socket work happens in [`crate::client::connection::Connection`].

pub mod app;
pub mod appearance;
mod bidi;
#[cfg(test)]
mod chat_fixtures;
mod composer;
pub mod fonts;
mod grouping;
mod join;
pub mod join_details;
mod media;
pub mod mention_complete;
pub mod messages;
pub mod notifications;
mod pins;
mod presence;
mod quick_switcher;
mod reactions;
pub mod rich_text;
mod room_header;
mod search;
pub mod settings_dialog;
pub mod shortcuts;
mod sidebar;
mod status;
mod title;
mod users;
#[cfg(target_arch = "wasm32")]
mod web_keys;

pub use app::ChatApp;
pub use join_details::JoinDetails;
