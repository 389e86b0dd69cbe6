//! The online-users panel, and its one-line form for narrow (phone-width) screens.

use crate::client::state::ChatState;

/// Lists who is online in the room, marking ourselves.
pub fn show(ui: &mut egui::Ui, state: &ChatState) {
    ui.heading(format!("#{}", state.room()));
    ui.label(format!("{} online", state.users().len()));
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for user in state.users() {
            user_label(ui, state, user);
        }
    });
}

/// The narrow-screen form: one line with the room and the online count that opens into the
/// list.
pub fn show_compact(ui: &mut egui::Ui, state: &ChatState) {
    let header = format!("#{} · {} online", state.room(), state.users().len());
    egui::CollapsingHeader::new(header)
        .id_salt("users_compact")
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                for user in state.users() {
                    user_label(ui, state, user);
                }
            });
        });
}

fn user_label(ui: &mut egui::Ui, state: &ChatState, user: &str) {
    if user == state.name() {
        ui.label(egui::RichText::new(format!("{user} (you)")).strong());
    } else {
        ui.label(user);
    }
}
