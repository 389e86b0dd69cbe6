//! Fan-out benchmark: N WebSocket clients in one room, S of them sending at a fixed rate, every
//! client reading everything, through a sweep of rates. For each step it prints the offered
//! messages/s and deliveries/s, the deliveries read per second, the latency from the sender's
//! timestamp (in the text) to every receiver (p50/p99/p999), the server's CPU (from
//! `/proc/<pid>/stat`: the server is a process of its own) and the deliveries missed.
//!
//! The same generator drives Chinwag (`--target chinwag`: hello, join, `send`; deliveries are
//! `message` frames) and axum's examples/chat (`--target axum-chat --url ws://127.0.0.1:3000/websocket
//! --pid N`: the first text is the user name, then every text is broadcast as "name: text").
//! Without `--url`, it starts a Chinwag server itself: this program in `serve` mode (the flags of
//! `chinwag-server`), history in a temporary directory, rate limits lifted.
//!
//! Every wait has a deadline: connecting and logging in, the plan (fixed before the first
//! message: each step sends for `--seconds`, then deliveries still count for `--drain`), the end.
//!
//! ```text
//! cargo run --release -p chinwag-server --example fanout_bench -- [--clients 1000] [--senders 10]
//!     [--rates 17,30,50,70] [--seconds 10] [--recv-buffer BYTES]
//!     [--target chinwag|axum-chat --url URL --pid PID]
//! ```

mod client;
mod plan;
mod process;
mod table;
mod target;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout_at};

use chinwag_testkit::process::{cpu_seconds, process_name};
use client::Role;
use plan::Plan;
use process::start_own_server;
use table::StepFigures;
use target::{Identity, Target};

/// The benchmark's flags.
#[derive(Parser)]
struct Args {
    /// The server to drive.
    #[arg(long, value_enum, default_value_t = Target::Chinwag)]
    target: Target,
    /// Its WebSocket URL (needs --pid); without it, a Chinwag server is started.
    #[arg(long, requires = "pid")]
    url: Option<String>,
    /// The process id of the server at --url, for its CPU time.
    #[arg(long, requires = "url")]
    pid: Option<u32>,
    /// Clients in the room (all read everything).
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// How many of them send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per second per sender, one step each.
    #[arg(long, value_delimiter = ',', default_value = "17,30,50,70")]
    rates: Vec<f64>,
    /// Seconds each step sends.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds after a step's sending that its deliveries still count (later ones are missed).
    #[arg(long, default_value_t = 3.0)]
    drain: f64,
    /// Bytes of each message's text.
    #[arg(long, default_value_t = 64)]
    text_bytes: usize,
    /// The generator's worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Clients connecting at once.
    #[arg(long, default_value_t = 50)]
    connecting: usize,
    /// Each client's socket receive buffer (SO_RCVBUF) in bytes; without it, the system's
    /// (which grows to megabytes for a fast stream). A client that reads too slowly then
    /// holds its backlog in its own kernel, where the server cannot see it.
    #[arg(long)]
    recv_buffer: Option<u32>,
}

fn main() -> std::process::ExitCode {
    if let Some(served) = chinwag_testkit::process::serve_if_asked() {
        return served;
    }
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let own = args
        .url
        .is_none()
        .then(|| start_own_server(&dir.path().join("bench.sqlite3"), args.clients));
    let (url, pid) = match &own {
        Some(server) => (server.url.clone(), server.pid()),
        None => (args.url.clone().expect("--url"), args.pid.expect("--pid")),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .expect("runtime");
    let reports = runtime.block_on(bench(&args, url, pid));
    // The server goes first, then the clients' sockets.
    drop(own);
    drop(reports);
    std::process::ExitCode::SUCCESS
}

/// Connects every client, runs the plan, prints the table; returns the clients' reports (their
/// sockets still open).
async fn bench(args: &Args, url: String, pid: u32) -> Vec<client::Report> {
    let tag = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() % 100_000) as u32;
    let connecting = Arc::new(Semaphore::new(args.connecting.max(1)));
    let (ready_tx, mut ready) = mpsc::channel(args.clients.max(1));
    let (plan_tx, plan_rx) = watch::channel(None);
    let started = Instant::now();
    let clients: Vec<_> = (0..args.clients)
        .map(|index| {
            let role = Role {
                target: args.target,
                url: url.clone(),
                who: Identity { index, tag },
                sender: (index < args.senders).then_some(index),
                recv_buffer: args.recv_buffer,
            };
            let task = client::run(role, connecting.clone(), ready_tx.clone(), plan_rx.clone());
            tokio::spawn(task)
        })
        .collect();
    drop(ready_tx);
    let logged_in = count_logged_in(args.clients, &mut ready, started).await;
    let plan = Arc::new(Plan {
        epoch: started,
        start: Instant::now() + Duration::from_secs(2),
        rates: args.rates.clone(),
        duration: Duration::from_secs_f64(args.seconds),
        drain: Duration::from_secs_f64(args.drain),
        senders: args.senders,
        text_bytes: args.text_bytes,
    });
    let _ = plan_tx.send(Some(plan.clone()));
    let cpu = measure_cpu(&plan, pid).await;
    let deadline = plan.finished() + Duration::from_secs(10);
    let mut reports = Vec::with_capacity(clients.len());
    for client in clients {
        match timeout_at(deadline, client).await {
            Ok(Ok(report)) => reports.push(report),
            Ok(Err(err)) => eprintln!("a client panicked: {err}"),
            Err(_) => eprintln!("a client did not finish by the deadline"),
        }
    }
    let figures: Vec<StepFigures> = (0..plan.rates.len())
        .map(|step| {
            let mut figures = StepFigures::sum(&reports, step, logged_in, args.seconds);
            figures.rate = plan.rates[step];
            [figures.server_cpu, figures.bench_cpu] = cpu[step];
            figures
        })
        .collect();
    let dropped = reports.iter().filter(|report| report.dropped).count();
    println!(
        "\n{:?} (server pid {pid}, {}): {logged_in} clients in one room, {} senders, {} s a step, {}-byte texts; {dropped} clients dropped by the server during the run\n",
        args.target,
        process_name(pid),
        args.senders,
        args.seconds,
        args.text_bytes
    );
    table::print(&figures);
    reports
}

/// Waits for every client's login (within a deadline that grows with their number); returns how
/// many got in.
async fn count_logged_in(
    clients: usize,
    ready: &mut mpsc::Receiver<Result<(), String>>,
    started: Instant,
) -> usize {
    let deadline = started + Duration::from_secs(30) + Duration::from_millis(50) * clients as u32;
    let mut logged_in = 0;
    let mut failures = 0;
    while logged_in + failures < clients {
        match timeout_at(deadline, ready.recv()).await {
            Ok(Some(Ok(()))) => logged_in += 1,
            Ok(Some(Err(why))) => {
                failures += 1;
                if failures <= 5 {
                    eprintln!("a client could not log in: {why}");
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    eprintln!(
        "{logged_in} of {clients} clients logged in ({failures} failed) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    logged_in
}

/// The server's and this program's CPU (% of one core) during each step's sending.
async fn measure_cpu(plan: &Plan, pid: u32) -> Vec<[f64; 2]> {
    let own = std::process::id();
    let mut figures = Vec::with_capacity(plan.rates.len());
    for step in 0..plan.rates.len() {
        let window = plan.window(step);
        sleep_until(window.start).await;
        let before = [cpu_seconds(pid), cpu_seconds(own)];
        sleep_until(window.end).await;
        let after = [cpu_seconds(pid), cpu_seconds(own)];
        let seconds = (window.end - window.start).as_secs_f64();
        figures.push([0, 1].map(|i| match (before[i], after[i]) {
            (Some(before), Some(after)) => (after - before) / seconds * 100.0,
            _ => f64::NAN,
        }));
    }
    figures
}
