//! Whether a message mentions someone: `@name`, not followed by more of a name.

/// Whether `text` mentions `@name` (and not merely a longer name that starts with it).
pub fn mentions(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let needle = format!("@{name}");
    text.match_indices(&needle).any(|(at, _)| {
        let before_ok = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[at + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn a_mention_is_the_whole_name_after_an_at_sign() {
        assert!(mentions("hi @alice", "alice"));
        assert!(mentions("@alice, look", "alice"));
        assert!(mentions("ping @Zoë ✨!", "Zoë ✨"));
        assert!(!mentions("hi @alicia", "alice"));
        assert!(!mentions("hi alice", "alice"));
        assert!(!mentions("mail bob@alice", "alice"));
        assert!(!mentions("anything", ""));
    }
}
