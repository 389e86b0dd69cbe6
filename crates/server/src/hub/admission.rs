//! Admission under overload: how many deliveries a second new messages may cost while the
//! fan-out has lately lagged (see [`super::delivery`], overload).
//!
//! Refusing every message while the readers lag and accepting every one once they have caught up
//! lets a burst in each time the gate opens, and the queue that burst builds grows with the
//! offered load: on two cores, 1,000 readers and 4,000–5,000 messages a second offered, p99
//! from sender to reader was 0.5–0.9 s. So after the first lag the hub admits at a rate, in
//! deliveries (a message costs one for each connection in its room), the way TCP's congestion
//! control paces a sender: each time the readers are found lagging (at most every
//! [`CUT_EVERY`]) the rate is cut to [`CUT`] of what was accepted lately (never below
//! [`LEAST_RATE`]), and while they keep up it grows by [`GROWTH`] a second. After [`RELEASE_AFTER`] without a lag everything is admitted
//! again.

use std::time::{Duration, Instant};

/// What a rate is cut to, of what was accepted lately, when the readers lag.
const CUT: f64 = 0.8;
/// The least rate, in deliveries a second: a lag after a quiet moment (nothing accepted lately)
/// still lets ten messages a second into a room of 1,000.
const LEAST_RATE: f64 = 10_000.0;
/// The least time between two cuts: a lag lasts a while after the cut that answers it.
const CUT_EVERY: Duration = Duration::from_millis(100);
/// How much the rate grows a second while the readers keep up.
const GROWTH: f64 = 0.2;
/// How long after the last lag the rate is dropped and everything admitted.
const RELEASE_AFTER: Duration = Duration::from_secs(10);
/// How long a measure of the accepted deliveries a second runs.
const WINDOW: Duration = Duration::from_millis(250);
/// How much of the rate may be taken at once: one paced fan-out's worth.
const BURST: Duration = super::pacing::FANOUT_INTERVAL;

/// The hub's admission of new messages (see the module).
#[derive(Debug, Default)]
pub(super) struct Admission {
    /// The rate admitted while limited; `None`: no limit.
    limit: Option<Limit>,
    /// When the readers were last found lagging.
    last_cut: Option<Instant>,
    /// Deliveries accepted since `window_start`.
    accepted: f64,
    window_start: Option<Instant>,
    /// Deliveries a second accepted in the last whole window.
    recent: f64,
}

/// A limited admission: a token bucket whose rate moves.
#[derive(Debug)]
struct Limit {
    /// Deliveries a second.
    rate: f64,
    /// Deliveries that may go now (at most [`BURST`] of the rate; below zero after a message
    /// wider than that).
    tokens: f64,
    /// When `rate` and `tokens` were brought up to date.
    at: Instant,
}

impl Admission {
    /// Whether a new message that costs `cost` deliveries is accepted at `now`, the readers
    /// `lagging` or not. None is while they lag.
    pub(super) fn admit(&mut self, cost: usize, lagging: bool, now: Instant) -> bool {
        let cost = cost.max(1) as f64;
        self.measure(now);
        if lagging {
            self.cut(now);
            return false;
        }
        if self
            .last_cut
            .is_some_and(|cut| now.duration_since(cut) >= RELEASE_AFTER)
        {
            self.limit = None;
        }
        if let Some(limit) = &mut self.limit {
            let seconds = now.saturating_duration_since(limit.at).as_secs_f64();
            limit.rate *= 1.0 + GROWTH * seconds;
            let burst = limit.rate * BURST.as_secs_f64();
            limit.tokens = (limit.tokens + limit.rate * seconds).min(burst);
            limit.at = now;
            // A message wider than the burst waits for a full bucket, and empties it.
            if limit.tokens < cost.min(burst) {
                return false;
            }
            limit.tokens -= cost;
        }
        self.accepted += cost;
        true
    }

    /// The deliveries a second admitted now, if limited.
    #[cfg(test)]
    pub(super) fn rate(&self) -> Option<f64> {
        self.limit.as_ref().map(|limit| limit.rate)
    }

    /// Cuts the rate to [`CUT`] of what was accepted lately (at most every [`CUT_EVERY`]).
    fn cut(&mut self, now: Instant) {
        if self
            .last_cut
            .is_some_and(|cut| now.duration_since(cut) < CUT_EVERY)
        {
            return;
        }
        self.last_cut = Some(now);
        let running = self.window_start.map_or(0.0, |start| {
            self.accepted / now.duration_since(start).as_secs_f64().max(0.001)
        });
        let lately = self.recent.max(running);
        let rate = (match &self.limit {
            Some(limit) => limit.rate.min(lately),
            None => lately,
        } * CUT)
            .max(LEAST_RATE);
        self.limit = Some(Limit {
            rate,
            tokens: rate * BURST.as_secs_f64(),
            at: now,
        });
    }

    /// Rolls the measuring window over once it has run [`WINDOW`].
    fn measure(&mut self, now: Instant) {
        let start = *self.window_start.get_or_insert(now);
        let ran = now.duration_since(start);
        if ran >= WINDOW {
            self.recent = self.accepted / ran.as_secs_f64();
            self.accepted = 0.0;
            self.window_start = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Offers a message costing `cost` every `every` from `from` for `lasting`; how many were
    /// accepted, and the moment after.
    fn offer(
        admission: &mut Admission,
        from: Instant,
        every: Duration,
        lasting: Duration,
        cost: usize,
    ) -> (usize, Instant) {
        let (mut at, mut accepted) = (from, 0);
        while at < from + lasting {
            accepted += usize::from(admission.admit(cost, false, at));
            at += every;
        }
        (accepted, at)
    }

    #[test]
    fn everything_is_admitted_until_a_lag_then_a_cut_rate_that_grows_until_released() {
        let mut admission = Admission::default();
        let start = Instant::now();
        // 1,000 messages a second to 1,000 readers: 1,000,000 deliveries a second.
        let (accepted, at) = offer(&mut admission, start, MS, 1000 * MS, 1000);
        assert_eq!(accepted, 1000, "no limit before a lag");
        assert_eq!(admission.rate(), None);

        // A lag: refused, and the rate cut to 0.8 of what was accepted.
        assert!(!admission.admit(1000, true, at));
        let cut = admission.rate().expect("limited after a lag");
        assert!((cut - 800_000.0).abs() < 20_000.0, "cut to {cut}");
        assert!(!admission.admit(1000, true, at + MS));
        assert_eq!(admission.rate(), Some(cut), "one cut an interval");

        // Offered 1,000 a second again: about 800 a second get in, and the rate grows.
        let (accepted, at) = offer(&mut admission, at + MS, MS, 1000 * MS, 1000);
        assert!((800..=1000).contains(&accepted), "{accepted} accepted");
        let grown = admission.rate().unwrap();
        assert!(grown > cut * 1.15 && grown < cut * 1.25, "grew to {grown}");

        // A message wider than the burst waits for a full bucket.
        assert!(admission.admit(100_000, false, at + 100 * MS));

        // Ten seconds without a lag: released.
        let (_, at) = offer(&mut admission, at, MS, 9000 * MS, 1);
        assert!(admission.admit(1, false, at + 1000 * MS));
        assert_eq!(admission.rate(), None);
    }

    #[test]
    fn a_lag_after_a_quiet_moment_cuts_to_the_least_rate_not_to_nothing() {
        let mut admission = Admission::default();
        let start = Instant::now();
        assert!(admission.admit(1000, false, start));
        // Nothing accepted for a second, then a lag.
        assert!(!admission.admit(1000, true, start + 1000 * MS));
        assert_eq!(admission.rate(), Some(LEAST_RATE));
        // Ten messages a second still get into a room of 1,000.
        let (accepted, _) = offer(&mut admission, start + 1100 * MS, 10 * MS, 1000 * MS, 1000);
        assert!((10..=13).contains(&accepted), "{accepted} accepted");
    }
}
