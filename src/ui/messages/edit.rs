//! Editing one of our messages in place: the text with Save and Cancel.

/// How editing a message ended.
pub(super) enum EditOutcome {
    /// Save this text.
    Save(String),
    /// Keep the message as it was.
    Cancel,
}

/// The editor over `text`; Save (with some text), Cancel or Escape end it.
pub(super) fn edit_box(ui: &mut egui::Ui, text: &mut String) -> Option<EditOutcome> {
    let label = ui.label("Edit message");
    let field = ui
        .add(
            egui::TextEdit::multiline(text)
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    let mut action = None;
    ui.horizontal(|ui| {
        if ui.button("Save").clicked() && !text.trim().is_empty() {
            action = Some(EditOutcome::Save(text.clone()));
        }
        if ui.button("Cancel").clicked()
            || (field.has_focus() && ui.input(|input| input.key_pressed(egui::Key::Escape)))
        {
            action = Some(EditOutcome::Cancel);
        }
    });
    action
}
