//! Rate and volume limits over real sockets: each limit lets exactly its configured number
//! through, refuses the next with `rate_limited` and a `retry_after`, and leaves everyone else
//! alone (the real client riding out a burst far over the limit is the client's test).

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use chinwag_protocol::api::history_path;
use chinwag_protocol::{
    ClientFrame, ErrorCode, MAX_QUERY_CHARS, MAX_TEXT_BYTES, Rejection, ServerFrame,
};
use chinwag_server::ServeOptions;
use chinwag_server::limits::{MIN_MESSAGE_WAIT, Rate, RateLimits};
use chinwag_testkit::{
    PATIENCE, RawClient, StoreKind, TestServer, hello, http_exchange, token_of, with_limits,
};
use tungstenite::stream::MaybeTlsStream;

/// A limit of `burst` that does not refill during a test (one token an hour).
fn no_refill(burst: u32) -> Option<Rate> {
    Rate::per_period(burst, Duration::from_secs(3600) * burst)
}

/// The next error frame: its code, `id` and `retry_after`.
fn next_error(client: &mut RawClient) -> (ErrorCode, Option<String>, Option<u64>) {
    match client.recv_until(|frame| matches!(frame, ServerFrame::Error { .. })) {
        ServerFrame::Error {
            code,
            id,
            retry_after,
            ..
        } => (code, id, retry_after),
        _ => unreachable!(),
    }
}

/// Asserts a `rate_limited` refusal that asks for a wait of about an hour.
fn assert_refused_for_an_hour(
    (code, _, retry_after): (ErrorCode, Option<String>, Option<u64>),
    what: &str,
) {
    assert_eq!(code, ErrorCode::RateLimited, "{what}");
    let wait = retry_after.unwrap_or_else(|| panic!("{what}: no retry_after"));
    assert!(
        (3_500_000..=3_600_000).contains(&wait),
        "{what}: retry_after {wait} ms"
    );
}

fn messages_past_the_burst_are_refused_with_retry_after_and_others_keep_posting(store: StoreKind) {
    const BURST: u32 = 30;
    let server = TestServer::start_on_store(
        store,
        with_limits(RateLimits {
            messages: no_refill(BURST),
            ..RateLimits::unlimited()
        }),
    );
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let text = "x".repeat(MAX_TEXT_BYTES);
    for n in 1..=BURST {
        alice.post(&format!("a{n}"), "lobby", &text);
    }
    for n in 1..=u64::from(BURST) {
        let frame = alice.recv_until(|f| matches!(f, ServerFrame::Ack { .. }));
        assert!(
            matches!(frame, ServerFrame::Ack { seq, .. } if seq == n),
            "{frame:?}"
        );
    }
    // The next one, and every one after it, is refused, tied to its id; nothing is stored.
    for n in BURST + 1..=BURST + 3 {
        alice.post(&format!("a{n}"), "lobby", &text);
        let refusal = next_error(&mut alice);
        assert_eq!(refusal.1, Some(format!("a{n}")));
        assert_refused_for_an_hour(refusal, "a send past the burst");
    }
    // Edits and deletes count against the same limit.
    alice.send(&ClientFrame::Delete {
        room: "lobby".into(),
        seq: 1,
    });
    let refusal = next_error(&mut alice);
    assert_eq!(refusal.1, None);
    assert_refused_for_an_hour(refusal, "a delete past the burst");
    // Bob is not affected: his message is the next one stored, right after alice's thirty.
    bob.post("b1", "lobby", "still here");
    assert!(matches!(
        bob.recv_until(|f| matches!(f, ServerFrame::Ack { .. })),
        ServerFrame::Ack { seq, .. } if seq == u64::from(BURST) + 1
    ));
}

/// A request frame, and whether a server frame is its answer when it is applied.
type Request = (ClientFrame, fn(&ServerFrame) -> bool);

/// Every kind of request frame (search, list_rooms, join, leave, open_dm, set_topic, rename),
/// each with what answers it when it is applied. `n` makes names and texts unique.
fn requests(n: u32) -> Vec<Request> {
    vec![
        (
            ClientFrame::SetTopic {
                room: "lobby".into(),
                topic: format!("topic {n}"),
            },
            |f| matches!(f, ServerFrame::Topic { .. }),
        ),
        (ClientFrame::ListRooms, |f| {
            matches!(f, ServerFrame::RoomList { .. })
        }),
        (
            ClientFrame::Join {
                room: format!("side {n}"),
                create: true,
                last_seq: None,
            },
            |f| matches!(f, ServerFrame::Room(state) if state.room.starts_with("side")),
        ),
        (
            ClientFrame::Leave {
                room: format!("side {n}"),
            },
            |f| matches!(f, ServerFrame::Parted { .. }),
        ),
        (
            ClientFrame::OpenDm { peer: "bob".into() },
            |f| matches!(f, ServerFrame::Room(state) if state.peer.is_some()),
        ),
        (
            ClientFrame::Rename {
                name: format!("alice {n}"),
            },
            |f| matches!(f, ServerFrame::Renamed { .. }),
        ),
        (
            ClientFrame::Search {
                room: "lobby".into(),
                query: "q".repeat(MAX_QUERY_CHARS),
            },
            |f| matches!(f, ServerFrame::SearchResults { .. }),
        ),
    ]
}

fn requests_past_the_burst_are_refused_with_retry_after_unapplied_and_others_keep_asking(
    store: StoreKind,
) {
    const BURST: u32 = 20;
    let server = TestServer::start_on_store(
        store,
        with_limits(RateLimits {
            requests: no_refill(BURST),
            ..RateLimits::unlimited()
        }),
    );
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    // Exactly the burst, every kind of request among it, each applied and answered.
    let allowed: Vec<_> = (1..).flat_map(requests).take(BURST as usize).collect();
    for (n, (frame, answered)) in allowed.into_iter().enumerate() {
        alice.send(&frame);
        let answer = alice.recv_until(|f| answered(f) || matches!(f, ServerFrame::Error { .. }));
        assert!(
            answered(&answer),
            "request {}: {frame:?} -> {answer:?}",
            n + 1
        );
    }
    // The next of every kind is refused, and not applied.
    for (frame, _) in requests(100) {
        alice.send(&frame);
        assert_refused_for_an_hour(next_error(&mut alice), &format!("{frame:?}"));
    }
    // Bob is not affected, and sees that nothing refused was applied: the topic is the last
    // one allowed, no room "side 100" exists, alice is not renamed and is still in the lobby.
    bob.send(&ClientFrame::ListRooms);
    let ServerFrame::RoomList { rooms } =
        bob.recv_until(|f| matches!(f, ServerFrame::RoomList { .. }))
    else {
        unreachable!()
    };
    let lobby = rooms.iter().find(|listing| listing.room == "lobby");
    assert_eq!(lobby.map(|listing| listing.topic.as_str()), Some("topic 3"));
    assert!(rooms.iter().all(|listing| listing.room != "side 100"));
    bob.send(&ClientFrame::OpenDm {
        peer: "alice 100".into(),
    });
    assert_eq!(next_error(&mut bob).0, ErrorCode::UnknownUser);
    bob.send(&ClientFrame::Search {
        room: "lobby".into(),
        query: "anything".into(),
    });
    bob.recv_until(|f| matches!(f, ServerFrame::SearchResults { .. }));
    bob.post("b1", "lobby", "still here");
    alice.recv_until(|f| matches!(f, ServerFrame::Message(message) if message.id == "b1"));
}

fn the_default_limits_refuse_a_flood_of_searches(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let defaults = RateLimits::default()
        .requests
        .expect("a default request limit");
    for _ in 0..=defaults.burst * 2 {
        alice.send(&ClientFrame::Search {
            room: "lobby".into(),
            query: "flood".into(),
        });
    }
    let (code, id, retry_after) = next_error(&mut alice);
    assert_eq!(code, ErrorCode::RateLimited);
    assert_eq!(id, None);
    assert!(retry_after.is_some_and(|ms| ms > 0));
}

fn rooms_created_past_the_limit_are_refused_while_joining_goes_on(store: StoreKind) {
    const ROOMS: u32 = 50;
    let server = TestServer::start_on_store(
        store,
        with_limits(RateLimits {
            rooms: no_refill(ROOMS),
            ..RateLimits::unlimited()
        }),
    );
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "bobs-room");
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    // A direct conversation opened for the first time is a room created too.
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    alice.recv_until(|f| matches!(f, ServerFrame::Room(state) if state.peer.is_some()));
    for n in 2..=ROOMS {
        alice.send(&ClientFrame::Join {
            room: format!("room {n}"),
            create: true,
            last_seq: None,
        });
        alice.recv_until(
            |f| matches!(f, ServerFrame::Room(state) if state.room == format!("room {n}")),
        );
    }
    let join = |room: &str| ClientFrame::Join {
        room: room.into(),
        create: true,
        last_seq: None,
    };
    alice.send(&join("one too many"));
    assert_refused_for_an_hour(next_error(&mut alice), "the 51st room");
    let (_carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    alice.send(&ClientFrame::OpenDm {
        peer: "carol".into(),
    });
    assert_refused_for_an_hour(next_error(&mut alice), "a new direct conversation");
    // Rooms that exist can still be joined (with or without create), the direct conversation
    // reopened; and bob still creates rooms.
    alice.send(&join("bobs-room"));
    alice.recv_until(|f| matches!(f, ServerFrame::Room(state) if state.room == "bobs-room"));
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    alice.recv_until(|f| matches!(f, ServerFrame::Room(state) if state.peer.is_some()));
    bob.send(&join("bobs-second-room"));
    bob.recv_until(|f| matches!(f, ServerFrame::Room(state) if state.room == "bobs-second-room"));
}

/// A raw client whose connection comes from `source` (any 127.x.y.z address is loopback).
fn connect_from(source: IpAddr, url: &str, server: SocketAddr) -> RawClient {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(source, 0)).unwrap();
        socket.connect(server).await.unwrap()
    });
    let stream: TcpStream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let (socket, _) = tungstenite::client(url, MaybeTlsStream::Plain(stream)).unwrap();
    RawClient { socket }
}

fn new_identities_past_the_limit_of_an_address_are_refused_and_other_addresses_are_not(
    store: StoreKind,
) {
    const PER_HOUR: u32 = 100;
    let server = TestServer::start_on_store(
        store,
        with_limits(RateLimits {
            identities: RateLimits::identities_per_hour(PER_HOUR),
            ..RateLimits::unlimited()
        }),
    );
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let first_hello = Instant::now();
    for n in 1..=PER_HOUR {
        // A socket for each (a second hello on a socket is refused).
        let mut client = connect_from(loopback, &server.url(), server.addr());
        client.send(&hello(&format!("user{n}")));
        let answer = client.recv();
        assert!(
            matches!(answer, ServerFrame::Welcome { .. }),
            "user{n}: {answer:?}"
        );
    }
    let mut refused = connect_from(loopback, &server.url(), server.addr());
    refused.send(&hello("one-too-many"));
    let (code, _, retry_after) = next_error(&mut refused);
    assert_eq!(code, ErrorCode::RateLimited);
    // 100 an hour: the next one comes back 36 s after the first was taken, however long the
    // hundred hellos took (on a busy machine, more than a second).
    let wait = retry_after.expect("a retry_after");
    let since_first = u64::try_from(first_hello.elapsed().as_millis()).unwrap();
    assert!(
        (36_000u64.saturating_sub(since_first)..=36_000).contains(&wait),
        "retry_after {wait} ms, {since_first} ms after the first hello"
    );
    // The socket stays open; an identity that exists comes back from the same address.
    refused.send(&hello("user1"));
    assert!(matches!(refused.recv(), ServerFrame::Welcome { .. }));
    // Another address is not affected.
    let mut elsewhere = connect_from("127.0.0.2".parse().unwrap(), &server.url(), server.addr());
    elsewhere.send(&hello("one-too-many"));
    assert!(matches!(elsewhere.recv(), ServerFrame::Welcome { .. }));
}

/// A GET of a history page with `token`: status, head and body.
fn get_page(server: &TestServer, token: &str) -> (u16, String, String) {
    let addr = server.addr();
    let path = history_path("lobby", None, 10);
    http_exchange(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Connection: close\r\n\r\n"
        ),
    )
}

fn http_requests_past_the_burst_get_429_with_retry_after(store: StoreKind) {
    const BURST: u32 = 200;
    let server = TestServer::start_on_store(
        store,
        with_limits(RateLimits {
            api: no_refill(BURST),
            ..RateLimits::unlimited()
        }),
    );
    let (_alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for n in 1..=BURST {
        let (status, _, body) = get_page(&server, &token_of("alice"));
        assert_eq!(status, 200, "request {n}: {body}");
    }
    let (status, head, body) = get_page(&server, &token_of("alice"));
    assert_eq!(status, 429, "{body}");
    let retry_after: u64 = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("retry-after: ")
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no Retry-After in {head}"))
        .trim()
        .parse()
        .expect("Retry-After in seconds");
    assert!(
        (3_500..=3_600).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    let error: Rejection = serde_json::from_str(&body).expect("a Rejection body");
    assert_eq!(error.code, ErrorCode::RateLimited);
    assert!(
        error
            .retry_after
            .is_some_and(|ms| ms.div_ceil(1000) == retry_after)
    );
    // Another token is not affected.
    assert_eq!(get_page(&server, &token_of("bob")).0, 200);
}

fn renames_by_hello_count_against_the_request_limit_too(store: StoreKind) {
    // A reconnect with another name renames the identity and tells all its rooms, like a
    // `rename` frame: otherwise reconnecting would rename without limit.
    const BURST: u32 = 3;
    let server = TestServer::start_on_store(
        store,
        with_limits(RateLimits {
            requests: no_refill(BURST),
            ..RateLimits::unlimited()
        }),
    );
    let token = token_of("alice");
    let (_first, answer) = RawClient::hello_as(&server.url(), "alice", &token);
    assert!(matches!(answer, ServerFrame::Welcome { .. }), "{answer:?}");
    for n in 1..=BURST {
        let (_again, answer) = RawClient::hello_as(&server.url(), &format!("alice{n}"), &token);
        assert!(
            matches!(&answer, ServerFrame::Welcome { name, .. } if *name == format!("alice{n}")),
            "{answer:?}"
        );
    }
    let (_past, answer) = RawClient::hello_as(&server.url(), "alice0", &token);
    let ServerFrame::Error {
        code, retry_after, ..
    } = answer
    else {
        panic!("a rename past the burst was welcomed: {answer:?}");
    };
    assert_refused_for_an_hour(
        (code, None, retry_after),
        "a rename by hello past the burst",
    );
}

fn the_default_limits_refuse_a_flood_of_messages(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let defaults = RateLimits::default()
        .messages
        .expect("a default message limit");
    for n in 0..=defaults.burst * 2 {
        alice.post(&format!("m{n}"), "lobby", "flood");
    }
    let (code, id, retry_after) = next_error(&mut alice);
    assert_eq!(code, ErrorCode::RateLimited);
    assert!(id.is_some());
    assert!(retry_after.is_some_and(|ms| ms >= MIN_MESSAGE_WAIT.as_millis() as u64));
}

chinwag_testkit::on_both_stores!(
    messages_past_the_burst_are_refused_with_retry_after_and_others_keep_posting,
    requests_past_the_burst_are_refused_with_retry_after_unapplied_and_others_keep_asking,
    the_default_limits_refuse_a_flood_of_searches,
    rooms_created_past_the_limit_are_refused_while_joining_goes_on,
    new_identities_past_the_limit_of_an_address_are_refused_and_other_addresses_are_not,
    http_requests_past_the_burst_get_429_with_retry_after,
    renames_by_hello_count_against_the_request_limit_too,
    the_default_limits_refuse_a_flood_of_messages,
);
