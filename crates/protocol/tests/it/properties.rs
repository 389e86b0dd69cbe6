//! Property tests (proptest, run by `cargo test`): the frame decoder and the markup parser
//! hold for generated input, not only for the cases written down elsewhere. Case
//! counts are kept modest so the suite stays quick; `fuzz/` has a coverage-guided fuzzer of the
//! decoder for longer runs on nightly.

use chinwag_protocol::markup::{self, Block};
use chinwag_protocol::{self as protocol, ClientFrame, RoomCursor};
use chinwag_testkit::strategies::text;
use proptest::prelude::*;

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
        (s(), s(), s()).prop_map(|(id, room, text)| ClientFrame::Send {
            attachment: None,
            id,
            room,
            text,
            reply_to: None
        }),
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
}
