//! The SQLite store: one file, written by this process alone.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a batch is on disk
//! when [`Backend::write_batch`] returns. `locking_mode = EXCLUSIVE` makes this process the only
//! writer of the file: a second server pointed at the same file fails to open it instead of
//! interleaving writes.

mod annotations;
mod identities;
mod messages;
mod rooms;
mod schema;
#[cfg(test)]
mod tests;

use std::path::Path;

use rusqlite::Connection;

use super::{Authored, Backend, ReadMark, StoreResult};

/// How long opening waits for another process's lock on the database file.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// A SQLite database file.
pub struct SqliteStore {
    connection: Connection,
}

impl SqliteStore {
    /// Opens (creating or upgrading if needed) the database at `path` and takes the writer's
    /// lock on it.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot create {}: {err}", parent.display())),
                )
            })?;
        }
        let connection = Connection::open(path)?;
        // Another server holding the file gives up its lock only when it stops; waiting long
        // for it helps nobody (the embedded host retries every second anyway).
        connection.busy_timeout(LOCK_WAIT)?;
        connection.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&connection)?;
        Ok(Self { connection })
    }
}

impl Backend for SqliteStore {
    fn write_batch(&mut self, messages: &[Authored], read_marks: &[ReadMark]) -> StoreResult<()> {
        let transaction = self.connection.transaction()?;
        messages::insert_messages(&transaction, messages)?;
        annotations::insert_replies(&transaction, messages)?;
        rooms::move_read_marks(&transaction, read_marks)?;
        Ok(transaction.commit()?)
    }

    fn check(&self) -> StoreResult<()> {
        Ok(self.connection.query_row("SELECT 1", [], |_| Ok(()))?)
    }
}
