//! How many connections the server holds and from whom: a global cap that stays below the
//! process's file-descriptor limit, and a cap per client address, so that one address cannot take
//! every slot. Also the deadlines of a connection's first steps.
//!
//! Every TCP connection counts (HTTP requests and WebSockets alike) from accept until its socket
//! is closed. A connection over a cap is answered with a short HTTP 503 that says which cap (see
//! [`super::listen`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::limits::address_key;

/// Descriptors kept free for everything that is not an admitted connection: standard streams,
/// the runtime, the listener, the database and its journal, files served by `--web`, and the
/// connections being refused (see [`super::listen`]).
pub const RESERVED_DESCRIPTORS: u64 = 128;

/// Connection caps and the deadlines of a connection's first steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections at once, in total (lowered at start to fit the descriptor limit).
    pub max_connections: usize,
    /// Most connections at once from one client address (for IPv6: from one /64 network).
    pub max_per_address: usize,
    /// How long a client may take to send a request's headers (the TLS handshake included); a
    /// slower one (slowloris) or a silent one is disconnected. Also bounds idle keep-alive.
    pub header_read_timeout: Duration,
    /// How long a WebSocket may stay open without a successful hello.
    pub hello_timeout: Duration,
}

impl ConnectionLimits {
    /// The defaults: far above what a team meets, low enough that one address cannot take the
    /// server.
    pub const DEFAULT: Self = Self {
        max_connections: 10_000,
        max_per_address: 256,
        header_read_timeout: Duration::from_secs(10),
        hello_timeout: Duration::from_secs(10),
    };
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (where there is one) and returns the
/// largest connection cap not above `wanted` that leaves [`RESERVED_DESCRIPTORS`] free.
pub fn fit_to_descriptor_limit(wanted: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(err) => {
            tracing::warn!(%err, "cannot read or raise the file descriptor limit");
            return wanted;
        }
    };
    let fits = usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
    if fits < wanted {
        tracing::warn!(
            descriptor_limit = limit,
            max_connections = fits,
            "the descriptor limit lowers the connection cap (raise it with `ulimit -n`)"
        );
    }
    wanted.min(fits).max(1)
}

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The client's address holds [`ConnectionLimits::max_per_address`] connections already.
    TooManyFromAddress,
    /// The server holds its most connections.
    TooManyInTotal,
}

impl Refusal {
    /// The body of the 503 answer.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::TooManyFromAddress => {
                "too many connections from your address; close some and try again\n"
            }
            Self::TooManyInTotal => "the server is full (too many connections); try again later\n",
        }
    }
}

/// Counts the connections open, in total and per client address.
#[derive(Clone)]
pub struct Admission {
    counts: Arc<Mutex<Counts>>,
    max_total: usize,
    max_per_address: usize,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

impl Admission {
    /// At most `max_total` connections, `max_per_address` of them from one address.
    pub fn new(max_total: usize, max_per_address: usize) -> Self {
        Self {
            counts: Arc::default(),
            max_total,
            max_per_address,
        }
    }

    /// A slot for a connection from `ip`, held until the [`Slot`] is dropped; or why not.
    pub fn admit(&self, ip: IpAddr) -> Result<Slot, Refusal> {
        let address = address_key(ip);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let from_address = counts.per_address.get(&address).copied().unwrap_or(0);
        if from_address >= self.max_per_address {
            return Err(Refusal::TooManyFromAddress);
        }
        if counts.total >= self.max_total {
            return Err(Refusal::TooManyInTotal);
        }
        counts.total += 1;
        counts.per_address.insert(address, from_address + 1);
        Ok(Slot {
            counts: self.counts.clone(),
            address,
        })
    }
}

/// One admitted connection; gives its place back when dropped.
pub struct Slot {
    counts: Arc<Mutex<Counts>>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total -= 1;
        if let Some(count) = counts.per_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                counts.per_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_per_address_comes_before_the_total_and_slots_come_back() {
        let admission = Admission::new(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = admission.admit(a).unwrap();
        let _second = admission.admit(a).unwrap();
        assert_eq!(admission.admit(a).err(), Some(Refusal::TooManyFromAddress));
        let _third = admission.admit(b).unwrap();
        assert_eq!(admission.admit(b).err(), Some(Refusal::TooManyInTotal));
        drop(first);
        assert!(admission.admit(a).is_ok());
    }

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let admission = Admission::new(10, 1);
        let _one = admission.admit("2001:db8::1".parse().unwrap()).unwrap();
        assert_eq!(
            admission.admit("2001:db8::ffff:2".parse().unwrap()).err(),
            Some(Refusal::TooManyFromAddress)
        );
        assert!(admission.admit("2001:db8:0:1::1".parse().unwrap()).is_ok());
        let _mapped = admission.admit("::ffff:10.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(
            admission.admit("10.0.0.1".parse().unwrap()).err(),
            Some(Refusal::TooManyFromAddress)
        );
    }
}
