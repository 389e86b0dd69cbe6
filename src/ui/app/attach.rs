//! Files into the chat: the attach button's dialog, files dropped onto the window and (natively)
//! images pasted from the clipboard become pending messages of the room on screen, carrying
//! the composer's text and reply; why a file could not be read shows above the composer.

use super::ChatApp;

impl ChatApp {
    /// Before drawing: files dropped onto the window and images pasted start being read; while
    /// files are dragged over the window it says where they will go.
    pub(super) fn take_dropped_and_pasted(&mut self, ctx: &egui::Context) {
        let room = self
            .client
            .state()
            .current()
            .map(|room| room.title().to_owned());
        if ctx.input(|input| !input.raw.hovered_files.is_empty()) {
            drop_hint(ctx, room.as_deref());
        }
        let dropped = ctx.input_mut(|input| std::mem::take(&mut input.raw.dropped_files));
        if room.is_none() {
            if !dropped.is_empty() {
                self.attach_error = Some("open a room to send files to".to_owned());
            }
            return;
        }
        if !dropped.is_empty() {
            self.messages.media.incoming.dropped(ctx, dropped);
        }
        #[cfg(not(target_arch = "wasm32"))]
        for image in ctx.input(|input| {
            input
                .events
                .iter()
                .filter_map(|event| match event {
                    egui::Event::PasteImage(image) => Some(std::sync::Arc::clone(image)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        }) {
            self.messages.media.incoming.pasted(&image);
        }
    }

    /// After drawing: the files read since become pending messages of the room on screen (the
    /// first takes the composer's text and reply), and images and downloads move along.
    pub(super) fn attach_arrived(&mut self, ctx: &egui::Context) {
        for arrival in self.messages.media.incoming.take() {
            match arrival {
                Ok(file) => {
                    let reply_to = self.reply_here();
                    let state = self.client.state_mut();
                    if state.attach(&file.name, file.bytes, &self.composer, reply_to) {
                        self.composer.clear();
                        if reply_to.is_some() {
                            self.replying_to = None;
                        }
                    }
                }
                Err(error) => self.attach_error = Some(error),
            }
        }
        // The viewer first: what it asks for is fetched by this pump.
        self.messages.media.show_viewer(ctx);
        self.messages.media.pump(ctx, &self.client);
    }

    /// Why a file could not be attached, above the composer, until dismissed.
    pub(super) fn attach_error_line(&mut self, ui: &mut egui::Ui) {
        let Some(error) = &self.attach_error else {
            return;
        };
        let dismiss = ui
            .horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().error_fg_color, error);
                ui.small_button("Dismiss").clicked()
            })
            .inner;
        if dismiss {
            self.attach_error = None;
        }
    }
}

/// Over the whole window while files are dragged over it: where they will be sent.
fn drop_hint(ctx: &egui::Context, room: Option<&str>) {
    let text = room.map_or_else(
        || "Open a room to send files to".to_owned(),
        |room| format!("Drop to send to {room}"),
    );
    let screen = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("chinwag_drop_hint"),
    ));
    painter.rect_filled(screen, 0.0, egui::Color32::from_black_alpha(160));
    painter.text(
        screen.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(24.0),
        egui::Color32::WHITE,
    );
}
