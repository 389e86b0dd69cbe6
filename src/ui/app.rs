//! [`ChatApp`]: the eframe app that holds the chat state and the connection.

use crate::client::history::{HistoryFetch, PAGE_SIZE};
use crate::client::identity::Identities;
use crate::client::link::Link;
use crate::client::state::{ChatState, Phase};
use crate::protocol::api::MAX_PAGE;
use crate::ui::appearance::Appearance;
use crate::ui::composer;
use crate::ui::join::{self, JoinAction};
use crate::ui::join_details::JoinDetails;
use crate::ui::messages::{ListAction, MessageList};
use crate::ui::room_header::{HeaderAction, RoomHeader};
use crate::ui::search::{SearchAction, SearchPanel};
use crate::ui::settings_dialog::{SettingsAction, SettingsDialog};
use crate::ui::sidebar::{Sidebar, SidebarAction};
use crate::ui::status::{self, StatusAction};
use crate::ui::title::UnreadTitle;
use crate::ui::users;

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
    state: ChatState,
    link: Link,
    identities: Identities,
    /// Network timeouts run on the wall clock, not egui's frame clock (which is simulated in tests).
    clock: web_time::Instant,
    composer: String,
    messages: MessageList,
    sidebar: Sidebar,
    header: RoomHeader,
    search: SearchPanel,
    paging: Option<HistoryFetch>,
    paging_error: Option<String>,
    preferences: Appearance,
    settings_form: SettingsDialog,
    host: Option<Box<dyn HostFallback>>,
    title: UnreadTitle,
}

/// Below this width (in points) the side panels fold into lines above the messages.
const NARROW_WIDTH: f32 = 600.0;

impl ChatApp {
    /// A window with `settings`; joins at once if the settings carry a name and `auto_join`.
    /// Identity tokens are kept where the platform keeps them (see [`Identities::platform`]).
    pub fn new(settings: JoinDetails, auto_join: bool) -> Self {
        Self::with_identities(settings, auto_join, Identities::platform())
    }

    /// Like [`Self::new`], with identity tokens kept in `identities`.
    pub fn with_identities(settings: JoinDetails, auto_join: bool, identities: Identities) -> Self {
        let mut app = Self {
            link: Link::new(settings.server_url.clone()),
            clock: web_time::Instant::now(),
            state: ChatState::new(message_id_prefix(), String::new()),
            identities,
            settings,
            composer: String::new(),
            messages: MessageList::default(),
            sidebar: Sidebar::default(),
            header: RoomHeader::default(),
            search: SearchPanel::default(),
            paging: None,
            paging_error: None,
            preferences: Appearance::default(),
            settings_form: SettingsDialog::default(),
            host: None,
            title: UnreadTitle::default(),
        };
        if auto_join {
            app.join();
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

    /// The chat state, for inspection.
    pub fn state(&self) -> &ChatState {
        &self.state
    }

    /// The name and server this window joins with (they follow renames and server changes).
    pub fn join_details(&self) -> &JoinDetails {
        &self.settings
    }

    /// Joins as the name in the settings, with that name's identity token.
    fn join(&mut self) {
        let name = self.settings.name.trim().to_owned();
        if name.is_empty() {
            return;
        }
        self.state
            .set_token(self.identities.token_for(self.link.url(), &name));
        self.state.join(&name);
    }

    fn pump(&mut self, ctx: &egui::Context) {
        let now = self.clock.elapsed().as_secs_f64();
        let waker = ctx.clone();
        self.link
            .pump(&mut self.state, now, move || waker.request_repaint());
        if let Some(deadline) = self.link.next_deadline(&self.state, now) {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(deadline));
        }
        self.follow_rename();
    }

    /// Once the server confirms a new name, the name's token and the settings follow it.
    fn follow_rename(&mut self) {
        let held = self.state.name();
        if self.state.phase() == &Phase::Joined && held != self.settings.name {
            self.identities
                .renamed(self.link.url(), &self.settings.name, held);
            self.settings.name = held.to_owned();
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
                Some(StatusAction::DismissError) => self.state.dismiss_error(),
                None => {}
            }
        });
    }

    fn chat_screen(&mut self, ui: &mut egui::Ui) {
        let narrow = ui.available_width() < NARROW_WIDTH;
        let sidebar_action = if narrow {
            egui::Panel::top("rooms_compact")
                .show(ui, |ui| {
                    egui::CollapsingHeader::new(format!(
                        "Rooms ({} unread)",
                        self.state.total_unread()
                    ))
                    .id_salt("rooms_compact")
                    .show(ui, |ui| self.sidebar.show(ui, &self.state))
                    .body_returned
                    .flatten()
                })
                .inner
        } else {
            egui::Panel::left("rooms")
                .resizable(true)
                .default_size(180.0)
                .show(ui, |ui| self.sidebar.show(ui, &self.state))
                .inner
        };
        self.on_sidebar(sidebar_action);
        let Some(room) = self.state.current() else {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.centered_and_justified(|ui| {
                    ui.weak("Join or create a room to start chatting.");
                });
            });
            return;
        };
        let room_title = match room.kind {
            crate::protocol::RoomKind::Public => format!("#{}", room.title()),
            crate::protocol::RoomKind::Direct => room.title().to_owned(),
        };
        let typing = composer::typing_line(&room.typing(self.state.now()));
        let names = room.users.clone();
        let me = self.state.name().to_owned();
        if let Some(expires) = room.typing_expires(self.state.now()) {
            ui.ctx()
                .request_repaint_after_secs((expires - self.state.now()) as f32);
        }
        egui::Panel::bottom("composer")
            .frame(egui::Frame::side_top_panel(ui.style()).inner_margin(8))
            .show(ui, |ui| {
                ui.add_visible(
                    typing.is_some(),
                    egui::Label::new(
                        egui::RichText::new(typing.unwrap_or_default())
                            .weak()
                            .small(),
                    ),
                );
                let event = composer::show(ui, &mut self.composer, &room_title, &names, &me);
                if event.typing {
                    self.state.typing();
                }
                if event.send && self.state.send(&self.composer) {
                    self.composer.clear();
                }
            });
        let message_peer = match self.state.current() {
            Some(room) if narrow => {
                egui::Panel::top("users_compact")
                    .show(ui, |ui| users::show_compact(ui, room, &me))
                    .inner
            }
            Some(room) => {
                egui::Panel::right("users")
                    .resizable(true)
                    .default_size(160.0)
                    .show(ui, |ui| users::show(ui, room, &me))
                    .inner
            }
            None => None,
        };
        if let Some(peer) = message_peer {
            self.state.open_direct(&peer);
        }
        let loading = self.paging.is_some();
        let action = egui::CentralPanel::default()
            .show(ui, |ui| {
                if let Some(room) = self.state.current()
                    && let Some(asked) = self.header.show(ui, room)
                {
                    self.on_header(asked);
                }
                if self.search.is_open() {
                    match self.search.show(ui, &self.state) {
                        Some(SearchAction::Query(query)) => self.state.search(&query),
                        Some(SearchAction::Jump(seq)) => self.messages.jump_to(seq),
                        Some(SearchAction::Close) => self.state.clear_search(),
                        None => {}
                    }
                }
                if let Some(error) = &self.paging_error {
                    let retry = ui
                        .horizontal_wrapped(|ui| {
                            ui.colored_label(
                                ui.visuals().error_fg_color,
                                format!("could not load older messages: {error}"),
                            );
                            ui.small_button("Try again").clicked()
                        })
                        .inner;
                    if retry {
                        // The next scroll to the top (or pending jump) asks again.
                        self.paging_error = None;
                    }
                }
                ui.separator();
                self.messages.show(ui, &self.state, loading)
            })
            .inner;
        self.on_list(ui.ctx(), action);
    }

    fn on_sidebar(&mut self, action: Option<SidebarAction>) {
        match action {
            Some(SidebarAction::Switch(room)) => self.state.switch_to(&room),
            Some(SidebarAction::Join(room)) => self.state.join_room(&room, false),
            Some(SidebarAction::Create(room)) => self.state.join_room(&room, true),
            Some(SidebarAction::Browse) => self.state.list_rooms(),
            Some(SidebarAction::Settings) => {
                self.settings_form = SettingsDialog::open(&self.settings.name, self.link.url());
            }
            None => {}
        }
    }

    /// Starts over on another server: its own rooms, history and identity token (what the old
    /// server said means nothing there; the composer keeps its text).
    fn change_server(&mut self, url: String) {
        self.settings.server_url = url.clone();
        self.link = Link::new(url);
        self.state = ChatState::new(message_id_prefix(), String::new());
        self.messages = MessageList::default();
        self.paging = None;
        self.paging_error = None;
        self.join();
    }

    fn settings_dialog(&mut self, ctx: &egui::Context) {
        match self.settings_form.show(ctx, &mut self.preferences) {
            Some(SettingsAction::Rename(name)) => self.state.rename(&name),
            Some(SettingsAction::ChangeServer(url)) => self.change_server(url),
            Some(SettingsAction::Close) | None => {}
        }
    }

    fn on_header(&mut self, action: HeaderAction) {
        match action {
            HeaderAction::SetTopic(topic) => self.state.set_topic(&topic),
            HeaderAction::Search => self.search.open(),
            HeaderAction::Leave => {
                if let Some(room) = self.state.current().map(|room| room.room.clone()) {
                    self.state.leave_room(&room);
                }
            }
        }
    }

    fn on_list(&mut self, ctx: &egui::Context, action: Option<ListAction>) {
        match action {
            Some(ListAction::Retry(id)) => self.state.retry_message(&id),
            Some(ListAction::TakeBack(id)) => {
                if let Some(text) = self.state.take_back(&id) {
                    self.composer = text;
                }
            }
            Some(ListAction::Edit(seq, text)) => self.state.edit(seq, &text),
            Some(ListAction::Delete(seq)) => self.state.delete(seq),
            Some(ListAction::LoadOlder) => self.load_older(ctx),
            None => {}
        }
    }

    /// Asks the server for the page before the oldest message of the current room: a normal
    /// page, or, when a message to jump to is older still, enough to reach it.
    fn load_older(&mut self, ctx: &egui::Context) {
        let Some(room) = self.state.current() else {
            return;
        };
        if self.paging.is_some() || self.paging_error.is_some() || !room.has_older {
            return;
        }
        let oldest = room.oldest_seq();
        let limit = match (self.messages.jump_target(), oldest) {
            (Some(target), Some(oldest)) if target < oldest => {
                usize::try_from(oldest - target).map_or(MAX_PAGE, |gap| (gap + 20).min(MAX_PAGE))
            }
            _ => PAGE_SIZE,
        };
        let waker = ctx.clone();
        self.paging = Some(HistoryFetch::start(
            self.link.url(),
            self.state.token(),
            &room.room,
            oldest,
            limit,
            move || waker.request_repaint(),
        ));
    }

    /// Loads older history while a message to jump to is older than what is loaded.
    fn follow_jump(&mut self, ctx: &egui::Context) {
        let behind = match (self.messages.jump_target(), self.state.current()) {
            (Some(target), Some(room)) => room.oldest_seq().is_some_and(|oldest| target < oldest),
            _ => false,
        };
        if behind {
            self.load_older(ctx);
        }
    }

    /// Puts a page that arrived in front of its room.
    fn poll_paging(&mut self) {
        let Some(result) = self.paging.as_ref().and_then(HistoryFetch::ready) else {
            return;
        };
        match result.clone() {
            Ok(page) => {
                if let Some(room) = self.state.room_mut(&page.room) {
                    room.prepend(page);
                }
            }
            Err(error) => self.paging_error = Some(error),
        }
        self.paging = None;
    }
}

impl eframe::App for ChatApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.preferences.apply(&ctx);
        self.state.set_viewing(ctx.input(|input| input.focused));
        self.pump(&ctx);
        self.status_bar(ui);
        if self.state.needs_name() {
            egui::CentralPanel::default().show(ui, |ui| {
                if let Some(JoinAction::Join) = join::show(ui, &mut self.settings, &self.state) {
                    self.settings.server_url = self.settings.server_url.trim().to_owned();
                    self.link.set_url(self.settings.server_url.clone());
                    self.join();
                }
            });
        } else {
            self.chat_screen(ui);
            self.settings_dialog(&ctx);
        }
        // A page that arrived goes in after this frame showed the spinner at least once.
        self.poll_paging();
        self.follow_jump(&ctx);
        // Send what this frame's clicks and keys queued without waiting for another event.
        self.pump(&ctx);
        self.title.update(&ctx, &self.state);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
        self.preferences.save(storage);
    }
}

/// A per-run prefix for message ids, so ids never repeat across runs of one user.
fn message_id_prefix() -> String {
    let now = chrono::Utc::now();
    format!("{:x}", now.timestamp_millis())
}
