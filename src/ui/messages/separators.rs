//! Lines across the list: the day separator and the "New messages" divider.

/// A line marking where the unread messages start.
pub(super) fn new_messages_divider(ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let color = ui.visuals().error_fg_color;
        let side = (ui.available_width() - 120.0).max(0.0) / 2.0;
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
        ui.label(egui::RichText::new("New messages").small().color(color));
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
    });
}

/// A centred day label between two rules.
pub(super) fn day_separator(ui: &mut egui::Ui, day: &str) {
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label_width = ui.fonts_mut(|fonts| {
            fonts
                .layout_no_wrap(
                    day.to_owned(),
                    egui::TextStyle::Small.resolve(ui.style()),
                    egui::Color32::WHITE,
                )
                .size()
                .x
        });
        let side = ((ui.available_width() - label_width) / 2.0 - 8.0).max(0.0);
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
        ui.label(egui::RichText::new(day).small().weak());
        ui.add_sized([side, 12.0], egui::Separator::default().horizontal());
    });
    ui.add_space(2.0);
}
