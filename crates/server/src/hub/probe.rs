//! Delivery probes: how far behind a reader really is, including what waits in kernel buffers.
//!
//! What a socket task has written can wait in the kernel at either end, and a reader's own
//! receive buffer grows to hundreds of kilobytes; the length of its [`super::Outbox`] cannot
//! see any of that. So the socket task of a connection the hub watches (the sample of a wide
//! fan-out, see `delivery`) puts a WebSocket ping behind what it writes. The peer answers it
//! only once it has read everything written before it (browsers and tungstenite answer a ping
//! as they read it), so while the answer is out the reader is at least the ping's age behind,
//! less its round trip when nothing waits: the fastest answer yet, which the heartbeat's first
//! ping measures at connect.
//!
//! One probe is out at a time. The socket task sets the times and the hub reads them, so the
//! state is three atomics inside the outbox.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The payload of a probe's ping (the heartbeat's other pings carry none).
pub const PROBE_PAYLOAD: &[u8] = b"lag";

/// No probe is out ([`Probe::sent`]), or none was answered yet ([`Probe::fastest`]).
const NONE: u64 = 0;

/// The moment the probes' times count from.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// One connection's probe.
#[derive(Debug, Default)]
pub struct Probe {
    /// The hub wants the next write to carry a probe.
    wanted: AtomicBool,
    /// When the probe that is out was sent ([`stamp`]), or [`NONE`].
    sent: AtomicU64,
    /// The fastest answer so far, in microseconds plus one, or [`NONE`].
    fastest: AtomicU64,
}

impl Probe {
    /// The hub's side: asks for a probe behind the next write.
    pub fn want(&self) {
        self.wanted.store(true, Ordering::Relaxed);
    }

    /// The socket task's side, before it flushes a write: whether to put a probe behind it (the
    /// hub wants one and none is out), noting it as sent `now` if so.
    pub fn due(&self, now: Instant) -> bool {
        self.wanted.load(Ordering::Relaxed) && self.start(now)
    }

    /// The socket task's side, at a heartbeat: whether its ping is a probe (none is out), noting
    /// it as sent `now` if so.
    pub fn start(&self, now: Instant) -> bool {
        if self.sent.load(Ordering::Relaxed) != NONE {
            return false;
        }
        self.wanted.store(false, Ordering::Relaxed);
        self.sent.store(stamp(now), Ordering::Relaxed);
        true
    }

    /// The socket task's side: the peer answered a probe `now`. An answer with none out (a
    /// peer's unasked pong) changes nothing.
    pub fn answered(&self, now: Instant) {
        let sent = self.sent.swap(NONE, Ordering::Relaxed);
        if sent == NONE {
            return;
        }
        let took = stamp(now).saturating_sub(sent) + 1;
        let fastest = self.fastest.load(Ordering::Relaxed);
        if fastest == NONE || took < fastest {
            self.fastest.store(took, Ordering::Relaxed);
        }
    }

    /// The hub's side: how far behind the reader is at least at `now`: how long the probe that
    /// is out has waited beyond the fastest answer; zero if none is out.
    pub fn behind(&self, now: Instant) -> Duration {
        let sent = self.sent.load(Ordering::Relaxed);
        if sent == NONE {
            return Duration::ZERO;
        }
        let fastest = self.fastest.load(Ordering::Relaxed).saturating_sub(1);
        let waited = stamp(now).saturating_sub(sent);
        Duration::from_micros(waited.saturating_sub(fastest))
    }
}

/// `at` in microseconds since [`EPOCH`], plus one (never [`NONE`]).
fn stamp(at: Instant) -> u64 {
    let since = at.saturating_duration_since(*EPOCH).as_micros();
    u64::try_from(since).unwrap_or(u64::MAX - 1) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_reader_is_behind_by_what_its_probe_waits_beyond_its_fastest_answer() {
        let probe = Probe::default();
        let start = *EPOCH + MS;
        assert_eq!(probe.behind(start), Duration::ZERO, "no probe out");

        // The heartbeat's first probe measures the round trip: 5 ms.
        assert!(probe.start(start));
        assert!(!probe.start(start + MS), "one probe at a time");
        assert_eq!(probe.behind(start + 3 * MS), 3 * MS);
        probe.answered(start + 5 * MS);
        assert_eq!(probe.behind(start + 100 * MS), Duration::ZERO);

        // Not wanted: no probe behind a write. Wanted: one, and it waits 125 ms.
        assert!(!probe.due(start + 10 * MS));
        probe.want();
        assert!(probe.due(start + 10 * MS));
        assert!(!probe.due(start + 11 * MS), "one probe at a time");
        assert_eq!(probe.behind(start + 135 * MS), 120 * MS);
        probe.answered(start + 135 * MS);
        assert_eq!(probe.behind(start + 200 * MS), Duration::ZERO);
        assert!(!probe.due(start + 200 * MS), "answered: not wanted again");

        // The fastest answer stays the baseline; an unasked pong changes nothing.
        probe.answered(start + 300 * MS);
        probe.want();
        assert!(probe.due(start + 300 * MS));
        assert_eq!(probe.behind(start + 310 * MS), 5 * MS);
    }
}
