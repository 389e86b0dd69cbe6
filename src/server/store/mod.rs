//! SQLite storage: messages, identities, rooms and memberships, written by the hub thread.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a batch is on disk
//! when [`Store::write_batch`] returns, and the hub acknowledges a message only after that.
//! `locking_mode = EXCLUSIVE` makes this process the only writer of the file: a second server
//! pointed at the same file fails to open it instead of interleaving writes.

pub mod identities;
mod messages;
mod rooms;
mod schema;

use std::path::Path;

use rusqlite::Connection;

pub use identities::{User, UserId};
pub use messages::{Authored, StoredAt, StoredMessage};
pub use rooms::{Membership, ReadMark, RoomRow};

/// How long opening waits for another process's lock on the database file.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Everything the server keeps.
pub struct Store {
    connection: Connection,
}

impl Store {
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

    /// Stores a batch in one transaction: new messages, and read markers moved forward. On disk
    /// when this returns `Ok`; nothing of it is stored on `Err`.
    pub fn write_batch(
        &mut self,
        messages: &[Authored],
        read_marks: &[ReadMark],
    ) -> rusqlite::Result<()> {
        let transaction = self.connection.transaction()?;
        messages::insert_messages(&transaction, messages)?;
        rooms::move_read_marks(&transaction, read_marks)?;
        transaction.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ChatMessage;

    fn message(seq: u64, id: &str) -> Authored {
        Authored {
            sender_id: 1,
            message: ChatMessage {
                room: "lobby".into(),
                seq,
                id: id.into(),
                from: "alice".into(),
                time: 1000 + seq as i64,
                text: format!("message {seq}"),
                edited: None,
                deleted: false,
            },
        }
    }

    fn texts(messages: &[ChatMessage]) -> Vec<&str> {
        messages.iter().map(|m| m.text.as_str()).collect()
    }

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("db.sqlite3")).unwrap()
    }

    #[test]
    fn stores_and_reads_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        assert_eq!(store.last_seq("lobby").unwrap(), 0);
        store
            .write_batch(&[message(1, "a"), message(2, "b"), message(3, "c")], &[])
            .unwrap();
        assert_eq!(store.last_seq("lobby").unwrap(), 3);
        assert_eq!(store.last_seq("elsewhere").unwrap(), 0);
        assert_eq!(
            texts(&store.recent("lobby", 2).unwrap()),
            ["message 2", "message 3"]
        );
        assert_eq!(
            store.find("lobby", 1, "b").unwrap(),
            Some(StoredAt { seq: 2, time: 1002 })
        );
        assert_eq!(store.find("lobby", 2, "b").unwrap(), None);
        assert_eq!(
            texts(&store.after("lobby", 1, 10).unwrap()),
            ["message 2", "message 3"]
        );
        assert_eq!(texts(&store.before("lobby", 3, 1).unwrap()), ["message 2"]);
        assert!(store.after("lobby", 3, 10).unwrap().is_empty());
    }

    #[test]
    fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = open(&dir);
        assert!(Store::open(&dir.path().join("db.sqlite3")).is_err());
    }

    #[test]
    fn a_failed_batch_stores_nothing_not_even_its_read_marks() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        let alice = store.create_user("alice", "hash-a").unwrap();
        store.add_member("lobby", alice.id).unwrap();
        store.write_batch(&[message(1, "a")], &[]).unwrap();
        let mark = ReadMark {
            room: "lobby".into(),
            user: alice.id,
            seq: 1,
        };
        // Seq 1 again violates the primary key: the whole batch must roll back.
        assert!(
            store
                .write_batch(
                    &[message(2, "b"), message(1, "x")],
                    std::slice::from_ref(&mark)
                )
                .is_err()
        );
        assert_eq!(store.last_seq("lobby").unwrap(), 1);
        let read = |store: &Store| {
            store
                .membership("lobby", alice.id)
                .unwrap()
                .unwrap()
                .last_read
        };
        assert_eq!(read(&store), 0);
        store.write_batch(&[], &[mark]).unwrap();
        assert_eq!(read(&store), 1);
    }

    #[test]
    fn a_database_of_the_single_room_era_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let old = rusqlite::Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL,
                    client_id TEXT NOT NULL, sender TEXT NOT NULL, time INTEGER NOT NULL,
                    text TEXT NOT NULL, PRIMARY KEY (room, seq)) WITHOUT ROWID;
                 CREATE UNIQUE INDEX messages_by_client_id ON messages (room, sender, client_id);
                 INSERT INTO messages VALUES ('rust', 1, 'c1', 'bob', 5, 'from before');
                 INSERT INTO messages VALUES ('@1:2', 1, 'c2', 'eve', 6, 'a trap');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(texts(&store.recent("rust", 10).unwrap()), ["from before"]);
        assert!(store.room("rust").unwrap().is_some(), "its room exists");
        assert!(
            store.room("lobby").unwrap().is_some(),
            "and the default room"
        );
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.last_seq("rust").unwrap(), 1);
    }
}
