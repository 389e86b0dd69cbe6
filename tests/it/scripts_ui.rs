//! Every script and emoji through the real window: the system's fonts fill in what egui's own
//! lack (src/ui/fonts.rs), and right-to-left lines read and align right (src/ui/bidi.rs).
//!
//! egui_kittest fails a frame that needs a glyph no font has (`MissingGlyphPolicy::Panic`,
//! naming the character), so a message that shows was laid out without tofu. These tests need
//! the fonts .ci/run installs: `fonts-noto-cjk`, `fonts-noto-core`, `fonts-noto-color-emoji`.

use chinwag::client::state::Phase;
use chinwag::ui::ChatApp;
use egui::text::LayoutJob;
use egui::{FontId, TextFormat};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use crate::window::{harness_sized, join_as, send_from_composer, step_until};
use chinwag_testkit::TestServer;

/// What alice sends: Latin, Japanese (kanji, kana), Chinese, Korean, Greek, Cyrillic, emoji.
const FROM_ALICE: [&str; 4] = [
    "hello 日本語 中文 한국어 Ελληνικά русский 🦀 😀 ❤",
    "こんにちは、世界",
    "你好，世界",
    "안녕하세요 세계",
];

/// What bob answers: Arabic, Hebrew, both with Latin, and a short left-to-right line.
const FROM_BOB: [&str; 5] = [
    "مرحبا שלום café",
    "مرحبا بالعالم",
    "שלום עולם",
    "hello مرحبا بالعالم 123",
    "ok",
];

/// A window joined as `name`, tall enough for every message at once (the list lays out only the
/// rows in view).
fn tall_window(url: &str, name: &str) -> Harness<'static, ChatApp> {
    let mut harness = harness_sized(url, [900.0, 1100.0]);
    join_as(&mut harness, name);
    step_until(&mut harness, "the welcome", |h| {
        h.state().state().phase() == &Phase::Joined
    });
    harness
}

#[test]
fn messages_in_every_script_show_in_both_windows_without_a_missing_glyph() {
    let server = TestServer::start();
    let mut alice = tall_window(&server.url(), "alice");
    let mut bob = tall_window(&server.url(), "bob");
    for text in FROM_ALICE {
        send_from_composer(&mut alice, text);
    }
    for text in FROM_BOB {
        send_from_composer(&mut bob, text);
    }
    for harness in [&mut alice, &mut bob] {
        step_until(harness, "every message", |h| {
            FROM_ALICE
                .iter()
                .chain(&FROM_BOB)
                .all(|text| h.query_by_label(text).is_some())
        });
        // Each message is one label: its accessible name is the text in logical order, also
        // where it is drawn right to left.
        for text in FROM_ALICE.iter().chain(&FROM_BOB) {
            harness.get_by_label(text);
        }
        harness.check_accessibility();
    }

    // A line whose first letter is right to left aligns right: it starts beyond where a short
    // left-to-right one ends. One that starts left to right stays on the left.
    let ltr = bob.get_by_label("ok").rect();
    let hebrew = bob.get_by_label("שלום עולם").rect();
    assert!(
        ltr.right() < hebrew.left(),
        "the Hebrew line {hebrew:?} sits right of the short Latin one {ltr:?}"
    );
    for text in ["مرحبا بالعالم", "مرحبا שלום café"] {
        let rect = bob.get_by_label(text).rect();
        assert!(
            (rect.right() - hebrew.right()).abs() < 1.0,
            "{text} ends at the right edge too: {rect:?}, {hebrew:?}"
        );
    }
    let mixed = bob.get_by_label("hello مرحبا بالعالم 123").rect();
    assert!(
        (mixed.left() - ltr.left()).abs() < 1.0,
        "a line that starts left to right starts on the left: {mixed:?}, {ltr:?}"
    );
}

/// Lays `text` out in the proportional font of `ctx` and returns the galley.
fn lay_out(ctx: &egui::Context, text: &str) -> std::sync::Arc<egui::Galley> {
    let job = LayoutJob::single_section(
        text.to_owned(),
        TextFormat::simple(FontId::proportional(14.0), egui::Color32::WHITE),
    );
    ctx.fonts_mut(|fonts| fonts.layout_job(job))
}

#[test]
fn system_fonts_fill_in_cjk_arabic_hebrew_and_colour_emoji() {
    let ctx = egui::Context::default();
    ctx.set_missing_glyph_policy(egui::MissingGlyphPolicy::Panic);
    chinwag::ui::fonts::install(&ctx);
    let mut crab_is_colour = false;
    let mut discovered = Vec::new();
    let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
        // U+08A0 (Arabic Extended-A) is in Noto's Arabic fonts, not in DejaVu Sans.
        for text in ["日本語", "中文", "한국어", "مرحبا", "שלום", "\u{8A0}"] {
            lay_out(ui.ctx(), text);
        }
        let crab = lay_out(ui.ctx(), "🦀");
        crab_is_colour = crab.rows[0].glyphs[0].is_color;
        discovered = ui.fonts(|fonts| {
            fonts
                .discovered_fonts()
                .iter()
                .map(|font| font.name.clone())
                .collect()
        });
    });
    // No renderer here to take the font atlas.
    output.textures_delta.clear();
    // Every character found a glyph (else the policy panicked). The CJK and emoji fonts are
    // Noto's; Arabic and Hebrew get what fontconfig prefers for them (Debian: DejaVu Sans, which
    // has both), and a Noto Arabic font what DejaVu Sans lacks.
    eprintln!("system fonts found: {discovered:?}");
    for wanted in ["Noto Sans CJK", "Noto Color Emoji", "Arabic"] {
        assert!(
            discovered.iter().any(|name| name.contains(wanted)),
            "{wanted} among {discovered:?}"
        );
    }
    assert_eq!(
        discovered.len(),
        4,
        "CJK, emoji, one for Arabic and Hebrew, one for the rarer Arabic letter: {discovered:?}"
    );
    assert!(crab_is_colour, "🦀 is drawn in colour");
}
