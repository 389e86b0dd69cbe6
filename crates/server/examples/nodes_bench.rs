//! One node or three: the same load on one node with SQLite, one node with PostgreSQL and three
//! nodes on one PostgreSQL, side by side in one run. Clients in one room are spread over the
//! nodes (client `n` on node `n % nodes`); the first `--senders` of them send, the others read.
//! For each setup and each step it prints the messages stored and acknowledged per second, and
//! the latency from the sender's clock (in the text) to every receiver: p50/p99 for receivers on
//! the sender's node and on other nodes.
//!
//! Steps: `max` (each sender keeps `--in-flight` messages unacknowledged, no other limit: what
//! the setup stores at most, with every reader reading) and `paced` (each sender at `--rate`
//! messages a second: the latency of a load the setup carries).
//!
//! The servers are this program in `serve` mode (the flags of `chinwag-server`), processes of
//! their own; PostgreSQL is a throw-away cluster with `fsync` on (as SQLite's
//! `synchronous=FULL`). Every wait has a deadline.
//!
//! ```text
//! cargo run --release -p chinwag-server --example nodes_bench -- [--clients 1000]
//!     [--senders 10] [--in-flight 4] [--rate 20] [--seconds 8]
//! ```

#[path = "fanout_bench/process.rs"]
mod process;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, interval, sleep_until, timeout, timeout_at};
use tokio_tungstenite::tungstenite::Message;

use chinwag_protocol::{ClientFrame, DEFAULT_ROOM, PROTOCOL_VERSION, ServerFrame};
use chinwag_testkit::process::ServerProcess;
use process::start_own_server;

/// How long connecting and logging in may take, each.
const LOGIN_DEADLINE: Duration = Duration::from_secs(60);
/// Between the last client logged in and the first message.
const SETTLE: Duration = Duration::from_millis(500);

/// The benchmark's flags.
#[derive(Parser, Clone)]
struct Args {
    /// Clients in the room (all read everything).
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// How many of them send.
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Unacknowledged messages a sender keeps at most.
    #[arg(long, default_value_t = 4)]
    in_flight: usize,
    /// Messages per second per sender in the paced step.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Seconds each step sends.
    #[arg(long, default_value_t = 8.0)]
    seconds: f64,
    /// Seconds after sending that deliveries still count.
    #[arg(long, default_value_t = 3.0)]
    drain: f64,
    /// Clients connecting at once.
    #[arg(long, default_value_t = 50)]
    connecting: usize,
}

/// One step's load: unlimited (`None`: as fast as acks come) or messages a second per sender.
#[derive(Clone, Copy)]
struct Step {
    name: &'static str,
    rate: Option<f64>,
}

/// What one client counted.
#[derive(Default)]
struct Tally {
    acked: u64,
    refused: u64,
    received: u64,
    /// Latencies in microseconds: from a sender on this client's node, and from other nodes.
    same_node: Vec<u32>,
    other_node: Vec<u32>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.acked += other.acked;
        self.refused += other.refused;
        self.received += other.received;
        self.same_node.extend(other.same_node);
        self.other_node.extend(other.other_node);
    }
}

fn main() -> std::process::ExitCode {
    if let Some(served) = chinwag_testkit::process::serve_if_asked() {
        return served;
    }
    let args = Args::parse();
    let pg = match chinwag_testkit::PgCluster::start_durable() {
        Ok(pg) => pg,
        Err(why) => {
            eprintln!("nodes_bench needs PostgreSQL: {why}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = dir.path().join("bench.sqlite3").display().to_string();
    let setups = [
        ("1 node, SQLite", vec![sqlite]),
        ("1 node, PostgreSQL", vec![pg.fresh_database()]),
        ("3 nodes, PostgreSQL", vec![pg.fresh_database(); 3]),
    ];
    let steps = [
        Step {
            name: "max",
            rate: None,
        },
        Step {
            name: "paced",
            rate: Some(args.rate),
        },
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{} clients in one room, {} senders ({} in flight each; paced: {}/s each), {} s a step",
        args.clients, args.senders, args.in_flight, args.rate, args.seconds
    );
    println!(
        "{:<20} {:<6} {:>10} {:>9} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "setup",
        "step",
        "acked/s",
        "refused",
        "same p50",
        "same p99",
        "other p50",
        "other p99",
        "missed"
    );
    for (label, dbs) in setups {
        // Every client comes from one address: lift the per-address caps.
        let nodes: Vec<ServerProcess> = dbs
            .iter()
            .map(|db| start_own_server(std::path::Path::new(db), args.clients * 2))
            .collect();
        let urls: Vec<String> = nodes.iter().map(|node| node.url.clone()).collect();
        for (index, step) in steps.iter().enumerate() {
            let tag = format!("s{index}");
            let tally = runtime.block_on(run_step(&args, &urls, *step, &tag));
            print_row(label, step.name, &args, &tally);
        }
        drop(nodes);
    }
    std::process::ExitCode::SUCCESS
}

/// Connects every client, runs one step, and adds up what they counted.
async fn run_step(args: &Args, urls: &[String], step: Step, tag: &str) -> Tally {
    let connecting = Arc::new(Semaphore::new(args.connecting.max(1)));
    let (go_tx, go_rx) = watch::channel(None);
    let logged_in = Arc::new(Semaphore::new(0));
    let clients: Vec<_> = (0..args.clients)
        .map(|index| {
            let client = Client {
                url: urls[index % urls.len()].clone(),
                node: index % urls.len(),
                name: format!("{tag}c{index}"),
                sender: index < args.senders,
                step,
                args: args.clone(),
            };
            tokio::spawn(client.run(connecting.clone(), logged_in.clone(), go_rx.clone()))
        })
        .collect();
    let all = u32::try_from(args.clients).expect("clients fit in u32");
    timeout(LOGIN_DEADLINE * 2, logged_in.acquire_many(all))
        .await
        .expect("every client logs in in time")
        .expect("semaphore open")
        .forget();
    go_tx.send_replace(Some(Instant::now() + SETTLE));
    let mut total = Tally::default();
    for client in clients {
        total.add(client.await.expect("client task"));
    }
    total
}

/// One benchmark client.
struct Client {
    url: String,
    node: usize,
    name: String,
    sender: bool,
    step: Step,
    args: Args,
}

impl Client {
    /// Logs in, waits for the start, then sends (if a sender) and reads until the step ends.
    async fn run(
        self,
        connecting: Arc<Semaphore>,
        logged_in: Arc<Semaphore>,
        mut go: watch::Receiver<Option<Instant>>,
    ) -> Tally {
        let permit = connecting.acquire().await.expect("semaphore open");
        let (mut socket, _) = timeout(LOGIN_DEADLINE, tokio_tungstenite::connect_async(&self.url))
            .await
            .expect("connects in time")
            .expect("connects");
        let hello = ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: self.name.clone(),
            token: format!("nodes-bench-token-{}", self.name),
            since: Vec::new(),
        };
        socket
            .send(Message::Text(encode(&hello).into()))
            .await
            .expect("hello sent");
        let deadline = Instant::now() + LOGIN_DEADLINE;
        loop {
            let frame = timeout_at(deadline, socket.next())
                .await
                .expect("welcomed in time");
            if let Some(Ok(Message::Text(text))) = frame
                && text.contains("\"welcome\"")
            {
                break;
            }
        }
        drop(permit);
        logged_in.add_permits(1);
        let start = *go
            .wait_for(Option::is_some)
            .await
            .expect("the start is given");
        let start = start.expect("a start time");
        sleep_until(start).await;
        let stop_sending = start + Duration::from_secs_f64(self.args.seconds);
        let stop = stop_sending + Duration::from_secs_f64(self.args.drain);
        let mut tally = Tally::default();
        let (mut sink, mut stream) = socket.split();
        let mut ticks = interval(self.step.rate.map_or(Duration::from_millis(1), |rate| {
            Duration::from_secs_f64(1.0 / rate)
        }));
        let (mut sent, mut unacked) = (0u64, 0usize);
        loop {
            let may_send = self.sender && Instant::now() < stop_sending;
            let wants_tick = may_send && unacked < self.args.in_flight;
            tokio::select! {
                _ = ticks.tick(), if wants_tick => {
                    sent += 1;
                    unacked += 1;
                    let text = format!("{} {}", self.node, start.elapsed().as_micros());
                    let frame = ClientFrame::Send { attachment: None,
                        id: sent.to_string(),
                        room: DEFAULT_ROOM.into(),
                        text,
                        reply_to: None,
                    };
                    if sink.send(Message::Text(encode(&frame).into())).await.is_err() {
                        break;
                    }
                }
                frame = timeout_at(stop, stream.next()) => {
                    let Ok(Some(Ok(Message::Text(text)))) = frame else {
                        if matches!(frame, Err(_) | Ok(None | Some(Err(_)))) {
                            break;
                        }
                        continue;
                    };
                    match serde_json::from_str::<ServerFrame>(&text) {
                        Ok(ServerFrame::Message(message)) => {
                            self.received(&mut tally, start, &message.text);
                        }
                        Ok(ServerFrame::Ack { .. }) => {
                            tally.acked += 1;
                            unacked = unacked.saturating_sub(1);
                        }
                        Ok(ServerFrame::Error { .. }) => {
                            tally.refused += 1;
                            unacked = unacked.saturating_sub(1);
                        }
                        _ => {}
                    }
                }
            }
        }
        // A close handshake, not a broken pipe in the server's log.
        let _ = sink.close().await;
        tally
    }

    /// Counts a delivery and its latency (its text: the sender's node and send time).
    fn received(&self, tally: &mut Tally, start: Instant, text: &str) {
        let Some((node, sent)) = text.split_once(' ') else {
            return;
        };
        let (Ok(node), Ok(sent)) = (node.parse::<usize>(), sent.parse::<u64>()) else {
            return;
        };
        tally.received += 1;
        let now = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let latency = u32::try_from(now.saturating_sub(sent)).unwrap_or(u32::MAX);
        if node == self.node {
            tally.same_node.push(latency);
        } else {
            tally.other_node.push(latency);
        }
    }
}

fn encode(frame: &ClientFrame) -> String {
    serde_json::to_string(frame).expect("frames serialise")
}

/// One line of the table.
fn print_row(setup: &str, step: &str, args: &Args, tally: &Tally) {
    let expected = tally.acked * args.clients as u64;
    println!(
        "{setup:<20} {step:<6} {:>10.0} {:>9} {:>10} {:>10} {:>10} {:>10} {:>8}",
        tally.acked as f64 / args.seconds,
        tally.refused,
        percentile(&tally.same_node, 0.50),
        percentile(&tally.same_node, 0.99),
        percentile(&tally.other_node, 0.50),
        percentile(&tally.other_node, 0.99),
        expected.saturating_sub(tally.received),
    );
}

/// The `p` percentile of `latencies` (µs) in milliseconds, or `-` if there are none.
fn percentile(latencies: &[u32], p: f64) -> String {
    if latencies.is_empty() {
        return "-".into();
    }
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    format!("{:.1} ms", f64::from(sorted[index]) / 1000.0)
}
