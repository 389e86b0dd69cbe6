//! The keyboard shortcuts of the chat screen: one table ([`SHORTCUTS`]) that the app matches keys
//! against (`app/keyboard.rs` runs it once a frame, before any text field sees the keys) and that
//! the settings list for the user, with the platform's names for the keys (Ctrl on Linux and
//! Windows is ⌘ on macOS: [`egui::Modifiers::COMMAND`]).
//!
//! Room navigation follows the sidebar's order (public rooms, then direct messages) and wraps
//! around at the ends: Alt+Down from the last room goes to the first.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::client::state::RoomView;

/// What a shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Open the quick switcher (go to a room or person by typing part of the name).
    QuickSwitcher,
    /// Open the search panel of the current room.
    Search,
    /// Go to the previous room in the sidebar that has unread messages.
    PreviousUnread,
    /// Go to the next room in the sidebar that has unread messages.
    NextUnread,
    /// Go to the previous room in the sidebar.
    PreviousRoom,
    /// Go to the next room in the sidebar.
    NextRoom,
    /// Close the open dialog or panel and put the keyboard focus in the composer.
    Close,
    /// Edit our last message in the current room.
    EditLastMessage,
}

/// When a shortcut may act, so that it never takes a key a text field needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere, unless a popup or menu is open (Escape closes that on its own).
    NoPopup,
    /// Anywhere, unless a dialog is open (its fields keep their keys).
    NoDialog,
    /// Only in the composer while it is empty (elsewhere the key moves the text cursor).
    EmptyComposer,
}

/// Where the keyboard is this frame, as far as the shortcuts care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Situation {
    /// The quick switcher or the settings dialog is open.
    pub dialog_open: bool,
    /// A popup or context menu is open.
    pub popup_open: bool,
    /// The composer has the keyboard focus and holds no text.
    pub in_empty_composer: bool,
}

impl Scope {
    /// Whether a shortcut of this scope acts in `situation`.
    fn allows(self, situation: &Situation) -> bool {
        match self {
            Self::NoPopup => !situation.popup_open,
            Self::NoDialog => !situation.dialog_open,
            Self::EmptyComposer => situation.in_empty_composer && !situation.dialog_open,
        }
    }
}

/// One keyboard shortcut: its keys, what it does, where, and how the settings describe it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortcut {
    /// The keys.
    pub keys: KeyboardShortcut,
    /// What it does.
    pub command: Command,
    /// Where it acts.
    pub scope: Scope,
    /// What it does, in words for the settings' list.
    pub description: &'static str,
}

const ALT_SHIFT: Modifiers = Modifiers {
    alt: true,
    shift: true,
    ..Modifiers::NONE
};

/// Ctrl+K (⌘K): the quick switcher.
pub const QUICK_SWITCHER: Shortcut = Shortcut {
    keys: KeyboardShortcut::new(Modifiers::COMMAND, Key::K),
    command: Command::QuickSwitcher,
    scope: Scope::NoDialog,
    description: "Go to a room or person",
};

/// Ctrl+F (⌘F): search the current room.
pub const SEARCH: Shortcut = Shortcut {
    keys: KeyboardShortcut::new(Modifiers::COMMAND, Key::F),
    command: Command::Search,
    scope: Scope::NoDialog,
    description: "Search this room",
};

/// Every shortcut, in the order they are matched and listed. egui matches modifiers logically
/// (a pattern without Shift or Alt also matches a press with them), so a shortcut comes before
/// any other on the same key with fewer modifiers: Alt+Shift+Up before Alt+Up before Up.
pub const SHORTCUTS: [Shortcut; 8] = [
    QUICK_SWITCHER,
    SEARCH,
    Shortcut {
        keys: KeyboardShortcut::new(ALT_SHIFT, Key::ArrowUp),
        command: Command::PreviousUnread,
        scope: Scope::NoDialog,
        description: "Previous room with unread messages",
    },
    Shortcut {
        keys: KeyboardShortcut::new(ALT_SHIFT, Key::ArrowDown),
        command: Command::NextUnread,
        scope: Scope::NoDialog,
        description: "Next room with unread messages",
    },
    Shortcut {
        keys: KeyboardShortcut::new(Modifiers::ALT, Key::ArrowUp),
        command: Command::PreviousRoom,
        scope: Scope::NoDialog,
        description: "Previous room",
    },
    Shortcut {
        keys: KeyboardShortcut::new(Modifiers::ALT, Key::ArrowDown),
        command: Command::NextRoom,
        scope: Scope::NoDialog,
        description: "Next room",
    },
    Shortcut {
        keys: KeyboardShortcut::new(Modifiers::NONE, Key::Escape),
        command: Command::Close,
        scope: Scope::NoPopup,
        description: "Close the open dialog or panel, back to the message field",
    },
    Shortcut {
        keys: KeyboardShortcut::new(Modifiers::NONE, Key::ArrowUp),
        command: Command::EditLastMessage,
        scope: Scope::EmptyComposer,
        description: "Edit your last message (in an empty message field)",
    },
];

/// Takes the presses of the first shortcut (in table order) pressed this frame that may act in
/// `situation` out of the input, so no widget sees them; returns its command. Call it again,
/// with the situation the command left, until it returns `None`.
pub fn take_next(ctx: &egui::Context, situation: &Situation) -> Option<Command> {
    ctx.input_mut(|input| {
        SHORTCUTS
            .iter()
            .filter(|shortcut| shortcut.scope.allows(situation))
            .find(|shortcut| input.consume_shortcut(&shortcut.keys))
            .map(|shortcut| shortcut.command)
    })
}

/// The "Keyboard shortcuts" section of the settings, folded until opened: every shortcut of
/// [`SHORTCUTS`] with the platform's names for its keys.
pub fn settings_section(ui: &mut egui::Ui) {
    let section = egui::CollapsingHeader::new("Keyboard shortcuts")
        .id_salt("keyboard_shortcuts")
        .show(ui, |ui| {
            for shortcut in &SHORTCUTS {
                ui.horizontal_wrapped(|ui| {
                    ui.strong(ui.ctx().format_shortcut(&shortcut.keys));
                    ui.label(shortcut.description);
                });
            }
        });
    if section.header_response.clicked() {
        // Opened (or closed): scroll the dialog so the list shows under its heading.
        section.header_response.scroll_to_me(Some(egui::Align::Min));
    }
    #[cfg(target_arch = "wasm32")]
    screen_reader_switch(ui);
}

/// On the web: reading aloud what gets the focus (eframe's `web_screen_reader`, through the
/// browser's speech synthesis); egui keeps the choice with its memory between visits.
#[cfg(target_arch = "wasm32")]
fn screen_reader_switch(ui: &mut egui::Ui) {
    let mut on = ui.ctx().options(|options| options.screen_reader);
    if ui
        .checkbox(&mut on, "Read aloud what has the focus (screen reader)")
        .changed()
    {
        ui.ctx().options_mut(|options| options.screen_reader = on);
    }
}

/// Which way to move through the rooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Up the sidebar.
    Previous,
    /// Down the sidebar.
    Next,
}

/// The first room `step` away from `current` in `rooms` (the sidebar's order) for which
/// `wanted` holds, wrapping around at the ends; `None` if no other room qualifies. Without a
/// current room, Next starts at the top and Previous at the bottom.
pub fn neighbour<'a>(
    rooms: &[&'a RoomView],
    current: Option<&str>,
    step: Step,
    wanted: impl Fn(&RoomView) -> bool,
) -> Option<&'a RoomView> {
    let count = rooms.len() as isize;
    let here = current.and_then(|current| rooms.iter().position(|room| room.room == current));
    // Without a current room, stand just outside the list: above its top for Next, below its
    // bottom for Previous.
    let origin = match (here, step) {
        (Some(index), _) => index as isize,
        (None, Step::Next) => -1,
        (None, Step::Previous) => count,
    };
    let direction = match step {
        Step::Next => 1,
        Step::Previous => -1,
    };
    (1..=count)
        .map(|distance| (origin + direction * distance).rem_euclid(count) as usize)
        .filter(|&index| Some(index) != here)
        .map(|index| rooms[index])
        .find(|room| wanted(room))
}

#[cfg(test)]
mod tests;
