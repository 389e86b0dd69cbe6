//! SQLite history: one table of messages, written in batches by the hub thread.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a batch is on disk
//! when [`Store::insert_batch`] returns, and the hub acknowledges a message only after that.
//! `locking_mode = EXCLUSIVE` makes this process the only writer of the file: a second server
//! pointed at the same file fails to open it instead of interleaving writes.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::protocol::ChatMessage;

/// How long opening waits for another process's lock on the database file.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The message history of every room.
pub struct Store {
    connection: Connection,
}

/// Where a message already stored under a client id landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredAt {
    /// Its sequence number in the room.
    pub seq: u64,
    /// Its server time.
    pub time: i64,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and takes the writer's lock on it.
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
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS messages (
                room      TEXT    NOT NULL,
                seq       INTEGER NOT NULL,
                client_id TEXT    NOT NULL,
                sender    TEXT    NOT NULL,
                time      INTEGER NOT NULL,
                text      TEXT    NOT NULL,
                PRIMARY KEY (room, seq)
             ) WITHOUT ROWID;
             CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client_id
                ON messages (room, sender, client_id);
             BEGIN IMMEDIATE; COMMIT;",
        )?;
        Ok(Self { connection })
    }

    /// The highest sequence number stored for `room` (0 if it has none).
    pub fn last_seq(&self, room: &str) -> rusqlite::Result<u64> {
        self.connection.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1",
            [room],
            |row| row.get(0),
        )
    }

    /// Where the message `client_id` from `sender` in `room` was stored, if it was.
    pub fn find(
        &self,
        room: &str,
        sender: &str,
        client_id: &str,
    ) -> rusqlite::Result<Option<StoredAt>> {
        self.connection
            .prepare_cached(
                "SELECT seq, time FROM messages WHERE room = ?1 AND sender = ?2 AND client_id = ?3",
            )?
            .query_row(params![room, sender, client_id], |row| {
                Ok(StoredAt {
                    seq: row.get(0)?,
                    time: row.get(1)?,
                })
            })
            .optional()
    }

    /// Stores `messages` in one transaction; on disk when this returns `Ok`.
    pub fn insert_batch(&mut self, messages: &[ChatMessage]) -> rusqlite::Result<()> {
        let transaction = self.connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO messages (room, seq, client_id, sender, time, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for message in messages {
                insert.execute(params![
                    message.room,
                    message.seq,
                    message.id,
                    message.from,
                    message.time,
                    message.text
                ])?;
            }
        }
        transaction.commit()
    }

    /// The `limit` most recent messages of `room`, oldest first.
    pub fn recent(&self, room: &str, limit: usize) -> rusqlite::Result<Vec<ChatMessage>> {
        let mut messages = self.query(
            "SELECT room, seq, client_id, sender, time, text FROM messages
             WHERE room = ?1 ORDER BY seq DESC LIMIT ?2",
            params![room, limit],
        )?;
        messages.reverse();
        Ok(messages)
    }

    /// Up to `limit` messages of `room` after sequence number `after`, oldest first.
    pub fn after(
        &self,
        room: &str,
        after: u64,
        limit: usize,
    ) -> rusqlite::Result<Vec<ChatMessage>> {
        self.query(
            "SELECT room, seq, client_id, sender, time, text FROM messages
             WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3",
            params![room, after, limit],
        )
    }

    fn query(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> rusqlite::Result<Vec<ChatMessage>> {
        self.connection
            .prepare_cached(sql)?
            .query_map(params, |row| {
                Ok(ChatMessage {
                    room: row.get(0)?,
                    seq: row.get(1)?,
                    id: row.get(2)?,
                    from: row.get(3)?,
                    time: row.get(4)?,
                    text: row.get(5)?,
                })
            })?
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64, id: &str) -> ChatMessage {
        ChatMessage {
            room: "lobby".into(),
            seq,
            id: id.into(),
            from: "alice".into(),
            time: 1000 + seq as i64,
            text: format!("message {seq}"),
        }
    }

    #[test]
    fn stores_and_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        assert_eq!(store.last_seq("lobby").unwrap(), 0);
        store
            .insert_batch(&[message(1, "a"), message(2, "b"), message(3, "c")])
            .unwrap();
        assert_eq!(store.last_seq("lobby").unwrap(), 3);
        assert_eq!(store.last_seq("elsewhere").unwrap(), 0);
        let recent = store.recent("lobby", 2).unwrap();
        assert_eq!(recent, vec![message(2, "b"), message(3, "c")]);
        assert_eq!(
            store.find("lobby", "alice", "b").unwrap(),
            Some(StoredAt { seq: 2, time: 1002 })
        );
        assert_eq!(store.find("lobby", "bob", "b").unwrap(), None);
        assert_eq!(
            store.after("lobby", 1, 10).unwrap(),
            vec![message(2, "b"), message(3, "c")]
        );
        assert_eq!(store.after("lobby", 1, 1).unwrap(), vec![message(2, "b")]);
        assert!(store.after("lobby", 3, 10).unwrap().is_empty());
    }

    #[test]
    fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let _first = Store::open(&path).unwrap();
        assert!(Store::open(&path).is_err());
    }

    #[test]
    fn a_failed_batch_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        store.insert_batch(&[message(1, "a")]).unwrap();
        // Seq 1 again violates the primary key: the whole batch must roll back.
        assert!(
            store
                .insert_batch(&[message(2, "b"), message(1, "x")])
                .is_err()
        );
        assert_eq!(store.last_seq("lobby").unwrap(), 1);
    }
}
