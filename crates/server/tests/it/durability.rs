//! Never lose a message: the server killed with SIGKILL mid-stream, on either store. Every acknowledged message
//! must end up exactly once, in order, in every client's view (the writers are the real client
//! core: chinwag_testkit::writers; connections cut by a proxy are the client's tests).

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Instant;

use chinwag_server::store::Location;
use chinwag_testkit::StoreKind;
use chinwag_testkit::writers::{Report, SCENARIO_LIMIT, assert_no_loss, spawn_writers};

/// The `chinwag-server` binary (the same server as `chinwag serve`), started on `bind`; returns
/// the process and its address.
fn spawn_server(bind: &str, db: &Location) -> (Child, SocketAddr) {
    let db: OsString = match db {
        Location::Sqlite(path) => path.into(),
        Location::Postgres(url) => url.into(),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_chinwag-server"))
        .args(["--bind", bind, "--db"])
        .arg(db)
        // Three writers send 150 messages each as fast as acks come: measure recovery, not the
        // message limit (limits.rs covers it).
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

fn kill_dash_nine_mid_stream_loses_no_acknowledged_message(store: StoreKind) {
    const CLIENTS: usize = 3;
    const PER_CLIENT: usize = 150;
    const KILLS: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let db = store.fresh(dir.path());
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
        "crash test ({store:?}): {KILLS} x SIGKILL at {acked_at_kills:?} acks; sent {total}, acknowledged {}, \
         unacknowledged at a crash and resent {resent}, stored once each {stored}, lost 0",
        acked.load(Ordering::SeqCst)
    );
}

chinwag_testkit::on_both_stores!(kill_dash_nine_mid_stream_loses_no_acknowledged_message);
