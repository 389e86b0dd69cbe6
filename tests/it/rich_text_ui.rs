//! Rich message text through egui_kittest: accessible labels, clickable links, wrapping.

use chinwag::ui::rich_text;
use egui::{CursorIcon, Event, Modifiers, OpenUrl, OutputCommand, PointerButton, Pos2, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// What the last frame measured around the rich text.
#[derive(Default)]
struct Drawn {
    available_width: f32,
    rect: Option<Rect>,
}

/// A harness drawing `text` as rich text, known names `ann` and `Bob Smith`, as `ann`.
fn harness(text: &'static str, width: f32) -> Harness<'static, Drawn> {
    let names = vec!["ann".to_owned(), "Bob Smith".to_owned()];
    let mut harness = Harness::builder()
        .with_size([width, 600.0])
        .with_context_setup(chinwag::ui::fonts::install)
        .build_ui_state(
            move |ui, drawn: &mut Drawn| {
                drawn.available_width = ui.available_width();
                drawn.rect = Some(rich_text::show(ui, text, &names, "ann").rect);
            },
            Drawn::default(),
        );
    harness.run();
    harness
}

/// Clicks the primary button at `pos` and steps the frames; returns the URLs egui was asked to
/// open in the frame of the click.
fn click_at(harness: &mut Harness<'_, Drawn>, pos: Pos2) -> Vec<OpenUrl> {
    harness.hover_at(pos);
    for pressed in [true, false] {
        harness.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    // One frame per event: the last one, the release, is the click.
    harness.step();
    opened_urls(harness)
}

/// The URLs egui was asked to open in the last frame.
fn opened_urls(harness: &Harness<'_, Drawn>) -> Vec<OpenUrl> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|command| match command {
            OutputCommand::OpenUrl(open) => Some(open.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn styled_text_is_labelled_with_its_plain_text() {
    let harness = harness(
        "Hi @Bob Smith and @ann: **bold**, *italic*, _also_, `code`, [docs](https://example.com)\n\
         ```rust\nfn main() {}\n```\nbye",
        500.0,
    );
    harness.get_by_label("Hi @Bob Smith and @ann: bold, italic, also, code, docs");
    harness.get_by_label("fn main() {}");
    harness.get_by_label("bye");
    harness.check_accessibility();
}

#[test]
fn clicking_a_link_opens_it_and_other_text_does_not() {
    let mut harness = harness("Docs: https://example.com/docs", 500.0);
    let rect = harness
        .get_by_label("Docs: https://example.com/docs")
        .rect();
    let on_text = Pos2::new(rect.left() + 4.0, rect.center().y);
    let on_link = Pos2::new(rect.right() - 4.0, rect.center().y);

    assert_eq!(click_at(&mut harness, on_text), []);

    harness.hover_at(on_link);
    harness.step();
    assert_eq!(
        harness.output().platform_output.cursor_icon,
        CursorIcon::PointingHand
    );
    assert_eq!(
        click_at(&mut harness, on_link),
        [OpenUrl::new_tab("https://example.com/docs")]
    );
}

#[test]
fn a_labelled_link_opens_its_target() {
    let mut harness = harness("[read the docs](https://example.com/x)", 500.0);
    let rect = harness.get_by_label("read the docs").rect();
    assert_eq!(
        click_at(&mut harness, rect.center()),
        [OpenUrl::new_tab("https://example.com/x")]
    );
}

#[test]
fn a_screen_reader_click_opens_a_lone_link() {
    let mut harness = harness("see https://example.com/a", 500.0);
    harness
        .get_by_label("see https://example.com/a")
        .click_accesskit();
    harness.step();
    assert_eq!(
        opened_urls(&harness),
        [OpenUrl::new_tab("https://example.com/a")]
    );
}

#[test]
fn a_link_in_a_right_to_left_line_opens_where_it_is_drawn() {
    // The line starts in Hebrew, so it reads from the right: "שלום" on the right, the address
    // (left to right, after it) on the left.
    let mut harness = harness("שלום https://example.com/he", 500.0);
    let rect = harness.get_by_label("שלום https://example.com/he").rect();
    let on_hebrew = Pos2::new(rect.right() - 4.0, rect.center().y);
    let on_link = Pos2::new(rect.left() + 4.0, rect.center().y);
    assert_eq!(click_at(&mut harness, on_hebrew), []);
    assert_eq!(
        click_at(&mut harness, on_link),
        [OpenUrl::new_tab("https://example.com/he")]
    );
}

#[test]
fn a_long_right_to_left_line_wraps_within_the_width() {
    static TEXT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| "שלום עולם ".repeat(40).trim_end().to_owned());
    let harness = harness(&TEXT, 300.0);
    let rect = harness.get_by_label(&TEXT).rect();
    let drawn = harness.state();
    assert!(rect.width() <= drawn.available_width, "{rect:?}");
    assert!(rect.height() > 60.0, "it wrapped: {rect:?}");
}

#[test]
fn a_javascript_link_is_plain_text() {
    let mut harness = harness("[x](javascript:alert(1))", 500.0);
    let rect = harness.get_by_label("[x](javascript:alert(1))").rect();
    assert_eq!(click_at(&mut harness, rect.center()), []);
}

#[test]
fn long_words_and_urls_wrap_within_the_width() {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{}\nhttps://example.com/{}\n```\n{}\n```",
            "w".repeat(2000),
            "p".repeat(300),
            "c".repeat(2000)
        )
    });
    let harness = harness(TEXT.as_str(), 300.0);
    let drawn = harness.state();
    let rect = drawn.rect.expect("drawn");
    assert!(
        rect.width() <= drawn.available_width,
        "{} wider than {}",
        rect.width(),
        drawn.available_width
    );
    // It did wrap: 2000 characters cannot fit on one row of 300 points.
    assert!(rect.height() > 200.0, "height {}", rect.height());
}

#[test]
fn emoji_are_drawn_from_the_system_fonts() {
    // egui_kittest fails a frame that needs a glyph no font has; these come from the system's
    // emoji font (Noto Color Emoji: `fonts-noto-color-emoji`, installed by .ci/run).
    let harness = harness("party 🎉 time 😀 👍 ❤ ✨", 400.0);
    harness.get_by_label("party 🎉 time 😀 👍 ❤ ✨");
}
