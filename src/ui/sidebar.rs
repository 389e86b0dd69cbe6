//! The sidebar: the user's rooms and direct conversations with unread badges, and a field to
//! join or create a room.

use crate::client::state::{ChatState, RoomView};
use crate::protocol::{self, MAX_UNREAD_COUNT, RoomKind};

/// What the user asked for in the sidebar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SidebarAction {
    /// Show this room.
    Switch(String),
    /// Join an existing room.
    Join(String),
    /// Create a room (or join it if it exists).
    Create(String),
    /// Ask the server for its public rooms.
    Browse,
    /// Open the settings.
    Settings,
}

/// The sidebar's own state: the room name being typed, and whether "Browse rooms" is open.
#[derive(Default)]
pub struct Sidebar {
    room_name: String,
    browse_open: bool,
    close_browse: bool,
}

impl Sidebar {
    /// Draws the sidebar; returns what the user asked for.
    pub fn show(&mut self, ui: &mut egui::Ui, state: &ChatState) -> Option<SidebarAction> {
        let mut action = None;
        let current = state.current().map(|room| room.room.as_str());
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.strong("Rooms");
            for room in of_kind(state, RoomKind::Public) {
                if room_row(ui, room, current) {
                    action = Some(SidebarAction::Switch(room.room.clone()));
                }
            }
            ui.add_space(8.0);
            ui.strong("Direct messages");
            let mut any = false;
            for room in of_kind(state, RoomKind::Direct) {
                any = true;
                if room_row(ui, room, current) {
                    action = Some(SidebarAction::Switch(room.room.clone()));
                }
            }
            if !any {
                ui.weak("Click a name in the member list to message someone.");
            }
            ui.add_space(8.0);
            ui.separator();
            if let Some(asked) = self.join_form(ui) {
                action = Some(asked);
            }
            if let Some(asked) = self.directory(ui, state) {
                action = Some(asked);
            }
            ui.separator();
            if ui.button("Settings").clicked() {
                action = Some(SidebarAction::Settings);
            }
        });
        action
    }

    fn join_form(&mut self, ui: &mut egui::Ui) -> Option<SidebarAction> {
        let label = ui.label("Join or create a room");
        let field = ui.add(
            egui::TextEdit::singleline(&mut self.room_name)
                .hint_text("room name")
                .desired_width(f32::INFINITY),
        );
        let field = field.labelled_by(label.id);
        let name = self.room_name.trim().to_owned();
        let problem = (!name.is_empty())
            .then(|| protocol::validate_room_name(&name).err())
            .flatten();
        if let Some(problem) = problem {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("A room name {problem}"),
            );
        }
        let valid = !name.is_empty() && problem.is_none();
        let mut action = None;
        ui.horizontal(|ui| {
            let entered =
                field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            if ui.add_enabled(valid, egui::Button::new("Join")).clicked() || (entered && valid) {
                action = Some(SidebarAction::Join(name.clone()));
            }
            if ui.add_enabled(valid, egui::Button::new("Create")).clicked() {
                action = Some(SidebarAction::Create(name.clone()));
            }
        });
        if action.is_some() {
            self.room_name.clear();
        }
        action
    }

    /// Folds "Browse rooms" up in the next frame (Escape); false if it was not open.
    pub fn close_browse(&mut self) -> bool {
        self.close_browse = self.browse_open;
        self.browse_open
    }

    /// "Browse rooms": the public rooms the server has, each a click away from joining.
    fn directory(&mut self, ui: &mut egui::Ui, state: &ChatState) -> Option<SidebarAction> {
        let mut header = egui::CollapsingHeader::new("Browse rooms").id_salt("browse_rooms");
        if std::mem::take(&mut self.close_browse) {
            header = header.open(Some(false));
        }
        let shown = header.show(ui, |ui| directory_list(ui, state));
        self.browse_open = !shown.fully_closed();
        if shown.header_response.clicked() {
            // Opening (or closing) the list asks again, so it is never stale for long.
            return shown
                .body_returned
                .flatten()
                .or(Some(SidebarAction::Browse));
        }
        shown.body_returned.flatten()
    }
}

/// The rooms in the order the sidebar lists them: public rooms, then direct conversations.
pub fn in_order(state: &ChatState) -> Vec<&RoomView> {
    of_kind(state, RoomKind::Public)
        .chain(of_kind(state, RoomKind::Direct))
        .collect()
}

/// The rooms of one kind, in the sidebar's order.
fn of_kind(state: &ChatState, kind: RoomKind) -> impl Iterator<Item = &RoomView> {
    state.rooms().filter(move |room| room.kind == kind)
}

/// The public rooms the server has that the user is not in, each a click away from joining.
fn directory_list(ui: &mut egui::Ui, state: &ChatState) -> Option<SidebarAction> {
    let Some(rooms) = state.directory() else {
        ui.spinner();
        return None;
    };
    let mut action = None;
    for listing in rooms {
        if state.room(&listing.room).is_some() {
            continue;
        }
        let button = ui
            .add(egui::Button::new(format!("# {}", listing.room)).frame(false))
            .on_hover_text(if listing.topic.is_empty() {
                format!("{} members", listing.members)
            } else {
                format!("{}\n{} members", listing.topic, listing.members)
            });
        if button.clicked() {
            action = Some(SidebarAction::Join(listing.room.clone()));
        }
    }
    if rooms
        .iter()
        .all(|listing| state.room(&listing.room).is_some())
    {
        ui.weak("You are in every room there is.");
    }
    action
}

/// One room: its name, selected if current, with unread and mention badges. True if clicked.
fn room_row(ui: &mut egui::Ui, room: &RoomView, current: Option<&str>) -> bool {
    let selected = current == Some(room.room.as_str());
    let prefix = match room.kind {
        RoomKind::Public => "# ",
        RoomKind::Direct => "@ ",
    };
    let mut clicked = false;
    ui.horizontal(|ui| {
        let mut text = egui::RichText::new(format!("{prefix}{}", room.title()));
        if room.unread > 0 {
            text = text.strong();
        }
        clicked = ui.selectable_label(selected, text).clicked();
        if room.mentions > 0 {
            badge(
                ui,
                &format!("@{}", room.mentions),
                ui.visuals().error_fg_color,
            )
            .on_hover_text(format!("{} mention you", room.mentions));
        }
        if room.unread > 0 {
            let count = if room.unread >= MAX_UNREAD_COUNT as u64 {
                format!("{}+", MAX_UNREAD_COUNT - 1)
            } else {
                room.unread.to_string()
            };
            badge(ui, &count, ui.visuals().selection.bg_fill)
                .on_hover_text(format!("{} unread", room.unread));
        }
    });
    clicked
}

/// A small rounded count.
fn badge(ui: &mut egui::Ui, text: &str, fill: egui::Color32) -> egui::Response {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.label(
                egui::RichText::new(text)
                    .small()
                    .color(egui::Color32::WHITE),
            )
        })
        .inner
}

#[cfg(test)]
mod tests;
