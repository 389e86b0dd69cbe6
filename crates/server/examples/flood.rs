//! One member floods a room; what does everyone else notice?
//!
//! Starts the real server in-process (default rate limits, SQLite in a temporary directory),
//! joins a flooder and a member to the lobby, and measures the member's latencies (ping → pong,
//! and its own messages, four a second, send → ack) first in a quiet room, then while the flooder
//! sends `send` frames as fast as one connection can for SECONDS. Prints how many of the flood
//! were stored and how many refused (`rate_limited`), and the latencies before and during.
//! `--unlimited` lifts the limits, to see the flood the limits prevent. The flooder keeps at most
//! WINDOW frames unanswered (default 256; 0: no bound, and the server drops it as too slow once
//! more than 1024 answers queue up for it).
//!
//! `--search`: the lobby first gets HISTORY messages (default 50,000, stored through a server
//! without limits, which then restarts on the same database with the limits under test), and
//! the flooder sends `search` frames for words that never match, so each one it gets through
//! makes the hub scan the whole history. Pings are answered by the connection's own task; the
//! member's message acks go through the hub, so they show what the scans cost everyone else.
//!
//! `cargo run --release -p chinwag-server --example flood --
//! [SECONDS [WINDOW [HISTORY]]] [--unlimited] [--search]``

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use chinwag_protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame};
use chinwag_server::limits::RateLimits;
use chinwag_server::{RunningServer, ServeOptions};
use chinwag_testkit::measure;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// The member's own messages go out this often (a fast typist; under the message limit).
const MEMBER_MESSAGE_EVERY: Duration = Duration::from_millis(250);
/// The quiet measurement lasts this long.
const QUIET: Duration = Duration::from_secs(3);

fn encode(frame: &ClientFrame) -> Message {
    Message::Text(serde_json::to_string(frame).expect("frames serialise"))
}

/// Connects, says hello as `name` and waits for the welcome.
fn join(url: &str, name: &str) -> Socket {
    let (mut socket, _) = tungstenite::connect(url).expect("connect");
    socket
        .send(encode(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: name.into(),
            token: format!("flood-example-token-of-{name}"),
            since: vec![],
        }))
        .expect("hello");
    loop {
        if let Message::Text(text) = socket.read().expect("welcome")
            && let Ok(ServerFrame::Welcome { .. }) = serde_json::from_str(&text)
        {
            return socket;
        }
    }
}

/// What the flooder sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `send` frames, each stored if not refused.
    Send,
    /// `search` frames for words no message holds, each a scan of the room if not refused.
    Search,
}

impl Kind {
    /// The flooder's `n`th frame.
    fn frame(self, n: u64) -> ClientFrame {
        match self {
            Self::Send => ClientFrame::Send {
                attachment: None,
                id: format!("flood-{n}"),
                room: "lobby".into(),
                text: format!("flood message {n}"),
                reply_to: None,
            },
            Self::Search => ClientFrame::Search {
                room: "lobby".into(),
                query: format!("no such words {n}"),
            },
        }
    }

    /// What happens to a frame the server does not refuse.
    fn applied(self) -> &'static str {
        match self {
            Self::Send => "stored",
            Self::Search => "searched",
        }
    }
}

/// What became of the flood.
#[derive(Default)]
struct Flood {
    sent: u64,
    /// Acks of stored messages, or search results.
    applied: u64,
    refused: u64,
    other_errors: Vec<ErrorCode>,
    dropped: bool,
}

impl Flood {
    fn answered(&self) -> u64 {
        self.applied + self.refused + self.other_errors.len() as u64
    }
}

/// Reads every frame the server has sent so far without blocking, counting answers; false once
/// the server dropped the connection.
fn read_available(socket: &mut Socket, result: &mut Flood) -> bool {
    loop {
        match socket.read() {
            Ok(Message::Text(text)) => match serde_json::from_str(&text) {
                Ok(ServerFrame::Ack { .. } | ServerFrame::SearchResults { .. }) => {
                    result.applied += 1;
                }
                Ok(ServerFrame::Error {
                    code: ErrorCode::RateLimited,
                    ..
                }) => result.refused += 1,
                Ok(ServerFrame::Error { code, .. }) => result.other_errors.push(code),
                _ => {}
            },
            Ok(_) => {}
            Err(tungstenite::Error::Io(err)) if err.kind() == ErrorKind::WouldBlock => {
                return true;
            }
            Err(_) => {
                result.dropped = true;
                return false;
            }
        }
    }
}

/// Sends `kind` frames as fast as the socket takes them until `until`, with at most `window`
/// unanswered at a time (0: no bound), reading whatever comes back in between (without
/// blocking); then waits for the answers still on their way.
fn flood(mut socket: Socket, kind: Kind, until: Instant, window: u64) -> Flood {
    let MaybeTlsStream::Plain(stream) = socket.get_mut() else {
        unreachable!("ws:// is plain TCP")
    };
    stream.set_nonblocking(true).expect("non-blocking");
    let mut result = Flood::default();
    while Instant::now() < until {
        if window > 0 && result.sent - result.answered() >= window {
            if !read_available(&mut socket, &mut result) {
                return result;
            }
            std::thread::yield_now();
            continue;
        }
        let frame = encode(&kind.frame(result.sent));
        match socket.write(frame) {
            // A write that would block still queued the frame in tungstenite's buffer.
            Ok(()) => result.sent += 1,
            Err(tungstenite::Error::Io(err)) if err.kind() == ErrorKind::WouldBlock => {
                result.sent += 1;
            }
            Err(_) => {
                result.dropped = true;
                return result;
            }
        }
        let _ = socket.flush();
        if !read_available(&mut socket, &mut result) {
            return result;
        }
    }
    // Every frame sent gets an ack or an error; wait for them (a second of silence ends it).
    let mut quiet_since = Instant::now();
    while result.answered() < result.sent && quiet_since.elapsed() < Duration::from_secs(1) {
        let _ = socket.flush();
        let before = result.answered();
        if !read_available(&mut socket, &mut result) {
            break;
        }
        if result.answered() > before {
            quiet_since = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    result
}

/// The member's latencies over one period.
#[derive(Default)]
struct Latencies {
    ping: Vec<Duration>,
    message: Vec<Duration>,
    broadcasts: u64,
}

/// Pings back to back until `until`, and posts a message every [`MEMBER_MESSAGE_EVERY`], timing
/// each answer; counts the broadcasts that arrive meanwhile.
fn measure(socket: &mut Socket, until: Instant, label: &str) -> Latencies {
    let mut latencies = Latencies::default();
    let mut next_message = Instant::now();
    while Instant::now() < until {
        let (frame, is_wanted): (ClientFrame, fn(&ServerFrame) -> bool) =
            if Instant::now() >= next_message {
                next_message += MEMBER_MESSAGE_EVERY;
                let id = format!("{label}-{}", latencies.message.len());
                let frame = ClientFrame::Send {
                    attachment: None,
                    id,
                    room: "lobby".into(),
                    text: "a member's message".into(),
                    reply_to: None,
                };
                (frame, |frame| matches!(frame, ServerFrame::Ack { .. }))
            } else {
                (ClientFrame::Ping, |frame| {
                    matches!(frame, ServerFrame::Pong)
                })
            };
        let is_message = matches!(frame, ClientFrame::Send { .. });
        let started = Instant::now();
        socket.send(encode(&frame)).expect("member sends");
        loop {
            let Message::Text(text) = socket.read().expect("member reads") else {
                continue;
            };
            let answer: ServerFrame = serde_json::from_str(&text).expect("a server frame");
            if is_wanted(&answer) {
                break;
            }
            match answer {
                ServerFrame::Message(_) => latencies.broadcasts += 1,
                ServerFrame::Error { code, message, .. } => {
                    panic!("the member was refused: {code:?} {message}")
                }
                _ => {}
            }
        }
        let elapsed = started.elapsed();
        if is_message {
            latencies.message.push(elapsed);
        } else {
            latencies.ping.push(elapsed);
        }
    }
    latencies.ping.sort();
    latencies.message.sort();
    latencies
}

fn report(label: &str, latencies: &Latencies) {
    let quantiles = |sorted: &[Duration]| {
        if sorted.is_empty() {
            return "none answered".to_owned();
        }
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            measure::percentile_ms(sorted, 0.5),
            measure::percentile_ms(sorted, 0.99),
            measure::percentile_ms(sorted, 1.0),
        )
    };
    println!(
        "  {label}: ping {} ({} pings); own message ack {} ({} messages); {} broadcasts received",
        quantiles(&latencies.ping),
        latencies.ping.len(),
        quantiles(&latencies.message),
        latencies.message.len(),
        latencies.broadcasts,
    );
}

/// Stores `count` messages in the lobby through a server without limits on `db` (one client,
/// 64 unacknowledged at a time); the server stops when done.
fn fill_history(db: &std::path::Path, count: u64) {
    let started = Instant::now();
    let server = measure::unlimited_server(db);
    let mut filler = join(&server.ws_url(), "filler");
    let (mut sent, mut acked) = (0, 0);
    while acked < count {
        while sent < count && sent - acked < 64 {
            filler
                .send(encode(&ClientFrame::Send {
                    attachment: None,
                    id: format!("history-{sent}"),
                    room: "lobby".into(),
                    text: format!("history message number {sent}, long enough to look like chat"),
                    reply_to: None,
                }))
                .expect("filler sends");
            sent += 1;
        }
        if let Message::Text(text) = filler.read().expect("filler reads")
            && let Ok(ServerFrame::Ack { .. }) = serde_json::from_str(&text)
        {
            acked += 1;
        }
    }
    drop(filler);
    server.stop().expect("the filling server stops");
    println!(
        "lobby filled with {count} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut numbers = args.iter().filter_map(|arg| arg.parse::<u64>().ok());
    let seconds = numbers.next().unwrap_or(5);
    let window = numbers.next().unwrap_or(256);
    let history = numbers.next().unwrap_or(50_000);
    let unlimited = args.iter().any(|arg| arg == "--unlimited");
    let kind = if args.iter().any(|arg| arg == "--search") {
        Kind::Search
    } else {
        Kind::Send
    };
    let limits = if unlimited {
        RateLimits::unlimited()
    } else {
        RateLimits::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("flood.sqlite3");
    if kind == Kind::Search {
        fill_history(&db, history);
    }
    let server = RunningServer::start_with(
        "127.0.0.1:0".parse().expect("address"),
        &db,
        ServeOptions {
            rate_limits: limits,
            ..Default::default()
        },
    )
    .expect("server starts");
    let url = server.ws_url();
    let flooder = join(&url, "flooder");
    let mut member = join(&url, "member");
    match kind {
        Kind::Send => println!("message limit: {:?}", limits.messages),
        Kind::Search => println!("request limit: {:?}", limits.requests),
    }

    let quiet = measure(&mut member, Instant::now() + QUIET, "quiet");
    let until = Instant::now() + Duration::from_secs(seconds);
    let flooding = std::thread::spawn(move || flood(flooder, kind, until, window));
    let during = measure(&mut member, until, "flood");
    let flood = flooding.join().expect("the flooder");

    println!(
        "flood for {seconds} s, window {window}: {} frames ({:.0}/s); {} {} ({:.1}/s), \
         refused {} (rate_limited), other errors {:?}{}",
        flood.sent,
        flood.sent as f64 / seconds as f64,
        kind.applied(),
        flood.applied,
        flood.applied as f64 / seconds as f64,
        flood.refused,
        flood.other_errors,
        if flood.dropped {
            "; the server dropped the flooder"
        } else {
            ""
        },
    );
    println!("the member:");
    report("quiet room", &quiet);
    report("during the flood", &during);
    println!("process RSS: {:.1} MiB", measure::rss_mib());
}
