//! The two stores side by side, through the server's own `Store`: how fast each commits batches
//! of new messages (as the hub does: one transaction a batch), how fast SQLite's search index
//! catches up in idle time, and how long a search takes with the text index (queries of three
//! characters or more) and without it (shorter queries scan the room), in a room of MESSAGES
//! messages (default 100,000) in Latin, Chinese and Arabic.
//!
//! SQLite in a temporary directory (`synchronous=FULL`); PostgreSQL in a throw-away cluster of
//! its own (`fsync=off`, as the tests run it: the commit figures are its CPU and round trips, not
//! a disk's flush; skipped, saying why, without PostgreSQL), its statistics gathered (`ANALYZE`,
//! as autovacuum does a minute after a bulk load) before the searches.
//!
//! `cargo run --release -p chinwag-server --example store_bench -- [MESSAGES]`

use std::time::{Duration, Instant};

use chinwag_protocol::{ChatMessage, MAX_SEARCH_RESULTS};
use chinwag_server::store::{Authored, Location, Store};
use chinwag_testkit::PgCluster;
use chinwag_testkit::measure::percentile_ms;

/// Messages per transaction, as a busy hub batches them.
const BATCH: usize = 100;
/// Searches timed per kind of query.
const SEARCHES: usize = 30;
/// Words the texts are made of; each message also carries a number of its own, so a search for
/// one number finds a handful of messages.
const WORDS: [&str; 12] = [
    "hello",
    "deploy",
    "review",
    "lunch",
    "build",
    "release",
    "今天",
    "天气",
    "很好",
    "مرحبا",
    "بالعالم",
    "café",
];

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("MESSAGES is a number"))
        .unwrap_or(100_000);
    println!("{count} messages in one room, batches of {BATCH}; {SEARCHES} searches each:");
    println!(
        "| store | commit msg/s | batch p50 / p99 ms | indexed in idle time, msg/s | search, {} matches: p50 / max ms | no match | a word in every other message (newest 50) | 2 characters, no match (scan) |",
        count / 10_000
    );
    println!("|---|---|---|---|---|---|---|---|");
    let dir = tempfile::tempdir().expect("a temporary directory");
    measure(
        "SQLite",
        &Location::Sqlite(dir.path().join("bench.sqlite3")),
        count,
    );
    // A cluster of its own, stopped and removed at the end.
    match PgCluster::start() {
        Ok(cluster) => measure(
            "PostgreSQL",
            &Location::Postgres(cluster.fresh_database()),
            count,
        ),
        Err(why) => println!("| PostgreSQL | skipped: {why} |"),
    }
}

fn measure(label: &str, location: &Location, count: usize) {
    let (rate, batches) = fill(label, location, count);
    if let Location::Postgres(url) = location {
        postgres::Client::connect(url, postgres::NoTls)
            .and_then(|mut client| client.batch_execute("ANALYZE messages"))
            .expect("ANALYZE");
    }
    let mut store = Store::open(location).expect("open the store again");
    // What an idle hub does (SQLite indexes outside the commits; PostgreSQL has nothing to do).
    let begun = Instant::now();
    while store.catch_up().expect("index") {}
    let indexing = match location {
        Location::Sqlite(_) => format!("{:.0}", count as f64 / begun.elapsed().as_secs_f64()),
        Location::Postgres(_) => "(in the commit)".to_owned(),
    };
    let time = |query: &dyn Fn(usize) -> String| {
        let mut took: Vec<Duration> = (0..SEARCHES)
            .map(|i| {
                let begun = Instant::now();
                store
                    .search("lobby", &query(i), MAX_SEARCH_RESULTS)
                    .expect("search");
                begun.elapsed()
            })
            .collect();
        took.sort();
        format!(
            "{:.2} / {:.2}",
            percentile_ms(&took, 0.5),
            percentile_ms(&took, 1.0)
        )
    };
    // "n1234" is in the messages numbered 1234 modulo 10,000.
    let found = time(&|i| format!("n{:04}", 1_000 + i * 37));
    let missing = time(&|i| format!("zq{i:03}"));
    let common = time(&|_| "hello".to_owned());
    // No text holds a "q".
    let scan = time(&|i| format!("q{}", char::from(b'a' + (i % 26) as u8)));
    println!(
        "| {label} | {rate:.0} | {:.2} / {:.2} | {indexing} | {found} | {missing} | {common} | {scan} |",
        percentile_ms(&batches, 0.5),
        percentile_ms(&batches, 0.99)
    );
}

/// Stores `count` messages in batches; the messages per second and each batch's time, sorted.
fn fill(label: &str, location: &Location, count: usize) -> (f64, Vec<Duration>) {
    let mut store = Store::open(location).expect("open the store");
    let mut batches = Vec::with_capacity(count / BATCH + 1);
    let started = Instant::now();
    for (index, batch) in (1..=count).collect::<Vec<_>>().chunks(BATCH).enumerate() {
        let mut messages: Vec<Authored> = batch.iter().map(|&seq| message(seq)).collect();
        let begun = Instant::now();
        store
            .write_batch(&mut messages, &[])
            .expect("store a batch");
        batches.push(begun.elapsed());
        if index % 100 == 0 {
            eprint!("\r{label}: {} of {count} stored", index * BATCH);
        }
    }
    eprintln!();
    let rate = count as f64 / started.elapsed().as_secs_f64();
    batches.sort();
    (rate, batches)
}

fn message(seq: usize) -> Authored {
    let words: Vec<&str> = (0..6)
        .map(|i| WORDS[(seq * 7 + i * 5) % WORDS.len()])
        .collect();
    Authored {
        sender_id: 1,
        message: ChatMessage {
            attachment: None,
            room: "lobby".into(),
            seq: seq as u64,
            id: format!("client-message-{seq}"),
            from: "alice".into(),
            time: 1_700_000_000_000 + seq as i64,
            text: format!("{} n{:04}", words.join(" "), seq % 10_000),
            edited: None,
            deleted: false,
            reply_to: None,
            reactions: Vec::new(),
        },
    }
}
