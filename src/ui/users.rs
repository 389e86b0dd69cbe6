//! Who is online in the current room, and its one-line form for narrow (phone-width) screens.
//! Clicking someone else opens a direct conversation with them. The count is always exact; in a
//! crowd the list holds the pages asked for so far, and a button asks for the next.

use crate::client::state::RoomView;
use crate::protocol::RoomKind;

/// What the user asked for in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsersAction {
    /// A direct conversation with this user.
    Message(String),
    /// The next page of names (see [`crate::client::state::ChatState::more_members`]).
    MoreMembers,
}

/// Lists who is online in `room`, marking `me`; returns what the user asked for.
pub fn show(ui: &mut egui::Ui, room: &RoomView, me: &str) -> Option<UsersAction> {
    ui.strong(format!("{} online", room.online));
    ui.separator();
    let mut action = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for user in &room.users {
            if let Some(peer) = user_label(ui, user, me) {
                action = Some(UsersAction::Message(peer));
            }
        }
        if let Some(more) = more_button(ui, room) {
            action = Some(more);
        }
    });
    action
}

/// The narrow-screen form: one line with the online count that opens into the list.
pub fn show_compact(ui: &mut egui::Ui, room: &RoomView, me: &str) -> Option<UsersAction> {
    let mut action = None;
    let prefix = match room.kind {
        RoomKind::Public => "#",
        RoomKind::Direct => "@",
    };
    egui::CollapsingHeader::new(format!("{prefix}{} · {} online", room.title(), room.online))
        .id_salt("users_compact")
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                for user in &room.users {
                    if let Some(peer) = user_label(ui, user, me) {
                        action = Some(UsersAction::Message(peer));
                    }
                }
                if let Some(more) = more_button(ui, room) {
                    action = Some(more);
                }
            });
        });
    action
}

/// "Show more" when more are online than the list shows.
fn more_button(ui: &mut egui::Ui, room: &RoomView) -> Option<UsersAction> {
    if room.lists_everyone() {
        return None;
    }
    let hidden = room.online.saturating_sub(room.users.len() as u64);
    ui.add(egui::Button::new(format!("Show more ({hidden} not listed)")).frame(false))
        .on_hover_text("List the next names of those online")
        .clicked()
        .then_some(UsersAction::MoreMembers)
}

fn user_label(ui: &mut egui::Ui, user: &str, me: &str) -> Option<String> {
    if user == me {
        ui.label(egui::RichText::new(format!("{user} (you)")).strong());
        return None;
    }
    ui.add(egui::Button::new(user).frame(false))
        .on_hover_text(format!("Send {user} a direct message"))
        .clicked()
        .then(|| user.to_owned())
}
