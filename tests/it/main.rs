//! The app's integration tests, one binary: the real window through egui_kittest, on its own or
//! connected to a real server over a real socket, and the embedded host. The web client in a
//! real browser is tests/browser.rs, a binary of its own.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a test fails, in #[test] fns (clippy.toml) and their helpers alike"
)]

mod attachments_ui;
mod beyond_text_ui;
mod browser_phone_layout;
mod crowd_ui;
mod hosting;
mod keyboard;
mod memory_storage;
mod notifications;
mod recording_notifier;
mod rich_text_ui;
mod scripts_ui;
mod settings_ui;
mod ui;
mod ui_rooms;
mod window;
