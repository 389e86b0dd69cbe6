//! Fan-out over real sockets: a reader too slow for its queue is dropped while the others keep
//! receiving, and it gets everything it missed back by seq when it reconnects; senders are
//! refused while a wide room's readers take nothing, or leave unread what their sockets took,
//! and accepted again once they read; a client that posts before it reads is never deadlocked
//! against the server's writes to it.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpStream};

use chinwag_protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, RoomCursor, ServerFrame};
use chinwag_testkit::bulk::{largest_text, post_all};
use chinwag_testkit::{PATIENCE, RawClient, StoreKind, TestServer, token_of, unlimited};
use tungstenite::Message;
use tungstenite::stream::MaybeTlsStream;

/// The most messages the test posts before the slow reader must have been dropped.
const MOST: u64 = 3_000;

/// A client whose socket's receive buffer holds about `bytes` (the system's least if smaller),
/// so what it does not read piles up in the server's queue for it instead of in the kernel.
fn connect_with_small_buffer(addr: SocketAddr, bytes: usize) -> RawClient {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(bytes).unwrap();
    socket.connect(&addr.into()).expect("TCP connects");
    let stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let (socket, _) =
        tungstenite::client(format!("ws://{addr}/ws"), MaybeTlsStream::Plain(stream)).unwrap();
    RawClient { socket }
}

/// Posts message `n` from `writer` and waits for `watcher` to read it; whether the watcher read
/// `gone` leaving on the way.
fn post_and_watch(writer: &mut RawClient, watcher: &mut RawClient, n: u64, gone: &str) -> bool {
    writer.post(
        &format!("m{n}"),
        "lobby",
        &format!("message {n} {}", "x".repeat(4_000)),
    );
    writer.recv_until(|frame| matches!(frame, ServerFrame::Ack { seq, .. } if *seq == n));
    let mut left = false;
    loop {
        match watcher.recv() {
            ServerFrame::Message(message) => {
                assert_eq!(message.seq, n, "the watcher missed a message");
                return left;
            }
            ServerFrame::Presence { left: went, .. } => left |= went.iter().any(|n| n == gone),
            _ => {}
        }
    }
}

/// Every seq of a message `client` reads until its connection ends.
fn read_until_dropped(client: &mut RawClient) -> BTreeSet<u64> {
    let mut seqs = BTreeSet::new();
    loop {
        match client.socket.read() {
            Ok(Message::Text(text)) => {
                if let Ok(ServerFrame::Message(message)) = serde_json::from_str(&text) {
                    seqs.insert(message.seq);
                }
            }
            Ok(Message::Close(_)) | Err(_) => return seqs,
            Ok(_) => {}
        }
    }
}

fn a_slow_reader_is_dropped_while_the_others_keep_receiving_and_recovers_by_seq(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut writer, _) = RawClient::join(&server.url(), "writer", "lobby");
    let (mut watcher, _) = RawClient::join(&server.url(), "watcher", "lobby");
    let mut slow = connect_with_small_buffer(server.addr(), 1024);
    slow.send(&chinwag_testkit::hello("slow"));
    assert!(matches!(slow.recv(), ServerFrame::Welcome { .. }));

    // The slow one reads nothing now: the others go on until the room hears it dropped.
    let mut posted = 0;
    let mut dropped_at = None;
    while posted < MOST && dropped_at.is_none_or(|at| posted < at + 10) {
        posted += 1;
        if post_and_watch(&mut writer, &mut watcher, posted, "slow") {
            dropped_at = Some(posted);
        }
    }
    let dropped_at = dropped_at.expect("the slow reader was never dropped");
    assert!(
        posted > dropped_at,
        "the others kept receiving after the drop"
    );

    // It reads what reached it, then the end; then it reconnects with its cursor.
    let mut seen = read_until_dropped(&mut slow);
    let last = seen.last().copied().unwrap_or(0);
    assert_eq!(
        seen,
        (1..=last).collect(),
        "what it read before the drop has a gap"
    );
    let mut back = RawClient::connect(&server.url());
    back.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: "slow".into(),
        token: token_of("slow"),
        since: vec![RoomCursor {
            room: "lobby".into(),
            last_seq: last,
        }],
    });
    while seen.last().copied() < Some(posted) {
        match back.recv() {
            ServerFrame::Welcome { rooms, .. } => {
                let lobby = rooms.into_iter().find(|r| r.room == "lobby").unwrap();
                assert_eq!(lobby.skipped, 0);
                seen.extend(lobby.history.iter().map(|m| m.seq));
            }
            ServerFrame::History { messages, .. } => {
                seen.extend(messages.iter().map(|m| m.seq));
            }
            _ => {}
        }
    }
    assert_eq!(
        seen,
        (1..=posted).collect(),
        "messages lost across the drop"
    );
}

/// Readers enough for the server's wide fan-out (its `WIDE_FANOUT`): the room is paced and its
/// readers' lag is watched.
const WIDE: usize = 64;

/// Posts `text` as message `id` from `writer` to the lobby; the server's answer about it (its ack
/// or the error refusing it).
fn post_for_answer(writer: &mut RawClient, id: &str, text: &str) -> ServerFrame {
    writer.post(id, "lobby", text);
    writer.recv_until(|frame| match frame {
        ServerFrame::Ack { id: acked, .. } => acked == id,
        ServerFrame::Error { id: refused, .. } => refused.as_deref() == Some(id),
        _ => false,
    })
}

/// Posts message `n` from `writer`; its ack's seq, or the code it was refused with.
fn post_big(writer: &mut RawClient, n: u64) -> Result<u64, ErrorCode> {
    let text = format!("message {n} {}", "x".repeat(4_000));
    match post_for_answer(writer, &format!("m{n}"), &text) {
        ServerFrame::Ack { seq, .. } => Ok(seq),
        ServerFrame::Error { code, .. } => Err(code),
        _ => unreachable!("recv_until returns what it waited for"),
    }
}

fn senders_are_refused_while_readers_take_nothing_and_accepted_once_they_read(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut writer, _) = RawClient::join(&server.url(), "writer", "lobby");
    let mut readers: Vec<RawClient> = (0..WIDE)
        .map(|n| {
            // Not the least buffer: reading it back must not take a round trip a frame.
            let mut reader = connect_with_small_buffer(server.addr(), 64 * 1024);
            reader.send(&chinwag_testkit::hello(&format!("reader{n}")));
            reader.recv_until(|frame| matches!(frame, ServerFrame::Welcome { .. }));
            reader
        })
        .collect();

    // The readers take nothing now: their kernel buffers fill, then their queues, and the
    // writer is refused long before any queue is full enough to drop its reader.
    let mut last_seq = 0;
    let refused = loop {
        match post_big(&mut writer, last_seq + 1) {
            Ok(seq) => last_seq = seq,
            Err(code) => break code,
        }
        assert!(last_seq < MOST, "never refused while nobody read");
    };
    assert_eq!(refused, ErrorCode::RateLimited);

    let text = format!("message {} {}", last_seq + 1, "x".repeat(4_000));
    let id = format!("m{}", last_seq + 1);
    post_once_readers_read(&mut writer, &mut readers, &id, &text, last_seq + 1);
}

/// The most small messages the writer posts before it must have been refused: together a few
/// kilobytes a reader, which the sockets take at once, so no queue in the server grows.
const FEW: u64 = 40;

/// Reads what already reached `reader` without waiting, answering the server's pings; the seqs
/// of the messages among it.
fn read_what_came(reader: &mut RawClient) -> Vec<u64> {
    let set_nonblocking = |reader: &mut RawClient, nonblocking: bool| match reader.socket.get_mut()
    {
        MaybeTlsStream::Plain(stream) => stream.set_nonblocking(nonblocking).unwrap(),
        _ => unreachable!("plain sockets in tests"),
    };
    set_nonblocking(reader, true);
    let mut seqs = Vec::new();
    while let Ok(message) = reader.socket.read() {
        if let Message::Text(text) = message
            && let Ok(ServerFrame::Message(message)) = serde_json::from_str(&text)
        {
            seqs.push(message.seq);
        }
    }
    // The answers to pings go out with the next write or flush.
    let _ = reader.socket.flush();
    set_nonblocking(reader, false);
    seqs
}

/// Once refused: every reader reads what reached it (answering the server's pings) and `writer`
/// posts `text` as `id` again, waiting as the refusal says between tries, until it is
/// accepted as seq `expected`; then every reader has read every message up to it, in order.
fn post_once_readers_read(
    writer: &mut RawClient,
    readers: &mut [RawClient],
    id: &str,
    text: &str,
    expected: u64,
) {
    let mut seen = vec![Vec::new(); readers.len()];
    let mut tries = 0;
    loop {
        for (reader, seen) in readers.iter_mut().zip(&mut seen) {
            seen.extend(read_what_came(reader));
        }
        match post_for_answer(writer, id, text) {
            ServerFrame::Ack { seq, .. } => {
                assert_eq!(seq, expected);
                break;
            }
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                retry_after: Some(ms),
                ..
            } => std::thread::sleep(std::time::Duration::from_millis(ms)),
            other => panic!("{other:?}"),
        }
        tries += 1;
        assert!(tries < FEW, "still refused after the readers read");
    }
    for (reader, seen) in readers.iter_mut().zip(&mut seen) {
        if seen.last() != Some(&expected) {
            let frames = reader.recv_all_until(
                |frame| matches!(frame, ServerFrame::Message(m) if m.seq == expected),
            );
            seen.extend(frames.iter().filter_map(|frame| match frame {
                ServerFrame::Message(message) => Some(message.seq),
                _ => None,
            }));
        }
        assert_eq!(*seen, (1..=expected).collect::<Vec<_>>());
    }
}

fn senders_are_refused_while_readers_leave_what_reached_them_unread_and_accepted_once_they_read(
    store: StoreKind,
) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut writer, _) = RawClient::join(&server.url(), "writer", "lobby");
    let mut readers: Vec<RawClient> = (0..WIDE)
        .map(|n| RawClient::join(&server.url(), &format!("reader{n}"), "lobby").0)
        .collect();

    // The readers read nothing now, but their sockets (the system's buffers) take all that is
    // sent: only the probes the server puts behind its writes can tell they are behind.
    let mut accepted = 0;
    let refused = loop {
        match post_for_answer(&mut writer, &format!("m{accepted}"), "a short message") {
            ServerFrame::Ack { .. } => accepted += 1,
            refusal => break refusal,
        }
        assert!(accepted < FEW, "never refused while nobody read");
    };
    assert!(
        matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        ),
        "{refused:?}"
    );
    let (status, metrics) = chinwag_testkit::http_get(server.addr(), "/metrics", None);
    assert_eq!(status, 200);
    assert!(
        metrics.contains("chinwag_overload_refusals_total ")
            && !metrics.contains("chinwag_overload_refusals_total 0\n"),
        "the refusal is not counted: {metrics}"
    );
    let id = format!("m{accepted}");
    post_once_readers_read(
        &mut writer,
        &mut readers,
        &id,
        "a short message",
        accepted + 1,
    );
}

/// How many of the largest messages (about 48 KB of JSON each) the room holds for the replay.
const REPLAYED: u64 = 100;

fn a_client_that_posts_while_a_replay_of_megabytes_waits_unread_is_read_meanwhile(
    store: StoreKind,
) {
    let server = TestServer::start_on_store(store, unlimited());
    let url = server.url();
    drop(RawClient::join(&url, "alice", "lobby"));
    let (mut bob, _) = RawClient::join(&url, "bob", "lobby");
    post_all(
        &mut bob,
        "lobby",
        (1..=REPLAYED).map(|n| largest_text(&format!("missed{n}"), 8_000)),
    );

    // Alice comes back asking for everything since seq 0: megabytes of replay, which her small
    // socket buffer does not take while she reads nothing. Once the replay has begun (her
    // welcome), she pings (a frame the server answers at once) and posts before she reads on.
    let mut alice = connect_with_small_buffer(server.addr(), 4 * 1024);
    alice.send(&ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: "alice".into(),
        token: token_of("alice"),
        since: vec![RoomCursor {
            room: "lobby".into(),
            last_seq: 0,
        }],
    });
    let mut frames = vec![alice.recv_until(|frame| matches!(frame, ServerFrame::Welcome { .. }))];
    alice.send(&ClientFrame::Ping);
    alice.post("after", "lobby", "posted before reading the replay");

    // The server reads her post while its writes to her wait: bob gets it.
    bob.recv_until(|frame| {
        matches!(frame, ServerFrame::Message(m) if m.text == "posted before reading the replay")
    });
    // And she gets the whole replay, her pong and her ack.
    frames.extend(
        alice.recv_all_until(|frame| matches!(frame, ServerFrame::Ack { id, .. } if id == "after")),
    );
    assert!(
        frames
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Pong))
    );
    let mut replayed = BTreeSet::new();
    for frame in frames {
        match frame {
            ServerFrame::Welcome { rooms, .. } => {
                replayed.extend(
                    rooms
                        .iter()
                        .flat_map(|room| room.history.iter().map(|m| m.seq)),
                );
            }
            ServerFrame::History { messages, .. } => {
                replayed.extend(messages.iter().map(|m| m.seq));
            }
            _ => {}
        }
    }
    assert_eq!(replayed, (1..=REPLAYED).collect());
}

chinwag_testkit::on_both_stores!(
    a_client_that_posts_while_a_replay_of_megabytes_waits_unread_is_read_meanwhile,
    a_slow_reader_is_dropped_while_the_others_keep_receiving_and_recovers_by_seq,
    senders_are_refused_while_readers_take_nothing_and_accepted_once_they_read,
    senders_are_refused_while_readers_leave_what_reached_them_unread_and_accepted_once_they_read,
);
