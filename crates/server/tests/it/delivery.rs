//! Fan-out over real sockets: a reader too slow for its queue is dropped while the others keep
//! receiving, and it gets everything it missed back by seq when it reconnects.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpStream};

use chinwag_protocol::{ClientFrame, PROTOCOL_VERSION, RoomCursor, ServerFrame};
use chinwag_testkit::{PATIENCE, RawClient, StoreKind, TestServer, token_of, unlimited};
use tungstenite::Message;
use tungstenite::stream::MaybeTlsStream;

/// The most messages the test posts before the slow reader must have been dropped.
const MOST: u64 = 3_000;

/// A client whose socket's receive buffer is as small as the system allows, so what it does
/// not read piles up in the server's queue for it instead of in the kernel.
fn connect_with_small_buffer(addr: SocketAddr) -> RawClient {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
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
    let mut slow = connect_with_small_buffer(server.addr());
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

chinwag_testkit::on_both_stores!(
    a_slow_reader_is_dropped_while_the_others_keep_receiving_and_recovers_by_seq,
);
