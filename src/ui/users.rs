//! Who is online in the current room, and its one-line form for narrow (phone-width) screens.
//! Clicking someone else opens a direct conversation with them.

use crate::client::state::RoomView;
use crate::protocol::RoomKind;

/// Lists who is online in `room`, marking `me`; returns whom the user wants to message.
pub fn show(ui: &mut egui::Ui, room: &RoomView, me: &str) -> Option<String> {
    ui.strong(format!("{} online", room.users.len()));
    ui.separator();
    let mut message = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for user in &room.users {
            if let Some(peer) = user_label(ui, user, me) {
                message = Some(peer);
            }
        }
    });
    message
}

/// The narrow-screen form: one line with the online count that opens into the list.
pub fn show_compact(ui: &mut egui::Ui, room: &RoomView, me: &str) -> Option<String> {
    let mut message = None;
    let prefix = match room.kind {
        RoomKind::Public => "#",
        RoomKind::Direct => "@",
    };
    egui::CollapsingHeader::new(format!(
        "{prefix}{} · {} online",
        room.title(),
        room.users.len()
    ))
    .id_salt("users_compact")
    .show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            for user in &room.users {
                if let Some(peer) = user_label(ui, user, me) {
                    message = Some(peer);
                }
            }
        });
    });
    message
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
