//! A real server on a free loopback port with a database of its own.

use std::net::SocketAddr;

use chinwag_server::limits::RateLimits;
use chinwag_server::store::Location;
use chinwag_server::{RunningServer, ServeOptions};

use crate::PgCluster;

/// Which database a test server keeps its history in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// A SQLite file in a temporary directory (the default).
    Sqlite,
    /// A fresh database in the test binary's PostgreSQL cluster ([`PgCluster::shared`]).
    Postgres,
}

impl StoreKind {
    /// A new, empty database of this kind; for SQLite, in `dir`.
    ///
    /// # Panics
    /// For PostgreSQL, if there is no cluster (see [`PgCluster::shared`]: tests on both stores
    /// skip the PostgreSQL run first, see `on_both_stores!`).
    pub fn fresh(self, dir: &std::path::Path) -> Location {
        match self {
            Self::Sqlite => Location::Sqlite(dir.join("chat.sqlite3")),
            Self::Postgres => Location::Postgres(
                PgCluster::shared()
                    .expect("a PostgreSQL cluster")
                    .fresh_database(),
            ),
        }
    }
}

/// A server on a free port with its own database: a SQLite file in a temporary directory, or a
/// fresh PostgreSQL database.
pub struct TestServer {
    /// The running server; `None` between [`TestServer::stop`] and [`TestServer::start_on`].
    pub server: Option<RunningServer>,
    /// The server's database (kept across restarts).
    pub db: Location,
    options: ServeOptions,
    _dir: tempfile::TempDir,
}

/// Options without rate limits, for tests that post hundreds of messages or page hundreds of
/// times in a row on purpose (the server's tests/it/limits.rs checks the limits).
pub fn unlimited() -> ServeOptions {
    with_limits(RateLimits::unlimited())
}

/// Options with `limits` and the others at their defaults.
pub fn with_limits(limits: RateLimits) -> ServeOptions {
    ServeOptions {
        rate_limits: limits,
        ..Default::default()
    }
}

impl TestServer {
    /// A server with the default options (and so the default rate limits).
    pub fn start() -> Self {
        Self::start_with(ServeOptions::default())
    }

    /// A server without rate limits (see [`unlimited`]).
    pub fn start_unlimited() -> Self {
        Self::start_with(unlimited())
    }

    /// A server with `limits` and the other options at their defaults.
    pub fn start_with_limits(limits: RateLimits) -> Self {
        Self::start_with(with_limits(limits))
    }

    /// A server on SQLite with `options`; a restart keeps them.
    pub fn start_with(options: ServeOptions) -> Self {
        Self::start_on_store(StoreKind::Sqlite, options)
    }

    /// A server on a fresh database of kind `store` with `options`; a restart keeps them.
    pub fn start_on_store(store: StoreKind, options: ServeOptions) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = store.fresh(dir.path());
        Self::start_at(db, dir, options)
    }

    /// A server on the database `db` (a SQLite file in `dir`, or a PostgreSQL database of a
    /// cluster of the test's own) with `options`.
    pub fn start_at(db: Location, dir: tempfile::TempDir, options: ServeOptions) -> Self {
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

/// Turns a list of test functions taking a [`StoreKind`] into `#[test]`s on both stores: for
/// each `name`, `sqlite::name` and `postgres::name` (which skips, saying why, where PostgreSQL
/// is missing; see [`PgCluster::shared`]).
#[macro_export]
macro_rules! on_both_stores {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::StoreKind::Sqlite);
                }
            )+
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    if $crate::PgCluster::shared().is_some() {
                        super::$test($crate::StoreKind::Postgres);
                    }
                }
            )+
        }
    };
}
