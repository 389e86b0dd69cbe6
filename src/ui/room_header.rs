//! The bar above the messages: the room's name and topic, editing the topic, search, the
//! pinned messages, muting its notifications and leave.

use crate::client::state::RoomView;
use crate::protocol::RoomKind;
use crate::ui::pins::{self, PinsAction};
use crate::ui::shortcuts;

/// What the user asked for in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderAction {
    /// Set the topic to this.
    SetTopic(String),
    /// Open the search (also [`shortcuts::SEARCH`], Ctrl+F).
    Search,
    /// Mute the room's notifications (true) or unmute them (false).
    Mute(bool),
    /// Leave the room.
    Leave,
    /// Something in the pinned messages' list.
    Pins(PinsAction),
}

/// The header's own state: the topic being edited, if it is.
#[derive(Default)]
pub struct RoomHeader {
    editing_topic: Option<String>,
    focus_topic: bool,
    /// Whether the pinned messages show.
    pins_open: bool,
    /// The room whose pins were last asked for (once a room, while its list is open).
    pins_asked: Option<String>,
}

impl RoomHeader {
    /// Closes the topic editor without saving (Escape); false if it was not open.
    pub fn cancel_topic_edit(&mut self) -> bool {
        self.editing_topic.take().is_some()
    }

    /// Draws the header of `room`, whose notifications are `muted` or not; returns what the
    /// user asked for.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        room: &RoomView,
        muted: bool,
    ) -> Option<HeaderAction> {
        let mut action = None;
        ui.horizontal_wrapped(|ui| {
            let prefix = if room.kind == RoomKind::Direct {
                "@"
            } else {
                "#"
            };
            ui.heading(format!("{prefix}{}", room.title()));
            if room.kind == RoomKind::Public && self.editing_topic.is_none() {
                if room.topic.is_empty() {
                    ui.weak("no topic");
                } else {
                    ui.label(&room.topic);
                }
                if ui.small_button("Edit topic").clicked() {
                    self.editing_topic = Some(room.topic.clone());
                    self.focus_topic = true;
                }
            }
            let search_keys = ui.ctx().format_shortcut(&shortcuts::SEARCH.keys);
            if ui
                .small_button("Search")
                .on_hover_text(search_keys)
                .clicked()
            {
                action = Some(HeaderAction::Search);
            }
            let pinned = room
                .pins()
                .map_or(String::new(), |pins| format!(" ({})", pins.len()));
            if ui
                .selectable_label(self.pins_open, format!("Pinned{pinned}"))
                .clicked()
            {
                self.pins_open = !self.pins_open;
            }
            let (mute, hint) = if muted {
                ("Unmute", "This room shows no desktop notifications")
            } else {
                ("Mute", "Show no desktop notifications for this room")
            };
            if ui.small_button(mute).on_hover_text(hint).clicked() {
                action = Some(HeaderAction::Mute(!muted));
            }
            if room.kind == RoomKind::Public && ui.small_button("Leave").clicked() {
                action = Some(HeaderAction::Leave);
            }
        });
        if self.pins_open {
            if room.pins().is_none() && self.pins_asked.as_deref() != Some(room.room.as_str()) {
                self.pins_asked = Some(room.room.clone());
                action = action.or(Some(HeaderAction::Pins(PinsAction::Load)));
            }
            action = pins::show(ui, room).map(HeaderAction::Pins).or(action);
        }
        let mut done = false;
        if let Some(topic) = &mut self.editing_topic {
            ui.horizontal(|ui| {
                let label = ui.label("Topic");
                // Room for Save and Cancel on the same line.
                let width = (ui.available_width() - 130.0).max(80.0);
                let field = ui
                    .add(egui::TextEdit::singleline(topic).desired_width(width))
                    .labelled_by(label.id);
                if std::mem::take(&mut self.focus_topic) {
                    field.request_focus();
                }
                let entered =
                    field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
                if ui.button("Save").clicked() || entered {
                    action = Some(HeaderAction::SetTopic(topic.clone()));
                }
                done = ui.button("Cancel").clicked() || action.is_some();
            });
        }
        if done {
            self.editing_topic = None;
        }
        action
    }
}
