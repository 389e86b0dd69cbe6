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
//! One probe is out at a time. The socket task sets the times and the hub reads them, behind a
//! lock of their own: neither side holds it for more than a few loads and stores.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The payload of a probe's ping (the heartbeat's other pings carry none).
pub const PROBE_PAYLOAD: &[u8] = b"lag";

/// One connection's probe.
#[derive(Debug, Default)]
pub struct Probe {
    /// The hub wants the next write to carry a probe (read at every write, so outside the lock).
    wanted: AtomicBool,
    times: Mutex<Times>,
}

/// When the probe that is out was sent, and the fastest answer so far.
#[derive(Debug, Default)]
struct Times {
    sent: Option<Instant>,
    fastest: Option<Duration>,
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
        let mut times = self.times();
        if times.sent.is_some() {
            return false;
        }
        self.wanted.store(false, Ordering::Relaxed);
        times.sent = Some(now);
        true
    }

    /// The socket task's side: the peer answered a probe `now`. An answer with none out (a
    /// peer's unasked pong) changes nothing.
    pub fn answered(&self, now: Instant) {
        let mut times = self.times();
        let Some(sent) = times.sent.take() else {
            return;
        };
        let took = now.saturating_duration_since(sent);
        times.fastest = Some(times.fastest.map_or(took, |fastest| fastest.min(took)));
    }

    /// The hub's side: how far behind the reader is at least at `now`: how long the probe that
    /// is out has waited beyond the fastest answer; zero if none is out.
    pub fn behind(&self, now: Instant) -> Duration {
        let times = self.times();
        let Some(sent) = times.sent else {
            return Duration::ZERO;
        };
        now.saturating_duration_since(sent)
            .saturating_sub(times.fastest.unwrap_or_default())
    }

    fn times(&self) -> MutexGuard<'_, Times> {
        // Only loads and stores happen under the lock; nothing in between can panic.
        self.times.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_reader_is_behind_by_what_its_probe_waits_beyond_its_fastest_answer() {
        let probe = Probe::default();
        let start = Instant::now();
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
