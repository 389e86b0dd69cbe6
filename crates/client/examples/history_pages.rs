//! Scrollback over HTTP with a long history: fills a room with MESSAGES messages (default
//! 50,000) through a real server, then pages all the way back with the app's own page size and
//! prints page latencies, how fast history streams in, what a join costs as the room grows, and
//! how long a search of the whole room takes.
//!
//! `cargo run --release -p chinwag-client --example history_pages -- [MESSAGES]`

use std::net::TcpStream;
use std::time::{Duration, Instant};

use chinwag_client::history::PAGE_SIZE;
use chinwag_protocol::api::{self, http_base};
use chinwag_protocol::{ClientFrame, HistoryPage, PROTOCOL_VERSION, ServerFrame};
use chinwag_testkit::measure;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

const TOKEN: &str = "history-bench-identity-token";

fn send(socket: &mut Socket, frame: &ClientFrame) {
    let text = serde_json::to_string(frame).expect("frames serialise");
    socket.send(Message::Text(text)).expect("send");
}

fn recv(socket: &mut Socket) -> ServerFrame {
    loop {
        if let Message::Text(text) = socket.read().expect("read") {
            return serde_json::from_str(&text).expect("a server frame");
        }
    }
}

/// Connects and says hello; returns the socket and how long the welcome took.
fn hello(url: &str) -> (Socket, Duration) {
    let (mut socket, _) = tungstenite::connect(url).expect("connect");
    let started = Instant::now();
    send(
        &mut socket,
        &ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: "bench".into(),
            token: TOKEN.into(),
            since: vec![],
        },
    );
    while !matches!(recv(&mut socket), ServerFrame::Welcome { .. }) {}
    (socket, started.elapsed())
}

/// Posts `count` messages to the lobby, `window` unacknowledged at a time.
fn fill(socket: &mut Socket, count: usize, window: usize) {
    let (mut sent, mut acked) = (0, 0);
    while acked < count {
        while sent < count && sent - acked < window {
            send(
                socket,
                &ClientFrame::Send {
                    attachment: None,
                    id: format!("m{sent}"),
                    room: "lobby".into(),
                    text: format!("history message number {sent}, long enough to look like chat"),
                    reply_to: None,
                },
            );
            sent += 1;
        }
        if matches!(recv(socket), ServerFrame::Ack { .. }) {
            acked += 1;
        }
    }
}

/// How long a search of the whole room takes (server side, over the socket), for a word that
/// matches often, one that matches once, and one that never does.
fn search_times(socket: &mut Socket) -> Vec<(&'static str, Duration, usize)> {
    ["number 1", "number 12345,", "no such words"]
        .into_iter()
        .map(|query| {
            let started = Instant::now();
            send(
                socket,
                &ClientFrame::Search {
                    room: "lobby".into(),
                    query: query.into(),
                },
            );
            loop {
                if let ServerFrame::SearchResults { messages, .. } = recv(socket) {
                    return (query, started.elapsed(), messages.len());
                }
            }
        })
        .collect()
}

fn main() {
    let messages: usize = std::env::args()
        .nth(1)
        .map_or(50_000, |arg| arg.parse().expect("MESSAGES is a number"));
    let dir = tempfile::tempdir().expect("temp dir");
    let server = measure::unlimited_server(&dir.path().join("db"));
    let url = server.ws_url();
    let base = http_base(&url).expect("an HTTP base");

    let (_, empty_welcome) = hello(&url);
    let (mut socket, _) = hello(&url);
    let filling = Instant::now();
    fill(&mut socket, messages, 64);
    let fill_time = filling.elapsed();
    let searches = search_times(&mut socket);
    drop(socket);
    let (_, full_welcome) = hello(&url);

    let mut latencies = Vec::new();
    let mut before = None;
    let mut received = 0;
    let walking = Instant::now();
    loop {
        let request = ehttp::Request::get(format!(
            "{base}{}",
            api::history_path("lobby", before, PAGE_SIZE)
        ))
        .with_header("Authorization", format!("Bearer {TOKEN}"));
        let started = Instant::now();
        let response = ehttp::fetch_blocking(&request).expect("a page");
        latencies.push(started.elapsed());
        let page: HistoryPage = serde_json::from_slice(&response.bytes).expect("a page body");
        received += page.messages.len();
        before = page.messages.first().map(|message| message.seq);
        if !page.more {
            break;
        }
    }
    let walk_time = walking.elapsed();
    assert_eq!(received, messages, "every message came back exactly once");
    latencies.sort();

    println!("{messages} messages in one room, pages of {PAGE_SIZE} over HTTP (release build)");
    println!(
        "filled in {:.2} s ({:.0} msg/s stored + acked, 64 in flight)",
        fill_time.as_secs_f64(),
        messages as f64 / fill_time.as_secs_f64()
    );
    println!(
        "paged back {} pages in {:.2} s = {:.0} messages/s",
        latencies.len(),
        walk_time.as_secs_f64(),
        received as f64 / walk_time.as_secs_f64()
    );
    println!(
        "page latency ms: p50 {:.2}  p99 {:.2}  max {:.2}",
        measure::percentile_ms(&latencies, 0.5),
        measure::percentile_ms(&latencies, 0.99),
        measure::percentile_ms(&latencies, 1.0)
    );
    println!(
        "hello -> welcome ms: empty room {:.2}, after {messages} messages {:.2}",
        empty_welcome.as_secs_f64() * 1000.0,
        full_welcome.as_secs_f64() * 1000.0
    );
    for (query, took, found) in searches {
        println!(
            "search {query:?}: {:.2} ms ({found} shown)",
            took.as_secs_f64() * 1000.0
        );
    }
    println!("process RSS MiB: {:.1}", measure::rss_mib());
}
