//! A real server on a free loopback port with a database of its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use chinwag_server::limits::RateLimits;
use chinwag_server::{RunningServer, ServeOptions};

/// A server on a free port with its own database in a temporary directory.
pub struct TestServer {
    /// The running server; `None` between [`TestServer::stop`] and [`TestServer::start_on`].
    pub server: Option<RunningServer>,
    /// The server's database file (kept across restarts).
    pub db: PathBuf,
    options: ServeOptions,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with the default options (and so the default rate limits).
    pub fn start() -> Self {
        Self::start_with(ServeOptions::default())
    }

    /// A server without rate limits, for tests that post hundreds of messages or page hundreds
    /// of times in a row on purpose (tests/server_limits.rs checks the limits).
    pub fn start_unlimited() -> Self {
        Self::start_with(ServeOptions {
            rate_limits: RateLimits::unlimited(),
            ..Default::default()
        })
    }

    /// A server with `options`; a restart keeps them.
    pub fn start_with(options: ServeOptions) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("chat.sqlite3");
        let server =
            RunningServer::start_with(any_port(), &db, options.clone()).expect("server starts");
        Self {
            server: Some(server),
            db,
            options,
            _dir: dir,
        }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.server.as_ref().expect("server running").addr()
    }

    /// The server's WebSocket URL (`ws://127.0.0.1:PORT/ws`).
    pub fn url(&self) -> String {
        self.server.as_ref().expect("server running").ws_url()
    }

    /// Stops the server gracefully and starts a new one on the same database and port, so
    /// clients can reconnect to the URL they had.
    pub fn restart_on_same_port(&mut self) {
        let addr = self.stop();
        self.start_on(addr);
    }

    /// Stops the server gracefully; returns the address it had.
    pub fn stop(&mut self) -> SocketAddr {
        let running = self.server.take().expect("server running");
        let addr = running.addr();
        running.stop().expect("clean stop");
        addr
    }

    /// Starts the server again on `addr` with the same database; the server must be stopped.
    pub fn start_on(&mut self, addr: SocketAddr) {
        self.server = Some(
            RunningServer::start_with(addr, &self.db, self.options.clone())
                .expect("server restarts"),
        );
    }

    /// Stops the server gracefully and starts a new one on the same database (on a new port).
    pub fn restart(&mut self) {
        self.stop();
        self.start_on(any_port());
    }
}

/// A free port on the loopback interface (the system picks it).
fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
