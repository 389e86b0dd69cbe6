//! The reaction picker: a small dialog of emoji, the ones used most first (counted across runs),
//! with a field to find one by name.

use std::collections::BTreeMap;

/// The emoji the picker offers, with the names it finds them by, most common first.
const EMOJI: &[(&str, &str)] = &[
    ("👍", "thumbs up yes"),
    ("❤️", "heart love"),
    ("😂", "laughing"),
    ("🎉", "party tada"),
    ("👀", "eyes"),
    ("🙏", "thanks please"),
    ("🔥", "fire"),
    ("✅", "check done"),
    ("👎", "thumbs down no"),
    ("😮", "wow surprised"),
    ("😢", "sad crying"),
    ("🤔", "thinking"),
    ("😄", "smile happy"),
    ("🙌", "hooray"),
    ("👏", "clap"),
    ("🚀", "rocket ship"),
    ("👋", "wave hello"),
    ("💡", "idea"),
    ("☕", "coffee"),
    ("🦀", "crab rust"),
    ("❓", "question"),
    ("⏳", "waiting later"),
    ("😎", "cool"),
    ("💪", "strong"),
];

/// How wide the picker is, in points.
const PICKER_WIDTH: f32 = 260.0;

/// The picker's state: which message it is open for, what was typed, and how often each emoji
/// was picked (frequent ones come first; saved for the next run with [`Self::save`]).
#[derive(Default)]
pub struct ReactionPicker {
    open_for: Option<u64>,
    query: String,
    used: BTreeMap<String, u32>,
}

impl ReactionPicker {
    /// The eframe storage key the use counts are saved under.
    pub const STORAGE_KEY: &'static str = "chinwag_reaction_use";

    /// A closed picker with the use counts saved by an earlier run (none if there are none).
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        let used: BTreeMap<String, u32> = storage
            .and_then(|storage| eframe::get_value(storage, Self::STORAGE_KEY))
            .unwrap_or_default();
        // Only the emoji the picker offers count: a stored map cannot grow past them.
        let used = used
            .into_iter()
            .filter(|(emoji, _)| EMOJI.iter().any(|(offered, _)| offered == emoji))
            .collect();
        Self {
            used,
            ..Self::default()
        }
    }

    /// Saves the use counts for the next run.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Self::STORAGE_KEY, &self.used);
    }

    /// Counts one more use of `emoji`.
    pub fn count_use(&mut self, emoji: &str) {
        let count = self.used.entry(emoji.to_owned()).or_default();
        *count = count.saturating_add(1);
    }

    /// The emoji offered with nothing typed, in the picker's order.
    pub fn offered(&self) -> Vec<&'static str> {
        self.matching()
            .into_iter()
            .map(|(emoji, _)| emoji)
            .collect()
    }

    /// Opens the picker for message `seq`.
    pub fn open(&mut self, seq: u64) {
        self.open_for = Some(seq);
        self.query.clear();
    }

    /// Whether it is open.
    pub fn is_open(&self) -> bool {
        self.open_for.is_some()
    }

    /// Closes it (Escape).
    pub fn close(&mut self) {
        self.open_for = None;
    }

    /// Draws the picker if it is open; returns the message and the emoji picked, if one was.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<(u64, String)> {
        let seq = self.open_for?;
        let mut picked = None;
        // A modal, as the other dialogs: a click beside it or Escape closes it.
        let modal = egui::Modal::new(egui::Id::unique("chinwag_reaction_picker")).show(ctx, |ui| {
            ui.set_width(PICKER_WIDTH);
            ui.strong("Add a reaction");
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.query)
                    .hint_text("Search emoji by name")
                    .desired_width(f32::INFINITY),
            );
            ui.ctx()
                .accesskit_node_builder(field.id, |node| node.set_label("Search emoji"));
            if !field.has_focus() && self.query.is_empty() {
                field.request_focus();
            }
            let found = self.matching();
            if found.is_empty() {
                ui.weak("No emoji by that name");
            }
            ui.horizontal_wrapped(|ui| {
                for (emoji, name) in &found {
                    let button = egui::Button::new(egui::RichText::new(*emoji).size(20.0));
                    if ui.add(button).on_hover_text(*name).clicked() {
                        picked = Some(*emoji);
                    }
                }
            });
            if ui.input(|input| input.key_pressed(egui::Key::Enter)) {
                picked = picked.or(found.first().map(|(emoji, _)| *emoji));
            }
        });
        let picked = picked.map(|emoji| {
            self.count_use(emoji);
            (seq, emoji.to_owned())
        });
        if modal.should_close() || picked.is_some() {
            self.close();
        }
        picked
    }

    /// The emoji whose names contain every word typed, the most used first, then in their usual
    /// order.
    fn matching(&self) -> Vec<(&'static str, &'static str)> {
        let query = self.query.to_lowercase();
        let mut found: Vec<(usize, &(&str, &str))> = EMOJI
            .iter()
            .enumerate()
            .filter(|(_, (_, name))| query.split_whitespace().all(|word| name.contains(word)))
            .collect();
        found.sort_by_key(|(order, (emoji, _))| {
            (
                std::cmp::Reverse(self.used.get(*emoji).copied().unwrap_or(0)),
                *order,
            )
        });
        found.into_iter().map(|(_, pair)| *pair).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_are_found_by_name_and_the_ones_used_come_first() {
        let mut picker = ReactionPicker::default();
        let firsts = |picker: &ReactionPicker| {
            let found = picker.matching();
            found
                .iter()
                .take(2)
                .map(|(emoji, _)| *emoji)
                .collect::<Vec<_>>()
        };
        assert_eq!(firsts(&picker), ["👍", "❤️"]);
        picker.count_use("🦀");
        assert_eq!(firsts(&picker), ["🦀", "👍"]);
        picker.query = "PARTY".into();
        assert_eq!(firsts(&picker), ["🎉"]);
        picker.query = "thumbs down".into();
        assert_eq!(firsts(&picker), ["👎"]);
        picker.query = "nothing like it".into();
        assert!(picker.matching().is_empty());
    }
}
