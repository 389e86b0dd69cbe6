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
//!   out of the first download; until it arrives, Arabic shows unjoined. The monospace font
//!   (egui's Hack, `assets/fonts/`, MIT and Bitstream Vera licences) is fetched the same way;
//!   until it arrives, code shows in the proportional font. The web client bundles only
//!   Ubuntu-Light and egui's icons.

/// Sets up the fonts of the window behind `ctx`; call once, when the app is created.
pub fn install(ctx: &egui::Context) {
    #[cfg(not(target_arch = "wasm32"))]
    ctx.add_font_provider(std::sync::Arc::new(
        egui_system_font_provider::SystemFontProvider::new(),
    ));
    #[cfg(target_arch = "wasm32")]
    {
        install_bundled(ctx);
        use egui::epaint::text::FontPriority;
        let every_family = [egui::FontFamily::Proportional, egui::FontFamily::Monospace];
        fetch_font(
            ctx,
            "NotoSansArabic",
            ARABIC_FONT_URL,
            &every_family,
            FontPriority::Lowest,
        );
        let monospace = [egui::FontFamily::Monospace];
        fetch_font(
            ctx,
            "Hack",
            MONOSPACE_FONT_URL,
            &monospace,
            FontPriority::Highest,
        );
    }
}

/// Where Trunk puts the Arabic font, relative to the page.
#[cfg(target_arch = "wasm32")]
pub const ARABIC_FONT_URL: &str = "assets/fonts/NotoSansArabic-Regular.ttf";

/// Where Trunk puts the monospace font, relative to the page.
#[cfg(target_arch = "wasm32")]
pub const MONOSPACE_FONT_URL: &str = "assets/fonts/Hack-Regular.ttf";

/// The fonts in the web client's first download: egui's Ubuntu-Light for both families (the
/// monospace one until Hack arrives) and its icons, as egui's defaults set them up.
#[cfg(target_arch = "wasm32")]
fn install_bundled(ctx: &egui::Context) {
    use std::sync::Arc;
    let mut fonts = egui::FontDefinitions::empty();
    fonts.font_data.insert(
        "Ubuntu-Light".to_owned(),
        Arc::new(egui::FontData::from_static(
            epaint_default_fonts::UBUNTU_LIGHT,
        )),
    );
    fonts.font_data.insert(
        "egui-icons".to_owned(),
        Arc::new(
            egui::FontData::from_static(epaint_default_fonts::EGUI_ICONS).tweak(egui::FontTweak {
                scale: 0.90,
                ..Default::default()
            }),
        ),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.insert(
            family,
            vec!["Ubuntu-Light".to_owned(), "egui-icons".to_owned()],
        );
    }
    ctx.set_fonts(fonts);
}

/// Starts fetching the font at `url`; it joins `families` as `name` (at `priority`) when it
/// arrives.
#[cfg(target_arch = "wasm32")]
fn fetch_font(
    ctx: &egui::Context,
    name: &'static str,
    url: &'static str,
    families: &[egui::FontFamily],
    priority: egui::epaint::text::FontPriority,
) {
    let ctx = ctx.clone();
    let families: Vec<_> = families
        .iter()
        .map(|family| egui::epaint::text::InsertFontFamily {
            family: family.clone(),
            priority,
        })
        .collect();
    ehttp::fetch(ehttp::Request::get(url), move |result| match result {
        Ok(response) if response.ok => {
            ctx.add_font(egui::epaint::text::FontInsert::new(
                name,
                egui::FontData::from_owned(response.bytes),
                families,
            ));
            ctx.request_repaint();
        }
        Ok(response) => log::warn!("no {name} font: {url} answered {}", response.status),
        Err(err) => log::warn!("no {name} font: {err}"),
    });
}
