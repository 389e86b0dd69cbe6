//! Fonts for every script and emoji, beyond egui's bundled ones (Ubuntu-Light and Hack: Latin,
//! Greek, Cyrillic).
//!
//! * **Natively** the system's fonts fill in: for a character no font has, egui asks
//!   [`egui_system_font_provider::SystemFontProvider`] (fontique: fontconfig on Linux), which
//!   finds an installed font for it (Noto Sans CJK, Noto Sans Arabic and Hebrew, Noto Color
//!   Emoji on Debian: `fonts-noto-cjk`, `fonts-noto-core`, `fonts-noto-color-emoji`). The font
//!   files are memory-mapped when first needed. Emoji are drawn in colour (epaint's
//!   `color_fonts`: CBDT, sbix and COLR glyphs).
//! * **In the browser** eframe draws a character egui's fonts lack with the browser's own fonts
//!   on a 2D canvas (CJK, Hebrew, colour emoji), one character at a time. Arabic letters take
//!   their joined forms from their neighbours, which a character alone cannot, so the web client
//!   fetches Noto Sans Arabic (`assets/fonts/`, SIL Open Font License) once it runs, keeping it
//!   out of the first download; until it arrives, Arabic shows unjoined.

/// Sets up the fonts of the window behind `ctx`; call once, when the app is created.
pub fn install(ctx: &egui::Context) {
    #[cfg(not(target_arch = "wasm32"))]
    ctx.add_font_provider(std::sync::Arc::new(
        egui_system_font_provider::SystemFontProvider::new(),
    ));
    #[cfg(target_arch = "wasm32")]
    fetch_arabic(ctx);
}

/// Where Trunk puts the Arabic font, relative to the page.
#[cfg(target_arch = "wasm32")]
pub const ARABIC_FONT_URL: &str = "assets/fonts/NotoSansArabic-Regular.ttf";

/// Starts fetching the Arabic font; it becomes a fallback of every font family when it arrives.
#[cfg(target_arch = "wasm32")]
fn fetch_arabic(ctx: &egui::Context) {
    let ctx = ctx.clone();
    ehttp::fetch(
        ehttp::Request::get(ARABIC_FONT_URL),
        move |result| match result {
            Ok(response) if response.ok => {
                let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
                    .into_iter()
                    .map(|family| egui::epaint::text::InsertFontFamily {
                        family,
                        priority: egui::epaint::text::FontPriority::Lowest,
                    })
                    .collect();
                ctx.add_font(egui::epaint::text::FontInsert::new(
                    "NotoSansArabic",
                    egui::FontData::from_owned(response.bytes),
                    families,
                ));
                ctx.request_repaint();
            }
            Ok(response) => log::warn!(
                "no Arabic font: {ARABIC_FONT_URL} answered {}",
                response.status
            ),
            Err(err) => log::warn!("no Arabic font: {err}"),
        },
    );
}
