//! [`ChatApp`]: the eframe app that holds the chat state and the connection.

use serde::{Deserialize, Serialize};

use crate::client::link::Link;
use crate::client::random;
use crate::client::state::{ChatState, Phase};
use crate::protocol::DEFAULT_ROOM;
use crate::ui::composer;
use crate::ui::join::{self, JoinAction};
use crate::ui::messages::{MessageList, PendingAction};
use crate::ui::status::{self, StatusAction};
use crate::ui::title::UnreadTitle;
use crate::ui::users;

/// What the app remembers between runs (eframe persistence: a file natively, local storage on
/// the web).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The name the user joins with.
    pub name: String,
    /// The WebSocket URL of the chat server.
    pub server_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            name: String::new(),
            server_url: default_server_url(),
        }
    }
}

impl Settings {
    /// The settings saved by an earlier run, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default()
    }
}

/// The server URL used unless the user or the command line says otherwise: natively the local
/// default server; in the browser, `/ws` on the page's own origin.
pub fn default_server_url() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.location().href().ok())
            .map(|href| page_ws_url(&href))
            .unwrap_or_else(|| "ws://127.0.0.1:9001/ws".to_owned())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("ws://{}/ws", crate::server::DEFAULT_BIND)
    }
}

/// `/ws` on the origin of the page at `href` (`wss:` for an `https:` page).
pub fn page_ws_url(href: &str) -> String {
    let (scheme, rest) = match href.split_once("://") {
        Some(("https", rest)) => ("wss", rest),
        Some((_, rest)) => ("ws", rest),
        None => ("ws", href),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{scheme}://{host}/ws")
}

/// Hosts the server when nobody else does (the native embedded host). The app calls it every
/// frame; it must never block.
pub trait HostFallback {
    /// `disconnected` says the link to the server at `url` is down (time to try hosting, if `url`
    /// is one this process can host). Returns what to show in the status bar, e.g.
    /// "hosting on 127.0.0.1:9001".
    fn update(&mut self, url: &str, disconnected: bool) -> Option<String>;
}

/// The chat window.
pub struct ChatApp {
    settings: Settings,
    state: ChatState,
    link: Link,
    /// Network timeouts run on the wall clock, not egui's frame clock (which is simulated in tests).
    clock: web_time::Instant,
    composer: String,
    messages: MessageList,
    host: Option<Box<dyn HostFallback>>,
    title: UnreadTitle,
}

/// Below this width (in points) the users panel folds into one line above the messages.
const NARROW_WIDTH: f32 = 600.0;

impl ChatApp {
    /// A window with `settings`; joins at once if the settings carry a name and `auto_join`.
    pub fn new(settings: Settings, auto_join: bool) -> Self {
        let mut state = ChatState::new(DEFAULT_ROOM, message_id_prefix(), random::token());
        if auto_join {
            state.join(&settings.name);
        }
        Self {
            link: Link::new(settings.server_url.clone()),
            clock: web_time::Instant::now(),
            settings,
            state,
            composer: String::new(),
            messages: MessageList::default(),
            host: None,
            title: UnreadTitle::default(),
        }
    }

    /// Lets the window host the server when the current host goes away.
    pub fn with_host(mut self, host: Box<dyn HostFallback>) -> Self {
        self.host = Some(host);
        self
    }

    /// The chat state, for inspection.
    pub fn state(&self) -> &ChatState {
        &self.state
    }

    /// The current settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn pump(&mut self, ctx: &egui::Context) {
        let now = self.clock.elapsed().as_secs_f64();
        let waker = ctx.clone();
        self.link
            .pump(&mut self.state, now, move || waker.request_repaint());
        if let Some(deadline) = self.link.next_deadline(now) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(deadline));
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        let now = self.clock.elapsed().as_secs_f64();
        let disconnected = matches!(self.state.phase(), Phase::Disconnected { .. });
        let host_note = self
            .host
            .as_mut()
            .and_then(|host| host.update(self.link.url(), disconnected));
        egui::Panel::bottom("status").show(ui, |ui| {
            let action = status::show(
                ui,
                &self.state,
                self.link.url(),
                self.link.reconnect_in(now),
                host_note.as_deref(),
            );
            match action {
                Some(StatusAction::Disconnect) => self.link.disconnect(&mut self.state),
                Some(StatusAction::Reconnect) => self.link.reconnect_now(&mut self.state),
                None => {}
            }
        });
    }

    fn chat_screen(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("composer")
            .frame(egui::Frame::side_top_panel(ui.style()).inner_margin(8))
            .show(ui, |ui| {
                if composer::show(ui, &mut self.composer, self.state.room())
                    && self.state.send(&self.composer)
                {
                    self.composer.clear();
                }
            });
        if ui.available_width() < NARROW_WIDTH {
            egui::Panel::top("users_compact").show(ui, |ui| users::show_compact(ui, &self.state));
        } else {
            egui::Panel::right("users")
                .resizable(true)
                .default_size(160.0)
                .show(ui, |ui| users::show(ui, &self.state));
        }
        let action = egui::CentralPanel::default()
            .show(ui, |ui| self.messages.show(ui, &self.state))
            .inner;
        match action {
            Some(PendingAction::Retry(id)) => self.state.retry_message(&id),
            Some(PendingAction::Edit(id)) => {
                if let Some(text) = self.state.take_back(&id) {
                    self.composer = text;
                }
            }
            None => {}
        }
    }
}

impl eframe::App for ChatApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.pump(&ctx);
        self.status_bar(ui);
        if self.state.needs_name() {
            egui::CentralPanel::default().show(ui, |ui| {
                if let Some(JoinAction::Join) = join::show(ui, &mut self.settings, &self.state) {
                    self.settings.server_url = self.settings.server_url.trim().to_owned();
                    self.link.set_url(self.settings.server_url.clone());
                    self.state.join(&self.settings.name);
                }
            });
        } else {
            self.chat_screen(ui);
        }
        // Send what this frame's clicks and keys queued without waiting for another event.
        self.pump(&ctx);
        self.title.update(&ctx, &self.state);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

/// A per-run prefix for message ids, so ids never repeat across runs of one user.
fn message_id_prefix() -> String {
    let now = chrono::Utc::now();
    format!("{:x}", now.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::page_ws_url;

    #[test]
    fn the_web_client_talks_to_its_own_origin() {
        assert_eq!(
            page_ws_url("http://localhost:8080/"),
            "ws://localhost:8080/ws"
        );
        assert_eq!(
            page_ws_url("https://chat.example/room?x=1"),
            "wss://chat.example/ws"
        );
        assert_eq!(
            page_ws_url("http://127.0.0.1:9001"),
            "ws://127.0.0.1:9001/ws"
        );
    }
}
