//! Editing one of our messages in place: the text with Save and Cancel. It opens from the
//! message's menu or with Up in the empty composer ([`MessageList::edit_last_own`]); Enter saves,
//! Shift+Enter starts a new line, Escape (the app's shortcut, [`MessageList::cancel_edit`])
//! cancels.

use crate::client::state::{ChatState, Entry};
use crate::protocol::ChatMessage;
use crate::ui::composer::take_plain_enter;

use super::MessageList;

/// How editing a message ended.
pub(super) enum EditOutcome {
    /// Save this text.
    Save(String),
    /// Keep the message as it was.
    Cancel,
}

impl MessageList {
    /// Opens the editor on our last message in the current room, with the keyboard focus in it,
    /// and brings it into view (nothing happens if we have no message there).
    pub fn edit_last_own(&mut self, state: &ChatState) {
        let Some(room) = state.current() else {
            return;
        };
        let last_own = room.timeline().iter().rev().find_map(|entry| match entry {
            Entry::Message(message) if message.from == state.name() && !message.deleted => {
                Some(message)
            }
            _ => None,
        });
        if let Some(message) = last_own {
            self.start_editing(message);
            self.jump_to = Some(message.seq);
        }
    }

    /// Closes the editor without saving; false if it was not open.
    pub fn cancel_edit(&mut self) -> bool {
        self.editing.take().is_some()
    }

    /// Opens the editor on `message`; it takes the keyboard focus when it is next drawn.
    pub(super) fn start_editing(&mut self, message: &ChatMessage) {
        self.editing = Some((message.seq, message.text.clone()));
        self.focus_editor = true;
    }
}

/// The editor over `text`, taking the keyboard focus if `focus`; Save or Enter (with some
/// text) and Cancel end it.
pub(super) fn edit_box(ui: &mut egui::Ui, text: &mut String, focus: bool) -> Option<EditOutcome> {
    let label = ui.label("Edit message");
    let field = ui
        .add(
            egui::TextEdit::multiline(text)
                // One editor at a time; an id of its own keeps its focus while the list scrolls
                // (the rows' own ids follow their place in the view).
                .id(egui::Id::unique("chinwag_message_editor"))
                .desired_rows(2)
                .desired_width(f32::INFINITY)
                .return_key(egui::KeyboardShortcut::new(
                    egui::Modifiers::SHIFT,
                    egui::Key::Enter,
                )),
        )
        .labelled_by(label.id);
    if focus {
        field.request_focus();
    }
    let entered = field.has_focus() && ui.input_mut(take_plain_enter);
    let mut action = None;
    ui.horizontal(|ui| {
        if (ui.button("Save").clicked() || entered) && !text.trim().is_empty() {
            action = Some(EditOutcome::Save(text.clone()));
        }
        if ui.button("Cancel").clicked() {
            action = Some(EditOutcome::Cancel);
        }
    });
    action
}
