//! Never lose a message when the network fails: connections cut at random by a proxy, and a
//! half-open connection. Every acknowledged message must end up exactly once, in order, in every
//! client's view (the server killed mid-stream is the server's test).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chinwag_client::state::Phase;
use chinwag_testkit::LiveClient;
use chinwag_testkit::writers::{Report, SCENARIO_LIMIT, assert_no_loss, spawn_writers};

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
