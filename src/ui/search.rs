//! Search within the current room: a query field and the server's matches, newest first. It
//! opens with Search or Ctrl+F and closes with Close or Escape (the app's shortcuts).

use crate::client::state::ChatState;
use crate::ui::rich_text;

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
                                // Right-to-left text in its own order, as in the messages.
                                rich_text::plain(ui, &message.text, egui::Sense::click())
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

#[cfg(test)]
mod tests {
    use egui::{CursorIcon, Shape};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable as _;

    use super::{SearchAction, SearchPanel};
    use crate::client::state::ChatState;
    use crate::protocol::ServerFrame;
    use crate::ui::chat_fixtures::{message, public_room, welcomed};

    /// What the panel is drawn from, and every action it gave.
    struct Screen {
        panel: SearchPanel,
        state: ChatState,
        actions: Vec<SearchAction>,
    }

    /// The open panel of alice in the lobby, where the server found `results` (bob's messages
    /// 1, 2, …), drawn with the system's fonts (Arabic among them), settled.
    fn harness(results: &[&str]) -> Harness<'static, Screen> {
        let mut state = welcomed(
            "alice",
            vec![public_room("lobby", &["alice", "bob"], Vec::new())],
        );
        state.apply(ServerFrame::SearchResults {
            room: "lobby".to_owned(),
            query: "x".to_owned(),
            messages: (1..)
                .zip(results)
                .map(|(seq, text)| message("lobby", seq, "bob", text))
                .collect(),
        });
        let mut panel = SearchPanel::default();
        panel.open();
        let screen = Screen {
            panel,
            state,
            actions: Vec::new(),
        };
        let mut harness = Harness::builder()
            .with_size([600.0, 300.0])
            .with_context_setup(crate::ui::fonts::install)
            .build_ui_state(
                |ui, screen: &mut Screen| {
                    if let Some(action) = screen.panel.show(ui, &screen.state) {
                        screen.actions.push(action);
                    }
                },
                screen,
            );
        harness.run();
        harness
    }

    /// Where the glyph of `c` is drawn: the left edge of the first one among the last frame's
    /// text shapes.
    fn glyph_x(harness: &Harness<'_, Screen>, c: char) -> f32 {
        fn find(shape: &Shape, c: char) -> Option<f32> {
            match shape {
                Shape::Vec(shapes) => shapes.iter().find_map(|shape| find(shape, c)),
                Shape::Text(text) => text.galley.rows.iter().find_map(|row| {
                    row.glyphs
                        .iter()
                        .find(|glyph| glyph.chr == c)
                        .map(|glyph| text.pos.x + row.pos.x + glyph.pos.x)
                }),
                _ => None,
            }
        }
        harness
            .output()
            .shapes
            .iter()
            .find_map(|clipped| find(&clipped.shape, c))
            .unwrap_or_else(|| panic!("{c} is drawn"))
    }

    #[test]
    fn an_arabic_result_reads_right_to_left_and_jumps_on_click() {
        let mut harness = harness(&["مرحبا بالعالم", "ok"]);
        // 'ر' is only in the first word (مرحبا), 'ع' only in the second (بالعالم): the first
        // word is drawn on the right.
        let first_word = glyph_x(&harness, 'ر');
        let second_word = glyph_x(&harness, 'ع');
        assert!(
            second_word < first_word,
            "بالعالم (at {second_word}) is left of مرحبا (at {first_word})"
        );
        // The line starts right to left, so it aligns right: past where "ok" ends.
        let arabic = harness.get_by_label("مرحبا بالعالم").rect();
        let ok = harness.get_by_label("ok").rect();
        assert!(ok.right() < arabic.left(), "{arabic:?} right of {ok:?}");

        // Still a result to click, by its text in logical order, with the pointing hand.
        harness.get_by_label("مرحبا بالعالم").hover();
        harness.run();
        assert_eq!(
            harness.output().platform_output.cursor_icon,
            CursorIcon::PointingHand
        );
        harness.get_by_label("مرحبا بالعالم").click();
        harness.run();
        harness.get_by_label("ok").click();
        harness.run();
        assert_eq!(
            harness.state().actions,
            [SearchAction::Jump(1), SearchAction::Jump(2)]
        );
    }
}
