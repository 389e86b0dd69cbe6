//! The name rules over real sockets: hidden and blank names refused, look-alike names taken,
//! look-alike rooms and rooms posing as direct conversations refused, and a name given up by a
//! rename kept for its owner, whose old messages stay its own.

use chinwag_protocol::{ClientFrame, ErrorCode, ServerFrame};
use chinwag_server::ServeOptions;
use chinwag_testkit::{
    RawClient, StoreKind, TestServer, error_code, hello_with, room_of, token_of,
};

/// Says hello as `name` with `token` on a fresh socket; returns the error code, if refused.
fn hello_refusal(url: &str, name: &str, token: &str) -> Option<ErrorCode> {
    error_code(&RawClient::hello_as(url, name, token).1)
}

/// Asks to join (creating) `room`; returns the answer: the room's name or the error code.
fn create(client: &mut RawClient, room: &str) -> Result<String, ErrorCode> {
    client.send(&ClientFrame::Join {
        room: room.into(),
        create: true,
        last_seq: None,
    });
    match client
        .recv_until(|frame| matches!(frame, ServerFrame::Room(_) | ServerFrame::Error { .. }))
    {
        ServerFrame::Room(state) => Ok(state.room),
        refusal => Err(error_code(&refusal).unwrap()),
    }
}

fn welcome_name(frame: &ServerFrame) -> &str {
    match frame {
        ServerFrame::Welcome { name, .. } => name,
        other => panic!("expected a welcome, got {other:?}"),
    }
}

/// Hidden characters: Arabic letter mark, line separator, Mongolian vowel separator, the tag
/// characters LANGUAGE TAG and TAG LATIN CAPITAL A.
const HIDDEN: [char; 5] = ['\u{061C}', '\u{2028}', '\u{180E}', '\u{E0001}', '\u{E0041}'];

/// Names that draw nothing: Hangul filler, Hangul choseong filler, blank Braille pattern, a lone
/// combining acute accent.
const BLANK: [&str; 4] = ["\u{3164}", "\u{115F}", "\u{2800}", "\u{0301}"];

fn format_separator_and_tag_characters_are_refused_in_names_and_rooms(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let mut refused = RawClient::connect(&server.url());
    for c in HIDDEN {
        let name = format!("mal{c}lory");
        refused.send(&hello_with(&name, &token_of("mallory")));
        assert_eq!(
            refused.recv_error(),
            ErrorCode::InvalidName,
            "U+{:04X} in a name",
            c as u32
        );
        assert_eq!(
            create(&mut alice, &format!("ro{c}om")),
            Err(ErrorCode::InvalidRoom),
            "U+{:04X} in a room name",
            c as u32
        );
    }
    // The socket stayed open through every refusal: the plain name is welcomed.
    refused.send(&hello_with("mallory", &token_of("mallory")));
    assert_eq!(welcome_name(&refused.recv()), "mallory");
}

fn names_that_render_as_nothing_are_refused(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    for name in BLANK {
        assert_eq!(
            hello_refusal(&server.url(), name, &token_of("blank")),
            Some(ErrorCode::InvalidName),
            "{name:?}"
        );
        assert_eq!(
            create(&mut alice, name),
            Err(ErrorCode::InvalidRoom),
            "{name:?}"
        );
        alice.send(&ClientFrame::Rename { name: name.into() });
        assert_eq!(alice.recv_error(), ErrorCode::InvalidName, "{name:?}");
    }
}

fn look_alike_names_are_taken(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let url = server.url();
    let (mut alice, _) = RawClient::join(&url, "alice", "lobby");
    let (_jose, _) = RawClient::join(&url, "jos\u{00E9}", "lobby");
    for look_alike in [
        "\u{0430}lice", // Cyrillic а
        "\u{FF41}lice", // fullwidth ａ
        "AL\u{0399}CE", // Greek capital iota
        "jose\u{0301}", // NFD é beside NFC é
        "JOS\u{00C9}",
    ] {
        assert_eq!(
            hello_refusal(&url, look_alike, "a-strangers-token-0123456789"),
            Some(ErrorCode::NameTaken),
            "{look_alike:?}"
        );
    }
    // A rename to a look-alike of someone else's name is refused too.
    let (mut bob, _) = RawClient::join(&url, "bob", "lobby");
    bob.send(&ClientFrame::Rename {
        name: "\u{0430}lice".into(),
    });
    assert_eq!(bob.recv_error(), ErrorCode::NameTaken);
    // The owner's own token with the NFD form is welcomed under the NFC form kept.
    let (_again, welcome) = RawClient::hello_as(&url, "jose\u{0301}", &token_of("jos\u{00E9}"));
    assert_eq!(welcome_name(&welcome), "jos\u{00E9}");
    // Nobody heard of a rename.
    assert!(
        !alice
            .sync("lobby")
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Renamed { .. }))
    );
}

fn rooms_that_look_like_another_room_or_a_direct_conversation_are_refused(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (_alice, _) = RawClient::join(&server.url(), "alice", "rust");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for room in [
        "\u{FF20}27:28", // fullwidth commercial at
        "\u{FE6B}27:28", // small commercial at
        "Rust",
        "r\u{00FC}st", // not alike: an accent makes another name
    ] {
        let answer = create(&mut bob, room);
        if room.contains('\u{00FC}') {
            assert_eq!(answer, Ok(room.to_owned()), "{room:?} is another room");
        } else {
            assert_eq!(answer, Err(ErrorCode::InvalidRoom), "{room:?}");
        }
    }
    bob.send(&ClientFrame::ListRooms);
    let ServerFrame::RoomList { rooms } =
        bob.recv_until(|frame| matches!(frame, ServerFrame::RoomList { .. }))
    else {
        unreachable!()
    };
    let mut names: Vec<String> = rooms.into_iter().map(|room| room.room).collect();
    names.sort();
    assert_eq!(names, ["lobby", "rust", "r\u{00FC}st"]);
    // The existing room is still joined by its own name.
    assert_eq!(create(&mut bob, "rust"), Ok("rust".to_owned()));
}

fn a_renamed_away_name_is_kept_for_its_owner_and_its_messages_stay_the_owners(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let url = server.url();
    let (mut alice, _) = RawClient::join(&url, "alice", "lobby");
    alice.post("a1", "lobby", "written by the first alice");
    alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    alice.send(&ClientFrame::Rename {
        name: "alicia".into(),
    });
    alice.recv_until(|frame| matches!(frame, ServerFrame::Renamed { .. }));

    // A stranger can take neither the name nor a look-alike of it, even with its owner offline.
    drop(alice);
    for name in ["alice", "Alice", "\u{0430}lice"] {
        assert_eq!(
            hello_refusal(&url, name, "a-strangers-token-0123456789"),
            Some(ErrorCode::NameTaken),
            "{name:?}"
        );
    }

    // The old message is served as the identity's, under its current name.
    let (_stranger, welcome) = RawClient::hello_as(&url, "mallory", &token_of("mallory"));
    let lobby = room_of(welcome, "lobby");
    let old = lobby
        .history
        .iter()
        .find(|message| message.text == "written by the first alice")
        .expect("the old message is in the history");
    assert_eq!(old.from, "alicia");

    // The owner may take the name back.
    let (_alice, welcome) = RawClient::hello_as(&url, "alice", &token_of("alice"));
    assert_eq!(welcome_name(&welcome), "alice");
}

chinwag_testkit::on_both_stores!(
    format_separator_and_tag_characters_are_refused_in_names_and_rooms,
    names_that_render_as_nothing_are_refused,
    look_alike_names_are_taken,
    rooms_that_look_like_another_room_or_a_direct_conversation_are_refused,
    a_renamed_away_name_is_kept_for_its_owner_and_its_messages_stay_the_owners,
);
