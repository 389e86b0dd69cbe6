//! The join screen: pick a name and a server (the [`JoinDetails`]), then join.

use crate::client::state::ChatState;
use crate::ui::join_details::JoinDetails;

/// What the user did on the join screen.
pub enum JoinAction {
    /// Join with the name and server typed in.
    Join,
}

/// Draws the join form. Returns an action when the user presses Join or Enter.
pub fn show(ui: &mut egui::Ui, details: &mut JoinDetails, state: &ChatState) -> Option<JoinAction> {
    let mut action = None;
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.15);
        ui.heading("Chinwag");
        ui.label("Real-time chat. Pick a name to join the conversation.");
        ui.add_space(16.0);
    });
    let form_width = 340.0;
    ui.horizontal(|ui| {
        ui.add_space(((ui.available_width() - form_width) / 2.0).max(0.0));
        ui.vertical(|ui| {
            ui.set_max_width(form_width);
            action = form(ui, details, state);
        });
    });
    action
}

fn form(ui: &mut egui::Ui, details: &mut JoinDetails, state: &ChatState) -> Option<JoinAction> {
    let mut action = None;
    egui::Grid::new("join_form")
        .num_columns(2)
        .spacing([8.0, 8.0])
        .show(ui, |ui| {
            let name_label = ui.label("Your name");
            let name = ui.add(
                egui::TextEdit::singleline(&mut details.name)
                    .hint_text("e.g. alice")
                    .desired_width(260.0),
            );
            let name = name.labelled_by(name_label.id);
            if details.name.is_empty() && !name.has_focus() && ui.memory(|m| m.focused().is_none())
            {
                name.request_focus();
            }
            let enter_in_name = name.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.end_row();

            let url_label = ui.label("Server");
            let url = ui
                .add(egui::TextEdit::singleline(&mut details.server_url).desired_width(260.0))
                .labelled_by(url_label.id);
            let enter_in_url = url.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.end_row();

            ui.label("");
            let busy = !state.wants_connection() && !state.needs_name();
            let join = ui.add_enabled(
                !busy && !details.name.trim().is_empty(),
                egui::Button::new("Join"),
            );
            if join.clicked() || enter_in_name || enter_in_url {
                action = Some(JoinAction::Join);
            }
            ui.end_row();
        });
    if let Some(error) = state.last_error() {
        ui.add_space(8.0);
        ui.colored_label(ui.visuals().error_fg_color, &error.message);
    }
    action
}
