//! Rate and volume limits, so that one user cannot flood everyone else: messages and requests
//! (search, room list, join, leave, topics, renames) per identity, rooms created per identity,
//! identities created per address, HTTP requests per token.
//!
//! Each limit is a [`TokenBucket`] per key, kept by the hub thread (no locks). Defaults are far
//! above what a person typing, reading and clicking does; see [`RateLimits::default`].

mod bucket;

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

pub use bucket::{Rate, TokenBucket};

/// A refused message makes its sender wait at least this long, so that frames the client sent
/// before it heard of the refusal (up to this round trip) are refused too, and nothing it sends
/// gets stored out of order.
pub const MIN_MESSAGE_WAIT: Duration = Duration::from_secs(1);

/// Messages (`send`, `edit`, `delete`, `set_topic`, `rename`) one identity may send at once by default.
pub const DEFAULT_MESSAGE_BURST: u32 = 30;
/// Messages one identity may send per second, sustained, by default.
pub const DEFAULT_MESSAGES_PER_SECOND: f64 = 5.0;
/// Requests (`search`, `list_rooms`, `join`, `leave`, `open_dm`, `set_topic`, `rename`) one
/// identity may make at once by default.
pub const DEFAULT_REQUEST_BURST: u32 = 20;
/// Requests one identity may make per second, sustained, by default.
pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 2.0;
/// Rooms one identity may create per day by default.
pub const DEFAULT_ROOMS_PER_DAY: u32 = 50;
/// New identities per client address per hour by default.
pub const DEFAULT_IDENTITIES_PER_HOUR: u32 = 100;
/// HTTP API requests one token may make at once by default.
pub const DEFAULT_API_BURST: u32 = 200;
/// HTTP API requests one token may make per second, sustained, by default.
pub const DEFAULT_API_PER_SECOND: f64 = 20.0;

const HOUR: Duration = Duration::from_secs(3600);

/// Every limit the server applies; `None` lifts a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// `send`, `edit`, `delete`, `set_topic` and `rename` frames per identity (one bucket for all).
    pub messages: Option<Rate>,
    /// `search`, `list_rooms`, `join`, `leave`, `open_dm`, `set_topic` and `rename` frames per
    /// identity (one bucket for them all): each can keep the hub thread busy (a search scans a
    /// room's whole history), so a flood of them would slow every room.
    pub requests: Option<Rate>,
    /// Rooms created per identity: public rooms, and direct conversations opened for the first
    /// time.
    pub rooms: Option<Rate>,
    /// New identities per client address (IPv6: per /64 network); loopback counts like any
    /// other address.
    pub identities: Option<Rate>,
    /// HTTP API requests per identity token.
    pub api: Option<Rate>,
}

impl Default for RateLimits {
    /// 30 messages at once and 5 a second; 20 requests at once and 2 a second; 50 rooms a day;
    /// 100 new identities an hour per address; 200 HTTP requests at once and 20 a second.
    fn default() -> Self {
        Self {
            messages: Rate::per_second(DEFAULT_MESSAGE_BURST, DEFAULT_MESSAGES_PER_SECOND),
            requests: Rate::per_second(DEFAULT_REQUEST_BURST, DEFAULT_REQUESTS_PER_SECOND),
            rooms: Self::rooms_per_day(DEFAULT_ROOMS_PER_DAY),
            identities: Self::identities_per_hour(DEFAULT_IDENTITIES_PER_HOUR),
            api: Rate::per_second(DEFAULT_API_BURST, DEFAULT_API_PER_SECOND),
        }
    }
}

impl RateLimits {
    /// The rate of `count` rooms a day (`None` for 0: no limit).
    pub fn rooms_per_day(count: u32) -> Option<Rate> {
        Rate::per_period(count, 24 * HOUR)
    }

    /// The rate of `count` new identities an hour (`None` for 0: no limit).
    pub fn identities_per_hour(count: u32) -> Option<Rate> {
        Rate::per_period(count, HOUR)
    }

    /// No limits at all (benchmarks that measure raw throughput, tests that flood on purpose).
    pub fn unlimited() -> Self {
        Self {
            messages: None,
            requests: None,
            rooms: None,
            identities: None,
            api: None,
        }
    }
}

/// The buckets of one limit, by key. Full buckets are dropped now and then (a full bucket is the
/// same as a new one), so memory follows the keys active lately, not every key ever seen.
#[derive(Debug)]
pub struct Buckets<K> {
    rate: Option<Rate>,
    min_wait: Duration,
    gates: HashMap<K, Gate>,
    prune_at: usize,
}

/// One key's bucket, and how long it is refused regardless of tokens after a refusal.
#[derive(Debug)]
struct Gate {
    bucket: TokenBucket,
    refused_until: Instant,
}

/// The map is swept of full buckets when it reaches this size, then at twice what remained.
const FIRST_PRUNE: usize = 1024;

impl<K: Hash + Eq> Buckets<K> {
    /// Buckets refilling at `rate` (`None`: everything is allowed). A refusal makes the key wait
    /// at least `min_wait`, during which every take is refused even if a token came back.
    pub fn new(rate: Option<Rate>, min_wait: Duration) -> Self {
        Self {
            rate,
            min_wait,
            gates: HashMap::new(),
            prune_at: FIRST_PRUNE,
        }
    }

    /// Takes a token from `key`'s bucket at `now`; if it is refused, how long until it may try
    /// again.
    pub fn take(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        if self.gates.len() >= self.prune_at {
            self.gates
                .retain(|_, gate| !gate.bucket.is_full(now) || gate.refused_until > now);
            self.prune_at = (2 * self.gates.len()).max(FIRST_PRUNE);
        }
        let gate = self.gates.entry(key).or_insert_with(|| Gate {
            bucket: TokenBucket::full(now),
            refused_until: now,
        });
        if gate.refused_until > now {
            return Err(gate.refused_until - now);
        }
        gate.bucket.take(rate, now).map_err(|wait| {
            let wait = wait.max(self.min_wait);
            gate.refused_until = now + wait;
            wait
        })
    }
}

/// The limits as the hub applies them.
#[derive(Debug)]
pub struct Limiters<User> {
    /// Messages (send, edit, delete, set_topic, rename) per identity.
    pub messages: Buckets<User>,
    /// Requests (search, room list, join, leave, direct conversations, topics, renames) per
    /// identity.
    pub requests: Buckets<User>,
    /// Rooms created per identity.
    pub rooms: Buckets<User>,
    /// New identities per address (see [`address_key`]).
    pub identities: Buckets<IpAddr>,
    /// HTTP API requests per identity.
    pub api: Buckets<User>,
}

impl<User: Hash + Eq> Limiters<User> {
    /// Limiters applying `limits`.
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            messages: Buckets::new(limits.messages, MIN_MESSAGE_WAIT),
            requests: Buckets::new(limits.requests, Duration::ZERO),
            rooms: Buckets::new(limits.rooms, Duration::ZERO),
            identities: Buckets::new(limits.identities, Duration::ZERO),
            api: Buckets::new(limits.api, Duration::ZERO),
        }
    }
}

/// The key an address is counted under (connections, new identities): an IPv4 address as it
/// is, an IPv6 address by its /64 network (one subscriber usually holds a whole /64), an
/// IPv4-mapped IPv6 address as IPv4.
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_refused_a_key_waits_the_whole_wait_even_if_a_token_comes_back() {
        let start = Instant::now();
        let rate = Rate::per_second(2, 10.0);
        let mut buckets = Buckets::new(rate, Duration::from_secs(1));
        assert_eq!(buckets.take("alice", start), Ok(()));
        assert_eq!(buckets.take("alice", start), Ok(()));
        assert_eq!(buckets.take("alice", start), Err(Duration::from_secs(1)));
        // A token is back after 100 ms, but the refusal holds for its whole second.
        let soon = start + Duration::from_millis(400);
        assert_eq!(buckets.take("alice", soon), Err(Duration::from_millis(600)));
        // Others are not affected.
        assert_eq!(buckets.take("bob", soon), Ok(()));
        let after = start + Duration::from_secs(1);
        assert_eq!(buckets.take("alice", after), Ok(()));
    }

    #[test]
    fn without_a_rate_everything_is_allowed() {
        let now = Instant::now();
        let mut buckets = Buckets::new(None, MIN_MESSAGE_WAIT);
        for _ in 0..100_000 {
            assert_eq!(buckets.take(1, now), Ok(()));
        }
    }

    #[test]
    fn full_buckets_are_swept_and_partly_used_ones_kept() {
        let start = Instant::now();
        let mut buckets = Buckets::new(Rate::per_second(2, 1.0), Duration::ZERO);
        // Key 0 empties its bucket (full again after 2 s), the others take one (full after 1 s).
        buckets.take(0, start).unwrap();
        buckets.take(0, start).unwrap();
        for key in 1..FIRST_PRUNE {
            buckets.take(key, start).unwrap();
        }
        let later = start + Duration::from_millis(1500);
        buckets.take(usize::MAX, later).unwrap();
        assert_eq!(buckets.gates.len(), 2, "key 0 and the newcomer");
        // Key 0 kept its state: half a token back, so one take, not a fresh bucket's two.
        assert_eq!(buckets.take(0, later), Ok(()));
        assert!(buckets.take(0, later).is_err());
    }

    #[test]
    fn addresses_are_counted_per_ipv4_address_and_ipv6_network() {
        let key = |text: &str| address_key(text.parse().unwrap());
        assert_eq!(key("127.0.0.1"), key("127.0.0.1"));
        assert_ne!(key("10.0.0.1"), key("10.0.0.2"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::2"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:10.0.0.1"), key("10.0.0.1"));
    }
}
