//! The server's side of the name rules: the form a name is stored in, and the key that makes
//! look-alike names one name.
//!
//! A name arrives as the client typed it. The server stores and compares its NFC form (an NFD
//! `é` and an NFC `é` are one name; the welcome or `renamed` frame tells the client the form
//! kept), checks it with [`protocol::validate_name`], and derives its *key*: the Unicode TR39
//! confusable skeleton of the lower-cased name. Two names with one key look alike (`alice`,
//! `Alice`, Cyrillic `аlice`, fullwidth `ａlice`), so a key belongs to one identity (or one
//! public room) at a time; the database holds it under a unique index.

use unicode_normalization::UnicodeNormalization;

use chinwag_protocol::{self as protocol, DIRECT_ROOM_PREFIX, NameProblem};

/// A name that follows the rules, in the form the server keeps, with its look-alike key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The NFC form of the name.
    pub text: String,
    /// The TR39 skeleton of the lower-cased name (see [`key`]).
    pub key: String,
}

/// The look-alike key of a name: the TR39 confusable skeleton of its lower-case form. Case is
/// folded first so `Alice` and `alice` are one name (by Unicode's full lower-case mapping, which
/// differs from case folding only where no look-alike hangs on it, such as `ß` against `ss`);
/// the skeleton maps every confusable to its prototype (Cyrillic `а` to `a`, fullwidth `ａ` to
/// `a`, `＠` to `@`, `m` to `rn`). Folding case first has one cost: a capital `I`, which TR39
/// takes for an `l`, is compared as an `i`.
pub fn key(name: &str) -> String {
    unicode_security::skeleton(&name.to_lowercase()).collect()
}

/// A user name as sent by a client: normalised to NFC, then checked.
pub fn user_name(sent: &str) -> Result<Name, NameProblem> {
    let text: String = sent.nfc().collect();
    protocol::validate_name(&text)?;
    let key = key(&text);
    Ok(Name { text, key })
}

/// A public room name as sent by a client: a user name whose key does not start with the
/// direct-message prefix either (so neither `@x` nor a look-alike such as `＠x` passes for a
/// direct conversation).
pub fn room_name(sent: &str) -> Result<Name, NameProblem> {
    let name = user_name(sent)?;
    protocol::validate_room_name(&name.text)?;
    if name.key.starts_with(DIRECT_ROOM_PREFIX) {
        return Err(NameProblem::ReservedPrefix);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_key() {
        let latin = key("alice");
        for same in [
            "Alice",
            "ALICE",
            "\u{0430}lice",        // Cyrillic а
            "\u{FF41}lice",        // fullwidth ａ
            "\u{FF21}\u{FF2C}ICE", // fullwidth ＡＬ
            "\u{0251}lice",        // Latin alpha
        ] {
            assert_eq!(key(same), latin, "{same:?}");
        }
        assert_ne!(key("alicia"), latin);
        assert_eq!(key("rn"), key("m"), "TR39 maps rn to m");
    }

    #[test]
    fn names_are_kept_in_nfc() {
        let decomposed = user_name("Zoe\u{0308}").unwrap();
        assert_eq!(decomposed.text, "Zo\u{00EB}");
        assert_eq!(decomposed, user_name("Zo\u{00EB}").unwrap());
        assert_eq!(
            user_name("e\u{0301}").unwrap().key,
            user_name("\u{00C9}").unwrap().key
        );
    }

    #[test]
    fn nfc_does_not_rescue_a_broken_name() {
        assert_eq!(user_name("\u{0301}"), Err(NameProblem::LeadingMark));
        assert_eq!(user_name("a\u{200B}"), Err(NameProblem::ControlCharacter));
        // U+2126 OHM SIGN becomes U+03A9 under NFC: still one character.
        assert_eq!(user_name("\u{2126}").unwrap().text, "\u{03A9}");
    }

    #[test]
    fn a_room_may_not_look_like_a_direct_conversation() {
        assert_eq!(room_name("@27:28"), Err(NameProblem::ReservedPrefix));
        assert_eq!(room_name("\u{FF20}27:28"), Err(NameProblem::ReservedPrefix));
        assert_eq!(room_name("\u{FE6B}27:28"), Err(NameProblem::ReservedPrefix));
        assert_eq!(room_name("rust").unwrap().key, "rust");
        assert!(room_name("mail@home").is_ok());
    }
}
