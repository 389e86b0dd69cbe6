//! The store's error: what the database said, whichever database it is.

/// A store operation failed: the database refused it or could not be reached.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite said no.
    Sqlite(rusqlite::Error),
    /// PostgreSQL said no, or the connection to it failed.
    Postgres(postgres::Error),
    /// A row the caller had just seen (or written) is gone.
    Missing(&'static str),
    /// A transaction kept open across calls failed before its commit: nothing of it is stored.
    Aborted,
    /// The `--db` location cannot be used (not a path, not a `postgres://` URL).
    Location(String),
}

/// What a store operation returns.
pub type StoreResult<T> = Result<T, StoreError>;

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(err) => err.fmt(f),
            Self::Postgres(err) => match err.as_db_error() {
                // The server's own message (what, where) rather than "db error".
                Some(db) => write!(f, "{}: {}", db.severity(), db.message()),
                None => err.fmt(f),
            },
            Self::Missing(what) => write!(f, "{what} is missing"),
            Self::Aborted => f.write_str("the transaction failed before its commit"),
            Self::Location(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite(err) => Some(err),
            Self::Postgres(err) => Some(err),
            Self::Missing(_) | Self::Aborted | Self::Location(_) => None,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sqlite(err)
    }
}

impl From<postgres::Error> for StoreError {
    fn from(err: postgres::Error) -> Self {
        Self::Postgres(err)
    }
}
