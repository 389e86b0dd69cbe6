//! Golden JSON for every frame, and the validation rules.

use super::*;
use serde::Serialize;
use serde_json::json;

/// Each frame must serialise to exactly the documented JSON and parse back to itself.
fn assert_golden<T>(frame: T, golden: serde_json::Value)
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(serde_json::to_value(&frame).unwrap(), golden);
    let parsed: T = serde_json::from_value(golden).unwrap();
    assert_eq!(parsed, frame);
}

fn sample_message() -> ChatMessage {
    ChatMessage {
        attachment: None,
        room: "lobby".into(),
        seq: 7,
        id: "c1".into(),
        from: "alice".into(),
        time: 1_700_000_000_000,
        text: "hi".into(),
        edited: None,
        deleted: false,
        reply_to: None,
        reactions: Vec::new(),
    }
}

fn sample_message_json() -> serde_json::Value {
    json!({"room": "lobby", "seq": 7, "id": "c1", "from": "alice", "time": 1_700_000_000_000_i64, "text": "hi"})
}

#[test]
fn client_frames_for_identity_and_rooms_match_golden_json() {
    assert_golden(
        ClientFrame::Hello {
            version: 2,
            name: "alice".into(),
            token: "s3cret-s3cret-s3cret".into(),
            since: vec![],
        },
        json!({"type": "hello", "version": 2, "name": "alice", "token": "s3cret-s3cret-s3cret"}),
    );
    assert_golden(
        ClientFrame::Hello {
            version: 2,
            name: "alice".into(),
            token: "t".into(),
            since: vec![RoomCursor {
                room: "lobby".into(),
                last_seq: 41,
            }],
        },
        json!({"type": "hello", "version": 2, "name": "alice", "token": "t",
               "since": [{"room": "lobby", "last_seq": 41}]}),
    );
    assert_golden(
        ClientFrame::Join {
            room: "rust".into(),
            create: true,
            last_seq: None,
        },
        json!({"type": "join", "room": "rust", "create": true}),
    );
    assert_golden(
        ClientFrame::Join {
            room: "rust".into(),
            create: false,
            last_seq: Some(3),
        },
        json!({"type": "join", "room": "rust", "last_seq": 3}),
    );
    assert_golden(
        ClientFrame::Leave {
            room: "rust".into(),
        },
        json!({"type": "leave", "room": "rust"}),
    );
    assert_golden(
        ClientFrame::OpenDm { peer: "bob".into() },
        json!({"type": "open_dm", "peer": "bob"}),
    );
    assert_golden(ClientFrame::Ping, json!({"type": "ping"}));
}

#[test]
fn client_frames_for_messages_and_requests_match_golden_json() {
    assert_golden(
        ClientFrame::Send {
            attachment: None,
            id: "c1".into(),
            room: "lobby".into(),
            text: "hi".into(),
            reply_to: None,
        },
        json!({"type": "send", "id": "c1", "room": "lobby", "text": "hi"}),
    );
    assert_golden(
        ClientFrame::Edit {
            room: "lobby".into(),
            seq: 7,
            text: "hey".into(),
        },
        json!({"type": "edit", "room": "lobby", "seq": 7, "text": "hey"}),
    );
    assert_golden(
        ClientFrame::Delete {
            room: "lobby".into(),
            seq: 7,
        },
        json!({"type": "delete", "room": "lobby", "seq": 7}),
    );
    assert_golden(
        ClientFrame::Typing {
            room: "lobby".into(),
        },
        json!({"type": "typing", "room": "lobby"}),
    );
    assert_golden(
        ClientFrame::Read {
            room: "lobby".into(),
            seq: 9,
        },
        json!({"type": "read", "room": "lobby", "seq": 9}),
    );
    assert_golden(
        ClientFrame::SetTopic {
            room: "lobby".into(),
            topic: "general chat".into(),
        },
        json!({"type": "set_topic", "room": "lobby", "topic": "general chat"}),
    );
    assert_golden(
        ClientFrame::Search {
            room: "lobby".into(),
            query: "lunch".into(),
        },
        json!({"type": "search", "room": "lobby", "query": "lunch"}),
    );
    assert_golden(ClientFrame::ListRooms, json!({"type": "list_rooms"}));
    assert_golden(
        ClientFrame::Members {
            room: "lobby".into(),
            after: Some("bob".into()),
        },
        json!({"type": "members", "room": "lobby", "after": "bob"}),
    );
    assert_golden(
        ClientFrame::Members {
            room: "lobby".into(),
            after: None,
        },
        json!({"type": "members", "room": "lobby"}),
    );
    assert_golden(
        ClientFrame::Rename { name: "al".into() },
        json!({"type": "rename", "name": "al"}),
    );
}

fn sample_room() -> RoomState {
    RoomState {
        room: "@1:2".into(),
        kind: RoomKind::Direct,
        topic: String::new(),
        peer: Some("bob".into()),
        users: vec!["alice".into(), "bob".into()],
        online: 2,
        history: vec![sample_message()],
        skipped: 3,
        last_read: 5,
        unread: 2,
        mentions: 1,
        seen: Vec::new(),
    }
}

fn sample_room_json() -> serde_json::Value {
    json!({"room": "@1:2", "kind": "direct", "topic": "", "peer": "bob",
           "users": ["alice", "bob"], "online": 2, "history": [sample_message_json()], "skipped": 3,
           "last_read": 5, "unread": 2, "mentions": 1})
}

#[test]
fn server_frames_for_welcome_and_rooms_match_golden_json() {
    assert_golden(
        ServerFrame::Welcome {
            version: 2,
            name: "alice".into(),
            rooms: vec![sample_room()],
            more_rooms: 0,
            epoch: None,
        },
        json!({"type": "welcome", "version": 2, "name": "alice", "rooms": [sample_room_json()]}),
    );
    assert_golden(
        ServerFrame::Welcome {
            version: 2,
            name: "alice".into(),
            rooms: vec![sample_room()],
            more_rooms: 4999,
            epoch: Some("7c9e6679-7425-40de-944b-e07fc1f90ae7".into()),
        },
        json!({"type": "welcome", "version": 2, "name": "alice", "rooms": [sample_room_json()],
               "more_rooms": 4999, "epoch": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}),
    );
    let mut room = sample_room_json();
    room["type"] = json!("room");
    assert_golden(ServerFrame::Room(sample_room()), room);
    assert_golden(
        ServerFrame::History {
            room: "lobby".into(),
            messages: vec![sample_message()],
        },
        json!({"type": "history", "room": "lobby", "messages": [sample_message_json()]}),
    );
    assert_golden(
        ServerFrame::Parted {
            room: "rust".into(),
        },
        json!({"type": "parted", "room": "rust"}),
    );
}

#[test]
fn server_frames_for_messages_and_errors_match_golden_json() {
    assert_golden(ServerFrame::Pong, json!({"type": "pong"}));
    assert_golden(
        ServerFrame::from(Rejection::new(ErrorCode::TooLarge, "too big").about_message("c9")),
        json!({"type": "error", "code": "too_large", "message": "too big", "id": "c9"}),
    );
    assert_golden(
        ServerFrame::from(
            Rejection::rate_limited("slow down", std::time::Duration::from_micros(1_200_001))
                .about_message("c10"),
        ),
        json!({"type": "error", "code": "rate_limited", "message": "slow down", "id": "c10",
               "retry_after": 1201}),
    );
    let mut message = sample_message_json();
    message["type"] = json!("message");
    assert_golden(ServerFrame::Message(sample_message()), message);
    let mut edited = sample_message();
    edited.edited = Some(9);
    let mut edited_json = sample_message_json();
    edited_json["edited"] = json!(9);
    assert_golden(edited, edited_json);
    let deleted = ChatMessage {
        text: String::new(),
        deleted: true,
        ..sample_message()
    };
    let mut deleted_json = sample_message_json();
    deleted_json["text"] = json!("");
    deleted_json["deleted"] = json!(true);
    assert_golden(deleted, deleted_json);
    assert_golden(
        ServerFrame::Ack {
            id: "c1".into(),
            room: "lobby".into(),
            seq: 7,
            time: 5,
        },
        json!({"type": "ack", "id": "c1", "room": "lobby", "seq": 7, "time": 5}),
    );
    assert_golden(
        ServerFrame::Edited {
            room: "lobby".into(),
            seq: 7,
            text: "hey".into(),
            edited: 8,
        },
        json!({"type": "edited", "room": "lobby", "seq": 7, "text": "hey", "edited": 8}),
    );
    assert_golden(
        ServerFrame::Deleted {
            room: "lobby".into(),
            seq: 7,
        },
        json!({"type": "deleted", "room": "lobby", "seq": 7}),
    );
}

#[test]
fn server_frames_for_presence_and_answers_match_golden_json() {
    assert_golden(
        ServerFrame::Presence {
            room: "lobby".into(),
            joined: vec!["bob".into()],
            left: vec!["eve".into()],
            online: 7,
        },
        json!({"type": "presence", "room": "lobby", "joined": ["bob"], "left": ["eve"],
               "online": 7}),
    );
    assert_golden(
        ServerFrame::Presence {
            room: "lobby".into(),
            joined: vec![],
            left: vec![],
            online: 5000,
        },
        json!({"type": "presence", "room": "lobby", "online": 5000}),
    );
    assert_golden(
        ServerFrame::Members {
            room: "lobby".into(),
            after: Some("bob".into()),
            users: vec!["carol".into()],
            more: true,
            online: 5000,
        },
        json!({"type": "members", "room": "lobby", "after": "bob", "users": ["carol"],
               "more": true, "online": 5000}),
    );
    assert_golden(
        ServerFrame::Typing {
            room: "lobby".into(),
            name: "bob".into(),
        },
        json!({"type": "typing", "room": "lobby", "name": "bob"}),
    );
    assert_golden(
        ServerFrame::Topic {
            room: "lobby".into(),
            topic: "hi".into(),
            by: "bob".into(),
        },
        json!({"type": "topic", "room": "lobby", "topic": "hi", "by": "bob"}),
    );
    assert_golden(
        ServerFrame::Renamed {
            room: "lobby".into(),
            from: "bob".into(),
            to: "rob".into(),
        },
        json!({"type": "renamed", "room": "lobby", "from": "bob", "to": "rob"}),
    );
    assert_golden(
        ServerFrame::RoomList {
            rooms: vec![RoomListing {
                room: "rust".into(),
                topic: "crabs".into(),
                members: 3,
            }],
        },
        json!({"type": "room_list", "rooms": [{"room": "rust", "topic": "crabs", "members": 3}]}),
    );
    assert_golden(
        ServerFrame::SearchResults {
            room: "lobby".into(),
            query: "hi".into(),
            messages: vec![sample_message()],
        },
        json!({"type": "search_results", "room": "lobby", "query": "hi",
               "messages": [sample_message_json()]}),
    );
    assert_golden(
        ServerFrame::error(ErrorCode::NameTaken, "taken"),
        json!({"type": "error", "code": "name_taken", "message": "taken"}),
    );
    assert_golden(
        HistoryPage {
            room: "lobby".into(),
            messages: vec![sample_message()],
            more: true,
        },
        json!({"room": "lobby", "messages": [sample_message_json()], "more": true}),
    );
}

/// The body of an HTTP error answer is a [`Rejection`]: `{code, message, retry_after?}`, byte
/// for byte as it was when it had a type of its own (no `id`: HTTP refusals are about no message).
#[test]
fn http_error_bodies_match_golden_json() {
    let unknown = Rejection::new(ErrorCode::UnknownRoom, "there is no room called x");
    assert_eq!(
        serde_json::to_string(&unknown).unwrap(),
        r#"{"code":"unknown_room","message":"there is no room called x"}"#
    );
    assert_golden(
        unknown,
        json!({"code": "unknown_room", "message": "there is no room called x"}),
    );
    let limited =
        Rejection::rate_limited("too many requests", std::time::Duration::from_millis(1500));
    assert_eq!(
        serde_json::to_string(&limited).unwrap(),
        r#"{"code":"rate_limited","message":"too many requests","retry_after":1500}"#
    );
    assert_golden(
        limited,
        json!({"code": "rate_limited", "message": "too many requests", "retry_after": 1500}),
    );
}

#[test]
fn every_error_code_has_a_snake_case_name() {
    let codes = [
        (ErrorCode::NameTaken, "name_taken"),
        (ErrorCode::InvalidName, "invalid_name"),
        (ErrorCode::InvalidRoom, "invalid_room"),
        (ErrorCode::UnknownRoom, "unknown_room"),
        (ErrorCode::UnknownUser, "unknown_user"),
        (ErrorCode::Forbidden, "forbidden"),
        (ErrorCode::UnknownMessage, "unknown_message"),
        (ErrorCode::NotYours, "not_yours"),
        (ErrorCode::MessageDeleted, "message_deleted"),
        (ErrorCode::InvalidToken, "invalid_token"),
        (ErrorCode::UnsupportedVersion, "unsupported_version"),
        (ErrorCode::Malformed, "malformed"),
        (ErrorCode::UnknownType, "unknown_type"),
        (ErrorCode::TooLarge, "too_large"),
        (ErrorCode::EmptyMessage, "empty_message"),
        (ErrorCode::NotJoined, "not_joined"),
        (ErrorCode::AlreadyJoined, "already_joined"),
        (ErrorCode::UnsupportedData, "unsupported_data"),
        (ErrorCode::Replaced, "replaced"),
        (ErrorCode::TooSlow, "too_slow"),
        (ErrorCode::HelloTimeout, "hello_timeout"),
        (ErrorCode::Internal, "internal"),
        (ErrorCode::RateLimited, "rate_limited"),
    ];
    for (code, name) in codes {
        assert_golden(code, json!(name));
    }
}

#[test]
fn names_are_validated() {
    assert_eq!(validate_name("alice"), Ok(()));
    assert_eq!(validate_name("Zoë ✨"), Ok(()));
    assert_eq!(validate_name(""), Err(NameProblem::Empty));
    assert_eq!(validate_name(" alice"), Err(NameProblem::SurroundingSpace));
    assert_eq!(validate_name("alice "), Err(NameProblem::SurroundingSpace));
    assert_eq!(validate_name("a\nb"), Err(NameProblem::ControlCharacter));
    assert_eq!(
        validate_name("alice\u{200B}"),
        Err(NameProblem::ControlCharacter)
    );
    assert_eq!(
        validate_name("ali\u{202E}ce"),
        Err(NameProblem::ControlCharacter)
    );
    assert_eq!(validate_name(&"x".repeat(32)), Ok(()));
    assert_eq!(validate_name(&"x".repeat(33)), Err(NameProblem::TooLong));
    assert_eq!(validate_name(&"é".repeat(32)), Ok(()));
    assert_eq!(validate_room_name("rust"), Ok(()));
    assert_eq!(validate_room_name("@1:2"), Err(NameProblem::ReservedPrefix));
    assert_eq!(
        validate_room_name(&"r".repeat(33)),
        Err(NameProblem::TooLong)
    );
}

#[test]
fn messages_are_validated() {
    assert!(validate_message("c1", "hello").is_ok());
    let too_long = "x".repeat(MAX_TEXT_BYTES + 1);
    assert!(matches!(
        validate_message("c1", &too_long),
        Err(Rejection {
            code: ErrorCode::TooLarge,
            ..
        })
    ));
    assert!(matches!(
        validate_message("c1", " \n "),
        Err(Rejection {
            code: ErrorCode::EmptyMessage,
            ..
        })
    ));
    assert!(validate_message("", "hi").is_err());
    assert!(validate_message(&"i".repeat(65), "hi").is_err());
    assert!(validate_topic(&"t".repeat(MAX_TOPIC_CHARS)).is_ok());
    assert!(validate_topic(&"t".repeat(MAX_TOPIC_CHARS + 1)).is_err());
    assert!(validate_topic("a\nb").is_err());
    assert!(validate_query("lunch").is_ok());
    assert!(validate_query("  ").is_err());
    assert!(validate_query(&"q".repeat(MAX_QUERY_CHARS + 1)).is_err());
    assert!(validate_token(&"k".repeat(MIN_TOKEN_BYTES)).is_ok());
    assert!(validate_token("short").is_err());
    assert!(validate_token(&"k".repeat(MAX_TOKEN_BYTES + 1)).is_err());
}

#[test]
fn parse_errors_name_their_cause() {
    let unknown = parse_client_frame(r#"{"type":"dance"}"#).unwrap_err();
    assert!(matches!(
        unknown,
        Rejection {
            code: ErrorCode::UnknownType,
            ..
        }
    ));
    let malformed = parse_client_frame("{not json").unwrap_err();
    assert!(matches!(
        malformed,
        Rejection {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    let missing = parse_client_frame(r#"{"type":"send","id":"x"}"#).unwrap_err();
    assert!(matches!(
        missing,
        Rejection {
            code: ErrorCode::Malformed,
            ..
        }
    ));
}

#[test]
fn client_frames_of_replies_reactions_pins_and_receipts_match_golden_json() {
    assert_golden(
        ClientFrame::Send {
            attachment: None,
            id: "c2".into(),
            room: "lobby".into(),
            text: "yes".into(),
            reply_to: Some(7),
        },
        json!({"type": "send", "id": "c2", "room": "lobby", "text": "yes", "reply_to": 7}),
    );
    let target = json!({"room": "lobby", "seq": 7, "emoji": "👍"});
    let with_type = |kind: &str| {
        let mut frame = target.clone();
        frame["type"] = json!(kind);
        frame
    };
    assert_golden(
        ClientFrame::React {
            room: "lobby".into(),
            seq: 7,
            emoji: "👍".into(),
        },
        with_type("react"),
    );
    assert_golden(
        ClientFrame::Unreact {
            room: "lobby".into(),
            seq: 7,
            emoji: "👍".into(),
        },
        with_type("unreact"),
    );
    assert_golden(
        ClientFrame::Pin {
            room: "lobby".into(),
            seq: 7,
        },
        json!({"type": "pin", "room": "lobby", "seq": 7}),
    );
    assert_golden(
        ClientFrame::Unpin {
            room: "lobby".into(),
            seq: 7,
        },
        json!({"type": "unpin", "room": "lobby", "seq": 7}),
    );
    assert_golden(
        ClientFrame::ListPins {
            room: "lobby".into(),
        },
        json!({"type": "list_pins", "room": "lobby"}),
    );
    assert_golden(
        ClientFrame::ShareReceipts { share: false },
        json!({"type": "share_receipts", "share": false}),
    );
}

#[test]
fn server_frames_of_replies_reactions_pins_and_receipts_match_golden_json() {
    let quote = Quote::of(3, "bob", "lunch?", false);
    let quote_json = json!({"seq": 3, "from": "bob", "text": "lunch?"});
    let reaction = Reaction {
        emoji: "👍".into(),
        count: 2,
        names: vec!["bob".into(), "carol".into()],
    };
    let reaction_json = json!({"emoji": "👍", "count": 2, "names": ["bob", "carol"]});
    let reply = ChatMessage {
        reply_to: Some(quote.clone()),
        reactions: vec![reaction.clone()],
        ..sample_message()
    };
    let mut reply_json = sample_message_json();
    reply_json["reply_to"] = quote_json.clone();
    reply_json["reactions"] = json!([reaction_json.clone()]);
    assert_golden(reply, reply_json);
    assert_golden(
        Quote::of(3, "bob", "gone", true),
        json!({"seq": 3, "from": "bob", "text": "", "deleted": true}),
    );
    assert_golden(
        ServerFrame::Reactions {
            room: "lobby".into(),
            seq: 7,
            reactions: vec![reaction],
        },
        json!({"type": "reactions", "room": "lobby", "seq": 7, "reactions": [reaction_json]}),
    );
    assert_golden(
        ServerFrame::Pinned {
            room: "lobby".into(),
            quote: quote.clone(),
            by: "alice".into(),
            pinned: true,
            time: 5,
        },
        json!({"type": "pinned", "room": "lobby", "quote": quote_json.clone(), "by": "alice",
               "pinned": true, "time": 5}),
    );
    assert_golden(
        ServerFrame::Pins {
            room: "lobby".into(),
            pins: vec![Pin {
                quote,
                by: "alice".into(),
                time: 5,
            }],
        },
        json!({"type": "pins", "room": "lobby",
               "pins": [{"quote": quote_json, "by": "alice", "time": 5}]}),
    );
    assert_golden(
        ServerFrame::Seen {
            room: "lobby".into(),
            marks: vec![SeenMark {
                name: "bob".into(),
                seq: 7,
            }],
            reset: true,
        },
        json!({"type": "seen", "room": "lobby", "marks": [{"name": "bob", "seq": 7}],
               "reset": true}),
    );
    assert_golden(
        ServerFrame::ReceiptSharing { share: true },
        json!({"type": "receipt_sharing", "share": true}),
    );
}

#[test]
fn attachment_frames_and_http_bodies_match_golden_json() {
    let image = Attachment {
        hash: "ab".repeat(32),
        name: "cat.png".into(),
        size: 12_345,
        mime: "image/png".into(),
        image: Some(ImageSize {
            width: 800,
            height: 600,
        }),
    };
    let image_json = json!({"hash": "ab".repeat(32), "name": "cat.png", "size": 12_345,
                            "mime": "image/png", "image": {"width": 800, "height": 600}});
    let file = Attachment {
        image: None,
        mime: "application/pdf".into(),
        name: "plan.pdf".into(),
        ..image.clone()
    };
    assert_golden(
        ClientFrame::Send {
            id: "c1".into(),
            room: "lobby".into(),
            text: String::new(),
            reply_to: None,
            attachment: Some(image.hash.clone()),
        },
        json!({"type": "send", "id": "c1", "room": "lobby", "text": "", "attachment": "ab".repeat(32)}),
    );
    let mut message = sample_message();
    message.attachment = Some(Box::new(image.clone()));
    let mut message_json = sample_message_json();
    message_json["attachment"] = image_json.clone();
    assert_golden(ServerFrame::Message(message), {
        let mut frame = message_json;
        frame["type"] = json!("message");
        frame
    });
    assert_golden(
        file,
        json!({"hash": "ab".repeat(32), "name": "plan.pdf", "size": 12_345,
               "mime": "application/pdf"}),
    );
    assert_golden(
        attachments::UploadStart {
            name: "cat.png".into(),
            size: 12_345,
        },
        json!({"name": "cat.png", "size": 12_345}),
    );
    assert_golden(
        attachments::UploadStatus {
            id: "u1".into(),
            size: 12_345,
            received: 0,
            attachment: None,
        },
        json!({"id": "u1", "size": 12_345, "received": 0}),
    );
    assert_golden(
        attachments::UploadStatus {
            id: "u1".into(),
            size: 12_345,
            received: 12_345,
            attachment: Some(image),
        },
        json!({"id": "u1", "size": 12_345, "received": 12_345, "attachment": image_json}),
    );
    assert_eq!(
        attachments::chunk_path("u 1", 1_048_576),
        "/api/uploads/u%201?offset=1048576"
    );
    assert_eq!(
        attachments::attachment_path("#café", "ab", true),
        "/api/rooms/%23caf%C3%A9/attachments/ab/thumbnail"
    );
    for (code, name) in [
        (ErrorCode::QuotaExceeded, "quota_exceeded"),
        (ErrorCode::UnknownAttachment, "unknown_attachment"),
        (ErrorCode::UnknownUpload, "unknown_upload"),
        (ErrorCode::UploadOffset, "upload_offset"),
    ] {
        assert_golden(
            Rejection::new(code, "why"),
            json!({"code": name, "message": "why"}),
        );
    }
}
