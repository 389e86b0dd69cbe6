//! Why the server could not start, or stopped with an error: the error of [`crate::cli::run`]
//! and [`crate::RunningServer::start`]. Each variant says what failed and keeps its cause; the
//! message names both (the binaries print it as one line), so the cause is not repeated as
//! the [`std::error::Error::source`].

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::cli::NotARate;
use crate::store::{Location, StoreError};

/// Why serving failed.
#[derive(Debug)]
pub enum ServeError {
    /// `--web DIR` holds no built web client (no `index.html`).
    NoWebClient(PathBuf),
    /// The `--tls-cert`/`--tls-key` files cannot be used (the error names the file).
    Tls(std::io::Error),
    /// A rate flag is not a rate.
    Rate(NotARate),
    /// The history database cannot be opened (or is held by another server).
    Database {
        /// The database: a file or a PostgreSQL URL (shown without its password).
        location: Location,
        /// What the database said.
        source: StoreError,
    },
    /// The address cannot be listened on; [`ServeError::is_address_in_use`] tells whether
    /// someone else serves there.
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the socket said.
        source: std::io::Error,
    },
    /// The runtime, the server thread or a socket failed.
    Io(std::io::Error),
}

impl ServeError {
    /// Whether the address is in use: another server (or another window hosting) listens there.
    pub fn is_address_in_use(&self) -> bool {
        matches!(self, Self::Listen { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse)
    }
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoWebClient(dir) => write!(
                f,
                "{} has no index.html: build the web client first (`trunk build --release` writes dist/)",
                dir.display()
            ),
            Self::Tls(err) | Self::Io(err) => err.fmt(f),
            Self::Rate(not_a_rate) => not_a_rate.fmt(f),
            Self::Database { location, source } => {
                write!(f, "cannot open database {location}: {source}")
            }
            Self::Listen { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The message is the I/O error's own: its cause is the next link.
            Self::Tls(err) | Self::Io(err) => err.source(),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ServeError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

impl From<NotARate> for ServeError {
    fn from(not_a_rate: NotARate) -> Self {
        Self::Rate(not_a_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunningServer;

    #[test]
    fn an_address_in_use_is_told_apart_and_named() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let Err(err) = RunningServer::start(addr, dir.path().join("chat.sqlite3")) else {
            panic!("a second server started on {addr}");
        };
        assert!(err.is_address_in_use(), "{err:?}");
        assert!(
            err.to_string()
                .starts_with(&format!("cannot listen on {addr}: ")),
            "{err}"
        );
    }

    #[test]
    fn a_database_that_cannot_be_opened_is_named() {
        let dir = tempfile::tempdir().unwrap();
        // A directory is no database.
        let path = dir.path().to_path_buf();
        let Err(err) = RunningServer::start("127.0.0.1:0".parse().unwrap(), &path) else {
            panic!("a server started without its database");
        };
        assert!(matches!(err, ServeError::Database { .. }), "{err:?}");
        assert!(!err.is_address_in_use());
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("cannot open database {}: ", path.display())),
            "{message}"
        );
    }

    #[test]
    fn bad_flag_values_say_which_flag_and_what_would_do() {
        let err = ServeError::from(NotARate {
            flag: "--messages-per-second",
            rate: -1.0,
        });
        assert_eq!(
            err.to_string(),
            "--messages-per-second: -1 is not a rate (0 for none, or up to 10^9 a second)"
        );
        let origin = "ftp://x".parse::<crate::origin::WebOrigin>().unwrap_err();
        assert_eq!(
            origin.to_string(),
            r#""ftp://x" is not an origin like https://chat.example.com"#
        );
    }
}
