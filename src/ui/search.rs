//! Search within the current room: a query field and the server's matches, newest first. It
//! opens with Search or Ctrl+F and closes with Close or Escape (the app's shortcuts).

use crate::client::state::ChatState;

/// What the user asked for in the search panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchAction {
    /// Search for this.
    Query(String),
    /// Close the search.
    Close,
    /// Show this message (by sequence number) in the room.
    Jump(u64),
}

/// The search panel's own state.
#[derive(Default)]
pub struct SearchPanel {
    open: bool,
    query: String,
    focus: bool,
}

impl SearchPanel {
    /// Opens the panel with the cursor in the field.
    pub fn open(&mut self) {
        self.open = true;
        self.focus = true;
    }

    /// Closes the panel (Escape); false if it was not open.
    pub fn close(&mut self) -> bool {
        std::mem::take(&mut self.open)
    }

    /// Whether the panel shows.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Draws the panel; returns what the user asked for.
    pub fn show(&mut self, ui: &mut egui::Ui, state: &ChatState) -> Option<SearchAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            let label = ui.label("Search");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.query)
                        .hint_text("words in this room")
                        .desired_width(ui.available_width() - 80.0),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus) {
                field.request_focus();
            }
            if field.lost_focus()
                && ui.input(|input| input.key_pressed(egui::Key::Enter))
                && !self.query.trim().is_empty()
            {
                action = Some(SearchAction::Query(self.query.trim().to_owned()));
            }
            if ui.button("Close").clicked() {
                self.open = false;
                action = Some(SearchAction::Close);
            }
        });
        if let Some(results) = state.search_results() {
            ui.weak(match results.messages.len() {
                0 => format!("nothing found for '{}'", results.query),
                1 => format!("1 message with '{}'", results.query),
                n => format!("{n} messages with '{}'", results.query),
            });
            egui::ScrollArea::vertical()
                .max_height(200.0)
                .id_salt("search_results")
                .show(ui, |ui| {
                    for message in &results.messages {
                        let row = ui
                            .horizontal_wrapped(|ui| {
                                ui.strong(&message.from);
                                ui.weak(super::messages::local_time(message.time));
                                ui.add(egui::Label::new(&message.text).sense(egui::Sense::click()))
                            })
                            .inner
                            .on_hover_text("Show it in the conversation")
                            .on_hover_cursor(egui::CursorIcon::PointingHand);
                        if row.clicked() {
                            action = Some(SearchAction::Jump(message.seq));
                        }
                    }
                });
        }
        action
    }
}
