//! The chat screen: the rooms, the composer, the users and the current room (header, search,
//! older-history errors, messages), and what their actions do. In a narrow window the side
//! panels fold into lines above the messages.

use super::ChatApp;
use crate::protocol::RoomKind;
use crate::ui::composer;
use crate::ui::messages::ListAction;
use crate::ui::room_header::HeaderAction;
use crate::ui::search::SearchAction;
use crate::ui::settings_dialog::SettingsDialog;
use crate::ui::sidebar::SidebarAction;
use crate::ui::users::{self, UsersAction};

/// Below this width (in points) the side panels fold into lines above the messages.
const NARROW_WIDTH: f32 = 600.0;

impl ChatApp {
    /// Draws the chat screen and acts on what the user did in it.
    pub(super) fn chat_screen(&mut self, ui: &mut egui::Ui) {
        let narrow = ui.available_width() < NARROW_WIDTH;
        let action = self.rooms_panel(ui, narrow);
        self.on_sidebar(action);
        if self.client.state().current().is_none() {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.centered_and_justified(|ui| {
                    ui.weak("Join or create a room to start chatting.");
                });
            });
            return;
        }
        self.composer_panel(ui);
        match self.users_panel(ui, narrow) {
            Some(UsersAction::Message(peer)) => self.client.state_mut().open_direct(&peer),
            Some(UsersAction::MoreMembers) => {
                if let Some(room) = self.client.state().current().map(|room| room.room.clone()) {
                    self.client.state_mut().more_members(&room);
                }
            }
            None => {}
        }
        let action = egui::CentralPanel::default()
            .show(ui, |ui| self.room_panel(ui))
            .inner;
        let action = self.on_annotation(ui.ctx(), action);
        self.on_list(action);
        self.reaction_picker(ui.ctx());
    }

    /// The rooms: a panel on the left, or a folded line on top in a narrow window.
    fn rooms_panel(&mut self, ui: &mut egui::Ui, narrow: bool) -> Option<SidebarAction> {
        let state = self.client.state();
        if narrow {
            egui::Panel::top("rooms_compact")
                .show(ui, |ui| {
                    egui::CollapsingHeader::new(format!("Rooms ({} unread)", state.total_unread()))
                        .id_salt("rooms_compact")
                        .show(ui, |ui| self.sidebar.show(ui, state))
                        .body_returned
                        .flatten()
                })
                .inner
        } else {
            egui::Panel::left("rooms")
                .resizable(true)
                .default_size(180.0)
                .show(ui, |ui| self.sidebar.show(ui, state))
                .inner
        }
    }

    /// Who is typing and the composer of the current room, at the bottom.
    fn composer_panel(&mut self, ui: &mut egui::Ui) {
        let dialog_open = self.dialog_open();
        let state = self.client.state();
        let Some(room) = state.current() else {
            return;
        };
        let room_title = match room.kind {
            RoomKind::Public => format!("#{}", room.title()),
            RoomKind::Direct => room.title().to_owned(),
        };
        let typing = composer::typing_line(&room.typing(state.now()));
        let names = room.users.clone();
        let me = state.name().to_owned();
        if let Some(expires) = room.typing_expires(state.now()) {
            ui.ctx()
                .request_repaint_after_secs((expires - state.now()) as f32);
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
                self.reply_bar(ui);
                self.attach_error_line(ui);
                let reply_to = self.reply_here();
                let event = composer::show(
                    ui,
                    &mut self.composer,
                    &room_title,
                    &names,
                    &me,
                    dialog_open,
                );
                if event.attach {
                    self.messages.media.incoming.pick(ui.ctx());
                }
                if event.typing {
                    self.client.state_mut().typing();
                }
                if event.send && self.client.state_mut().send_reply(&self.composer, reply_to) {
                    self.composer.clear();
                    if reply_to.is_some() {
                        self.replying_to = None;
                    }
                }
            });
    }

    /// The users of the current room: a panel on the right, or a line on top in a narrow
    /// window. Returns what the user asked for there (a direct conversation, more names).
    fn users_panel(&self, ui: &mut egui::Ui, narrow: bool) -> Option<UsersAction> {
        let state = self.client.state();
        let room = state.current()?;
        let me = state.name();
        if narrow {
            egui::Panel::top("users_compact")
                .show(ui, |ui| users::show_compact(ui, room, me))
                .inner
        } else {
            egui::Panel::right("users")
                .resizable(true)
                .default_size(160.0)
                .show(ui, |ui| users::show(ui, room, me))
                .inner
        }
    }

    /// The current room: its header, the search panel when open, why older history could not
    /// be loaded, and the messages.
    fn room_panel(&mut self, ui: &mut egui::Ui) -> Option<ListAction> {
        let loading = self.client.loading_older();
        if let Some(room) = self.client.state().current()
            && let Some(asked) =
                self.header
                    .show(ui, room, self.notifications.prefs().is_muted(&room.room))
        {
            self.on_header(asked);
        }
        if self.search.is_open() {
            match self.search.show(ui, self.client.state()) {
                Some(SearchAction::Query(query)) => self.client.state_mut().search(&query),
                Some(SearchAction::Jump(seq)) => self.messages.jump_to(seq),
                Some(SearchAction::Close) => self.client.state_mut().clear_search(),
                None => {}
            }
        }
        self.paging_error_line(ui);
        ui.separator();
        self.messages.show(ui, self.client.state(), loading)
    }

    /// Why older messages could not be loaded, with a button to try again.
    fn paging_error_line(&mut self, ui: &mut egui::Ui) {
        let Some(error) = self.client.paging_error() else {
            return;
        };
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
            self.client.retry_paging();
        }
    }

    fn on_sidebar(&mut self, action: Option<SidebarAction>) {
        let state = self.client.state_mut();
        match action {
            Some(SidebarAction::Switch(room)) => state.switch_to(&room),
            Some(SidebarAction::Join(room)) => state.join_room(&room, false),
            Some(SidebarAction::Create(room)) => state.join_room(&room, true),
            Some(SidebarAction::Browse) => state.list_rooms(),
            Some(SidebarAction::Settings) => {
                self.settings_form = SettingsDialog::open(&self.settings.name, self.client.url())
                    .sharing_receipts(self.client.state().shares_receipts());
            }
            None => {}
        }
    }

    fn on_header(&mut self, action: HeaderAction) {
        let state = self.client.state_mut();
        match action {
            HeaderAction::SetTopic(topic) => state.set_topic(&topic),
            HeaderAction::Search => self.search.open(),
            HeaderAction::Mute(muted) => {
                if let Some(room) = state.current() {
                    self.notifications.prefs_mut().set_muted(&room.room, muted);
                }
            }
            HeaderAction::Pins(action) => self.on_pins(action),
            HeaderAction::Leave => {
                if let Some(room) = state.current().map(|room| room.room.clone()) {
                    state.leave_room(&room);
                }
            }
        }
    }

    fn on_list(&mut self, action: Option<ListAction>) {
        let state = self.client.state_mut();
        match action {
            Some(ListAction::Retry(id)) => state.retry_message(&id),
            Some(ListAction::TakeBack(id)) => {
                if let Some(text) = state.take_back(&id) {
                    self.composer = text;
                }
            }
            Some(ListAction::Edit(seq, text)) => state.edit(seq, &text),
            Some(ListAction::Delete(seq)) => state.delete(seq),
            Some(ListAction::LoadOlder) => self.client.load_older(self.messages.jump_target()),
            // Replies, reactions and pins were handled by `on_annotation`.
            Some(
                ListAction::Reply(_)
                | ListAction::PickReaction(_)
                | ListAction::React(..)
                | ListAction::Pin(..),
            )
            | None => {}
        }
    }
}
