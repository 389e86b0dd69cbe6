//! The online-users panel.

use crate::client::state::ChatState;

/// Lists who is online in the room, marking ourselves.
pub fn show(ui: &mut egui::Ui, state: &ChatState) {
    ui.heading(format!("#{}", state.room()));
    ui.label(format!("{} online", state.users().len()));
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for user in state.users() {
            if user == state.name() {
                ui.label(egui::RichText::new(format!("{user} (you)")).strong());
            } else {
                ui.label(user);
            }
        }
    });
}
