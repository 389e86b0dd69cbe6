//! The rules every user and room name follows, checked by the client (to explain a problem as
//! it is typed) and by the server (which decides).
//!
//! These checks are cheap and small: they use the general-category table egui links anyway, so
//! the web client pays nothing for them. What only the server needs (NFC normalisation and the
//! TR39 confusable skeleton that makes look-alike names one name) lives in `server::names`.

use unicode_general_category::{GeneralCategory, get_general_category};

use super::{DIRECT_ROOM_PREFIX, MAX_NAME_CHARS};

/// Why a user or room name was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// Empty.
    Empty,
    /// More than [`MAX_NAME_CHARS`] characters.
    TooLong,
    /// Starts or ends with white space.
    SurroundingSpace,
    /// Holds a control, format, separator, private-use, unassigned or default-ignorable
    /// character (newline, zero-width space, direction mark, tag, filler, variation selector, …).
    ControlCharacter,
    /// Holds a space other than U+0020, or two spaces in a row.
    OddSpace,
    /// Starts with a combining mark (which would draw over whatever stands before the name).
    LeadingMark,
    /// Has no visible character (only combining marks, blank symbols and spaces).
    NothingVisible,
    /// A room name starting with the direct-message prefix (or a look-alike of it).
    ReservedPrefix,
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "must not be empty",
            Self::TooLong => return write!(f, "must be at most {MAX_NAME_CHARS} characters"),
            Self::SurroundingSpace => "must not start or end with a space",
            Self::ControlCharacter => {
                "must not contain control, formatting or invisible characters"
            }
            Self::OddSpace => "may only contain single plain spaces",
            Self::LeadingMark => "must not start with a combining accent",
            Self::NothingVisible => "must contain a visible character",
            Self::ReservedPrefix => {
                return write!(f, "must not start with {DIRECT_ROOM_PREFIX}");
            }
        })
    }
}

/// Checks a user or room name: 1 to [`MAX_NAME_CHARS`] characters; no leading or trailing
/// white space; no control, format, separator, private-use, unassigned or default-ignorable
/// character; spaces only U+0020 and never two in a row; not starting with a combining mark;
/// at least one visible character.
///
/// The server checks the NFC form of what it was sent (see `server::names`).
pub fn validate_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(NameProblem::TooLong);
    }
    if name.trim() != name {
        return Err(NameProblem::SurroundingSpace);
    }
    if name.chars().any(is_hidden) {
        return Err(NameProblem::ControlCharacter);
    }
    if name.contains("  ") || name.chars().any(|c| c != ' ' && is_space(c)) {
        return Err(NameProblem::OddSpace);
    }
    if name.chars().next().is_some_and(is_mark) {
        return Err(NameProblem::LeadingMark);
    }
    if !name.chars().any(is_visible) {
        return Err(NameProblem::NothingVisible);
    }
    Ok(())
}

/// Checks a public room name: a valid name (see [`validate_name`]) that does not start with
/// [`DIRECT_ROOM_PREFIX`]. (The server also refuses look-alikes of the prefix, such as the
/// fullwidth `＠`.)
pub fn validate_room_name(room: &str) -> Result<(), NameProblem> {
    validate_name(room)?;
    if room.starts_with(DIRECT_ROOM_PREFIX) {
        return Err(NameProblem::ReservedPrefix);
    }
    Ok(())
}

/// Characters that draw nothing, steer the layout or mean nothing yet: controls, formats
/// (direction marks, zero-width joiners, tags, …), line and paragraph separators, private use, unassigned code points, and the default-ignorable ones of other categories.
fn is_hidden(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
    ) || is_ignorable_outside_format(c)
}

/// The `Default_Ignorable_Code_Point`s that are neither format characters nor unassigned: the
/// combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian free variation
/// selectors and the variation selectors (DerivedCoreProperties.txt; the unit tests hold this
/// list against ICU's).
fn is_ignorable_outside_format(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180D}'
            | '\u{180F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

fn is_space(c: char) -> bool {
    get_general_category(c) == GeneralCategory::SpaceSeparator
}

fn is_mark(c: char) -> bool {
    matches!(
        get_general_category(c),
        GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
    )
}

/// Draws something by itself: not a space, not a combining mark, not the blank Braille
/// pattern (hidden characters are refused before this is asked).
fn is_visible(c: char) -> bool {
    !is_space(c) && !is_mark(c) && c != '\u{2800}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_of_every_script_pass() {
        for name in [
            "alice",
            "Zoë ✨",
            "Ærøskøbing",
            "李小龙",
            "Анна",
            "नमस्ते",
            "a b c",
            "x",
        ] {
            assert_eq!(validate_name(name), Ok(()), "{name:?}");
        }
        assert_eq!(validate_name(&"x".repeat(MAX_NAME_CHARS)), Ok(()));
        assert_eq!(validate_name(&"é".repeat(MAX_NAME_CHARS)), Ok(()));
        assert_eq!(
            validate_name(&"x".repeat(MAX_NAME_CHARS + 1)),
            Err(NameProblem::TooLong)
        );
    }

    #[test]
    fn format_separator_and_control_characters_are_refused() {
        for c in [
            '\n',
            '\t',
            '\u{7F}',
            '\u{85}', // controls
            '\u{00AD}',
            '\u{061C}',
            '\u{180E}',
            '\u{200B}',
            '\u{200D}',
            '\u{202E}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{E0001}',
            '\u{E0041}', // formats and tags
            '\u{2028}',
            '\u{2029}', // line and paragraph separators
            '\u{034F}',
            '\u{FE0F}',
            '\u{E0100}',
            '\u{180B}', // ignorable marks
            '\u{E000}',
            '\u{0378}',
            '\u{FFFF}', // private use, unassigned, noncharacter
        ] {
            assert_eq!(
                validate_name(&format!("al{c}ice")),
                Err(NameProblem::ControlCharacter),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn every_default_ignorable_code_point_is_refused() {
        use icu_properties::{CodePointSetData, props::DefaultIgnorableCodePoint};
        let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
        let mut checked = 0;
        for c in ignorable.iter_ranges().flatten().filter_map(char::from_u32) {
            assert!(is_hidden(c), "U+{:04X} is default-ignorable", c as u32);
            checked += 1;
        }
        assert!(
            checked > 4000,
            "ICU lists every default-ignorable ({checked})"
        );
    }

    #[test]
    fn only_single_plain_spaces_are_allowed() {
        for name in [
            "a\u{00A0}b",
            "a\u{3000}b",
            "a\u{2009}b",
            "a\u{1680}b",
            "a  b",
        ] {
            assert_eq!(validate_name(name), Err(NameProblem::OddSpace), "{name:?}");
        }
        assert_eq!(validate_name(" alice"), Err(NameProblem::SurroundingSpace));
        assert_eq!(validate_name("alice "), Err(NameProblem::SurroundingSpace));
        assert_eq!(
            validate_name("\u{3000}alice"),
            Err(NameProblem::SurroundingSpace)
        );
    }

    #[test]
    fn names_that_render_as_nothing_are_refused() {
        assert_eq!(validate_name(""), Err(NameProblem::Empty));
        assert_eq!(
            validate_name("\u{3164}"),
            Err(NameProblem::ControlCharacter)
        );
        assert_eq!(
            validate_name("\u{115F}"),
            Err(NameProblem::ControlCharacter)
        );
        assert_eq!(
            validate_name("\u{FFA0}"),
            Err(NameProblem::ControlCharacter)
        );
        assert_eq!(validate_name("\u{2800}"), Err(NameProblem::NothingVisible));
        assert_eq!(
            validate_name("\u{2800} \u{2800}"),
            Err(NameProblem::NothingVisible)
        );
        assert_eq!(validate_name("\u{0301}"), Err(NameProblem::LeadingMark));
        assert_eq!(validate_name("\u{20DD}a"), Err(NameProblem::LeadingMark));
        assert_eq!(
            validate_name("\u{2800}\u{0301}"),
            Err(NameProblem::NothingVisible)
        );
        assert_eq!(validate_name("e\u{0301}"), Ok(()));
        assert_eq!(validate_name("\u{2800}x"), Ok(()));
    }

    #[test]
    fn room_names_must_not_take_the_direct_prefix() {
        assert_eq!(validate_room_name("rust"), Ok(()));
        assert_eq!(validate_room_name("a@b"), Ok(()));
        assert_eq!(validate_room_name("@1:2"), Err(NameProblem::ReservedPrefix));
        assert_eq!(
            validate_room_name(&"r".repeat(MAX_NAME_CHARS + 1)),
            Err(NameProblem::TooLong)
        );
    }
}
