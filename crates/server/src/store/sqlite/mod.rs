//! The SQLite store: one file, written by this process alone.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a batch is on disk
//! when [`Backend::write_batch`] returns. A lock on `<file>-lock`, held while the store is open,
//! makes this process the only server of the file: a second server pointed at the same file
//! fails to open it instead of interleaving writes. (The file itself stays open to this
//! process's other connections: the HTTP side reads and writes attachments on its own,
//! [`SqliteBlobs`]. So every transaction of the hub's that writes takes the write lock when it
//! begins: one that read first could find its snapshot stale when it comes to write.)

mod annotations;
mod attachments;
mod identities;
mod messages;
mod rooms;
mod schema;
mod search;
#[cfg(test)]
mod tests;

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::{Authored, Backend, ReadMark, StoreResult};

pub use attachments::SqliteBlobs;

/// How long a write of the hub's waits for the write lock, which the HTTP side's connection
/// holds for one chunk of an attachment at a time.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A SQLite database file.
pub struct SqliteStore {
    connection: Connection,
    /// The lock that makes this process the file's only server (see the module's comment).
    _server_lock: std::fs::File,
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
        let server_lock = server_lock(path)?;
        let connection = Connection::open(path)?;
        connection.busy_timeout(LOCK_WAIT)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        schema::migrate(&connection)?;
        search::register(&connection)?;
        let epoch = connection.query_row("SELECT id FROM epoch", [], |row| row.get(0))?;
        Ok(Self {
            connection,
            _server_lock: server_lock,
            epoch,
        })
    }
}

/// Takes the lock on `<path>-lock` that makes this process the only server of the database at
/// `path`; fails at once if another holds it (it gives it up only when it stops: waiting helps
/// nobody, and the embedded host retries every second anyway).
fn server_lock(path: &Path) -> rusqlite::Result<std::fs::File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push("-lock");
    let busy = |why: String| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some(why),
        )
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|err| {
            busy(format!(
                "cannot open {}: {err}",
                Path::new(&lock_path).display()
            ))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(busy("another server uses this database".to_owned()))
        }
        Err(std::fs::TryLockError::Error(err)) => Err(busy(format!(
            "cannot lock {}: {err}",
            Path::new(&lock_path).display()
        ))),
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
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        messages::insert_messages(&transaction, messages)?;
        annotations::insert_replies(&transaction, messages)?;
        attachments::insert_attachments(&transaction, messages)?;
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
            self.connection.execute_batch("BEGIN IMMEDIATE")?;
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
        // Outside a transaction, one that holds the write lock from its start.
        let (begin, end, undo) = if self.connection.is_autocommit() {
            ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        } else {
            (
                "SAVEPOINT atomically",
                "RELEASE atomically",
                "ROLLBACK TO atomically; RELEASE atomically",
            )
        };
        self.connection.execute_batch(begin)?;
        match write() {
            Ok(value) => {
                self.connection.execute_batch(end)?;
                Ok(value)
            }
            Err(err) => {
                let _ = self.connection.execute_batch(undo);
                Err(err)
            }
        }
    }
}
