//! Several `chinwag-server` processes on one PostgreSQL behave as one server: every client sees
//! every message exactly once in one seq order, whichever node it is on; presence and typing
//! cross nodes; a node killed with SIGKILL or PostgreSQL restarted loses no acknowledged
//! message. (PostgreSQL only: SQLite is one node's own file.)

use std::net::SocketAddr;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::server_process::spawn_server;
use chinwag_protocol::{ClientFrame, ErrorCode, ServerFrame};
use chinwag_server::store::Location;
use chinwag_testkit::balancer::Balancer;
use chinwag_testkit::writers::{Report, SCENARIO_LIMIT, assert_no_loss, spawn_writers_on};
use chinwag_testkit::{PgCluster, RawClient, error_code, room_of, token_of};

/// Nodes on one database, killed when dropped.
pub(crate) struct Nodes {
    db: Location,
    processes: Vec<Child>,
    addrs: Vec<SocketAddr>,
}

impl Nodes {
    /// `count` nodes on the PostgreSQL database at `url`.
    pub(crate) fn start(url: String, count: usize) -> Self {
        let db = Location::Postgres(url);
        let (processes, addrs) = (0..count).map(|_| spawn_server("127.0.0.1:0", &db)).unzip();
        Self {
            db,
            processes,
            addrs,
        }
    }

    /// The WebSocket URL of node `node`.
    pub(crate) fn url(&self, node: usize) -> String {
        format!("ws://{}/ws", self.addrs[node])
    }

    fn urls(&self) -> Vec<String> {
        (0..self.addrs.len()).map(|node| self.url(node)).collect()
    }

    /// SIGKILL: no goodbye, no flush.
    fn kill(&mut self, node: usize) {
        self.processes[node].kill().expect("SIGKILL");
        self.processes[node].wait().expect("reaped");
    }

    /// Starts a killed node again on its address.
    fn restart(&mut self, node: usize) {
        self.processes[node] = spawn_server(&self.addrs[node].to_string(), &self.db).0;
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for process in &mut self.processes {
            process.kill().ok();
            process.wait().ok();
        }
    }
}

/// Waits until `acked` reaches `target`, or fails the test at `give_up`.
fn wait_for_acks(acked: &AtomicUsize, target: usize, give_up: Instant) {
    while acked.load(Ordering::SeqCst) < target {
        assert!(
            Instant::now() < give_up,
            "clients stalled at {} acks",
            acked.load(Ordering::SeqCst)
        );
        std::thread::yield_now();
    }
}

fn join_all(clients: Vec<std::thread::JoinHandle<Report>>) -> Vec<Report> {
    clients
        .into_iter()
        .map(|client| client.join().expect("client thread"))
        .collect()
}

#[test]
fn clients_on_three_nodes_all_see_every_message_once_in_one_order() {
    const CLIENTS: usize = 6;
    const PER_CLIENT: usize = 100;
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let nodes = Nodes::start(pg.fresh_database(), 3);
    let (clients, _) = spawn_writers_on(&nodes.urls(), "spread", CLIENTS, PER_CLIENT, 8);
    let reports = join_all(clients);
    let stored = assert_no_loss(&reports, PER_CLIENT);
    println!("three nodes: {CLIENTS} clients, {stored} messages, each seen once in one order");
}

#[test]
fn presence_and_typing_cross_nodes() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let nodes = Nodes::start(pg.fresh_database(), 2);
    let (mut ann, _) = RawClient::join(&nodes.url(0), "ann", "lobby");
    let (mut bob, lobby) = RawClient::join(&nodes.url(1), "bob", "lobby");
    assert_eq!(
        lobby.users,
        ["ann", "bob"],
        "who is online counts the other node"
    );
    assert_eq!(lobby.online, 2);
    let came = ann.recv_until(|frame| presence_of(frame, "lobby", "bob").is_some());
    assert_eq!(presence_of(&came, "lobby", "bob"), Some((true, 2)));
    bob.send(&ClientFrame::Typing {
        room: "lobby".into(),
    });
    ann.recv_until(|frame| {
        matches!(frame, ServerFrame::Typing { room, name } if room == "lobby" && name == "bob")
    });
    drop(bob);
    let went = ann.recv_until(|frame| presence_of(frame, "lobby", "bob").is_some());
    assert_eq!(presence_of(&went, "lobby", "bob"), Some((false, 1)));
}

/// Whether `frame` tells that `name` came (true) or went (false) in `room`, and the count
/// online it tells.
pub(crate) fn presence_of(frame: &ServerFrame, room: &str, name: &str) -> Option<(bool, u64)> {
    let ServerFrame::Presence {
        room: about,
        joined,
        left,
        online,
    } = frame
    else {
        return None;
    };
    let named = |names: &[String]| names.iter().any(|other| other == name);
    match (about == room, named(joined), named(left)) {
        (true, true, _) => Some((true, *online)),
        (true, _, true) => Some((false, *online)),
        _ => None,
    }
}

#[test]
fn the_same_token_on_another_node_replaces_the_connection() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let nodes = Nodes::start(pg.fresh_database(), 2);
    let (mut first, _) = RawClient::join(&nodes.url(0), "cat", "lobby");
    let (mut watcher, _) = RawClient::join(&nodes.url(0), "dan", "lobby");
    let (mut second, welcome) = RawClient::hello_as(&nodes.url(1), "cat", &token_of("cat"));
    assert_eq!(room_of(welcome, "lobby").users, ["cat", "dan"]);
    let replaced = first.recv_until(|frame| error_code(frame).is_some());
    assert_eq!(error_code(&replaced), Some(ErrorCode::Replaced));
    // The name is one identity across nodes: another token cannot take it on either.
    let (_, taken) = RawClient::hello_as(&nodes.url(1), "cat", &token_of("not cat"));
    assert_eq!(error_code(&taken), Some(ErrorCode::NameTaken));
    // A reconnect elsewhere is not a departure: the watcher hears no `left` for cat, only
    // what comes after (here: cat typing on the other node).
    second.send(&ClientFrame::Typing {
        room: "lobby".into(),
    });
    let next = watcher.recv_until(|frame| {
        presence_of(frame, "lobby", "cat") == Some((false, 1))
            || matches!(frame, ServerFrame::Typing { .. })
    });
    assert!(matches!(next, ServerFrame::Typing { name, .. } if name == "cat"));
}

#[test]
fn a_node_killed_without_goodbye_has_its_users_dropped_from_presence() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let mut nodes = Nodes::start(pg.fresh_database(), 2);
    let (mut watcher, _) = RawClient::join(&nodes.url(0), "eve", "lobby");
    let (_gone, _) = RawClient::join(&nodes.url(1), "fay", "lobby");
    watcher.recv_until(|frame| presence_of(frame, "lobby", "fay") == Some((true, 2)));
    let killed = Instant::now();
    nodes.kill(1);
    // Dead after 15 s without a heartbeat; noticed at the next tick of a live node.
    let give_up = killed + Duration::from_secs(25);
    loop {
        let frame = watcher.recv_within(give_up.saturating_duration_since(Instant::now()));
        if presence_of(&frame, "lobby", "fay").is_some() {
            assert_eq!(presence_of(&frame, "lobby", "fay"), Some((false, 1)));
            break;
        }
    }
    println!(
        "a dead node's user left presence {:?} after the kill",
        killed.elapsed()
    );
}

#[test]
fn kill_dash_nine_of_one_node_its_clients_move_to_the_others_and_lose_nothing() {
    const CLIENTS: usize = 6;
    const PER_CLIENT: usize = 150;
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let mut nodes = Nodes::start(pg.fresh_database(), 3);
    let balancer = Balancer::start(nodes.addrs.clone());
    let (clients, acked) = spawn_writers_on(&[balancer.url()], "moved", CLIENTS, PER_CLIENT, 8);
    let give_up = Instant::now() + SCENARIO_LIMIT;
    wait_for_acks(&acked, CLIENTS * PER_CLIENT / 3, give_up);
    let acked_at_kill = acked.load(Ordering::SeqCst);
    nodes.kill(1);
    let reports = join_all(clients);
    let stored = assert_no_loss(&reports, PER_CLIENT);
    let resent: usize = reports.iter().map(|r| r.resent).sum();
    println!(
        "three nodes, one SIGKILLed at {acked_at_kill} acks: stored once each {stored}, \
         unacknowledged at the kill and resent {resent}, lost 0"
    );
    // The killed node comes back and serves the same history.
    nodes.restart(1);
    let (_, lobby) = RawClient::join(&nodes.url(1), "late", "lobby");
    assert_eq!(
        lobby.history.last().map(|message| message.seq),
        Some(stored as u64)
    );
}

#[test]
fn postgres_restarted_mid_stream_nodes_recover_and_lose_nothing() {
    const CLIENTS: usize = 6;
    const PER_CLIENT: usize = 100;
    // A cluster of its own: the others' tests keep theirs running.
    let Some(pg) = PgCluster::own() else {
        return;
    };
    let nodes = Nodes::start(pg.fresh_database(), 3);
    let (clients, acked) = spawn_writers_on(&nodes.urls(), "outage", CLIENTS, PER_CLIENT, 8);
    let give_up = Instant::now() + SCENARIO_LIMIT;
    wait_for_acks(&acked, CLIENTS * PER_CLIENT / 3, give_up);
    let acked_at_stop = acked.load(Ordering::SeqCst);
    pg.stop_server();
    pg.start_server();
    let reports = join_all(clients);
    let stored = assert_no_loss(&reports, PER_CLIENT);
    println!(
        "three nodes, PostgreSQL restarted at {acked_at_stop} acks: stored once each {stored}, lost 0"
    );
}

#[test]
fn nodes_on_one_database_name_the_same_epoch_and_another_database_another() {
    let Some(pg) = PgCluster::shared() else {
        return;
    };
    let epoch_of = |url: &str, name: &str| {
        let (_, welcome) = RawClient::hello_as(url, name, &token_of(name));
        let ServerFrame::Welcome { epoch, .. } = welcome else {
            panic!("expected a welcome, got {welcome:?}");
        };
        epoch.expect("the welcome names its database")
    };
    let nodes = Nodes::start(pg.fresh_database(), 2);
    let epoch = epoch_of(&nodes.url(0), "gus");
    assert_eq!(epoch_of(&nodes.url(1), "hal"), epoch);
    let elsewhere = Nodes::start(pg.fresh_database(), 1);
    assert_ne!(epoch_of(&elsewhere.url(0), "gus"), epoch);
}
