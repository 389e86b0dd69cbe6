//! Property tests of the name rules (proptest, run by `cargo test`): a kept name is a fixed
//! point, look-alikes share a key, and the store refuses a second identity with a look-alike.

use chinwag_protocol as protocol;
use chinwag_server::names;
use chinwag_server::store::Store;
use chinwag_testkit::strategies::text;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_kept_name_is_a_fixed_point(input in text()) {
        if let Ok(name) = names::user_name(&input) {
            prop_assert_eq!(protocol::validate_name(&name.text), Ok(()));
            prop_assert_eq!(names::user_name(&name.text), Ok(name.clone()));
            prop_assert_eq!(names::key(&name.text), name.key);
        }
    }

    #[test]
    fn look_alikes_of_a_name_share_its_key((name, look_alike) in name_and_look_alike()) {
        let (Ok(original), Ok(disguised)) = (names::user_name(&name), names::user_name(&look_alike)) else {
            // Two spaces in a row: refused either way.
            prop_assert!(name.contains("  "));
            return Ok(());
        };
        prop_assert_eq!(original.key, disguised.key, "{} / {}", name, look_alike);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn the_store_refuses_a_second_identity_with_a_look_alike_name((name, look_alike) in name_and_look_alike()) {
        let (Ok(original), Ok(disguised)) = (names::user_name(&name), names::user_name(&look_alike)) else {
            return Ok(());
        };
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("chat.sqlite3")).unwrap();
        let owner = store.create_user(&original, "hash-of-the-owner").unwrap();
        prop_assert_eq!(store.user_named(&disguised).unwrap().map(|user| user.id), Some(owner.id));
        prop_assert!(store.create_user(&disguised, "hash-of-a-stranger").is_err());
    }
}

/// A name of Latin letters and single spaces, and a look-alike of it: each letter kept,
/// capitalised, swapped for its Cyrillic twin where it has one, or for its fullwidth form.
fn name_and_look_alike() -> impl Strategy<Value = (String, String)> {
    (
        "[a-z][a-z ]{0,10}[a-z]",
        prop::collection::vec(0..4usize, 12),
    )
        .prop_map(|(name, how)| {
            let look_alike = name
                .chars()
                .zip(how)
                .map(|(c, how)| match how {
                    1 => c.to_ascii_uppercase(),
                    2 => cyrillic_twin(c).unwrap_or(c),
                    3 if c != ' ' => char::from_u32(c as u32 - 'a' as u32 + 0xFF41).unwrap(),
                    _ => c,
                })
                .collect();
            (name, look_alike)
        })
}

/// The Cyrillic letter that looks like Latin `c`, if there is one.
fn cyrillic_twin(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'c' => 'с',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        _ => return None,
    })
}
