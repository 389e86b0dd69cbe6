//! Drawing attachments: an image's thumbnail inline (its size known before it loads, so the
//! list does not jump), a file's icon, name, size and Download button, and the viewer that
//! shows an image full size (Esc or a click beside it closes it).

use crate::protocol::attachments::{Attachment, ImageSize};

use super::{ImageState, Media, SaveState, size_words};

/// The largest inline image, in points.
const INLINE_WIDTH: f32 = 320.0;
const INLINE_HEIGHT: f32 = 240.0;

/// The size an image of `image` pixels shows inline in `max_width` points: scaled down to fit
/// [`INLINE_WIDTH`] × [`INLINE_HEIGHT`] (never up), keeping its shape.
pub fn display_size(image: ImageSize, max_width: f32) -> egui::Vec2 {
    let (width, height) = (image.width.max(1) as f32, image.height.max(1) as f32);
    let scale = (INLINE_WIDTH.min(max_width.max(16.0)) / width)
        .min(INLINE_HEIGHT / height)
        .min(1.0);
    egui::vec2((width * scale).max(1.0), (height * scale).max(1.0))
}

/// The height an attachment adds to its message in `width` points with lines of
/// `line_height` (for the list's estimate before the row is drawn).
pub fn attachment_height(attachment: &Attachment, width: f32, line_height: f32) -> f32 {
    match attachment.image {
        Some(image) => display_size(image, width).y + 4.0,
        None => line_height * 2.0,
    }
}

impl Media {
    /// Draws `attachment` of `room` in a message: the image (click opens the viewer) or the
    /// file with its Download button. Returns the response of what it drew.
    pub fn show_attachment(
        &mut self,
        ui: &mut egui::Ui,
        room: &str,
        attachment: &Attachment,
    ) -> egui::Response {
        match attachment.image {
            Some(image) => self.inline_image(ui, room, attachment, image),
            None => self.file_row(ui, room, attachment),
        }
    }

    fn inline_image(
        &mut self,
        ui: &mut egui::Ui,
        room: &str,
        attachment: &Attachment,
        image: ImageSize,
    ) -> egui::Response {
        let size = display_size(image, ui.available_width());
        let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click());
        let label = format!(
            "Image {}, {}: open full size",
            attachment.name,
            size_words(attachment.size)
        );
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
        let key = (attachment.hash.clone(), true);
        if ui.is_rect_visible(rect) {
            match self.image(room, key.clone()) {
                ImageState::Ready(texture) => {
                    let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                    ui.painter()
                        .image(texture.id(), rect, uv, egui::Color32::WHITE);
                }
                ImageState::Loading => placeholder(ui, rect, None),
                ImageState::Failed(error) => placeholder(ui, rect, Some(&error)),
            }
        }
        if response.clicked() {
            self.retry(&key);
            self.open(room, attachment);
        }
        response.on_hover_text(format!(
            "{}\n{} — click to open",
            attachment.name,
            size_words(attachment.size)
        ))
    }

    fn file_row(
        &mut self,
        ui: &mut egui::Ui,
        room: &str,
        attachment: &Attachment,
    ) -> egui::Response {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                egui::RichText::new("🗋").size(ui.text_style_height(&egui::TextStyle::Body) * 1.5),
            );
            ui.label(egui::RichText::new(&attachment.name).strong());
            ui.weak(size_words(attachment.size));
            self.download_controls(ui, room, attachment);
        })
        .response
    }

    /// The Download button, or where the download stands.
    fn download_controls(&mut self, ui: &mut egui::Ui, room: &str, attachment: &Attachment) {
        match self.saved(&attachment.hash) {
            Some(SaveState::Fetching) => {
                ui.spinner();
                ui.weak("downloading…");
            }
            Some(SaveState::Saved(saved)) => {
                let file = std::path::Path::new(&saved.path)
                    .file_name()
                    .map_or_else(|| saved.path.clone(), |f| f.to_string_lossy().into_owned());
                ui.weak(format!("saved as {file}"))
                    .on_hover_text(&saved.path);
                if let Some(folder) = &saved.folder
                    && ui.small_button("Show in folder").clicked()
                {
                    ui.ctx()
                        .open_url(egui::OpenUrl::new_tab(format!("file://{folder}")));
                }
            }
            Some(SaveState::Failed(error)) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("not saved: {error}"));
                if ui.small_button("Try again").clicked() {
                    self.save(room, attachment);
                }
            }
            None => {
                if ui
                    .button("Download")
                    .on_hover_text(format!("Save {}", attachment.name))
                    .clicked()
                {
                    self.save(room, attachment);
                }
            }
        }
    }

    /// The viewer over everything, while an image is open in it.
    pub fn show_viewer(&mut self, ctx: &egui::Context) {
        let Some((room, attachment)) = self.viewing.clone() else {
            return;
        };
        let screen = ctx.content_rect().size();
        let modal =
            egui::Modal::new(egui::Id::unique("chinwag_attachment_viewer")).show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.heading(&attachment.name);
                    ui.weak(size_words(attachment.size));
                });
                let fit = egui::vec2(screen.x * 0.85, screen.y * 0.75);
                let image = attachment.image.unwrap_or(ImageSize {
                    width: 320,
                    height: 240,
                });
                let (width, height) = (image.width.max(1) as f32, image.height.max(1) as f32);
                let scale = (fit.x / width).min(fit.y / height).min(1.0);
                let size = egui::vec2(width * scale, height * scale);
                let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                let full = (attachment.hash.clone(), false);
                let drawn = match self.image(&room, full) {
                    ImageState::Ready(texture) => Some(texture),
                    // The thumbnail stands in until the full image is in.
                    ImageState::Loading | ImageState::Failed(_) => {
                        match self.image(&room, (attachment.hash.clone(), true)) {
                            ImageState::Ready(texture) => Some(texture),
                            _ => None,
                        }
                    }
                };
                match drawn {
                    Some(texture) => {
                        let uv =
                            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                        ui.painter()
                            .image(texture.id(), rect, uv, egui::Color32::WHITE);
                    }
                    None => placeholder(ui, rect, None),
                }
                let mut close = false;
                ui.horizontal(|ui| {
                    self.download_controls(ui, &room, &attachment);
                    close = ui.button("Close").clicked();
                });
                close
            });
        if modal.inner || modal.should_close() {
            self.viewing = None;
        }
    }
}

/// The box an image takes while it loads (a spinner) or after it could not be (why).
fn placeholder(ui: &mut egui::Ui, rect: egui::Rect, error: Option<&str>) {
    ui.painter()
        .rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    let mut inner = ui.new_child(egui::UiBuilder::new().max_rect(rect.shrink(8.0)));
    inner.centered_and_justified(|ui| match error {
        None => {
            ui.spinner();
        }
        Some(error) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("image not loaded: {error}"),
            );
        }
    });
}

/// A sheet of paper with a folded corner, painted (no font is sure to have a file emoji).
pub fn file_icon(ui: &mut egui::Ui) {
    let height = ui.text_style_height(&egui::TextStyle::Body) * 1.4;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(height * 0.8, height), egui::Sense::hover());
    let stroke = egui::Stroke::new(1.5, ui.visuals().text_color());
    let fold = rect.width() * 0.35;
    let corner = egui::pos2(rect.right() - fold, rect.top());
    let points = vec![
        rect.left_top(),
        corner,
        egui::pos2(rect.right(), rect.top() + fold),
        rect.right_bottom(),
        rect.left_bottom(),
        rect.left_top(),
    ];
    let painter = ui.painter();
    painter.add(egui::Shape::line(points, stroke));
    painter.line_segment([corner, egui::pos2(corner.x, rect.top() + fold)], stroke);
    painter.line_segment(
        [
            egui::pos2(corner.x, rect.top() + fold),
            egui::pos2(rect.right(), rect.top() + fold),
        ],
        stroke,
    );
}
