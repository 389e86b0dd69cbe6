//! The "Pinned" list under the room header: each pinned message as a one-line quote (click to
//! jump to it) with who pinned it and a button to unpin. A room's pins are asked for when its
//! list first opens (pins and unpins keep them current after that).

use crate::client::state::RoomView;
use crate::ui::messages::quote_line;

/// What the user asked for in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinsAction {
    /// Show this message.
    Jump(u64),
    /// Unpin this message.
    Unpin(u64),
    /// Ask the server for the room's pins (the list opened on a room whose pins are unknown).
    Load,
}

/// Draws the pinned messages of `room` (a spinner until they came).
pub fn show(ui: &mut egui::Ui, room: &RoomView) -> Option<PinsAction> {
    let Some(pins) = room.pins() else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak("loading pinned messages…");
        });
        return None;
    };
    if pins.is_empty() {
        ui.weak("No pinned messages. Pin one from its menu (right-click).");
        return None;
    }
    let mut action = None;
    egui::ScrollArea::vertical()
        .id_salt("pins")
        .max_height(160.0)
        .show(ui, |ui| {
            for pin in pins {
                ui.horizontal(|ui| {
                    if ui.small_button("Unpin").clicked() {
                        action = Some(PinsAction::Unpin(pin.quote.seq));
                    }
                    let quote = egui::Button::new(quote_line(&pin.quote)).frame(false);
                    if ui
                        .add(quote)
                        .on_hover_text(format!("pinned by {}", pin.by))
                        .clicked()
                    {
                        action = Some(PinsAction::Jump(pin.quote.seq));
                    }
                });
            }
        });
    action
}
