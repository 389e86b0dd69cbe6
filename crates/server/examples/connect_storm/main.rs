//! A connect storm: N clients connect, say hello and join one room at R per second, and stay.
//!
//! Starts the release `chinwag-server` (fresh database in a temporary directory, connection caps
//! raised for N clients from one address, no limit on new identities), or measures a running
//! server given by `--url` and `--pid` (a reference server: `--target plain` only connects and
//! sends one text frame, a name). Prints how many joined, the server's CPU seconds over the
//! storm (from `/proc/<pid>/stat`), its resident memory before and after and per connection
//! (`/proc/<pid>/status`), the time from connecting to the welcome (p50/p99), and, for Chinwag,
//! how many clients see the exact online count once everyone is in. Then the clients stay for
//! `--stay` seconds and the count of those still connected is printed. Every wait has a
//! deadline.
//!
//! ```text
//! cargo build --release -p chinwag-server
//! cargo run --release -p chinwag-server --example connect_storm -- --clients 10000 --rate 40
//! cargo run --release -p chinwag-server --example connect_storm -- --rate 500
//! cargo run --release -p chinwag-server --example connect_storm -- --url ws://127.0.0.1:3000/ws --pid 1234 --target plain
//! ```
//!
//! The example raises its own descriptor limit to the hard limit; 10,000 clients need a hard
//! limit above 10,100 (`ulimit -Hn`; raise it with `ulimit -n 65536` as root).

mod clients;
mod process;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Parser;
use tokio::sync::watch;
use tokio::time::Instant;

use chinwag_testkit::measure::percentile_ms;
use chinwag_testkit::process::{cpu_seconds, rss_kib};
use clients::{JOIN_DEADLINE, Storm, Tally, Target};
use process::StartedServer;

/// How long after the last client joined every client has to see the exact online count.
const SETTLE_DEADLINE: Duration = Duration::from_secs(30);
/// How often the figures are looked at while waiting.
const POLL: Duration = Duration::from_millis(100);

#[derive(Parser)]
struct Args {
    /// How many clients connect.
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// How many clients start connecting per second.
    #[arg(long, default_value_t = 40.0)]
    rate: f64,
    /// The WebSocket URL of a running server to measure (then --pid too); without it, the
    /// release chinwag-server is started.
    #[arg(long, requires = "pid")]
    url: Option<String>,
    /// The process id of the server at --url.
    #[arg(long, requires = "url")]
    pid: Option<u32>,
    /// What a client does once connected.
    #[arg(long, value_enum, default_value = "chinwag")]
    target: Target,
    /// The room every client joins (Chinwag).
    #[arg(long, default_value = chinwag_protocol::DEFAULT_ROOM)]
    room: String,
    /// Seconds the clients stay connected after the figures, before the last check.
    #[arg(long, default_value_t = 10)]
    stay: u64,
    /// Clients per task.
    #[arg(long, default_value_t = 250)]
    per_task: usize,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < args.clients as u64 + 100 => {
            eprintln!("warning: only {limit} descriptors; raise the hard limit (ulimit -n)");
        }
        Ok(_) => {}
        Err(err) => eprintln!("warning: cannot raise the descriptor limit: {err}"),
    }
    let started = match (&args.url, args.pid) {
        (Some(_), Some(_)) => None,
        _ => Some(StartedServer::start(args.clients)),
    };
    let (url, pid) = match (&started, &args.url, args.pid) {
        (Some(server), _, _) => (server.process.url.clone(), server.process.pid()),
        (None, Some(url), Some(pid)) => (url.clone(), pid),
        _ => unreachable!("clap requires --url and --pid together"),
    };
    println!(
        "connect storm: {} clients at {}/s to {url} ({:?}), pid {pid}",
        args.clients, args.rate, args.target
    );
    let storm = Arc::new(Storm {
        url,
        room: args.room.clone(),
        clients: args.clients,
        target: args.target,
        tally: Tally::default(),
    });
    let rss_before = rss_kib(pid).expect("the server runs");
    let cpu_before = cpu_seconds(pid).expect("the server runs");
    let (stop, stopped) = watch::channel(false);
    let groups = args.clients.div_ceil(args.per_task.max(1)).max(1);
    let start = Instant::now();
    let tasks: Vec<_> = (0..groups)
        .map(|group| {
            let run = clients::run_group(
                storm.clone(),
                group,
                groups,
                args.rate,
                start,
                stopped.clone(),
            );
            tokio::spawn(run)
        })
        .collect();

    let tally = &storm.tally;
    let storm_deadline = Duration::from_secs_f64(args.clients as f64 / args.rate) + JOIN_DEADLINE;
    let all_in = wait_for(start + storm_deadline, || {
        tally.joined.load(Ordering::Relaxed) + tally.failed.load(Ordering::Relaxed) >= args.clients
    })
    .await;
    let storm_took = start.elapsed();
    let settled = args.target == Target::Plain
        || wait_for(Instant::now() + SETTLE_DEADLINE, || {
            tally.see_everyone.load(Ordering::Relaxed) >= tally.joined.load(Ordering::Relaxed)
        })
        .await;
    let cpu = cpu_seconds(pid).expect("the server runs") - cpu_before;
    let rss_after = rss_kib(pid).expect("the server runs");
    report(
        &args,
        tally,
        storm_took,
        all_in,
        settled,
        cpu,
        (rss_before, rss_after),
    );

    // Stay: still connected (and for Chinwag, still seeing everyone) a while later.
    tokio::time::sleep(Duration::from_secs(args.stay)).await;
    let dropped = tally.dropped.load(Ordering::Relaxed);
    println!(
        "after staying {} s: {} still connected, {} dropped{}",
        args.stay,
        tally.joined.load(Ordering::Relaxed) - dropped,
        dropped,
        match args.target {
            Target::Chinwag => format!(
                ", {} see {} online",
                tally.see_everyone.load(Ordering::Relaxed),
                args.clients
            ),
            Target::Plain => String::new(),
        }
    );
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
}

/// Waits until `done` holds or `deadline` passes; whether it held.
async fn wait_for(deadline: Instant, done: impl Fn() -> bool) -> bool {
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
    true
}

fn report(
    args: &Args,
    tally: &Tally,
    took: Duration,
    all_in: bool,
    settled: bool,
    cpu: f64,
    (rss_before, rss_after): (u64, u64),
) {
    let joined = tally.joined.load(Ordering::Relaxed);
    let mut times = tally.welcome_times.lock().expect("not poisoned").clone();
    times.sort();
    println!(
        "joined {joined} of {} in {:.1} s ({} failed{})",
        args.clients,
        took.as_secs_f64(),
        tally.failed.load(Ordering::Relaxed),
        if all_in { "" } else { "; gave up waiting" }
    );
    if let Some(why) = tally.first_failure.lock().expect("not poisoned").as_ref() {
        println!("first failure: {why}");
    }
    println!("server CPU over the storm: {cpu:.1} s");
    let per_connection = rss_after.saturating_sub(rss_before) as f64 / joined.max(1) as f64;
    println!(
        "server RSS: {:.1} MiB before, {:.1} MiB after: {per_connection:.1} KiB per connection",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    if !times.is_empty() {
        println!(
            "time to welcome: p50 {:.1} ms, p99 {:.1} ms",
            percentile_ms(&times, 0.5),
            percentile_ms(&times, 0.99)
        );
    }
    if args.target == Target::Chinwag {
        let see = tally.see_everyone.load(Ordering::Relaxed);
        println!(
            "online count: {see} of {joined} clients see {} online{}",
            args.clients,
            if settled { "" } else { " (gave up waiting)" }
        );
    }
}
