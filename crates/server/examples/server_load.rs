//! Server throughput and acknowledgement latency over real sockets on loopback.
//!
//! Starts the real server (SQLite history in a temporary directory, synchronous=FULL), joins
//! CLIENTS raw WebSocket clients to one room, and has each send MESSAGES messages with up to
//! WINDOW unacknowledged at a time, while reading every broadcast. Prints messages stored per
//! second, broadcast deliveries per second, ack latency percentiles and the process's memory.
//! A client that hears nothing for [`QUIET_LIMIT`] stops waiting (when the server drops a slow
//! reader, the messages it had yet to send never come), so every run ends; the rates count up to
//! the last ack or broadcast any client read.
//!
//! `cargo run --release -p chinwag-server --example server_load [CLIENTS] [MESSAGES] [WINDOW]`

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chinwag_protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use chinwag_testkit::measure;
use tungstenite::Message;

/// How long a client waits for its next frame before it gives up on the rest.
const QUIET_LIMIT: Duration = Duration::from_secs(5);

fn arg(index: usize, default: usize) -> usize {
    std::env::args()
        .nth(index)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// What one client measured.
struct ClientRun {
    latencies: Vec<Duration>,
    broadcasts: usize,
    /// When it read its last ack or broadcast (pings and presence do not count).
    last_frame: Instant,
    ending: Ending,
}

/// How a client's run ended.
#[derive(PartialEq, Eq)]
enum Ending {
    /// Every ack and every broadcast arrived.
    Complete,
    /// The server dropped it for reading too slowly (the real client would reconnect and recover).
    Dropped,
    /// Nothing arrived for [`QUIET_LIMIT`]: broadcasts from a dropped sender never came.
    GaveUp,
}

/// A socket that has said hello as `name` and asked to join the bench room; reads give up after
/// [`QUIET_LIMIT`].
fn connect_and_join(url: &str, name: &str) -> Socket {
    let (mut socket, _) = tungstenite::connect(url).expect("connect");
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream
            .set_read_timeout(Some(QUIET_LIMIT))
            .expect("read timeout");
    }
    send(
        &mut socket,
        &ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: name.to_owned(),
            token: format!("bench-identity-token-{name}"),
            since: vec![],
        },
    );
    send(
        &mut socket,
        &ClientFrame::Join {
            room: "bench".into(),
            create: true,
            last_seq: None,
        },
    );
    socket
}

/// A client's socket.
type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

/// Sends `frame` as JSON text.
fn send(socket: &mut Socket, frame: &ClientFrame) {
    socket
        .send(Message::Text(
            serde_json::to_string(frame).expect("frames serialise"),
        ))
        .expect("send");
}

/// Sends this client's messages and reads every broadcast, timing each ack.
fn run_client(
    url: String,
    name: String,
    messages: usize,
    window: usize,
    total: usize,
    everyone_joined: Arc<Barrier>,
) -> ClientRun {
    let mut socket = connect_and_join(&url, &name);
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let mut latencies = Vec::with_capacity(messages);
    let mut sent = 0;
    let mut broadcasts = 0;
    let mut joined = false;
    let mut last_frame = Instant::now();
    while latencies.len() < messages || broadcasts < total {
        while joined && sent < messages && sent_at.len() < window {
            let id = format!("{name}-{sent}");
            sent_at.insert(id.clone(), Instant::now());
            send(
                &mut socket,
                &ClientFrame::Send {
                    attachment: None,
                    id,
                    room: "bench".into(),
                    text: format!("message {sent} from {name}"),
                    reply_to: None,
                },
            );
            sent += 1;
        }
        let message = match socket.read() {
            Ok(message) => message,
            Err(tungstenite::Error::Io(err))
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return ClientRun {
                    latencies,
                    broadcasts,
                    last_frame,
                    ending: Ending::GaveUp,
                };
            }
            Err(_) => {
                return ClientRun {
                    latencies,
                    broadcasts,
                    last_frame,
                    ending: Ending::Dropped,
                };
            }
        };
        let Message::Text(text) = message else {
            continue;
        };
        match serde_json::from_str::<ServerFrame>(&text).expect("frame") {
            ServerFrame::Room(_) => {
                // Nobody sends before everyone is in the room, so every client sees every message.
                everyone_joined.wait();
                joined = true;
            }
            ServerFrame::Ack { id, .. } => {
                last_frame = Instant::now();
                if let Some(at) = sent_at.remove(&id) {
                    latencies.push(at.elapsed());
                }
            }
            ServerFrame::Message(_) => {
                last_frame = Instant::now();
                broadcasts += 1;
            }
            _ => {}
        }
    }
    ClientRun {
        latencies,
        broadcasts,
        last_frame,
        ending: Ending::Complete,
    }
}

fn main() {
    let clients = arg(1, 8);
    let messages = arg(2, 2_000);
    let window = arg(3, 32);
    let dir = tempfile::tempdir().expect("temp dir");
    let server = measure::unlimited_server(&dir.path().join("bench.sqlite3"));
    let url = server.ws_url();
    let total = clients * messages;
    let rss_before = measure::rss_mib();
    let started = Instant::now();
    let everyone_joined = Arc::new(Barrier::new(clients));
    let handles: Vec<_> = (0..clients)
        .map(|n| {
            let (url, barrier) = (url.clone(), everyone_joined.clone());
            std::thread::spawn(move || {
                run_client(url, format!("bench{n}"), messages, window, total, barrier)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut deliveries = 0;
    let mut dropped = 0;
    let mut gave_up = 0;
    let mut last_frame = started;
    for handle in handles {
        let run = handle.join().expect("client thread");
        latencies.extend(run.latencies);
        deliveries += run.broadcasts;
        dropped += usize::from(run.ending == Ending::Dropped);
        gave_up += usize::from(run.ending == Ending::GaveUp);
        last_frame = last_frame.max(run.last_frame);
    }
    let acked = latencies.len();
    let elapsed = last_frame.duration_since(started).as_secs_f64();
    let rss_after = measure::rss_mib();
    latencies.sort();
    println!(
        "{clients} clients x {messages} messages, window {window}, one room, SQLite synchronous=FULL"
    );
    println!(
        "stored + acked:   {acked} in {elapsed:.2} s = {:.0} msg/s",
        acked as f64 / elapsed
    );
    println!(
        "deliveries:       {deliveries} = {:.0} frames/s fanned out",
        deliveries as f64 / elapsed
    );
    println!(
        "ack latency ms:   p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        measure::percentile_ms(&latencies, 0.5),
        measure::percentile_ms(&latencies, 0.9),
        measure::percentile_ms(&latencies, 0.99),
        measure::percentile_ms(&latencies, 1.0)
    );
    println!("dropped as too slow to read: {dropped} of {clients} clients");
    if gave_up > 0 {
        println!(
            "gave up waiting ({} s without a frame): {gave_up} of {clients} clients",
            QUIET_LIMIT.as_secs()
        );
    }
    println!(
        "process RSS MiB:  {rss_before:.1} before, {rss_after:.1} after (server + clients in one process)"
    );
    server.stop().expect("clean stop");
}
