//! [`MemoryStorage`]: eframe's storage in memory, for tests of what the app saves for its next
//! run.

use std::collections::HashMap;

use chinwag::ui::appearance::{Appearance, ThemeChoice};

/// Storage in memory, as eframe's would be on disk or in the browser.
#[derive(Default)]
pub struct MemoryStorage(HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn the_appearance_survives_a_restart() {
    let mut storage = MemoryStorage::default();
    assert_eq!(Appearance::load(Some(&storage)), Appearance::default());
    let appearance = Appearance {
        theme: ThemeChoice::Dark,
        text_scale: 1.25,
    };
    appearance.save(&mut storage);
    assert_eq!(Appearance::load(Some(&storage)), appearance);
}

#[test]
fn the_reaction_pickers_most_used_emoji_survive_a_restart() {
    use chinwag::ui::reactions::ReactionPicker;

    let mut storage = MemoryStorage::default();
    let fresh = ReactionPicker::load(Some(&storage)).offered();
    assert_eq!(fresh[..2], ["👍", "❤️"]);
    let mut picker = ReactionPicker::load(Some(&storage));
    picker.count_use("🦀");
    picker.count_use("🦀");
    picker.count_use("🚀");
    picker.save(&mut storage);
    let restarted = ReactionPicker::load(Some(&storage)).offered();
    assert_eq!(restarted[..3], ["🦀", "🚀", "👍"]);
    assert_eq!(restarted.len(), fresh.len(), "the same emoji, reordered");
    // A stored count of something the picker does not offer is dropped, not shown.
    eframe::Storage::set_string(
        &mut storage,
        ReactionPicker::STORAGE_KEY,
        r#"{"zzz":9,"🚀":1}"#.into(),
    );
    assert_eq!(
        ReactionPicker::load(Some(&storage)).offered()[..2],
        ["🚀", "👍"]
    );
}
