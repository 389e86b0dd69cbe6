//! Property tests (proptest, run by `cargo test`): the frame decoder, the markup parser and the
//! name rules hold for generated input, not only for the cases written down elsewhere. Case
//! counts are kept modest so the suite stays quick; `fuzz/` has a coverage-guided fuzzer of the
//! decoder for longer runs on nightly.

use chinwag::protocol::markup::{self, Block};
use chinwag::protocol::{self, ClientFrame, RoomCursor};
use chinwag::server::names;
use chinwag::server::store::Store;
use proptest::prelude::*;

/// Any string, with the characters frames and markup care about over-represented.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-{}\\[\\]\":,0-9a-z_*`@()/. \n\\\\]{0,80}",
        "(\\*\\*|\\*|_|`|```|\\[|\\]|\\(|\\)|@al|https://x\\.y/|\n| |a|é|😀){0,40}",
    ]
}

/// JSON-ish text: a valid frame's object with a field changed, dropped or mistyped, or cut short.
fn json_ish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    let value = value.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,9}", inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    });
    let cut = any::<Option<prop::sample::Index>>();
    (client_frame(), "[a-z_]{1,9}", value, cut).prop_map(|(frame, field, value, cut)| {
        let mut object = serde_json::to_value(frame).unwrap();
        object.as_object_mut().unwrap().insert(field, value);
        let json = object.to_string();
        let Some(cut) = cut else {
            return json;
        };
        let mut end = cut.index(json.len());
        while !json.is_char_boundary(end) {
            end -= 1;
        }
        json[..end].to_owned()
    })
}

fn client_frame() -> impl Strategy<Value = ClientFrame> {
    let s = text;
    prop_oneof![
        (
            any::<u32>(),
            s(),
            s(),
            prop::collection::vec((s(), any::<u64>()), 0..3)
        )
            .prop_map(|(version, name, token, since)| ClientFrame::Hello {
                version,
                name,
                token,
                since: since
                    .into_iter()
                    .map(|(room, last_seq)| RoomCursor { room, last_seq })
                    .collect(),
            }),
        (s(), any::<bool>(), any::<Option<u64>>()).prop_map(|(room, create, last_seq)| {
            ClientFrame::Join {
                room,
                create,
                last_seq,
            }
        }),
        s().prop_map(|room| ClientFrame::Leave { room }),
        s().prop_map(|peer| ClientFrame::OpenDm { peer }),
        (s(), s(), s()).prop_map(|(id, room, text)| ClientFrame::Send { id, room, text }),
        (s(), any::<u64>(), s()).prop_map(|(room, seq, text)| ClientFrame::Edit {
            room,
            seq,
            text
        }),
        (s(), any::<u64>()).prop_map(|(room, seq)| ClientFrame::Delete { room, seq }),
        s().prop_map(|room| ClientFrame::Typing { room }),
        (s(), any::<u64>()).prop_map(|(room, seq)| ClientFrame::Read { room, seq }),
        (s(), s()).prop_map(|(room, topic)| ClientFrame::SetTopic { room, topic }),
        (s(), s()).prop_map(|(room, query)| ClientFrame::Search { room, query }),
        Just(ClientFrame::ListRooms),
        s().prop_map(|name| ClientFrame::Rename { name }),
        Just(ClientFrame::Ping),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_decoder_never_panics_on_any_text(input in text()) {
        let _ = protocol::parse_client_frame(&input);
    }

    #[test]
    fn the_decoder_never_panics_on_json_ish_text(input in json_ish()) {
        let _ = protocol::parse_client_frame(&input);
        let _ = serde_json::from_str::<protocol::ServerFrame>(&input);
    }

    #[test]
    fn every_client_frame_survives_the_wire(frame in client_frame()) {
        let json = serde_json::to_string(&frame).unwrap();
        prop_assert_eq!(protocol::parse_client_frame(&json).ok(), Some(frame));
    }

    #[test]
    fn markup_shows_only_input_characters_in_order(input in text(), names in prop::collection::vec("[a-z]{1,4}( [a-z]{1,3})?", 0..3)) {
        let blocks = markup::parse(&input, &names);
        let mut rest = input.chars();
        for block in &blocks {
            let shown: Vec<&str> = match block {
                Block::Paragraph(spans) => {
                    for span in spans {
                        prop_assert!(!span.text.is_empty());
                        if let Some(url) = &span.link {
                            prop_assert!(url.starts_with("http://") || url.starts_with("https://"));
                        }
                        if let Some(name) = &span.mention {
                            prop_assert!(names.contains(name));
                            prop_assert_eq!(&span.text, &format!("@{name}"));
                        }
                    }
                    spans.iter().map(|span| span.text.as_str()).collect()
                }
                Block::Code(code) => vec![code.as_str()],
            };
            for c in shown.iter().flat_map(|text| text.chars()) {
                // Every shown character is the next matching one of the input (markup removed,
                // nothing invented, nothing reordered); line breaks may come from `\r\n`.
                prop_assert!(rest.any(|i| i == c), "{c:?} is not in order in {input:?}");
            }
        }
    }

    #[test]
    fn text_without_markup_is_shown_whole(input in "[a-zA-Z0-9 ,.!?éü😀]{0,200}") {
        let shown: String = markup::parse(&input, &[])
            .iter()
            .flat_map(|block| match block {
                Block::Paragraph(spans) => spans.iter().map(|span| span.text.clone()).collect(),
                Block::Code(code) => vec![code.clone()],
            })
            .collect();
        let expected = if input.trim().is_empty() { "" } else { input.as_str() };
        prop_assert_eq!(shown, expected);
    }

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
        let store = Store::open(&dir.path().join("chat.sqlite3")).unwrap();
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
