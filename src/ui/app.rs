//! [`ChatApp`]: the eframe app. A [`ChatClient`] does the chatting (state, connection,
//! identities, history paging); the app keeps what the UI needs besides: the join details, the
//! appearance, the composer's text, the widgets' own state, the embedded host and the window
//! title. The chat screen's panels are in `app/chat_screen.rs`.

mod annotations;
mod attach;
mod chat_screen;
mod keyboard;

use std::sync::{Arc, OnceLock};

use crate::client::chat_client::ChatClient;
use crate::client::identity::Identities;
use crate::client::state::{ChatState, Phase};
use crate::ui::appearance::Appearance;
use crate::ui::join::{self, JoinAction};
use crate::ui::join_details::JoinDetails;
use crate::ui::messages::MessageList;
use crate::ui::notifications::{self, Notifications};
use crate::ui::quick_switcher::QuickSwitcher;
use crate::ui::reactions::ReactionPicker;
use crate::ui::room_header::RoomHeader;
use crate::ui::search::SearchPanel;
use crate::ui::settings_dialog::{SettingsAction, SettingsDialog};
use crate::ui::sidebar::Sidebar;
use crate::ui::status::{self, StatusAction};
use crate::ui::title::UnreadTitle;

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
    settings: JoinDetails,
    client: ChatClient,
    /// The context the client's wake-up asks to repaint, known from the first frame on (the
    /// client connects on its first pump, in that frame).
    repaint: Arc<OnceLock<egui::Context>>,
    /// Network timeouts run on the wall clock, not egui's frame clock (which is simulated in tests).
    clock: web_time::Instant,
    composer: String,
    messages: MessageList,
    sidebar: Sidebar,
    header: RoomHeader,
    search: SearchPanel,
    switcher: QuickSwitcher,
    preferences: Appearance,
    settings_form: SettingsDialog,
    host: Option<Box<dyn HostFallback>>,
    title: UnreadTitle,
    notifications: Notifications,
    /// The message the composer's text answers (room, sequence number), if the user is replying.
    replying_to: Option<(String, u64)>,
    picker: ReactionPicker,
    /// Why the last file could not be attached (read), until dismissed.
    attach_error: Option<String>,
}

impl ChatApp {
    /// A window with `settings`; joins at once if the settings carry a name and `auto_join`.
    /// Identity tokens are kept where the platform keeps them (see [`Identities::platform`]).
    pub fn new(settings: JoinDetails, auto_join: bool) -> Self {
        Self::with_identities(settings, auto_join, Identities::platform())
    }

    /// Like [`Self::new`], with identity tokens kept in `identities`.
    pub fn with_identities(settings: JoinDetails, auto_join: bool, identities: Identities) -> Self {
        let repaint = Arc::new(OnceLock::<egui::Context>::new());
        let wake_up = Arc::clone(&repaint);
        let client = ChatClient::new(settings.server_url.clone(), identities, move || {
            if let Some(ctx) = wake_up.get() {
                ctx.request_repaint();
            }
        });
        let mut app = Self {
            client,
            repaint,
            clock: web_time::Instant::now(),
            settings,
            composer: String::new(),
            messages: MessageList::default(),
            sidebar: Sidebar::default(),
            header: RoomHeader::default(),
            search: SearchPanel::default(),
            switcher: QuickSwitcher::default(),
            preferences: Appearance::default(),
            settings_form: SettingsDialog::default(),
            host: None,
            title: UnreadTitle::default(),
            notifications: Notifications::default(),
            replying_to: None,
            picker: ReactionPicker::default(),
            attach_error: None,
        };
        if auto_join {
            app.client.join(&app.settings.name);
        }
        app
    }

    /// Lets the window host the server when the current host goes away.
    pub fn with_host(mut self, host: Box<dyn HostFallback>) -> Self {
        self.host = Some(host);
        self
    }

    /// Uses the `appearance` (theme, text size) saved by an earlier run.
    pub fn with_appearance(mut self, appearance: Appearance) -> Self {
        self.preferences = appearance;
        self
    }

    /// Notifies of new messages with `notifications` (by default nothing is shown).
    pub fn with_notifications(mut self, notifications: Notifications) -> Self {
        self.notifications = notifications;
        self
    }

    /// The chat state, for inspection.
    pub fn state(&self) -> &ChatState {
        self.client.state()
    }

    /// How many attachment textures the window keeps, and their bytes (bounded: see
    /// `src/ui/media/cache.rs`).
    pub fn texture_use(&self) -> (usize, usize) {
        self.messages.media.texture_use()
    }

    /// The name and server this window joins with (they follow renames and server changes).
    pub fn join_details(&self) -> &JoinDetails {
        &self.settings
    }

    /// Seconds on the client's clock.
    fn now(&self) -> f64 {
        self.clock.elapsed().as_secs_f64()
    }

    /// The client's I/O before drawing: what arrived on the socket shows in this frame; a page
    /// of older history that arrived waits for [`Self::pump_after_drawing`].
    fn pump_before_drawing(&mut self, ctx: &egui::Context) {
        let deadline = self.client.pump_socket(self.now());
        self.after_pump(ctx, deadline);
    }

    /// The client's I/O after drawing: a page that arrived goes in (this frame showed it
    /// loading), and what this frame's clicks and keys queued goes out without waiting for
    /// another event.
    fn pump_after_drawing(&mut self, ctx: &egui::Context) {
        let deadline = self.client.pump(self.now());
        self.after_pump(ctx, deadline);
    }

    /// Repaints by the client's deadline; the saved name follows a rename the server confirmed.
    fn after_pump(&mut self, ctx: &egui::Context, deadline: Option<f64>) {
        if let Some(deadline) = deadline {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(deadline));
        }
        let state = self.client.state();
        if state.phase() == &Phase::Joined && state.name() != self.settings.name {
            self.settings.name = state.name().to_owned();
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        let now = self.now();
        let disconnected = matches!(self.client.state().phase(), Phase::Disconnected { .. });
        let host_note = self
            .host
            .as_mut()
            .and_then(|host| host.update(self.client.url(), disconnected));
        egui::Panel::bottom("status").show(ui, |ui| {
            let action = status::show(
                ui,
                self.client.state(),
                self.client.url(),
                self.client.reconnect_in(now),
                host_note.as_deref(),
            );
            match action {
                Some(StatusAction::Disconnect) => self.client.disconnect(),
                Some(StatusAction::Reconnect) => self.client.reconnect_now(),
                Some(StatusAction::DismissError) => self.client.state_mut().dismiss_error(),
                None => {}
            }
        });
    }

    /// The join screen: a name (and the server) to join with.
    fn join_screen(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(JoinAction::Join) = join::show(ui, &mut self.settings, self.client.state())
            {
                self.settings.server_url = self.settings.server_url.trim().to_owned();
                self.client.set_url(self.settings.server_url.clone());
                self.client.join(&self.settings.name);
            }
        });
    }

    /// Starts over on another server: its own rooms, history and identity token (what the old
    /// server said means nothing there; the composer keeps its text).
    fn change_server(&mut self, url: String) {
        self.settings.server_url = url.clone();
        self.client.change_server(url);
        self.messages = MessageList::default();
    }

    fn settings_dialog(&mut self, ctx: &egui::Context) {
        match self
            .settings_form
            .show(ctx, &mut self.preferences, &mut self.notifications)
        {
            Some(SettingsAction::Rename(name)) => self.client.state_mut().rename(&name),
            Some(SettingsAction::ShareReceipts(share)) => {
                self.client.state_mut().set_share_receipts(share);
            }
            Some(SettingsAction::ChangeServer(url)) => self.change_server(url),
            Some(SettingsAction::Close) => crate::ui::composer::focus(ctx),
            None => {}
        }
    }
}

impl eframe::App for ChatApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.repaint.get_or_init(|| ctx.clone());
        self.preferences.apply(&ctx);
        self.client
            .state_mut()
            .set_viewing(notifications::window_focused(&ctx));
        self.pump_before_drawing(&ctx);
        self.messages.media.next_frame();
        self.status_bar(ui);
        if self.client.state().needs_name() {
            self.join_screen(ui);
        } else {
            self.keyboard(&ctx);
            self.take_dropped_and_pasted(&ctx);
            self.chat_screen(ui);
            self.settings_dialog(&ctx);
            self.attach_arrived(&ctx);
        }
        self.pump_after_drawing(&ctx);
        // A search result to jump to that is older than what is loaded: page back to it.
        if let Some(target) = self.messages.jump_target() {
            self.client.load_back_to(target);
        }
        self.title.update(&ctx, self.client.state());
        self.notifications.update(&ctx, self.client.state_mut());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
        self.preferences.save(storage);
        self.notifications.save(storage);
    }
}
