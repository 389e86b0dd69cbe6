//! [`TokenBucket`]: how often something may happen, as a pure value that is told the time.

use std::time::{Duration, Instant};

/// How fast something may happen: up to `burst` at once after a quiet spell, then one more each
/// time `refill_every` passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// The bucket's size: how many may happen at once (at least 1).
    pub burst: u32,
    /// How long one used token takes to come back.
    pub refill_every: Duration,
}

impl Rate {
    /// `burst` at once, `per_second` sustained; `None` unless `burst` is at least 1 and
    /// `per_second` is finite and at least one a century.
    pub fn per_second(burst: u32, per_second: f64) -> Option<Self> {
        let refill_every = Duration::try_from_secs_f64(per_second.recip()).ok()?;
        let sensible = Duration::from_nanos(1)..Duration::from_secs(100 * 365 * 24 * 3600);
        (burst > 0 && sensible.contains(&refill_every)).then_some(Self {
            burst,
            refill_every,
        })
    }

    /// `count` per `period`, all at once if saved up (the burst is the whole period's count);
    /// `None` when `count` is 0.
    pub fn per_period(count: u32, period: Duration) -> Option<Self> {
        (count > 0).then(|| Self {
            burst: count,
            refill_every: period / count,
        })
    }
}

/// A token bucket: it holds up to [`Rate::burst`] tokens, each action takes one, and a token
/// comes back every [`Rate::refill_every`].
///
/// Kept in the "generic cell rate" form: one instant, the moment the bucket will be full again,
/// instead of a token count and a refill time. The two are the same bucket; this one needs no
/// fractions. It never reads a clock: every call is told `now`, so tests need no sleeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    full_at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn full(now: Instant) -> Self {
        Self { full_at: now }
    }

    /// Takes a token at `now`; if none is left, takes nothing and answers how long until one is.
    pub fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let full_at = self.full_at.max(now);
        // How far from full the bucket would be after this take, in refill time.
        let owed = (full_at - now).saturating_add(rate.refill_every);
        let capacity = rate.refill_every.saturating_mul(rate.burst);
        if owed > capacity {
            return Err(owed - capacity);
        }
        self.full_at = now + owed;
        Ok(())
    }

    /// Whether the bucket is full at `now` (it is then the same as a new one).
    pub fn is_full(&self, now: Instant) -> bool {
        self.full_at <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(burst: u32, refill_ms: u64) -> Rate {
        Rate {
            burst,
            refill_every: Duration::from_millis(refill_ms),
        }
    }

    #[test]
    fn a_full_bucket_allows_exactly_its_burst_at_once() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(start);
        let rate = rate(30, 200);
        for n in 1..=30 {
            assert_eq!(bucket.take(rate, start), Ok(()), "take {n}");
        }
        assert_eq!(
            bucket.take(rate, start),
            Err(Duration::from_millis(200)),
            "the 31st waits for one refill"
        );
        assert!(!bucket.is_full(start));
    }

    #[test]
    fn tokens_come_back_one_per_refill_and_never_beyond_the_burst() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(start);
        let rate = rate(3, 100);
        for _ in 0..3 {
            bucket.take(rate, start).unwrap();
        }
        let later = start + Duration::from_millis(150);
        assert_eq!(
            bucket.take(rate, later),
            Ok(()),
            "one token back after 100 ms"
        );
        assert_eq!(bucket.take(rate, later), Err(Duration::from_millis(50)));
        // A long quiet spell refills to the burst, not beyond.
        let much_later = later + Duration::from_secs(3600);
        assert!(bucket.is_full(much_later));
        for _ in 0..3 {
            assert_eq!(bucket.take(rate, much_later), Ok(()));
        }
        assert_eq!(
            bucket.take(rate, much_later),
            Err(Duration::from_millis(100))
        );
    }

    #[test]
    fn a_refused_take_changes_nothing() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(start);
        let rate = rate(1, 1000);
        bucket.take(rate, start).unwrap();
        let before = bucket;
        for ms in [0, 10, 500, 999] {
            assert!(
                bucket
                    .take(rate, start + Duration::from_millis(ms))
                    .is_err()
            );
        }
        assert_eq!(bucket, before);
        assert_eq!(bucket.take(rate, start + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn rates_are_built_from_counts_and_refuse_nonsense() {
        assert_eq!(Rate::per_second(30, 5.0), Some(rate(30, 200)));
        assert_eq!(
            Rate::per_period(100, Duration::from_secs(3600)),
            Some(rate(100, 36_000))
        );
        assert_eq!(Rate::per_period(0, Duration::from_secs(3600)), None);
        for nonsense in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1e-300] {
            assert_eq!(Rate::per_second(30, nonsense), None, "{nonsense}");
        }
        assert_eq!(Rate::per_second(0, 5.0), None);
    }
}
