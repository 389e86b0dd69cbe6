//! Never lose a message: the server killed with SIGKILL mid-stream, on either store. Every acknowledged message
//! must end up exactly once, in order, in every client's view (the writers are the real client
//! core: chinwag_testkit::writers; connections cut by a proxy are the client's tests).

use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::server_process::spawn_server;
use chinwag_testkit::StoreKind;
use chinwag_testkit::writers::{Report, SCENARIO_LIMIT, assert_no_loss, spawn_writers};

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
