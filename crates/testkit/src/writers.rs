//! Writers that stream messages through the real client core while something goes wrong
//! (a killed server, cut connections), and the check that nothing was lost or duplicated.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chinwag_client::state::Phase;

use crate::LiveClient;

/// How long a whole scenario may take before the test fails.
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(120);

/// One client's final view: (seq, sender, id) of every stored message, in timeline order.
pub type View = Vec<(u64, String, String)>;

/// What one writer did.
pub struct Report {
    /// The writer's name.
    pub name: String,
    /// What it saw in the end.
    pub view: View,
    /// How many messages it sent.
    pub sent: usize,
    /// How many of them were unacknowledged when its connection dropped, and so sent again.
    pub resent: usize,
}

/// What the writers of one scenario share: how many joined, how many messages were
/// acknowledged.
#[derive(Clone)]
struct Tally {
    writers: usize,
    joined: Arc<AtomicUsize>,
    acked: Arc<AtomicUsize>,
}

/// Runs a client that joins, waits until every writer has, sends `count` messages (at most
/// `in_flight` unacknowledged at a time), then keeps listening until its view holds
/// `expected_total` messages.
fn run_client(
    url: String,
    name: String,
    count: usize,
    in_flight: usize,
    expected_total: usize,
    tally: Tally,
) -> Report {
    let mut client = LiveClient::new(&url, &name);
    let mut sent = 0;
    let mut resent = 0;
    let mut was_joined = false;
    let mut acked_here = 0;
    let give_up = Instant::now() + SCENARIO_LIMIT;
    client.pump_until("the welcome", |state| state.phase() == &Phase::Joined);
    // Nobody sends before everyone is in: a writer joining later would get only the newest
    // messages in its first room state (`HISTORY_ON_JOIN`), never the whole history (a busy
    // server answering one hello late made the scenario wait for messages that never came).
    tally.joined.fetch_add(1, Ordering::SeqCst);
    while tally.joined.load(Ordering::SeqCst) < tally.writers {
        assert!(
            Instant::now() < give_up,
            "{name}: the other writers did not join"
        );
        client.wait_and_pump(Duration::from_millis(20));
    }
    let acked = tally.acked;
    loop {
        assert!(
            Instant::now() < give_up,
            "{name} on {url}: scenario took too long; phase {:?}, sent {sent}, unacknowledged {}, \
             messages {} of {expected_total}, missing {:?}, last error {:?}",
            client.state().phase(),
            client.state().pending().len(),
            crate::texts(client.state()).len(),
            missing(client.state(), expected_total),
            client.state().last_error(),
        );
        let joined = client.state().phase() == &Phase::Joined;
        if was_joined && !joined {
            // Whatever is unacknowledged now must come through after the reconnect.
            resent += client.state().pending().len();
        }
        was_joined = joined;
        while sent < count && client.state().pending().len() < in_flight {
            sent += 1;
            client.state_mut().send(&format!("{name} #{sent}"));
        }
        let acked_now = sent - client.state().pending().len();
        acked.fetch_add(acked_now - acked_here, Ordering::SeqCst);
        acked_here = acked_now;
        let messages = crate::texts(client.state()).len();
        if acked_here == count && messages >= expected_total {
            break;
        }
        client.wait_and_pump(Duration::from_millis(200));
    }
    let view = crate::lobby_messages(client.state())
        .iter()
        .map(|m| (m.seq, m.from.clone(), m.id.clone()))
        .collect();
    Report {
        name,
        view,
        sent,
        resent,
    }
}

/// The ranges of sequence numbers up to `total` that `state`'s lobby lacks.
fn missing(
    state: &chinwag_client::state::ChatState,
    total: usize,
) -> Vec<std::ops::RangeInclusive<u64>> {
    let have: std::collections::BTreeSet<u64> =
        crate::lobby_messages(state).iter().map(|m| m.seq).collect();
    let mut ranges: Vec<std::ops::RangeInclusive<u64>> = Vec::new();
    for seq in (1..=total as u64).filter(|seq| !have.contains(seq)) {
        match ranges.last_mut() {
            Some(range) if *range.end() + 1 == seq => *range = *range.start()..=seq,
            _ => ranges.push(seq..=seq),
        }
    }
    ranges
}

/// Starts `clients` writer threads named `{prefix}{n}` against `url`; returns them and the shared
/// count of acknowledged messages.
pub fn spawn_writers(
    url: &str,
    prefix: &str,
    clients: usize,
    per_client: usize,
    in_flight: usize,
) -> (Vec<std::thread::JoinHandle<Report>>, Arc<AtomicUsize>) {
    spawn_writers_on(&[url.to_owned()], prefix, clients, per_client, in_flight)
}

/// [`spawn_writers`] spread over several servers: writer `n` connects to `urls[n % urls.len()]`.
pub fn spawn_writers_on(
    urls: &[String],
    prefix: &str,
    clients: usize,
    per_client: usize,
    in_flight: usize,
) -> (Vec<std::thread::JoinHandle<Report>>, Arc<AtomicUsize>) {
    let acked = Arc::new(AtomicUsize::new(0));
    let tally = Tally {
        writers: clients,
        joined: Arc::default(),
        acked: Arc::clone(&acked),
    };
    let writers = (0..clients)
        .map(|n| {
            let url = urls[n % urls.len()].clone();
            let (name, tally) = (format!("{prefix}{n}"), tally.clone());
            std::thread::spawn(move || {
                run_client(
                    url,
                    name,
                    per_client,
                    in_flight,
                    clients * per_client,
                    tally,
                )
            })
        })
        .collect();
    (writers, acked)
}

/// Checks that every client sent and saw everything exactly once and in order, and that all
/// views agree. Returns the number of messages.
pub fn assert_no_loss(reports: &[Report], per_client: usize) -> usize {
    let total = reports.len() * per_client;
    let reference = &reports[0].view;
    for report in reports {
        assert_eq!(report.sent, per_client, "{} sent everything", report.name);
        let seqs: Vec<u64> = report.view.iter().map(|(seq, ..)| *seq).collect();
        assert_eq!(
            seqs,
            (1..=total as u64).collect::<Vec<_>>(),
            "{}: every seq once, in order",
            report.name
        );
        assert_eq!(
            &report.view, reference,
            "{} sees what everyone sees",
            report.name
        );
    }
    for report in reports {
        let mine: Vec<&String> = reference
            .iter()
            .filter(|(_, from, _)| *from == report.name)
            .map(|(_, _, id)| id)
            .collect();
        let unique: std::collections::HashSet<_> = mine.iter().collect();
        assert_eq!(
            mine.len(),
            per_client,
            "{}: each message stored once",
            report.name
        );
        assert_eq!(
            unique.len(),
            per_client,
            "{}: no duplicate ids",
            report.name
        );
    }
    total
}
