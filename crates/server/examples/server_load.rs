//! Server throughput and acknowledgement latency over real sockets on loopback.
//!
//! Starts the real server (SQLite history in a temporary directory, synchronous=FULL), joins
//! CLIENTS raw WebSocket clients to one room, and has each send MESSAGES messages with up to
//! WINDOW unacknowledged at a time, while reading every broadcast. Prints messages stored per
//! second, broadcast deliveries per second, ack latency percentiles and the process's memory.
//!
//! `cargo run --release -p chinwag-server --example server_load [CLIENTS] [MESSAGES] [WINDOW]`

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chinwag_protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use chinwag_testkit::measure;
use tungstenite::Message;

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
    /// The server dropped it for reading too slowly (the real client would reconnect and recover).
    dropped: bool,
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
    let (mut socket, _) = tungstenite::connect(&url).expect("connect");
    let send = |socket: &mut tungstenite::WebSocket<_>, frame: &ClientFrame| {
        socket
            .send(Message::Text(
                serde_json::to_string(frame).expect("frames serialise"),
            ))
            .expect("send");
    };
    send(
        &mut socket,
        &ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: name.clone(),
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
    let mut sent_at: HashMap<String, Instant> = HashMap::new();
    let mut latencies = Vec::with_capacity(messages);
    let mut sent = 0;
    let mut broadcasts = 0;
    let mut joined = false;
    while latencies.len() < messages || broadcasts < total {
        while joined && sent < messages && sent_at.len() < window {
            let id = format!("{name}-{sent}");
            sent_at.insert(id.clone(), Instant::now());
            send(
                &mut socket,
                &ClientFrame::Send {
                    id,
                    room: "bench".into(),
                    text: format!("message {sent} from {name}"),
                },
            );
            sent += 1;
        }
        let Ok(message) = socket.read() else {
            return ClientRun {
                latencies,
                broadcasts,
                dropped: true,
            };
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
                if let Some(at) = sent_at.remove(&id) {
                    latencies.push(at.elapsed());
                }
            }
            ServerFrame::Message(_) => broadcasts += 1,
            _ => {}
        }
    }
    ClientRun {
        latencies,
        broadcasts,
        dropped: false,
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
    for handle in handles {
        let run = handle.join().expect("client thread");
        latencies.extend(run.latencies);
        deliveries += run.broadcasts;
        dropped += usize::from(run.dropped);
    }
    let acked = latencies.len();
    let elapsed = started.elapsed().as_secs_f64();
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
    println!(
        "process RSS MiB:  {rss_before:.1} before, {rss_after:.1} after (server + clients in one process)"
    );
    server.stop().expect("clean stop");
}
