//! Emoji in the browser. Native builds compile egui's emoji fonts in; the web client fetches
//! Noto Emoji (`assets/fonts/`, SIL Open Font License) once it runs instead, so the 0.4 MB font
//! does not delay the first frame. Until it arrives, emoji show as empty boxes.

/// Where Trunk puts the font, relative to the page.
const FONT_URL: &str = "assets/fonts/NotoEmoji-Regular.ttf";

/// Starts fetching the emoji font; it becomes a fallback of every font family when it arrives.
pub fn load(ctx: &egui::Context) {
    let ctx = ctx.clone();
    ehttp::fetch(ehttp::Request::get(FONT_URL), move |result| match result {
        Ok(response) if response.ok => {
            let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
                .into_iter()
                .map(|family| egui::epaint::text::InsertFontFamily {
                    family,
                    priority: egui::epaint::text::FontPriority::Lowest,
                })
                .collect();
            ctx.add_font(egui::epaint::text::FontInsert::new(
                "NotoEmoji",
                egui::FontData::from_owned(response.bytes),
                families,
            ));
            ctx.request_repaint();
        }
        Ok(response) => log::warn!("no emoji font: {FONT_URL} answered {}", response.status),
        Err(err) => log::warn!("no emoji font: {err}"),
    });
}
