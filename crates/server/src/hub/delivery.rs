//! Delivery: how frames leave the hub for the connections' outboxes.
//!
//! What the hub sends a connection while it handles a batch of commands goes into the
//! connection's bag, in order; when the batch ends ([`Hub::end_batch`]) each bag is posted to its
//! outbox as one queue item. A batch that stores k messages in a room of n members so costs n
//! queue items and at most n wake-ups, not k × n, and each socket task writes its item with one
//! flush. The bytes of a broadcast are encoded once and shared by every bag.
//!
//! A room that fans out wide is paced (see [`super::pacing`]): what else is broadcast to it in
//! the next [`FANOUT_INTERVAL`](super::pacing::FANOUT_INTERVAL) goes out together.
//!
//! Overload: if more than a quarter of the connections that received the last wide fan-out (a
//! sample of them) lag, the server or its readers are not keeping up; new messages are then
//! refused with `rate_limited` (the client pauses and resends them) until they catch up, and
//! after that are admitted at a rate that adapts (see [`super::admission`]), so what is
//! accepted is delivered within a bounded time instead of queueing for seconds. A quarter, not
//! a majority: the readers furthest behind make the worst latency (a majority rule let p99 reach
//! 0.5 s), while a handful of slow readers still cannot hold up a room. A connection lags when
//! [`LAGGING_ITEMS`] items or more wait in its queue, or when it has not yet read what was
//! written to it [`PROBE_LAG`] ago (its [`probe`](super::probe)): sockets keep little unsent data
//! (`TCP_NOTSENT_LOWAT`, see `listen.rs`), but a reader short of CPU holds its backlog in its own
//! receive buffer, which only the probe sees. A single reader that falls behind alone
//! fills its own queue and is dropped as too slow (it reconnects and recovers by seq); the
//! departures of connections dropped in one batch reach the others in that batch's one
//! `presence` frame, in its one item, so dropping one reader never fills anybody else's queue.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;

use super::pacing::WIDE_FANOUT;
use super::{ConnId, Hub, MAX_QUEUED_BYTES, Outbox, Outgoing, Peer, Refusal};
use chinwag_protocol::Rejection;

/// A connection with this many items waiting in its queue is lagging: a paced room sends its
/// members one item an interval, so this is about 60 ms behind.
pub(super) const LAGGING_ITEMS: usize = 2;
/// A connection whose probe has waited this long beyond its round trip is lagging: what it
/// reads now is at least this old. With adaptive admission, 50 ms and 100 ms hold p99 past the
/// peak alike (125–143 ms at 3,000 and 5,000 messages a second offered to 1,000 readers), and
/// 100 ms refuses nothing at ordinary load on a noisy machine where 50 ms did.
pub(super) const PROBE_LAG: Duration = Duration::from_millis(100);
/// How many of the last wide fan-out's connections [`Hub::overloaded`] looks at.
const LAG_SAMPLE: usize = 32;
/// How long a sender refused for overload is asked to wait before it sends again.
const OVERLOAD_RETRY: Duration = Duration::from_millis(250);

/// A map keyed by connection: a broadcast looks up every member, so the key is hashed by one
/// multiplication (connection ids are sequential numbers the server gives, not input).
pub type ConnMap<V> = HashMap<ConnId, V, BuildHasherDefault<ConnHasher>>;

/// The hasher of [`ConnMap`]: Fibonacci hashing of the one `u64` key.
#[derive(Default)]
pub struct ConnHasher(u64);

impl Hasher for ConnHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Which connections have something in their bag, and what the last wide fan-out reached.
#[derive(Default)]
pub(super) struct Mail {
    /// Connections whose bag is not empty, in the order they got something.
    filled: Vec<ConnId>,
    /// Some of the connections of the last wide fan-out, for [`Hub::overloaded`].
    sample: Vec<ConnId>,
}

/// What one connection gets at the end of the batch (kept in its [`Peer`]).
#[derive(Default)]
pub(super) struct Bag {
    frames: Vec<Utf8Bytes>,
    /// The bytes in the bag and, from when it got its first, those waiting in the queue.
    bytes: usize,
    /// Close the socket after the frames.
    close: Option<(u16, &'static str)>,
}

impl Bag {
    fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.close.is_none()
    }
}

impl Mail {
    /// Puts `outgoing` in `conn`'s bag; false if its queue and its bag would pass
    /// [`MAX_QUEUED_BYTES`] (an empty queue and bag take any one item). A connection the hub
    /// does not know takes anything (and drops it).
    pub(super) fn put(
        &mut self,
        peers: &mut ConnMap<Peer>,
        conn: ConnId,
        outgoing: Outgoing,
    ) -> bool {
        let Some(peer) = peers.get_mut(&conn) else {
            return true;
        };
        let bag = &mut peer.bag;
        if bag.is_empty() {
            self.filled.push(conn);
            bag.bytes = peer.outbox.queued_bytes();
        }
        let bytes = outgoing.bytes();
        if bag.bytes > 0 && bag.bytes.saturating_add(bytes) > MAX_QUEUED_BYTES {
            return false;
        }
        bag.bytes += bytes;
        match outgoing {
            Outgoing::Frame(text) => bag.frames.push(text),
            Outgoing::Frames(texts) => bag.frames.extend(texts),
            Outgoing::Close(code, reason) => bag.close = Some((code, reason)),
        }
        true
    }
}

/// Posts the bag of a connection the hub is forgetting at once: what it was sent last (a
/// takeover's `replaced` and close) still goes out.
pub(super) fn post_last(outbox: &Outbox, bag: Bag) {
    post(outbox, bag);
}

impl Hub {
    /// Drops the connections that have something in their bag and no room in their queue for
    /// one more item. [`Hub::end_batch`] does it before it tells the rooms who went, so those
    /// departures go out with the rest of the batch, in its one item per connection.
    pub(super) fn drop_full(&mut self) {
        loop {
            let full: Vec<ConnId> = self
                .mail
                .filled
                .iter()
                .copied()
                .filter(|conn| {
                    self.peers
                        .get(conn)
                        .is_some_and(|peer| peer.outbox.is_full())
                })
                .collect();
            if full.is_empty() {
                break;
            }
            for conn in full {
                self.kick(conn);
            }
        }
    }

    /// Posts every bag to its outbox, one item each (and a close after it if one was asked
    /// for), after dropping the connections whose queue is full ([`Hub::drop_full`]).
    pub(super) fn send_mail(&mut self) {
        self.drop_full();
        let filled = std::mem::take(&mut self.mail.filled);
        let wide = filled.len() >= WIDE_FANOUT;
        if wide {
            self.mail.sample.clear();
        }
        let every = (filled.len() / LAG_SAMPLE).max(1);
        for (n, &conn) in filled.iter().enumerate() {
            let Some(peer) = self.peers.get_mut(&conn) else {
                continue;
            };
            if wide && n % every == 0 {
                self.mail.sample.push(conn);
                peer.outbox.probe().want();
            }
            // Only the hub adds to a queue, and this one had room.
            post(&peer.outbox, std::mem::take(&mut peer.bag));
        }
        self.mail.filled = filled;
        self.mail.filled.clear();
    }

    /// Refuses new message `id` to `room` with `rate_limited` while the server is
    /// [overloaded](Hub::overloaded), and after that beyond the rate of its
    /// [admission](super::admission).
    pub(super) fn refuse_when_overloaded(&mut self, id: &str, room: &str) -> Result<(), Refusal> {
        let cost = self.rooms.get(room).map_or(1, |room| room.online.len());
        let lagging = self.overloaded();
        if self.admission.admit(cost, lagging, self.now.instant) {
            return Ok(());
        }
        self.metrics.overload_refusal();
        let why = "the server is busy delivering; try again in a moment";
        Err(Refusal::Rejected(
            Rejection::rate_limited(why, OVERLOAD_RETRY).about_message(id),
        ))
    }

    /// Whether the server or its readers are not keeping up: more than a quarter of the sampled
    /// connections of the last wide fan-out still have [`LAGGING_ITEMS`] or more items waiting
    /// (what their sockets do not take waits there, see `listen.rs`), or have not read what was
    /// written to them [`PROBE_LAG`] ago.
    pub(super) fn overloaded(&self) -> bool {
        let (mut seen, mut lagging) = (0, 0);
        for conn in &self.mail.sample {
            if let Some(peer) = self.peers.get(conn) {
                seen += 1;
                let outbox = &peer.outbox;
                lagging += usize::from(
                    outbox.waiting() >= LAGGING_ITEMS
                        || outbox.probe().behind(self.now.instant) >= PROBE_LAG,
                );
            }
        }
        seen > 0 && lagging * 4 > seen
    }
}

/// Posts one bag: its frames as one item, then its close (not if the queue is full).
fn post(outbox: &Outbox, mut bag: Bag) {
    let frames = match bag.frames.len() {
        0 => None,
        1 => bag.frames.pop().map(Outgoing::Frame),
        _ => Some(Outgoing::Frames(bag.frames)),
    };
    let close = bag
        .close
        .map(|(code, reason)| Outgoing::Close(code, reason));
    for item in frames.into_iter().chain(close) {
        if !outbox.push(item) {
            return;
        }
    }
}
