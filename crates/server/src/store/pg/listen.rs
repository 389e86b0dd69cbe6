//! The listener: a thread of its own with a connection of its own, `LISTEN`ing for the other
//! nodes' events and keeping this node's heartbeat. It only forwards: the hub reads what is new
//! (see `hub/cluster.rs`), so a notification lost while the connection was down costs latency,
//! never a message — after every (re)connection and every second the hub catches up anyway.

use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use super::cluster::CHANNEL;
use crate::store::cluster::{Event, Forward, Happened};

/// How often the hub hears [`Happened::Tick`] (and catches up).
const TICK: Duration = Duration::from_secs(1);

/// How often this node's heartbeat row is refreshed (well within `cluster::DEAD_AFTER`).
const HEARTBEAT: Duration = Duration::from_secs(2);

/// How long the first connection may take (the connection's own timeout is shorter).
const START_DEADLINE: Duration = Duration::from_secs(30);

/// How long to wait before connecting again after the connection broke.
const RECONNECT: Duration = Duration::from_millis(500);

/// Starts the listener thread for `node` and returns once it listens (so nothing said after
/// this returns is missed), or why it could not.
pub(super) fn spawn(
    config: postgres::Config,
    node: i64,
    mut forward: Forward,
) -> std::io::Result<()> {
    let (listening, started) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("chinwag-listen".into())
        .spawn(move || {
            let mut client = match connect(&config, node) {
                Ok(client) => client,
                Err(err) => {
                    let _ = listening.send(Err(std::io::Error::other(err)));
                    return;
                }
            };
            let _ = listening.send(Ok(()));
            loop {
                match listen(&mut client, node, &mut forward) {
                    Ok(()) => return,
                    Err(err) => {
                        tracing::warn!(%err, "listening for other nodes failed; again soon")
                    }
                }
                client = loop {
                    if !forward(tick()) {
                        return;
                    }
                    std::thread::sleep(RECONNECT);
                    match connect(&config, node) {
                        Ok(client) => break client,
                        Err(err) => {
                            tracing::warn!(%err, "listening for other nodes failed; again soon")
                        }
                    }
                };
            }
        })?;
    started
        .recv_timeout(START_DEADLINE)
        .map_err(|_| std::io::Error::other("the listener did not connect in time"))?
}

/// A tick, as the listener says it.
fn tick() -> Event {
    Event {
        node: 0,
        what: Happened::Tick,
    }
}

/// A connection that listens, its node's heartbeat refreshed.
fn connect(config: &postgres::Config, node: i64) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    beat(&mut client, node)?;
    Ok(client)
}

/// Forwards what `client` hears until it breaks (`Err`) or nobody wants the events (`Ok`).
fn listen(client: &mut Client, node: i64, forward: &mut Forward) -> Result<(), postgres::Error> {
    let mut beaten = Instant::now();
    let mut ticked = Instant::now();
    // Connected (again): whatever was said meanwhile is caught up with now.
    let listening = Event {
        node: 0,
        what: Happened::Listening,
    };
    if !forward(listening) {
        return Ok(());
    }
    loop {
        let heard = client.notifications().timeout_iter(TICK).next()?;
        if let Some(notification) = heard {
            match serde_json::from_str::<Event>(notification.payload()) {
                Ok(event) => {
                    if !forward(event) {
                        return Ok(());
                    }
                }
                Err(err) => tracing::warn!(%err, "an unreadable notification"),
            }
        }
        if ticked.elapsed() >= TICK {
            ticked = Instant::now();
            if !forward(tick()) {
                return Ok(());
            }
        }
        // A closed connection answers at once with nothing: the heartbeat's error says why,
        // rather than spinning until the next one is due.
        if beaten.elapsed() >= HEARTBEAT || client.is_closed() {
            beaten = Instant::now();
            beat(client, node)?;
        }
    }
}

/// Refreshes this node's heartbeat (its row is back if it was declared dead meanwhile).
fn beat(client: &mut Client, node: i64) -> Result<(), postgres::Error> {
    client.execute(
        "INSERT INTO nodes (id, seen) VALUES ($1, now())
         ON CONFLICT (id) DO UPDATE SET seen = now()",
        &[&node],
    )?;
    Ok(())
}
