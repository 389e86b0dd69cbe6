//! The composer: a multi-line text box where Enter sends and Shift+Enter starts a new line, with
//! `@mention` completion and the "… is typing" line.

use crate::ui::mention_complete;

/// What happened in the composer this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ComposerEvent {
    /// The user asked to send the text.
    pub send: bool,
    /// The user changed the text and it is not empty (worth a typing notice).
    pub typing: bool,
    /// The user asked to attach a file (the attach button).
    pub attach: bool,
}

/// Draws the composer over `text` for the room called `room`, offering to complete an
/// `@mention` of one of `names` (Tab takes the first suggestion). It keeps the keyboard focus
/// unless `dialog_open` (a dialog over the chat has it then).
///
/// The text is only cleared by the caller after it was queued, so nothing typed is lost when
/// the connection is down.
pub fn show(
    ui: &mut egui::Ui,
    text: &mut String,
    room: &str,
    names: &[String],
    me: &str,
    dialog_open: bool,
) -> ComposerEvent {
    let mut send = false;
    let mut typing = false;
    let mut attach = false;
    let id = id();
    mention_suggestions(ui, id, text, names, me);
    ui.horizontal(|ui| {
        let attach_width = 36.0;
        let attach_button = ui
            .add_sized(
                [attach_width - 8.0, 32.0],
                egui::Button::new(egui::RichText::new("+").size(20.0)),
            )
            .on_hover_text("Attach a file (or drop one onto the window)");
        ui.ctx().accesskit_node_builder(attach_button.id, |node| {
            node.set_label("Attach a file");
        });
        attach = attach_button.clicked();
        let send_width = 64.0;
        let editor = egui::TextEdit::multiline(text)
            .id(id)
            .hint_text(format!(
                "Message {room} (Enter sends, Shift+Enter for a new line)"
            ))
            .desired_rows(2)
            .desired_width(ui.available_width() - send_width)
            .return_key(egui::KeyboardShortcut::new(
                egui::Modifiers::SHIFT,
                egui::Key::Enter,
            ))
            .show(ui)
            .response
            .response;
        ui.ctx()
            .accesskit_node_builder(editor.id, |node| node.set_label("Message"));
        if dialog_open {
            // The keyboard is the dialog's (Tab walks its controls): nothing typed lands here.
            editor.surrender_focus();
        } else if ui.memory(|memory| memory.focused().is_none()) {
            // Ready to type as soon as the chat shows, and again after clicking elsewhere.
            editor.request_focus();
        }
        typing = editor.changed() && !text.trim().is_empty();
        if editor.has_focus() && ui.input_mut(take_plain_enter) {
            send = true;
        }
        if ui
            .add_sized([send_width - 8.0, 32.0], egui::Button::new("Send"))
            .clicked()
        {
            send = true;
            editor.request_focus();
        }
    });
    ComposerEvent {
        send,
        typing,
        attach,
    }
}

/// The composer's text field (there is one composer).
pub fn id() -> egui::Id {
    egui::Id::unique("chinwag_composer")
}

/// Puts the keyboard focus in the composer.
pub fn focus(ctx: &egui::Context) {
    ctx.memory_mut(|memory| memory.request_focus(id()));
}

/// "alice is typing…", "alice and bob are typing…", "several people are typing…".
pub fn typing_line(names: &[&str]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [one, two] => Some(format!("{one} and {two} are typing…")),
        [one, two, three] => Some(format!("{one}, {two} and {three} are typing…")),
        _ => Some("several people are typing…".to_owned()),
    }
}

/// Above the composer: the names that complete the `@word` at the cursor, as buttons; Tab
/// takes the first.
fn mention_suggestions(
    ui: &mut egui::Ui,
    id: egui::Id,
    text: &mut String,
    names: &[String],
    me: &str,
) {
    let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), id) else {
        return;
    };
    let Some(cursor) = state.cursor.char_range().map(|range| range.primary.index.0) else {
        return;
    };
    let Some(query) = mention_complete::mention_at_cursor(text, cursor) else {
        return;
    };
    let found = mention_complete::candidates(&query.prefix, names, me);
    if found.is_empty() {
        return;
    }
    let mut chosen = None;
    ui.horizontal_wrapped(|ui| {
        ui.weak("Mention:");
        for name in &found {
            if ui.small_button(format!("@{name}")).clicked() {
                chosen = Some(*name);
            }
        }
    });
    if ui.input_mut(|input| input.consume_key(egui::Modifiers::NONE, egui::Key::Tab)) {
        chosen = chosen.or(found.first().copied());
    }
    if let Some(name) = chosen {
        let (completed, cursor) = mention_complete::complete(text, &query, cursor, name);
        *text = completed;
        state
            .cursor
            .set_char_range(Some(egui::text::CCursorRange::one(
                egui::text::CCursor::new(cursor),
            )));
        state.store(ui.ctx(), id);
        ui.memory_mut(|memory| memory.request_focus(id));
    }
}

/// Removes a press of Enter with no modifier from this frame's input; true if there was one.
///
/// `consume_key` would also match Shift+Enter (it ignores extra Shift), which must stay a new line.
pub(crate) fn take_plain_enter(input: &mut egui::InputState) -> bool {
    let plain_enter = |event: &egui::Event| matches!(event, egui::Event::Key { key: egui::Key::Enter, pressed: true, modifiers, .. } if modifiers.is_none());
    let found = input.events.iter().any(plain_enter);
    input.events.retain(|event| !plain_enter(event));
    found
}

#[cfg(test)]
mod tests;
