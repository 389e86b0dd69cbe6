//! `@name` autocomplete for the composer, as pure text logic: find the `@` word at the cursor,
//! list matching user names, and splice the chosen one in. Positions are character indices
//! (as egui's text cursor uses), never byte offsets.

/// An `@` word being typed: where its `@` is and what follows it up to the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MentionQuery {
    /// The character index of the `@`.
    pub start_char: usize,
    /// The text between the `@` and the cursor.
    pub prefix: String,
}

/// Most names [`candidates`] returns.
const MAX_CANDIDATES: usize = 5;

/// The `@` word the cursor is in or at the end of, if its `@` starts the text or follows
/// whitespace. A cursor past the end counts as at the end.
pub fn mention_at_cursor(text: &str, cursor_char_index: usize) -> Option<MentionQuery> {
    let before: Vec<char> = text.chars().take(cursor_char_index).collect();
    let start_char = before
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |space| space + 1);
    let (&at, prefix) = before.get(start_char..)?.split_first()?;
    (at == '@').then(|| MentionQuery {
        start_char,
        prefix: prefix.iter().collect(),
    })
}

/// Up to five of `names` starting with `prefix` (ignoring case), without `me`, sorted.
pub fn candidates<'a>(prefix: &str, names: &'a [String], me: &str) -> Vec<&'a str> {
    let prefix = prefix.to_lowercase();
    let mut found: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|&name| name != me && name.to_lowercase().starts_with(&prefix))
        .collect();
    found.sort_by_cached_key(|name| (name.to_lowercase(), *name));
    found.dedup();
    found.truncate(MAX_CANDIDATES);
    found
}

/// Replaces the `@` word of `query` (up to the next whitespace after the cursor) with
/// `@name ` and returns the new text and the character index just after the space.
pub fn complete(
    text: &str,
    query: &MentionQuery,
    cursor_char_index: usize,
    name: &str,
) -> (String, usize) {
    let chars: Vec<char> = text.chars().collect();
    let start = query.start_char.min(chars.len());
    let cursor = cursor_char_index.clamp(start, chars.len());
    let end = chars[cursor..]
        .iter()
        .position(|c| c.is_whitespace())
        .map_or(chars.len(), |offset| cursor + offset);
    let after = &chars[end..];
    let mut new_text: String = chars[..start].iter().collect();
    new_text.push('@');
    new_text.push_str(name);
    // Reuse whitespace that already follows the word rather than doubling it.
    if after.first().is_none_or(|c| !c.is_whitespace()) {
        new_text.push(' ');
    }
    new_text.extend(after);
    (new_text, start + name.chars().count() + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(start_char: usize, prefix: &str) -> Option<MentionQuery> {
        Some(MentionQuery {
            start_char,
            prefix: prefix.to_owned(),
        })
    }

    fn names() -> Vec<String> {
        [
            "bob", "Alice", "alfred", "Al Green", "me", "amy", "Anna", "art", "ada",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn finds_the_at_word_at_or_in_the_cursor() {
        assert_eq!(mention_at_cursor("@", 1), query(0, ""));
        assert_eq!(mention_at_cursor("hi @al", 6), query(3, "al"));
        assert_eq!(mention_at_cursor("hi @alice there", 6), query(3, "al"));
        assert_eq!(mention_at_cursor("a\n@b", 4), query(2, "b"));
        assert_eq!(mention_at_cursor("héllo @ö", 8), query(6, "ö"));
        assert_eq!(mention_at_cursor("hi @al", 99), query(3, "al"));
    }

    #[test]
    fn no_query_without_a_leading_at() {
        assert_eq!(mention_at_cursor("", 0), None);
        assert_eq!(mention_at_cursor("mail bob@x", 10), None);
        assert_eq!(mention_at_cursor("hi @al ", 7), None);
        assert_eq!(mention_at_cursor("hi @al", 3), None);
        assert_eq!(mention_at_cursor("hi", 2), None);
    }

    #[test]
    fn candidates_match_prefix_ignoring_case_sorted_and_capped() {
        let names = names();
        assert_eq!(
            candidates("AL", &names, "me"),
            ["Al Green", "alfred", "Alice"]
        );
        assert_eq!(
            candidates("a", &names, "me"),
            ["ada", "Al Green", "alfred", "Alice", "amy"]
        );
        assert_eq!(candidates("m", &names, "me"), Vec::<&str>::new());
        assert_eq!(candidates("zz", &names, "me"), Vec::<&str>::new());
    }

    #[test]
    fn candidates_drop_duplicates() {
        let names = ["bob", "bob"].map(String::from);
        assert_eq!(candidates("", &names, "me"), ["bob"]);
    }

    #[test]
    fn complete_at_the_end() {
        let text = "hi @al";
        let query = mention_at_cursor(text, 6).expect("a query");
        assert_eq!(
            complete(text, &query, 6, "Al Green"),
            ("hi @Al Green ".to_owned(), 13)
        );
    }

    #[test]
    fn complete_in_the_middle_replaces_the_whole_word() {
        let text = "hi @alxx there";
        let query = mention_at_cursor(text, 6).expect("a query");
        assert_eq!(
            complete(text, &query, 6, "alfred"),
            ("hi @alfred there".to_owned(), 11)
        );
    }

    #[test]
    fn complete_counts_characters_not_bytes() {
        let text = "é @z";
        let query = mention_at_cursor(text, 4).expect("a query");
        let (new_text, cursor) = complete(text, &query, 4, "zoë");
        assert_eq!(new_text, "é @zoë ");
        assert_eq!(cursor, new_text.chars().count());
    }

    #[test]
    fn complete_clamps_stale_positions() {
        let query = MentionQuery {
            start_char: 50,
            prefix: String::new(),
        };
        assert_eq!(complete("ab", &query, 99, "bob"), ("ab@bob ".to_owned(), 7));
    }
}
