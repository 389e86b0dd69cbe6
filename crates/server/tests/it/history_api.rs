//! The HTTP history API over a real socket: `GET /api/rooms/{room}/messages?before=&limit=`
//! with a bearer token — paging, percent-encoded room names, and every refusal.

use std::net::SocketAddr;

use chinwag_protocol::api::{DEFAULT_PAGE, MAX_PAGE, history_path};
use chinwag_protocol::{ClientFrame, ErrorCode, HistoryPage, Rejection, ServerFrame};
use chinwag_server::ServeOptions;
use chinwag_testkit::{
    RawClient, StoreKind, TestServer, http_get, http_request, token_of, unlimited,
};

fn addr(server: &TestServer) -> SocketAddr {
    server.server.as_ref().expect("server running").addr()
}

/// Posts `count` messages ("m1", "m2", …) to `room` and waits for every ack.
fn post_many(client: &mut RawClient, room: &str, count: usize) {
    for i in 1..=count {
        client.post(&format!("m{i}"), room, &format!("message {i}"));
    }
    for _ in 0..count {
        client.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    }
}

/// A page the server answered with 200.
fn page(addr: SocketAddr, path: &str, token: &str) -> HistoryPage {
    let (status, body) = http_get(addr, path, Some(token));
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|err| panic!("GET {path}: {err}: {body}"))
}

/// A refusal: its status and error code.
fn refusal(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, ErrorCode) {
    let (status, body) = http_get(addr, path, token);
    let error: Rejection =
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("GET {path}: {err}: {body}"));
    assert!(!error.message.is_empty());
    (status, error.code)
}

fn seqs(page: &HistoryPage) -> Vec<u64> {
    page.messages.iter().map(|m| m.seq).collect()
}

/// Walks `room` backwards from the newest message in pages of `limit`; returns the pages.
fn walk_back(addr: SocketAddr, room: &str, limit: usize, token: &str) -> Vec<HistoryPage> {
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = page(addr, &history_path(room, before, limit), token);
        assert_eq!(page.room, room);
        let more = page.more;
        before = page.messages.first().map(|m| m.seq);
        pages.push(page);
        if !more {
            return pages;
        }
        assert!(pages.len() <= 1_000, "the walk never ends");
    }
}

fn walking_back_page_by_page_reaches_every_message_exactly_once(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    post_many(&mut alice, "lobby", 250);
    let token = token_of("alice");

    for (limit, sizes) in [
        (100, vec![100, 100, 50]),
        (50, vec![50; 5]),
        (125, vec![125, 125]),
        (MAX_PAGE, vec![200, 50]),
        (1, vec![1; 250]),
    ] {
        let pages = walk_back(addr(&server), "lobby", limit, &token);
        let page_sizes: Vec<usize> = pages.iter().map(|page| page.messages.len()).collect();
        assert_eq!(page_sizes, sizes, "pages of {limit}");
        // Every page is oldest first; `more` holds on all but the last.
        for (i, page) in pages.iter().enumerate() {
            assert!(seqs(page).windows(2).all(|w| w[0] + 1 == w[1]), "{i}");
            assert_eq!(page.more, i + 1 < pages.len(), "page {i} of {limit}");
        }
        let mut all: Vec<u64> = pages.iter().rev().flat_map(seqs).collect();
        let walked = all.len();
        all.dedup();
        assert_eq!(walked, all.len(), "no message twice");
        assert_eq!(all, (1..=250).collect::<Vec<u64>>(), "pages of {limit}");
    }

    // Pages carry the messages as stored.
    let newest = page(addr(&server), &history_path("lobby", None, 1), &token);
    let message = &newest.messages[0];
    assert_eq!(
        (
            message.seq,
            message.from.as_str(),
            message.text.as_str(),
            message.id.as_str()
        ),
        (250, "alice", "message 250", "m250")
    );
    // Before the first message there is nothing, and nothing more.
    let empty = page(addr(&server), &history_path("lobby", Some(1), 10), &token);
    assert!(empty.messages.is_empty() && !empty.more);
    // A cursor beyond the newest means "from the newest".
    let far = page(
        addr(&server),
        &history_path("lobby", Some(u64::MAX), 10),
        &token,
    );
    assert_eq!(seqs(&far), (241..=250).collect::<Vec<u64>>());
}

fn the_default_page_is_the_newest_fifty(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    post_many(&mut alice, "lobby", 120);
    let token = token_of("alice");
    let newest = page(addr(&server), "/api/rooms/lobby/messages", &token);
    assert_eq!(seqs(&newest), (71..=120).collect::<Vec<u64>>());
    assert_eq!(newest.messages.len(), DEFAULT_PAGE);
    assert!(newest.more);
    let older = page(addr(&server), "/api/rooms/lobby/messages?before=71", &token);
    assert_eq!(seqs(&older), (21..=70).collect::<Vec<u64>>());
    assert!(older.more);
    let oldest = page(addr(&server), "/api/rooms/lobby/messages?before=21", &token);
    assert_eq!(seqs(&oldest), (1..=20).collect::<Vec<u64>>());
    assert!(!oldest.more);
}

fn room_names_are_percent_encoded(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let token = token_of("alice");
    for room in [
        "Zoë & co",
        "half/half",
        "what? #1 100%",
        "日本語 チャット",
        "a+b=c",
    ] {
        let (mut alice, _) = RawClient::join(&server.url(), "alice", room);
        post_many(&mut alice, room, 3);
        let path = history_path(room, None, 10);
        assert!(path.is_ascii(), "{path}");
        let page = page(addr(&server), &path, &token);
        assert_eq!(page.room, room);
        assert_eq!(seqs(&page), [1, 2, 3], "{room}");
        assert!(page.messages.iter().all(|m| m.room == room));
    }
}

/// The path of the lobby's history without parameters.
const LOBBY: &str = "/api/rooms/lobby/messages";

/// Requests the API must refuse, each with the token it is made with (carol's: a member of the
/// lobby, not of the direct conversation `dm`) and the status and error code it must get.
fn bad_requests<'a>(carol: &'a str, dm: &str) -> Vec<(String, Option<&'a str>, (u16, ErrorCode))> {
    vec![
        (LOBBY.to_owned(), None, (401, ErrorCode::InvalidToken)),
        (
            LOBBY.to_owned(),
            Some("never-issued-token-123"),
            (401, ErrorCode::InvalidToken),
        ),
        (LOBBY.to_owned(), Some(""), (401, ErrorCode::InvalidToken)),
        (
            history_path("nowhere", None, 10),
            Some(carol),
            (404, ErrorCode::UnknownRoom),
        ),
        (
            format!("{LOBBY}?before=abc"),
            Some(carol),
            (400, ErrorCode::Malformed),
        ),
        (
            format!("{LOBBY}?before=-1"),
            Some(carol),
            (400, ErrorCode::Malformed),
        ),
        (
            format!("{LOBBY}?limit=0"),
            Some(carol),
            (400, ErrorCode::Malformed),
        ),
        (
            format!("{LOBBY}?limit=201"),
            Some(carol),
            (400, ErrorCode::Malformed),
        ),
        (
            format!("{LOBBY}?limit=ten"),
            Some(carol),
            (400, ErrorCode::Malformed),
        ),
        // A room name that is not UTF-8 once decoded still gets an API error body.
        (
            "/api/rooms/%FF/messages".to_owned(),
            Some(carol),
            (400, ErrorCode::Malformed),
        ),
        // Someone else's direct conversation reads as one that does not exist.
        (
            history_path(dm, None, 10),
            Some(carol),
            (404, ErrorCode::UnknownRoom),
        ),
        (
            history_path(dm, Some(3), 1),
            Some(carol),
            (404, ErrorCode::UnknownRoom),
        ),
    ]
}

fn bad_requests_are_refused_with_the_right_status_and_change_nothing(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let addr = addr(&server);
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (_carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    post_many(&mut alice, "lobby", 5);
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let ServerFrame::Room(dm) = alice.recv_until(|frame| matches!(frame, ServerFrame::Room(_)))
    else {
        unreachable!()
    };
    post_many(&mut alice, &dm.room, 2);
    let alice_token = token_of("alice");
    let before = page(addr, &history_path("lobby", None, 50), &alice_token);
    let dm_before = page(addr, &history_path(&dm.room, None, 50), &alice_token);

    let carol = token_of("carol");
    for (path, token, expected) in bad_requests(&carol, &dm.room) {
        assert_eq!(
            refusal(addr, &path, token),
            expected,
            "GET {path} as {token:?}"
        );
    }
    // Another scheme than Bearer is no token.
    let (status, body) = http_request(
        addr,
        &format!(
            "GET {LOBBY} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {carol}\r\n\
             Connection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 401, "{body}");

    // The direct conversation's own members may page it; the public room is open to anyone.
    assert_eq!(
        page(addr, &history_path(&dm.room, None, 50), &token_of("bob")),
        dm_before
    );
    assert_eq!(page(addr, &history_path("lobby", None, 50), &carol), before);
    // Nothing changed: the same pages, and the sockets carry on numbering where they were.
    assert_eq!(
        page(addr, &history_path("lobby", None, 50), &alice_token),
        before
    );
    assert_eq!(
        page(addr, &history_path(&dm.room, None, 50), &alice_token),
        dm_before
    );
    alice.post("next", "lobby", "after the noise");
    let ServerFrame::Ack { seq, .. } =
        alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }))
    else {
        unreachable!()
    };
    assert_eq!(seq, 6);
}

fn a_stranger_cannot_tell_a_direct_conversation_that_exists_from_one_that_does_not(
    store: StoreKind,
) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let addr = addr(&server);
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (_carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let ServerFrame::Room(dm) = alice.recv_until(|frame| matches!(frame, ServerFrame::Room(_)))
    else {
        unreachable!()
    };
    post_many(&mut alice, &dm.room, 1);
    // The key of a conversation that was never opened (alice with an identity that is not there).
    let never = format!("{}:9999", dm.room.split(':').next().unwrap());
    let answer = |room: &str| {
        let (status, body) = http_get(
            addr,
            &history_path(room, None, 10),
            Some(&token_of("carol")),
        );
        (status, body.replace(room, "ROOM"))
    };
    let existing = answer(&dm.room);
    assert_eq!(existing.0, 404, "{}", existing.1);
    assert_eq!(existing, answer(&never), "the same status and body");
}

chinwag_testkit::on_both_stores!(
    walking_back_page_by_page_reaches_every_message_exactly_once,
    the_default_page_is_the_newest_fifty,
    room_names_are_percent_encoded,
    bad_requests_are_refused_with_the_right_status_and_change_nothing,
    a_stranger_cannot_tell_a_direct_conversation_that_exists_from_one_that_does_not,
);
