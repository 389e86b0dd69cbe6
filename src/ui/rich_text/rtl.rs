//! A paragraph with right-to-left text, laid out line by line: a line is broken into rows by
//! the widths of its words (in logical order, as the bidirectional algorithm wants: rule L1),
//! each row is put in visual order ([`bidi::Line::visual_pieces`]), and the rows become one
//! galley that egui does not wrap again. A line that starts right to left aligns right. The
//! label's accessible name stays the line's logical text. Links are found by where their text
//! was put (measured widths), not by character index (see [`line_label`]).

use std::ops::Range;
use std::sync::Arc;

use egui::accesskit::Role;
use egui::text::{LayoutJob, TextFormat};
use egui::{Align, Galley, Layout, Pos2, Response, Sense, Ui, Vec2, WidgetInfo};

use super::{Link, format, label, link_interaction};
use crate::protocol::markup::Span;
use crate::ui::bidi;

/// Draws the paragraph `spans` one line (between `'\n'`s) at a time.
pub(super) fn paragraph(ui: &mut Ui, spans: &[Span], me: &str) -> Response {
    lines(ui, &Styled::new(ui, spans, me), None)
}

/// Draws `text` as it is (no markup), one line at a time, each line's label sensing `sense`.
pub(super) fn plain(ui: &mut Ui, text: &str, sense: Sense) -> Response {
    let spans = [Span {
        text: text.to_owned(),
        ..Span::default()
    }];
    lines(ui, &Styled::new(ui, &spans, ""), Some(sense))
}

/// Draws `styled` one line (between `'\n'`s) at a time; each line's label senses `sense`, if
/// given, else what its links need.
fn lines(ui: &mut Ui, styled: &Styled, sense: Option<Sense>) -> Response {
    let mut start = 0;
    let lines: Vec<Range<usize>> = styled
        .text
        .split('\n')
        .map(|line| {
            let range = start..start + line.len();
            start = range.end + 1;
            range
        })
        .collect();
    lines
        .into_iter()
        .map(|line| line_label(ui, styled, line, sense))
        .reduce(|all, response| all | response)
        .unwrap_or_else(|| ui.allocate_response(Vec2::ZERO, Sense::hover()))
}

/// The paragraph's text and the format and link of each span's bytes in it.
struct Styled {
    text: String,
    parts: Vec<Part>,
}

/// One span of a [`Styled`] paragraph.
struct Part {
    bytes: Range<usize>,
    format: TextFormat,
    link: Option<Link>,
}

impl Styled {
    fn new(ui: &Ui, spans: &[Span], me: &str) -> Self {
        let mut text = String::new();
        let parts = spans
            .iter()
            .map(|span| {
                let start = text.len();
                text.push_str(&span.text);
                Part {
                    bytes: start..text.len(),
                    format: format(ui, span, me),
                    link: Link::of(span),
                }
            })
            .collect();
        Self { text, parts }
    }

    /// The parts of `bytes`: each part that overlaps them with the overlapping bytes.
    fn parts_of(&self, bytes: Range<usize>) -> impl Iterator<Item = (&Part, Range<usize>)> {
        self.parts.iter().filter_map(move |part| {
            let overlap = part.bytes.start.max(bytes.start)..part.bytes.end.min(bytes.end);
            (!overlap.is_empty()).then_some((part, overlap))
        })
    }

    /// The format of the breaks between rows: the first span's (a row as high as its text).
    fn row_break_format(&self) -> TextFormat {
        self.parts
            .first()
            .map(|part| part.format.clone())
            .unwrap_or_default()
    }

    /// The width of `bytes` laid out on one row.
    fn width(&self, ui: &Ui, bytes: Range<usize>) -> f32 {
        self.parts_of(bytes)
            .map(|(part, overlap)| text_width(ui, &self.text[overlap], &part.format))
            .sum()
    }
}

/// The width of `text` in `format` on one row.
fn text_width(ui: &Ui, text: &str, format: &TextFormat) -> f32 {
    let job = LayoutJob::single_section(text.to_owned(), format.clone());
    ui.fonts_mut(|fonts| fonts.layout_job(job)).size().x
}

/// Where a link's text is drawn in a line's galley.
struct LinkBox<'l> {
    row: usize,
    /// From the row's left edge.
    x: Range<f32>,
    link: &'l Link,
}

/// A line's layout job being built from its pieces in visual order, with its links' boxes.
struct VisualJob<'l> {
    job: LayoutJob,
    boxes: Vec<LinkBox<'l>>,
    /// Where the next text goes on the current row (kept only if the line has links).
    x: f32,
    has_links: bool,
}

impl<'l> VisualJob<'l> {
    fn new(width: f32, rtl: bool, has_links: bool) -> Self {
        let mut job = LayoutJob::default();
        job.wrap.max_width = width;
        if rtl {
            job.halign = Align::RIGHT;
        }
        Self {
            job,
            boxes: Vec::new(),
            x: 0.0,
            has_links,
        }
    }

    /// Appends a piece (`bytes` of the paragraph) on row `row`. In a right-to-left piece the
    /// spans go right to left too, and text that no font of egui's has is cut into characters
    /// laid out in reverse: egui draws it a character at a time (with the browser's fonts on the
    /// web), in logical order, where harfrust would have ordered a font's glyphs.
    fn piece(&mut self, ui: &Ui, styled: &'l Styled, bytes: Range<usize>, rtl: bool, row: usize) {
        let mut overlaps: Vec<(&Part, Range<usize>)> = styled.parts_of(bytes).collect();
        if rtl {
            overlaps.reverse();
        }
        for (part, overlap) in overlaps {
            let text = &styled.text[overlap.clone()];
            if rtl && !ui.fonts_mut(|fonts| fonts.has_glyphs(&part.format.font_id, text)) {
                for character in bidi::characters(text).into_iter().rev() {
                    self.append(ui, &text[character], part, rtl, row);
                }
            } else {
                self.append(ui, text, part, rtl, row);
            }
        }
    }

    /// Appends `text` of `part` as a section of its own.
    fn append(&mut self, ui: &Ui, text: &str, part: &'l Part, rtl: bool, row: usize) {
        let shown = bidi::shown(text, rtl);
        self.job.append(&shown, 0.0, part.format.clone());
        if self.has_links {
            let end = self.x + text_width(ui, &shown, &part.format);
            if let Some(link) = &part.link {
                self.boxes.push(LinkBox {
                    row,
                    x: self.x..end,
                    link,
                });
            }
            self.x = end;
        }
    }
}

/// One line of the paragraph as a label: its rows in visual order, aligned by its direction.
/// The label senses `sense` if given, else what its links need.
fn line_label(ui: &mut Ui, styled: &Styled, line: Range<usize>, sense: Option<Sense>) -> Response {
    let text = &styled.text[line.clone()];
    let bidi = bidi::Line::new(text);
    let rtl = bidi.as_ref().is_some_and(bidi::Line::is_rtl);
    let width = ui.available_width();
    let has_links = styled
        .parts_of(line.clone())
        .any(|(part, _)| part.link.is_some());

    let mut job = VisualJob::new(width, rtl, has_links);
    for (row_index, row) in rows(ui, styled, line.clone(), width)
        .into_iter()
        .enumerate()
    {
        if row_index > 0 {
            job.job.append("\n", 0.0, styled.row_break_format());
        }
        let in_line = row.start - line.start..row.end - line.start;
        let pieces = match &bidi {
            Some(bidi) => bidi.visual_pieces(in_line),
            None => vec![bidi::Piece {
                range: in_line,
                rtl: false,
            }],
        };
        job.x = 0.0;
        for piece in pieces {
            let bytes = line.start + piece.range.start..line.start + piece.range.end;
            job.piece(ui, styled, bytes, piece.rtl, row_index);
        }
    }
    let VisualJob { job, boxes, .. } = job;
    let galley = ui.fonts_mut(|fonts| fonts.layout_job(job));
    // Not selectable: egui 0.37 gives a right-to-left run more glyphs than characters
    // (zero-width extras), so its character positions cannot be trusted for a selection.
    let mut widget = label(Arc::clone(&galley), has_links).selectable(false);
    if let Some(sense) = sense {
        widget = widget.sense(sense);
    }
    let add = |ui: &mut Ui| ui.add(widget);
    let response = if rtl {
        ui.with_layout(Layout::top_down(Align::Max), add).inner
    } else {
        add(ui)
    };
    // Screen readers read the logical text, not the visual order.
    response.widget_info(|| WidgetInfo::labeled(Role::Label, ui.is_enabled(), text));

    let origin = if rtl {
        response.rect.right_top()
    } else {
        response.rect.left_top()
    };
    let only = match boxes.as_slice() {
        [only] => Some(only.link),
        _ => None,
    };
    link_interaction(ui, response, only, |pos| {
        link_at(&galley, &boxes, pos - origin.to_vec2())
    })
}

/// The link drawn at `pos` (relative to the galley's origin).
fn link_at<'l>(galley: &Galley, boxes: &[LinkBox<'l>], pos: Pos2) -> Option<&'l Link> {
    let (row_index, row) = galley
        .rows
        .iter()
        .enumerate()
        .find(|(_, row)| (row.min_y()..row.max_y()).contains(&pos.y))?;
    let x = pos.x - row.rect().min.x;
    boxes
        .iter()
        .find(|link_box| link_box.row == row_index && link_box.x.contains(&x))
        .map(|link_box| link_box.link)
}

/// Breaks `line` into rows no wider than `width` between words (a word wider than that gets a
/// row of its own, and egui breaks it). Rows leave out the spaces they break at.
fn rows(ui: &Ui, styled: &Styled, line: Range<usize>, width: f32) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut row = line.start..line.start;
    let mut row_width = 0.0;
    for (word, space) in words(&styled.text[line.clone()]) {
        let word = line.start + word.start..line.start + word.end;
        let space = line.start + space.start..line.start + space.end;
        let word_width = styled.width(ui, word.clone());
        if !row.is_empty() && width < row_width + word_width {
            rows.push(row);
            row = word.start..word.start;
            row_width = 0.0;
        }
        row.end = word.end;
        row_width += word_width + styled.width(ui, space);
    }
    rows.push(row);
    rows
}

/// The words of `line` (leading spaces go with the first) and the spaces after each.
fn words(line: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let mut words = Vec::new();
    let mut word_start = 0;
    let mut space_start = None;
    for (index, c) in line.char_indices() {
        if c.is_whitespace() {
            if space_start.is_none() && !line[word_start..index].trim_start().is_empty() {
                space_start = Some(index);
            }
        } else if let Some(space) = space_start.take() {
            words.push((word_start..space, space..index));
            word_start = index;
        }
    }
    let space = space_start.unwrap_or(line.len());
    words.push((word_start..space, space..line.len()));
    words
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_keep_their_spaces_apart() {
        let line = "  שלום  עולם x ";
        let words: Vec<(&str, &str)> = words(line)
            .into_iter()
            .map(|(word, space)| (&line[word], &line[space]))
            .collect();
        assert_eq!(words, [("  שלום", "  "), ("עולם", " "), ("x", " ")]);
    }
}
