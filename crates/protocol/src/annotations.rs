//! What a message carries beyond its text (the quote of the message it replies to, its emoji
//! reactions), the pins of a room and read receipts ("seen by"), with their limits and rules.

use serde::{Deserialize, Serialize};

use super::{ErrorCode, Rejection};

/// The most characters of the original's text a reply's [`Quote`] holds.
pub const MAX_QUOTE_CHARS: usize = 80;
/// Longest reaction emoji, in UTF-8 bytes (a flag or a family is a few code points).
pub const MAX_EMOJI_BYTES: usize = 32;
/// The most different emoji one message may carry; a new one past it is `too_large`.
pub const MAX_REACTIONS_PER_MESSAGE: usize = 20;
/// The most names a [`Reaction`] lists (its `count` counts them all).
pub const MAX_REACTION_NAMES: usize = 10;
/// The most pinned messages a room keeps; pinning one more is `too_large`.
pub const MAX_PINS: usize = 50;
/// The most read receipts a room state carries: those read furthest.
pub const MAX_SEEN: usize = 50;

/// A one-line quote of a message: the one a reply answers, or a pinned one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The quoted message's sequence number in the same room.
    pub seq: u64,
    /// Its author's current name.
    pub from: String,
    /// The start of its text (at most [`MAX_QUOTE_CHARS`] characters, line breaks as spaces;
    /// empty once deleted).
    pub text: String,
    /// Whether its author deleted it (show "message deleted").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl Quote {
    /// The quote of message `seq` by `from` whose text is `text` (empty and `deleted` once
    /// deleted): the first [`MAX_QUOTE_CHARS`] characters on one line.
    pub fn of(seq: u64, from: &str, text: &str, deleted: bool) -> Self {
        let text = if deleted {
            String::new()
        } else {
            one_line(text, MAX_QUOTE_CHARS)
        };
        Self {
            seq,
            from: from.to_owned(),
            text,
            deleted,
        }
    }
}

/// The first `most` characters of `text`, white space (line breaks included) collapsed to
/// single spaces, with "…" if it was cut.
fn one_line(text: &str, most: usize) -> String {
    let mut line = String::new();
    for (n, word) in text.split_whitespace().enumerate() {
        if n > 0 {
            line.push(' ');
        }
        line.push_str(word);
    }
    if let Some((cut, _)) = line.char_indices().nth(most) {
        line.truncate(cut);
        line.push('…');
    }
    line
}

/// One emoji on a message and who reacted with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// How many identities reacted with it (at least 1).
    pub count: u64,
    /// Their names in the order they reacted: the first [`MAX_REACTION_NAMES`].
    pub names: Vec<String>,
}

/// How far a member has read a room (their read marker), as "seen by" shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenMark {
    /// The member.
    pub name: String,
    /// The last sequence number they read; 0 takes them off (they stopped sharing receipts).
    pub seq: u64,
}

/// A pinned message of a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The message.
    pub quote: Quote,
    /// Who pinned it.
    pub by: String,
    /// When (server time, ms).
    pub time: i64,
}

/// Checks a reaction emoji: 1 to [`MAX_EMOJI_BYTES`] bytes, no white space or control
/// characters, not plain ASCII (a reaction is an emoji, not a word).
pub fn validate_emoji(emoji: &str) -> Result<(), Rejection> {
    if emoji.is_empty() || emoji.len() > MAX_EMOJI_BYTES {
        return Err(Rejection::new(
            ErrorCode::TooLarge,
            format!("a reaction must be 1 to {MAX_EMOJI_BYTES} bytes"),
        ));
    }
    if emoji.is_ascii() || emoji.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Rejection::new(
            ErrorCode::Malformed,
            "a reaction is one emoji, without spaces",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_is_one_line_and_cut_after_its_limit() {
        let quote = Quote::of(3, "bob", "first line\nsecond   line", false);
        assert_eq!(quote.text, "first line second line");
        let long = "é".repeat(MAX_QUOTE_CHARS + 5);
        let quote = Quote::of(3, "bob", &long, false);
        assert_eq!(quote.text.chars().count(), MAX_QUOTE_CHARS + 1);
        assert!(quote.text.ends_with('…'));
        let gone = Quote::of(3, "bob", "ignored", true);
        assert_eq!((gone.text.as_str(), gone.deleted), ("", true));
    }

    #[test]
    fn emoji_are_validated() {
        assert!(validate_emoji("👍").is_ok());
        assert!(validate_emoji("👨‍👩‍👧").is_ok());
        assert!(validate_emoji("").is_err());
        assert!(validate_emoji("+1").is_err());
        assert!(validate_emoji("👍 👍").is_err());
        assert!(validate_emoji(&"👍".repeat(9)).is_err());
    }
}
