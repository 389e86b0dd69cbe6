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
mod search;
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
    /// The database's random id (`epoch` table).
    epoch: String,
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
        search::register(&connection)?;
        let epoch = connection.query_row("SELECT id FROM epoch", [], |row| row.get(0))?;
        Ok(Self { connection, epoch })
    }
}

/// One node's own file: nobody else writes it (the defaults, but for the epoch).
impl crate::store::ClusterStore for SqliteStore {
    fn epoch(&self) -> String {
        self.epoch.clone()
    }
}

impl Backend for SqliteStore {
    fn write_batch(
        &mut self,
        messages: &mut [Authored],
        read_marks: &[ReadMark],
    ) -> StoreResult<()> {
        let transaction = self.connection.transaction()?;
        messages::insert_messages(&transaction, messages)?;
        annotations::insert_replies(&transaction, messages)?;
        rooms::move_read_marks(&transaction, read_marks)?;
        Ok(transaction.commit()?)
    }

    fn check(&self) -> StoreResult<()> {
        Ok(self.connection.query_row("SELECT 1", [], |_| Ok(()))?)
    }

    fn catch_up(&mut self) -> StoreResult<bool> {
        search::catch_up(&mut self.connection)
    }

    fn defer_commit(&self) -> StoreResult<()> {
        if self.connection.is_autocommit() {
            self.connection.execute_batch("BEGIN")?;
        }
        Ok(())
    }

    fn commit_deferred(&self) -> StoreResult<()> {
        if self.connection.is_autocommit() {
            return Ok(());
        }
        Ok(self.connection.execute_batch("COMMIT").inspect_err(|_| {
            if !self.connection.is_autocommit() {
                let _ = self.connection.execute_batch("ROLLBACK");
            }
        })?)
    }

    #[cfg(test)]
    fn fail_commits_of_new_identities(&self) {
        // A deferred foreign key left dangling by a trigger on new identities.
        self.connection
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 CREATE TEMP TABLE commit_guard_parent (id INTEGER PRIMARY KEY);
                 CREATE TEMP TABLE commit_guard (parent INTEGER
                    REFERENCES commit_guard_parent (id) DEFERRABLE INITIALLY DEFERRED);
                 CREATE TEMP TRIGGER fail_the_commit AFTER INSERT ON main.users
                 BEGIN INSERT INTO commit_guard VALUES (1); END;",
            )
            .expect("the commit guard is set up");
    }
}

impl SqliteStore {
    /// Runs `write` as one transaction of its own, or within the open one (see
    /// [`Backend::defer_commit`]): all of it or nothing of it.
    fn atomically<T>(&self, write: impl FnOnce() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
        self.connection.execute_batch("SAVEPOINT atomically")?;
        match write() {
            Ok(value) => {
                self.connection.execute_batch("RELEASE atomically")?;
                Ok(value)
            }
            Err(err) => {
                let _ = self
                    .connection
                    .execute_batch("ROLLBACK TO atomically; RELEASE atomically");
                Err(err)
            }
        }
    }
}
