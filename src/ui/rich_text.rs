//! Draws a chat message's [`markup`] as egui text: each paragraph is one wrapped galley in a
//! [`egui::Label`] (so its accessible label is the plain text and it stays selectable), each
//! code block a framed monospace label. Links open on click, with a pointing-hand cursor.
//!
//! Right-to-left text (Arabic, Hebrew) is put in visual order first ([`bidi`], [`rtl`]): a
//! line whose first strong letter is right to left reads from the right and aligns right.
//!
//! egui's default fonts have no bold face, so bold uses the strong text colour (as
//! [`egui::RichText::strong`] does). Long words and URLs need no special setting: with a finite
//! `wrap.max_width`, epaint breaks a word that cannot fit at punctuation or any character.

use std::sync::Arc;

use egui::cache::{ComputerMut, FrameCache};
use egui::text::{LayoutJob, TextFormat};
use egui::{CursorIcon, Galley, OpenUrl, Response, Sense, Stroke, TextStyle, Ui, Vec2};

use crate::protocol::markup::{self, Block, Span};
use crate::ui::bidi;

mod rtl;

/// Draws `text` as rich text. `known_names` are the user names `@name` can mention; mentions of
/// `me` are highlighted more strongly. Returns the union of the blocks' responses.
pub fn show(ui: &mut Ui, text: &str, known_names: &[String], me: &str) -> Response {
    let blocks = ui.memory_mut(|memory| {
        Arc::clone(
            memory
                .caches
                .cache::<FrameCache<Arc<Vec<Block>>, Parser>>()
                .get((text, known_names)),
        )
    });
    let inner = ui.vertical(|ui| {
        blocks
            .iter()
            .map(|block| match block {
                Block::Paragraph(spans) => paragraph(ui, spans, me),
                Block::Code(code) => code_block(ui, code),
            })
            .reduce(|all, response| all | response)
    });
    inner.inner.unwrap_or(inner.response)
}

/// Draws `text` as it is, without markup, as a label per line that senses `sense` and is named
/// by its line: right-to-left text reads in its own order and aligns right, as in a message
/// ([`rtl`]); other text is a plain [`egui::Label`].
pub fn plain(ui: &mut Ui, text: &str, sense: Sense) -> Response {
    if bidi::has_rtl(text) {
        rtl::plain(ui, text, sense)
    } else {
        ui.add(egui::Label::new(text).sense(sense))
    }
}

/// Parses message text for egui's frame cache, so a message is parsed once, not every frame.
#[derive(Default)]
struct Parser;

impl ComputerMut<(&str, &[String]), Arc<Vec<Block>>> for Parser {
    fn compute(&mut self, (text, known_names): (&str, &[String])) -> Arc<Vec<Block>> {
        Arc::new(markup::parse(text, known_names))
    }
}

/// Where a link goes.
struct Link {
    url: String,
    /// Its text is not its address: hovering shows the address.
    tooltip: bool,
}

impl Link {
    /// The link of `span`, if it is one.
    fn of(span: &Span) -> Option<Self> {
        span.link.as_ref().map(|url| Self {
            url: url.clone(),
            tooltip: span.text != *url,
        })
    }
}

/// One paragraph as one galley; handles hovering and clicking its links. A paragraph with
/// right-to-left text is laid out line by line in visual order ([`rtl`]).
fn paragraph(ui: &mut Ui, spans: &[Span], me: &str) -> Response {
    if spans.iter().any(|span| bidi::has_rtl(&span.text)) {
        return rtl::paragraph(ui, spans, me);
    }
    let mut job = LayoutJob::default();
    job.wrap.max_width = ui.available_width();
    let mut links = Vec::new();
    let mut char_count = 0;
    for span in spans {
        job.append(&span.text, 0.0, format(ui, span, me));
        let start = char_count;
        char_count += span.text.chars().count();
        if let Some(link) = Link::of(span) {
            links.push((start..char_count, link));
        }
    }
    let galley = ui.fonts_mut(|fonts| fonts.layout_job(job));
    let response = ui.add(label(Arc::clone(&galley), !links.is_empty()));
    let origin = response.rect.min;
    let only = match links.as_slice() {
        [(_, only)] => Some(only),
        _ => None,
    };
    link_interaction(ui, response, only, |pos| {
        let index = char_at(&galley, pos - origin)?;
        links
            .iter()
            .find(|(chars, _)| chars.contains(&index))
            .map(|(_, link)| link)
    })
}

/// A label for a paragraph's galley: clickable if it has links, but not a Tab stop for every
/// message with a link.
fn label(galley: Arc<Galley>, has_links: bool) -> egui::Label {
    let label = egui::Label::new(galley);
    if has_links {
        label.sense(Sense::click() - Sense::FOCUSABLE)
    } else {
        label
    }
}

/// Hovering a link (`link_at` the pointer) shows a pointing hand (and the address if the text
/// is not it); clicking opens it. A click without a pointer (a screen reader's click action)
/// opens the `only` link of the paragraph.
fn link_interaction<'l>(
    ui: &Ui,
    mut response: Response,
    only: Option<&'l Link>,
    link_at: impl Fn(egui::Pos2) -> Option<&'l Link>,
) -> Response {
    if let Some(link) = response.hover_pos().and_then(&link_at) {
        ui.set_cursor_icon(CursorIcon::PointingHand);
        if link.tooltip {
            let url = link.url.clone();
            response = response.on_hover_text_at_pointer(url);
        }
    }
    if response.clicked() {
        let clicked_link = match response.interact_pointer_pos() {
            Some(pos) => link_at(pos),
            None => only,
        };
        if let Some(link) = clicked_link {
            ui.open_url(OpenUrl::new_tab(&link.url));
        }
    }
    response
}

/// The character under `pos` (relative to the galley), if the position is on a glyph.
fn char_at(galley: &Galley, pos: Vec2) -> Option<usize> {
    let mut first_char = 0;
    for row in &galley.rows {
        if (row.min_y()..row.max_y()).contains(&pos.y) {
            let x = pos.x - row.pos.x;
            let column = row
                .glyphs
                .iter()
                .position(|glyph| (glyph.pos.x..glyph.pos.x + glyph.advance_width).contains(&x))?;
            return Some(first_char + column);
        }
        first_char += row.char_count_including_newline().0;
    }
    None
}

/// The text format of a span.
fn format(ui: &Ui, span: &Span, me: &str) -> TextFormat {
    let visuals = ui.visuals();
    let text_style = if span.style.code {
        TextStyle::Monospace
    } else {
        TextStyle::Body
    };
    let mut format = TextFormat::simple(text_style.resolve(ui.style()), visuals.text_color());
    format.italics = span.style.italic;
    if span.style.bold {
        format.color = visuals.strong_text_color();
    }
    if span.style.code {
        format.background = visuals.code_bg_color;
    }
    if let Some(name) = &span.mention {
        let (tint, alpha) = if name == me {
            (visuals.warn_fg_color, 0.35)
        } else {
            (visuals.selection.bg_fill, 0.25)
        };
        format.color = visuals.strong_text_color();
        format.background = tint.gamma_multiply(alpha);
    }
    if span.link.is_some() {
        format.color = visuals.hyperlink_color;
        format.underline = Stroke::new(1.0, visuals.hyperlink_color);
    }
    format
}

/// A fenced code block: wrapped monospace text in a darker frame across the full width.
fn code_block(ui: &mut Ui, code: &str) -> Response {
    let visuals = ui.visuals();
    let fill = if visuals.dark_mode {
        visuals.extreme_bg_color
    } else {
        visuals.code_bg_color
    };
    let frame = egui::Frame::new()
        .fill(fill)
        .corner_radius(4)
        .inner_margin(6);
    let framed = frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        let font = TextStyle::Monospace.resolve(ui.style());
        let job = LayoutJob::simple(
            code.to_owned(),
            font,
            ui.visuals().text_color(),
            ui.available_width(),
        );
        let galley = ui.fonts_mut(|fonts| fonts.layout_job(job));
        ui.add(egui::Label::new(galley))
    });
    framed.inner | framed.response
}
