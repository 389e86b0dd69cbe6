//! The time as the hub reads it. The hub never looks at a clock itself: every command comes
//! with a [`Now`] ([`super::Hub::handle`]), read from the system clocks by [`super::Hub::run`]
//! and chosen by hand in tests, so rate limits, typing notices, message times and kept names
//! can be tested without waiting.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One moment, on both clocks the hub uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// The monotonic clock: rate limits and how often typing notices are forwarded.
    pub instant: Instant,
    /// The wall clock in milliseconds since the Unix epoch: message and edit times, and how
    /// long a name given up by a rename stays kept.
    pub unix_ms: i64,
}

impl Now {
    /// The present moment, read from the system clocks.
    pub fn read() -> Self {
        Self {
            instant: Instant::now(),
            unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_millis() as i64),
        }
    }

    /// The moment `by` after this one (both clocks move on together).
    pub fn later(self, by: Duration) -> Self {
        Self {
            instant: self.instant + by,
            unix_ms: self
                .unix_ms
                .saturating_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}
