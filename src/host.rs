//! The embedded host: plain `cargo run` joins the server at the default address, or starts
//! one in-process if nobody answers there, so the next `cargo run` joins this one. When the
//! hosting window closes, one of the others takes over ([`HostTakeover`]).

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use poll_promise::Promise;

use crate::server::RunningServer;
use crate::ui::app::HostFallback;

/// How long to wait for an existing server to answer before hosting.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);
/// How often a disconnected window tries to take over hosting.
const RETAKE_INTERVAL: Duration = Duration::from_secs(1);

/// What `cargo run` ended up doing about the server.
pub enum Hosting {
    /// Somebody already serves at the address; this window only joins.
    Joined,
    /// This process serves; the server stops when this value is dropped.
    Hosting(RunningServer),
    /// Nobody answered and hosting failed too (the window still opens and will retry joining).
    Failed(String),
}

impl Hosting {
    /// A line for the status bar, if there is something to say.
    pub fn describe(&self) -> Option<String> {
        match self {
            Self::Joined => None,
            Self::Hosting(server) => Some(format!("hosting on {}", server.addr())),
            Self::Failed(reason) => Some(format!("could not host: {reason}")),
        }
    }
}

/// Joins whoever answers at `addr`, or hosts there with history in `db`.
///
/// When two processes race, binding the port decides: exactly one binds and hosts, the
/// other sees the address in use and joins.
pub fn host_or_join(addr: SocketAddr, db: &Path) -> Hosting {
    if TcpStream::connect_timeout(&addr, PROBE_TIMEOUT).is_ok() {
        return Hosting::Joined;
    }
    try_host(addr, db)
}

/// Hosts at `addr` unless someone already listens there.
fn try_host(addr: SocketAddr, db: &Path) -> Hosting {
    match RunningServer::start(addr, db) {
        Ok(server) => Hosting::Hosting(server),
        Err(err) if err.is_address_in_use() => Hosting::Joined,
        Err(err) => Hosting::Failed(err.to_string()),
    }
}

/// Takes over hosting when the window that hosted goes away: while the link is down, tries (at
/// most once a second, on a background thread) to bind the address and open the shared history
/// database. Exactly one window wins the port; the others join it. The database's exclusive
/// lock means the new host can only start once the old one has flushed and let go of the file.
pub struct HostTakeover {
    addr: SocketAddr,
    db: PathBuf,
    current: Hosting,
    attempt: Option<Promise<Hosting>>,
    last_attempt: Option<Instant>,
}

impl HostTakeover {
    /// Takes over hosting at `addr` with history in `db`, starting from `current`.
    pub fn new(addr: SocketAddr, db: PathBuf, current: Hosting) -> Self {
        Self {
            addr,
            db,
            current,
            attempt: None,
            last_attempt: None,
        }
    }
}

impl HostFallback for HostTakeover {
    fn update(&mut self, url: &str, disconnected: bool) -> Option<String> {
        if let Some(attempt) = self.attempt.take() {
            match attempt.try_take() {
                Ok(outcome) => self.current = outcome,
                Err(running) => self.attempt = Some(running),
            }
        }
        let hosting = matches!(self.current, Hosting::Hosting(_));
        let due = self
            .last_attempt
            .is_none_or(|at| at.elapsed() >= RETAKE_INTERVAL);
        let ours = loopback_addr(url) == Some(self.addr);
        if disconnected && ours && !hosting && self.attempt.is_none() && due {
            self.last_attempt = Some(Instant::now());
            let (addr, db) = (self.addr, self.db.clone());
            self.attempt = Some(Promise::spawn_thread("chinwag-host", move || {
                try_host(addr, &db)
            }));
        }
        self.current.describe()
    }
}

/// The socket address of a `ws://` URL on this machine (127.0.0.1, localhost or [::1]), which
/// this process could host; `None` for any other URL.
pub fn loopback_addr(url: &str) -> Option<SocketAddr> {
    let authority = url.strip_prefix("ws://")?.split(['/', '?', '#']).next()?;
    let authority = authority.replacen("localhost:", "127.0.0.1:", 1);
    let addr: SocketAddr = authority.parse().ok()?;
    addr.ip().is_loopback().then_some(addr)
}

#[cfg(test)]
mod tests {
    use super::loopback_addr;

    #[test]
    fn only_local_urls_can_be_hosted() {
        assert_eq!(
            loopback_addr("ws://127.0.0.1:9001/ws"),
            Some("127.0.0.1:9001".parse().unwrap())
        );
        assert_eq!(
            loopback_addr("ws://localhost:9100/ws"),
            Some("127.0.0.1:9100".parse().unwrap())
        );
        assert_eq!(
            loopback_addr("ws://[::1]:9001/ws"),
            Some("[::1]:9001".parse().unwrap())
        );
        assert_eq!(loopback_addr("ws://10.0.0.5:9001/ws"), None);
        assert_eq!(loopback_addr("wss://127.0.0.1:9001/ws"), None);
        assert_eq!(loopback_addr("ws://127.0.0.1/ws"), None);
    }
}
