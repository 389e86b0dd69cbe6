//! Right-to-left text in its own order: the Unicode bidirectional algorithm (`unicode-bidi`)
//! puts a line's pieces in visual order before egui lays them out left to right.
//!
//! egui 0.37 shapes each run of one font with harfrust, which orders the glyphs of an Arabic or
//! Hebrew word itself (right to left, letters joined), but it places the runs and the spaces
//! between them left to right in logical order: `مرحبا بالعالم` would show its first word on
//! the left. So a line with right-to-left text is cut into [`Piece`]s that egui can shape on
//! their own: a run of right-to-left letters (one word; harfrust orders its glyphs), a single
//! neutral character between them (a space, a bracket: mirrored when it stands in
//! right-to-left text), or a left-to-right run (Latin words, numbers). [`Line::visual_pieces`]
//! returns them from left to right, as UAX #9 (rule L2) orders a line.

use std::borrow::Cow;
use std::ops::Range;

use unicode_bidi::{BidiClass, ParagraphBidiInfo, bidi_class};

/// Does `text` hold a right-to-left character (Hebrew, Arabic, …) or a bidi control?
pub fn has_rtl(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            bidi_class(c),
            BidiClass::R
                | BidiClass::AL
                | BidiClass::RLE
                | BidiClass::RLO
                | BidiClass::RLI
                | BidiClass::AN
        )
    })
}

/// One line of text (no `'\n'`) analysed by the bidirectional algorithm.
pub struct Line<'a> {
    info: ParagraphBidiInfo<'a>,
}

/// A part of a line egui lays out (and harfrust shapes) on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Its bytes in the line, in logical order.
    pub range: Range<usize>,
    /// It stands in right-to-left text: brackets are shown mirrored.
    pub rtl: bool,
}

impl<'a> Line<'a> {
    /// The analysis of `line`, or `None` if it has nothing right to left (then its logical
    /// order is its visual order).
    pub fn new(line: &'a str) -> Option<Self> {
        let info = ParagraphBidiInfo::new(line, None);
        info.has_rtl().then_some(Self { info })
    }

    /// Is the line's base direction right to left (its first strong character is)? Such a
    /// line starts on the right: it is aligned right.
    pub fn is_rtl(&self) -> bool {
        self.info.paragraph_level.is_rtl()
    }

    /// The pieces of `row` (a range of the line: the whole line, or one row where it wraps),
    /// from left to right.
    pub fn visual_pieces(&self, row: Range<usize>) -> Vec<Piece> {
        let (levels, runs) = self.info.visual_runs(row);
        let mut pieces = Vec::new();
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            let mut run_pieces = self.split_run(run, rtl);
            if rtl {
                // Each piece orders its own glyphs; the pieces go right to left.
                run_pieces.reverse();
            }
            pieces.extend(run_pieces);
        }
        pieces
    }

    /// Cuts a level run into pieces. In a right-to-left run a piece is a run of right-to-left
    /// letters (with their marks) or one other character; a left-to-right run stays whole,
    /// except Arabic digits, which harfrust would shape right to left, one piece each.
    fn split_run(&self, run: Range<usize>, rtl: bool) -> Vec<Piece> {
        let text = &self.info.text[run.clone()];
        let mut pieces: Vec<Piece> = Vec::new();
        let mut previous_joins = false;
        for (offset, c) in text.char_indices() {
            let start = run.start + offset;
            let end = start + c.len_utf8();
            let class = bidi_class(c);
            let attaches = matches!(class, BidiClass::NSM | BidiClass::BN);
            let joins = if rtl {
                matches!(class, BidiClass::R | BidiClass::AL) || attaches
            } else {
                class != BidiClass::AN
            };
            match pieces.last_mut() {
                Some(last) if attaches || (joins && previous_joins) => last.range.end = end,
                _ => pieces.push(Piece {
                    range: start..end,
                    rtl,
                }),
            }
            previous_joins = joins;
        }
        pieces
    }
}

/// The characters of `text`, each with the marks after it (combining marks, joiners), as byte
/// ranges in logical order.
pub fn characters(text: &str) -> Vec<Range<usize>> {
    let mut characters: Vec<Range<usize>> = Vec::new();
    for (start, c) in text.char_indices() {
        let end = start + c.len_utf8();
        match characters.last_mut() {
            Some(last) if matches!(bidi_class(c), BidiClass::NSM | BidiClass::BN) => {
                last.end = end;
            }
            _ => characters.push(start..end),
        }
    }
    characters
}

/// The text of `piece` in `line` as shown: in right-to-left text a bracket faces the other way
/// (UAX #9 rule L4: `(` shows as `)`).
pub fn shown<'t>(text: &'t str, rtl: bool) -> Cow<'t, str> {
    if rtl && text.chars().any(|c| mirrored(c) != c) {
        Cow::Owned(text.chars().map(mirrored).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// The mirror image of a paired bracket or angle quote (Bidi_Mirroring_Glyph), else `c`.
fn mirrored(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of a whole line from left to right, as shown.
    fn visual(line: &str) -> Vec<String> {
        let bidi = Line::new(line).expect("the line has right-to-left text");
        bidi.visual_pieces(0..line.len())
            .into_iter()
            .map(|piece| shown(&line[piece.range], piece.rtl).into_owned())
            .collect()
    }

    #[test]
    fn an_arabic_message_reads_right_to_left_and_aligns_right() {
        let line = "مرحبا بالعالم";
        // The first word is on the right: last from the left.
        assert_eq!(visual(line), ["بالعالم", " ", "مرحبا"]);
        assert!(Line::new(line).expect("right to left").is_rtl());
    }

    #[test]
    fn a_hebrew_message_reads_right_to_left_and_aligns_right() {
        let line = "שלום עולם יפה";
        assert_eq!(visual(line), ["יפה", " ", "עולם", " ", "שלום"]);
        assert!(Line::new(line).expect("right to left").is_rtl());
    }

    #[test]
    fn a_mixed_message_follows_the_bidirectional_algorithm() {
        // Base direction from the first strong letter: left to right. The Arabic run goes right
        // to left, and the number after it joins it (rule W/N1: numbers act as right to left
        // for the neutrals around them), so it shows left of the Arabic.
        let line = "hello مرحبا بالعالم 123";
        assert_eq!(
            visual(line),
            ["hello ", "123", " ", "بالعالم", " ", "مرحبا"]
        );
        assert!(!Line::new(line).expect("has right to left").is_rtl());
    }

    #[test]
    fn latin_inside_hebrew_keeps_its_own_order() {
        assert_eq!(
            visual("שלום café ok עולם"),
            ["עולם", " ", "café ok", " ", "שלום"]
        );
    }

    #[test]
    fn brackets_in_right_to_left_text_are_mirrored() {
        assert_eq!(visual("שלום (עולם)"), ["(", "עולם", ")", " ", "שלום"]);
    }

    #[test]
    fn marks_stay_with_their_letter() {
        // Hebrew with niqqud (combining points) after a space: the points stay in the word.
        let line = "אב שָׁלוֹם";
        assert_eq!(visual(line), ["שָׁלוֹם", " ", "אב"]);
    }

    #[test]
    fn characters_keep_their_marks() {
        let text = "שָׁלוֹם";
        let characters: Vec<&str> = characters(text)
            .into_iter()
            .map(|range| &text[range])
            .collect();
        assert_eq!(characters, ["שָׁ", "ל", "וֹ", "ם"]);
    }

    #[test]
    fn each_row_is_ordered_on_its_own() {
        // Wrapped after the first word: each row is reordered by itself (rule L1/L2 per line).
        let line = "שלום עולם";
        let bidi = Line::new(line).expect("right to left");
        let first_row = 0.."שלום ".len();
        let pieces = bidi.visual_pieces(first_row);
        let shown: Vec<&str> = pieces
            .iter()
            .map(|piece| &line[piece.range.clone()])
            .collect();
        // The trailing space goes to the end of the row in the line's direction: the left.
        assert_eq!(shown, [" ", "שלום"]);
    }

    #[test]
    fn left_to_right_text_needs_no_reordering() {
        assert!(Line::new("hello 日本語 🦀 Ελληνικά").is_none());
        assert!(!has_rtl("hello 日本語 🦀 Ελληνικά"));
        assert!(has_rtl("hello שלום"));
    }
}
