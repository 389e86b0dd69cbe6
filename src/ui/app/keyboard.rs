//! The keyboard shortcuts of the chat screen ([`crate::ui::shortcuts`]) carried out on the app,
//! and the quick switcher. Runs once a frame before the chat screen is drawn, so a shortcut's
//! keys are taken before any text field sees them.

use super::ChatApp;
use crate::ui::composer;
use crate::ui::quick_switcher::Destination;
use crate::ui::settings_dialog::SettingsDialog;
use crate::ui::shortcuts::{self, Command, Situation, Step};
use crate::ui::sidebar;

impl ChatApp {
    /// Acts on this frame's shortcuts, then draws the quick switcher if it is open.
    pub(super) fn keyboard(&mut self, ctx: &egui::Context) {
        #[cfg(target_arch = "wasm32")]
        crate::ui::web_keys::claim_shortcuts();
        // One at a time: each shortcut sees what the one before it left (Escape then Ctrl+F in
        // one frame closes the quick switcher, then opens the search).
        while let Some(command) = shortcuts::take_next(ctx, &self.situation(ctx)) {
            self.run_command(ctx, command);
        }
        let Some(destination) = self.switcher.show(ctx, self.client.state()) else {
            return;
        };
        match destination {
            Destination::Room(room) => self.client.state_mut().switch_to(&room),
            Destination::Person(name) => self.client.state_mut().open_direct(&name),
        }
        composer::focus(ctx);
    }

    /// Where the keyboard is, for the shortcuts.
    fn situation(&self, ctx: &egui::Context) -> Situation {
        Situation {
            dialog_open: self.dialog_open(),
            popup_open: egui::Popup::is_any_open(ctx),
            in_empty_composer: self.composer.is_empty()
                && ctx.memory(|memory| memory.has_focus(composer::id())),
        }
    }

    /// Whether a dialog (the quick switcher, the settings) is over the chat.
    pub(super) fn dialog_open(&self) -> bool {
        self.switcher.is_open()
            || self.settings_form.is_open()
            || self.picker.is_open()
            || self.messages.media.viewer_open()
    }

    fn run_command(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::QuickSwitcher => self.switcher.open(),
            Command::Search => {
                if self.client.state().current().is_some() {
                    self.search.open();
                }
            }
            Command::PreviousUnread => self.go_to_room(Step::Previous, true),
            Command::NextUnread => self.go_to_room(Step::Next, true),
            Command::PreviousRoom => self.go_to_room(Step::Previous, false),
            Command::NextRoom => self.go_to_room(Step::Next, false),
            Command::Close => {
                self.close_topmost();
                composer::focus(ctx);
            }
            Command::EditLastMessage => self.messages.edit_last_own(self.client.state()),
        }
    }

    /// Switches to the room `step` away in the sidebar (only rooms with unread messages if
    /// `unread_only`).
    fn go_to_room(&mut self, step: Step, unread_only: bool) {
        let state = self.client.state();
        let current = state.current().map(|room| room.room.as_str());
        let next = shortcuts::neighbour(&sidebar::in_order(state), current, step, |room| {
            !unread_only || room.unread > 0
        })
        .map(|room| room.room.clone());
        if let Some(room) = next {
            self.client.state_mut().switch_to(&room);
        }
    }

    /// Closes what is on top (one thing a press): the image viewer, the quick switcher, the
    /// settings, the reaction picker or the reply, the message being edited, the topic being edited, the search panel or "Browse rooms".
    fn close_topmost(&mut self) {
        let _closed = self.messages.media.close_viewer()
            || self.switcher.close()
            || self.close_settings()
            || self.close_annotation()
            || self.messages.cancel_edit()
            || self.header.cancel_topic_edit()
            || self.close_search()
            || self.sidebar.close_browse();
    }

    fn close_settings(&mut self) -> bool {
        let open = self.settings_form.is_open();
        self.settings_form = SettingsDialog::default();
        open
    }

    fn close_search(&mut self) -> bool {
        let open = self.search.close();
        if open {
            self.client.state_mut().clear_search();
        }
        open
    }
}
