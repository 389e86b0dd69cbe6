//! Never lose a message: the server killed with SIGKILL mid-stream, and connections cut at
//! random by a proxy. Every acknowledged message must end up exactly once, in order, in every
//! client's view.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chinwag_client::state::Phase;
use chinwag_testkit::LiveClient;

/// How long a whole scenario may take before the test fails.
const SCENARIO_LIMIT: Duration = Duration::from_secs(120);

/// One client's final view: (seq, sender, id) of every stored message, in timeline order.
type View = Vec<(u64, String, String)>;

/// What one client did.
struct Report {
    name: String,
    view: View,
    sent: usize,
    resent: usize,
}

/// Runs a client that sends `count` messages (at most `in_flight` unacknowledged at a time),
/// then keeps listening until its view holds `expected_total` messages.
fn run_client(
    url: String,
    name: String,
    count: usize,
    in_flight: usize,
    expected_total: usize,
    acked: Arc<AtomicUsize>,
) -> Report {
    let mut client = LiveClient::new(&url, &name);
    let mut sent = 0;
    let mut resent = 0;
    let mut was_joined = false;
    let mut acked_here = 0;
    let give_up = Instant::now() + SCENARIO_LIMIT;
    client.pump();
    loop {
        assert!(
            Instant::now() < give_up,
            "{name}: scenario took too long; phase {:?}",
            client.state().phase()
        );
        let joined = client.state().phase() == &Phase::Joined;
        if was_joined && !joined {
            // Whatever is unacknowledged now must come through after the reconnect.
            resent += client.state().pending().len();
        }
        was_joined = joined;
        while sent < count && client.state().pending().len() < in_flight {
            sent += 1;
            client.state_mut().send(&format!("{name} #{sent}"));
        }
        let acked_now = sent - client.state().pending().len();
        acked.fetch_add(acked_now - acked_here, Ordering::SeqCst);
        acked_here = acked_now;
        let messages = chinwag_testkit::texts(client.state()).len();
        if acked_here == count && messages >= expected_total {
            break;
        }
        client.wait_and_pump(Duration::from_millis(200));
    }
    let view = chinwag_testkit::lobby_messages(client.state())
        .iter()
        .map(|m| (m.seq, m.from.clone(), m.id.clone()))
        .collect();
    Report {
        name,
        view,
        sent,
        resent,
    }
}

/// Starts `clients` writer threads named `{prefix}{n}` against `url`; returns them and the shared
/// count of acknowledged messages.
fn spawn_writers(
    url: &str,
    prefix: &str,
    clients: usize,
    per_client: usize,
    in_flight: usize,
) -> (Vec<std::thread::JoinHandle<Report>>, Arc<AtomicUsize>) {
    let acked = Arc::new(AtomicUsize::new(0));
    let writers = (0..clients)
        .map(|n| {
            let (url, name, acked) = (url.to_owned(), format!("{prefix}{n}"), acked.clone());
            std::thread::spawn(move || {
                run_client(
                    url,
                    name,
                    per_client,
                    in_flight,
                    clients * per_client,
                    acked,
                )
            })
        })
        .collect();
    (writers, acked)
}

/// Checks that every client sent and saw everything exactly once and in order, and that all
/// views agree. Returns the number of messages.
fn assert_no_loss(reports: &[Report], per_client: usize) -> usize {
    let total = reports.len() * per_client;
    let reference = &reports[0].view;
    for report in reports {
        assert_eq!(report.sent, per_client, "{} sent everything", report.name);
        let seqs: Vec<u64> = report.view.iter().map(|(seq, ..)| *seq).collect();
        assert_eq!(
            seqs,
            (1..=total as u64).collect::<Vec<_>>(),
            "{}: every seq once, in order",
            report.name
        );
        assert_eq!(
            &report.view, reference,
            "{} sees what everyone sees",
            report.name
        );
    }
    for report in reports {
        let mine: Vec<&String> = reference
            .iter()
            .filter(|(_, from, _)| *from == report.name)
            .map(|(_, _, id)| id)
            .collect();
        let unique: std::collections::HashSet<_> = mine.iter().collect();
        assert_eq!(
            mine.len(),
            per_client,
            "{}: each message stored once",
            report.name
        );
        assert_eq!(
            unique.len(),
            per_client,
            "{}: no duplicate ids",
            report.name
        );
    }
    total
}

/// The `chinwag-server` binary (the same server as `chinwag serve`), started on `bind`; returns
/// the process and its address.
fn spawn_server(bind: &str, db: &std::path::Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chinwag-server"))
        .args(["--bind", bind, "--db"])
        .arg(db)
        // Three writers send 150 messages each as fast as acks come: measure recovery, not the
        // message limit (tests/server_limits.rs covers it).
        .args(["--messages-per-second", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server process starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server announces its address");
    let addr = line
        .split("ws://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"));
    (child, addr)
}

#[test]
fn kill_dash_nine_mid_stream_loses_no_acknowledged_message() {
    const CLIENTS: usize = 3;
    const PER_CLIENT: usize = 150;
    const KILLS: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.sqlite3");
    let (mut server, addr) = spawn_server("127.0.0.1:0", &db);
    let url = format!("ws://{addr}/ws");
    let (clients, acked) = spawn_writers(&url, "writer", CLIENTS, PER_CLIENT, 8);

    let total = CLIENTS * PER_CLIENT;
    let mut acked_at_kills = Vec::new();
    let give_up = Instant::now() + SCENARIO_LIMIT;
    for kill in 1..=KILLS {
        // Kill at evenly spread points of the stream, while clients are still sending.
        let target = total * kill / (KILLS + 1);
        while acked.load(Ordering::SeqCst) < target {
            assert!(
                Instant::now() < give_up,
                "clients stalled at {} acks",
                acked.load(Ordering::SeqCst)
            );
            std::thread::yield_now();
        }
        acked_at_kills.push(acked.load(Ordering::SeqCst));
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        server = spawn_server(&addr.to_string(), &db).0;
    }
    let reports: Vec<Report> = clients
        .into_iter()
        .map(|c| c.join().expect("client thread"))
        .collect();
    server.kill().ok();
    server.wait().ok();

    let stored = assert_no_loss(&reports, PER_CLIENT);
    let resent: usize = reports.iter().map(|r| r.resent).sum();
    println!(
        "crash test: {KILLS} x SIGKILL at {acked_at_kills:?} acks; sent {total}, acknowledged {}, \
         unacknowledged at a crash and resent {resent}, stored once each {stored}, lost 0",
        acked.load(Ordering::SeqCst)
    );
}

/// A TCP proxy that can cut every connection through it at once, or silently swallow all
/// traffic while keeping the connections open (a half-open network).
struct CuttingProxy {
    addr: SocketAddr,
    live: Arc<Mutex<Vec<TcpStream>>>,
    cuts: AtomicUsize,
    swallowing: Arc<AtomicBool>,
}

impl CuttingProxy {
    fn start(upstream: SocketAddr) -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = Arc::new(Self {
            addr: listener.local_addr().unwrap(),
            live: Arc::new(Mutex::new(Vec::new())),
            cuts: AtomicUsize::new(0),
            swallowing: Arc::new(AtomicBool::new(false)),
        });
        let live = proxy.live.clone();
        let swallowing = proxy.swallowing.clone();
        std::thread::spawn(move || {
            for downstream in listener.incoming().flatten() {
                let Ok(upstream) = TcpStream::connect(upstream) else {
                    continue;
                };
                let _ = (downstream.set_nodelay(true), upstream.set_nodelay(true));
                let mut registry = live.lock().unwrap();
                registry.push(downstream.try_clone().unwrap());
                registry.push(upstream.try_clone().unwrap());
                for (mut from, mut to) in [
                    (
                        downstream.try_clone().unwrap(),
                        upstream.try_clone().unwrap(),
                    ),
                    (upstream, downstream),
                ] {
                    let swallowing = swallowing.clone();
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 16 * 1024];
                        while let Ok(read @ 1..) = from.read(&mut buffer) {
                            if !swallowing.load(Ordering::SeqCst)
                                && to.write_all(&buffer[..read]).is_err()
                            {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        proxy
    }

    /// Severs every connection that goes through the proxy now.
    fn cut_all(&self) {
        for stream in self.live.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        self.cuts.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn connections_cut_at_random_lose_and_duplicate_nothing() {
    const CLIENTS: usize = 3;
    const PER_CLIENT: usize = 120;
    let server = chinwag_testkit::TestServer::start_unlimited();
    let upstream = server.server.as_ref().unwrap().addr();
    let proxy = CuttingProxy::start(upstream);
    let url = format!("ws://{}/ws", proxy.addr);
    let (clients, acked) = spawn_writers(&url, "cut", CLIENTS, PER_CLIENT, 4);

    // Cut at pseudo-random points of the stream (a fixed xorshift sequence, so failures replay).
    let total = CLIENTS * PER_CLIENT;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next_cut = 0;
    let give_up = Instant::now() + SCENARIO_LIMIT;
    while next_cut < total * 3 / 4 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        next_cut += 10 + (seed % 40) as usize;
        while acked.load(Ordering::SeqCst) < next_cut.min(total) {
            assert!(
                Instant::now() < give_up,
                "clients stalled at {} acks",
                acked.load(Ordering::SeqCst)
            );
            std::thread::yield_now();
        }
        proxy.cut_all();
    }
    let reports: Vec<Report> = clients
        .into_iter()
        .map(|c| c.join().expect("client thread"))
        .collect();
    let stored = assert_no_loss(&reports, PER_CLIENT);
    let resent: usize = reports.iter().map(|r| r.resent).sum();
    println!(
        "proxy test: {} cuts; sent {total}, stored once each {stored}, resent after a cut {resent}, lost 0",
        proxy.cuts.load(Ordering::SeqCst)
    );
}

#[test]
fn a_half_open_connection_is_detected_by_the_heartbeat_and_replaced() {
    let server = chinwag_testkit::TestServer::start();
    let proxy = CuttingProxy::start(server.server.as_ref().unwrap().addr());
    let mut client =
        LiveClient::new(&format!("ws://{}/ws", proxy.addr), "alice").with_heartbeat(0.2, 1.0);
    client.pump_until("the welcome", |state| state.phase() == &Phase::Joined);

    // The network goes silent: no close, no reset, nothing gets through either way.
    proxy.swallowing.store(true, Ordering::SeqCst);
    client.state_mut().send("sent into the void");
    let silent_since = Instant::now();
    client.pump_until("the heartbeat to notice", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    let noticed_after = silent_since.elapsed();
    assert!(
        matches!(client.state().phase(), Phase::Disconnected { reason } if reason.contains("no answer")),
        "{:?}",
        client.state().phase()
    );

    // The network heals; the client reconnects (taking its name back from the server's stale
    // connection with its token) and the message goes through exactly once.
    proxy.swallowing.store(false, Ordering::SeqCst);
    client.pump_until("delivery", |state| {
        state.phase() == &Phase::Joined && state.pending().is_empty()
    });
    assert_eq!(client.texts(), ["sent into the void"]);
    println!("half-open connection noticed after {noticed_after:?} (dead_after = 1 s)");
}
