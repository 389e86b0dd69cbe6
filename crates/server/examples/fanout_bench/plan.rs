//! The sweep's schedule, fixed before the first message so every client knows it: each step sends
//! for `duration`, then waits `drain` for the last deliveries, and the next step starts.

use std::time::Duration;

use tokio::time::Instant;

/// The run's schedule.
#[derive(Debug)]
pub struct Plan {
    /// The clock texts are stamped with (microseconds since this instant).
    pub epoch: Instant,
    /// When the first step starts.
    pub start: Instant,
    /// Messages per second per sender, one a step.
    pub rates: Vec<f64>,
    /// How long each step sends.
    pub duration: Duration,
    /// How long after a step's sending a delivery of it still counts (later: missed).
    pub drain: Duration,
    /// How many clients send.
    pub senders: usize,
    /// The length of each text, in bytes.
    pub text_bytes: usize,
}

/// One step's times.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// When sending starts.
    pub start: Instant,
    /// When sending stops.
    pub end: Instant,
    /// When deliveries of this step stop counting.
    pub drained: Instant,
}

impl Plan {
    /// The times of step `step`.
    pub fn window(&self, step: usize) -> Window {
        let start = self.start + (self.duration + self.drain) * step as u32;
        Window {
            start,
            end: start + self.duration,
            drained: start + self.duration + self.drain,
        }
    }

    /// When the last step's deliveries stop counting.
    pub fn finished(&self) -> Instant {
        self.window(self.rates.len().saturating_sub(1)).drained
    }

    /// Microseconds from the epoch to `at`.
    pub fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }
}

/// When one sender sends: at `rate` a second through each step's window, senders spread evenly
/// over one period so they do not all send at once.
#[derive(Debug)]
pub struct SendSchedule {
    /// This sender's place among the senders, 0 to 1.
    phase: f64,
    step: usize,
    /// Messages sent in this step so far.
    count: u32,
}

impl SendSchedule {
    /// The schedule of sender `sender` (0 to senders-1).
    pub fn new(plan: &Plan, sender: usize) -> Self {
        Self {
            phase: sender as f64 / plan.senders.max(1) as f64,
            step: 0,
            count: 0,
        }
    }

    /// The next send's step and time, or `None` after the last step.
    pub fn next(&mut self, plan: &Plan) -> Option<(usize, Instant)> {
        loop {
            let rate = *plan.rates.get(self.step)?;
            let window = plan.window(self.step);
            if rate > 0.0 {
                let at = window.start
                    + Duration::from_secs_f64((self.phase + f64::from(self.count)) / rate);
                if at < window.end {
                    return Some((self.step, at));
                }
            }
            self.step += 1;
            self.count = 0;
        }
    }

    /// The send returned by [`SendSchedule::next`] is done.
    pub fn sent(&mut self) {
        self.count += 1;
    }
}
