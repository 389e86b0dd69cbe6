//! What operators watch: `/metrics` (Prometheus text) and `/healthz` (the store's health, 503
//! while the database is down), on both stores; and a server on PostgreSQL riding out an outage.

use std::time::Instant;

use chinwag_protocol::ServerFrame;
use chinwag_server::ServeOptions;
use chinwag_server::store::Location;
use chinwag_testkit::{
    PATIENCE, PgCluster, RawClient, StoreKind, TestServer, http_exchange, http_get,
};

/// A Prometheus text answer without its `node` labels (a server on PostgreSQL is a node of
/// several sharing the database, and labels every sample with its id).
fn without_node_label(text: &str, store: StoreKind) -> String {
    let mut plain = String::new();
    for line in text.lines() {
        let line = match line.split_once("node=\"") {
            Some((before, after)) => {
                assert!(matches!(store, StoreKind::Postgres), "{line}");
                let (id, rest) = after.split_once('"').unwrap();
                assert!(id.parse::<i64>().is_ok(), "{line}");
                let rest = rest.strip_prefix(',').unwrap_or(rest);
                format!("{before}{rest}").replace("{}", "")
            }
            None => {
                assert!(
                    line.starts_with('#') || matches!(store, StoreKind::Sqlite),
                    "{line}"
                );
                line.to_owned()
            }
        };
        plain.push_str(&line);
        plain.push('\n');
    }
    plain
}

/// The value of the sample `name` (no labels) in a Prometheus text answer.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

fn metrics_count_connections_stored_messages_and_frames(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    for i in 0..3 {
        alice.post(&format!("m{i}"), "lobby", "counted");
    }
    for _ in 0..3 {
        bob.recv_until(|frame| matches!(frame, ServerFrame::Message(_)));
    }
    let (status, head, text) = http_exchange(
        server.addr(),
        &format!(
            "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr()
        ),
    );
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let text = without_node_label(&text, store);
    assert_eq!(sample(&text, "chinwag_connections"), 2.0);
    assert_eq!(sample(&text, "chinwag_messages_stored_total"), 3.0);
    // Each message went to both (and alice had her acks).
    assert!(
        sample(&text, "chinwag_fanout_frames_total") >= 9.0,
        "{text}"
    );
    assert_eq!(sample(&text, "chinwag_slow_clients_dropped_total"), 0.0);
    let batches = sample(&text, "chinwag_store_batch_seconds_count");
    assert!(batches >= 1.0, "{text}");
    assert_eq!(
        sample(&text, "chinwag_store_batch_seconds_bucket{le=\"+Inf\"}"),
        batches
    );
    drop((alice, bob));
}

fn healthz_is_ok_while_the_store_answers(store: StoreKind) {
    let server = TestServer::start_on_store(store, ServeOptions::default());
    assert_eq!(
        http_get(server.addr(), "/healthz", None),
        (200, "ok".into())
    );
}

chinwag_testkit::on_both_stores!(
    metrics_count_connections_stored_messages_and_frames,
    healthz_is_ok_while_the_store_answers,
);

/// `/healthz` until it answers `status` (each answer is immediate; the deadline bounds how
/// long PostgreSQL may take to come back).
fn healthz_until(server: &TestServer, status: u16) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (got, body) = http_get(server.addr(), "/healthz", None);
        if got == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz stayed {got} ({body}), not {status}"
        );
    }
}

#[test]
fn a_postgres_outage_shows_in_healthz_and_the_server_recovers_by_itself() {
    if PgCluster::shared().is_none() {
        return;
    }
    // A cluster of its own: the shared one serves the other tests meanwhile.
    let cluster = PgCluster::start().expect("a PostgreSQL cluster");
    let server = TestServer::start_at(
        Location::Postgres(cluster.fresh_database()),
        tempfile::tempdir().unwrap(),
        ServeOptions::default(),
    );
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    alice.post("a1", "lobby", "before the outage");
    alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));

    cluster.stop_server();
    let why = healthz_until(&server, 503);
    assert!(why.starts_with("store unavailable: "), "{why}");

    cluster.start_server();
    assert_eq!(healthz_until(&server, 200), "ok");
    let (mut bob, lobby) = RawClient::join(&server.url(), "bob", "lobby");
    let history: Vec<&str> = lobby.history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(history, ["before the outage"]);
    bob.post("b1", "lobby", "after the outage");
    let ServerFrame::Ack { seq, .. } =
        bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }))
    else {
        unreachable!()
    };
    assert_eq!(seq, 2);
}
