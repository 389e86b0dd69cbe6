//! The quick switcher (Ctrl+K): a small dialog with a field and, under it, the rooms, direct
//! conversations and people (those online in the user's rooms) whose names contain what is
//! typed, best match first. Up and Down choose, Enter (or a click) goes; Escape closes it (the
//! app's shortcut).

use std::collections::BTreeSet;

use crate::client::state::ChatState;
use crate::protocol::RoomKind;
use crate::ui::sidebar;

/// Widest the dialog gets, in points.
const MAX_WIDTH: f32 = 360.0;
/// Tallest the list gets before it scrolls, in points.
const LIST_HEIGHT: f32 = 240.0;

/// Where the quick switcher takes the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A room or direct conversation the user is in, by its key.
    Room(String),
    /// Someone the user has no direct conversation with yet: open one.
    Person(String),
}

/// One line of the list: its text and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// What the line says: `# room`, `@ peer` or `Message name`.
    pub label: String,
    /// Where it goes.
    pub destination: Destination,
}

/// How well a name matches what was typed; better sorts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Closeness {
    /// The name starts with it.
    Prefix,
    /// The name contains it further in.
    Inside,
}

/// How `name` matches `query` (already lower case), ignoring case; `None` if it does not.
fn closeness(name: &str, query: &str) -> Option<Closeness> {
    let name = name.to_lowercase();
    if name.starts_with(query) {
        Some(Closeness::Prefix)
    } else if name.contains(query) {
        Some(Closeness::Inside)
    } else {
        None
    }
}

/// What `query` finds in `state`, best first: names that start with it before names that
/// contain it, then rooms with unread messages before the others, then the sidebar's order
/// (rooms, direct conversations), then people by name. A person the user already has a direct
/// conversation with is found as that conversation.
pub fn matches(state: &ChatState, query: &str) -> Vec<Match> {
    let query = query.trim().to_lowercase();
    let mut found = Vec::new();
    let rooms = sidebar::in_order(state);
    for room in &rooms {
        if let Some(closeness) = closeness(room.title(), &query) {
            let prefix = match room.kind {
                RoomKind::Public => "#",
                RoomKind::Direct => "@",
            };
            let line = Match {
                label: format!("{prefix} {}", room.title()),
                destination: Destination::Room(room.room.clone()),
            };
            found.push(((closeness, room.unread == 0), line));
        }
    }
    let in_conversation: BTreeSet<String> = rooms
        .iter()
        .filter_map(|room| room.peer.as_deref())
        .map(str::to_lowercase)
        .collect();
    let people: BTreeSet<&str> = rooms
        .iter()
        .flat_map(|room| room.users.iter().map(String::as_str))
        .filter(|&user| user != state.name() && !in_conversation.contains(&user.to_lowercase()))
        .collect();
    for person in people {
        if let Some(closeness) = closeness(person, &query) {
            let line = Match {
                label: format!("Message {person}"),
                destination: Destination::Person(person.to_owned()),
            };
            found.push(((closeness, true), line));
        }
    }
    // A stable sort keeps the sidebar's order, then the people's, within a rank.
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().map(|(_, line)| line).collect()
}

/// The quick switcher's state: whether it is open, what is typed and which line is chosen.
#[derive(Debug, Default)]
pub struct QuickSwitcher {
    open: bool,
    query: String,
    selected: usize,
    /// The field takes the keyboard focus when it is next drawn.
    focus: bool,
}

impl QuickSwitcher {
    /// Opens the switcher with an empty field (which takes the keyboard focus).
    pub fn open(&mut self) {
        *self = Self {
            open: true,
            focus: true,
            ..Self::default()
        };
    }

    /// Closes the switcher; false if it was not open.
    pub fn close(&mut self) -> bool {
        std::mem::take(&mut self.open)
    }

    /// Whether the switcher is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Draws the switcher over `state` if it is open; returns where the user chose to go (the
    /// switcher then closes). A click outside closes it too.
    pub fn show(&mut self, ctx: &egui::Context, state: &ChatState) -> Option<Destination> {
        if !self.open {
            return None;
        }
        let field_id = egui::Id::unique("chinwag_quick_switcher_field");
        // Up, Down and Enter choose in the list, so the field must not see them.
        let (up, down, enter) = if ctx.memory(|memory| memory.has_focus(field_id)) {
            ctx.input_mut(|input| {
                (
                    input.count_and_consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                    input.count_and_consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                    input.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
                )
            })
        } else {
            (0, 0, false)
        };
        let width = (ctx.content_rect().width() - 32.0).clamp(0.0, MAX_WIDTH);
        let modal = egui::Modal::new(egui::Id::unique("chinwag_quick_switcher")).show(ctx, |ui| {
            ui.set_width(width);
            let label = ui.label("Go to");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.query)
                        .id(field_id)
                        .hint_text("a room or a person")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            // Also after a click on the dialog's background took the focus away.
            if std::mem::take(&mut self.focus) || ui.memory(|memory| memory.focused().is_none()) {
                field.request_focus();
            }
            if field.changed() {
                self.selected = 0;
            }
            let found = matches(state, &self.query);
            self.selected = (self.selected + down)
                .saturating_sub(up)
                .min(found.len().saturating_sub(1));
            let chosen = enter
                .then(|| found.get(self.selected))
                .flatten()
                .map(|line| line.destination.clone());
            self.list(ui, &found, up + down > 0).or(chosen)
        });
        if modal.should_close() {
            self.open = false;
        }
        let chosen = modal.inner;
        if chosen.is_some() {
            self.open = false;
        }
        chosen
    }

    /// The lines found, the chosen one selected (and scrolled to if `moved`); returns where a
    /// click goes.
    fn list(&self, ui: &mut egui::Ui, found: &[Match], moved: bool) -> Option<Destination> {
        if found.is_empty() {
            ui.weak("Nothing matches.");
            return None;
        }
        let mut clicked = None;
        egui::ScrollArea::vertical()
            .max_height(LIST_HEIGHT)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for (index, line) in found.iter().enumerate() {
                    let selected = index == self.selected;
                    let row = ui.add(
                        egui::Button::selectable(selected, line.label.as_str())
                            .min_size(egui::vec2(ui.available_width(), 0.0)),
                    );
                    if selected && moved {
                        row.scroll_to_me(None);
                    }
                    if row.clicked() {
                        clicked = Some(line.destination.clone());
                    }
                }
            });
        clicked
    }
}

#[cfg(test)]
mod tests;
