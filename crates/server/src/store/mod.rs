//! SQLite storage: messages (with replies, reactions and pins), identities, rooms and
//! memberships (with read receipts), written by the hub thread.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a batch is on disk
//! when [`Store::write_batch`] returns, and the hub acknowledges a message only after that.
//! `locking_mode = EXCLUSIVE` makes this process the only writer of the file: a second server
//! pointed at the same file fails to open it instead of interleaving writes.

mod annotations;
pub mod identities;
mod messages;
mod pins;
mod reactions;
mod receipts;
mod replies;
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

    /// Stores a batch in one transaction: new messages (with what each reply answers), and
    /// read markers moved forward. On disk when this returns `Ok`; nothing of it is stored on
    /// `Err`.
    pub fn write_batch(
        &mut self,
        messages: &[Authored],
        read_marks: &[ReadMark],
    ) -> rusqlite::Result<()> {
        let transaction = self.connection.transaction()?;
        messages::insert_messages(&transaction, messages)?;
        replies::insert_replies(&transaction, messages)?;
        rooms::move_read_marks(&transaction, read_marks)?;
        transaction.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chinwag_protocol::ChatMessage;

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
                reply_to: None,
                reactions: Vec::new(),
            },
        }
    }

    fn texts(messages: &[ChatMessage]) -> Vec<&str> {
        messages.iter().map(|m| m.text.as_str()).collect()
    }

    fn name(text: &str) -> crate::names::Name {
        crate::names::user_name(text).unwrap()
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
        let alice = store.create_user(&name("alice"), "hash-a").unwrap();
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

    #[test]
    fn a_name_given_up_is_kept_for_its_identity_until_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let alice = store.create_user(&name("alice"), "hash-a").unwrap();
        let key = name("alice").key;
        assert_eq!(store.kept_for(&key, 0).unwrap(), None);
        store.rename_user(alice.id, &name("alicia"), 5_000).unwrap();
        assert_eq!(store.kept_for(&key, 4_999).unwrap(), Some(alice.id));
        assert_eq!(
            store.kept_for(&key, 5_000).unwrap(),
            None,
            "until is exclusive"
        );
        assert_eq!(
            store.user_named(&name("ALICIA")).unwrap().unwrap().id,
            alice.id
        );
        assert_eq!(store.user_named(&name("alice")).unwrap(), None);
        // Taking it back ends the keeping; changing only the case keeps nothing.
        store.rename_user(alice.id, &name("Alice"), 6_000).unwrap();
        assert_eq!(store.kept_for(&key, 0).unwrap(), None);
        assert_eq!(
            store.kept_for(&name("alicia").key, 0).unwrap(),
            Some(alice.id)
        );
        store.rename_user(alice.id, &name("alice"), 7_000).unwrap();
        assert_eq!(store.kept_for(&key, 0).unwrap(), None);
    }

    #[test]
    fn an_identity_keeps_only_its_most_recent_given_up_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let user = store.create_user(&name("name 0"), "hash").unwrap();
        let renames = identities::KEPT_NAMES + 3;
        for n in 1..=renames {
            store
                .rename_user(user.id, &name(&format!("name {n}")), 1_000 + n as i64)
                .unwrap();
        }
        let kept: Vec<usize> = (0..renames)
            .filter(|n| {
                let key = name(&format!("name {n}")).key;
                store.kept_for(&key, 0).unwrap().is_some()
            })
            .collect();
        assert_eq!(
            kept,
            ((renames - identities::KEPT_NAMES)..renames).collect::<Vec<_>>()
        );
    }

    #[test]
    fn messages_carry_their_authors_current_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        let alice = store.create_user(&name("alice"), "hash-a").unwrap();
        let mut first = message(1, "a");
        first.sender_id = alice.id;
        store.write_batch(&[first], &[]).unwrap();
        store.rename_user(alice.id, &name("alicia"), 0).unwrap();
        assert_eq!(store.recent("lobby", 1).unwrap()[0].from, "alicia");
        assert_eq!(
            store.message("lobby", 1).unwrap().unwrap().message.from,
            "alicia"
        );
    }

    #[test]
    fn a_version_2_database_gets_look_alike_keys_and_a_rowid_message_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let old = rusqlite::Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL,
                    client_id TEXT NOT NULL, sender TEXT NOT NULL, time INTEGER NOT NULL,
                    text TEXT NOT NULL, sender_id INTEGER, edited INTEGER,
                    deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (room, seq)) WITHOUT ROWID;
                 CREATE UNIQUE INDEX messages_by_client_id ON messages (room, sender_id, client_id);
                 CREATE TABLE users (id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE, token_hash TEXT NOT NULL UNIQUE);
                 CREATE TABLE rooms (name TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL,
                    topic TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
                 CREATE TABLE members (room TEXT NOT NULL, user_id INTEGER NOT NULL,
                    last_read INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (room, user_id)) WITHOUT ROWID;
                 CREATE INDEX members_by_user ON members (user_id);
                 INSERT INTO users VALUES (1, 'alice', 'hash-1'), (2, 'аlice', 'hash-2');
                 INSERT INTO rooms (name, kind) VALUES ('lobby', 'public'), ('Rust', 'public'),
                    ('rust', 'public'), ('＠1:2', 'public'), ('@1:2', 'direct');
                 INSERT INTO members VALUES ('＠1:2', 2, 1);
                 INSERT INTO messages VALUES ('＠1:2', 1, 'c1', 'аlice', 5, 'a trap', 2, NULL, 0);
                 INSERT INTO messages VALUES ('rust', 1, 'c2', 'alice', 6, 'kept', 1, NULL, 0);
                 PRAGMA user_version = 2;",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        // The first identity holds the key; the look-alike from before keeps its name.
        assert_eq!(store.user_named(&name("ALICE")).unwrap().unwrap().id, 1);
        assert_eq!(
            store.user_named(&name("\u{0430}lice")).unwrap().unwrap().id,
            2
        );
        assert_eq!(
            store.room_like(&name("RUST").key).unwrap().as_deref(),
            Some("Rust")
        );
        assert_eq!(
            store.room_like(&name("lobby").key).unwrap().as_deref(),
            Some("lobby")
        );
        // A public room posing as a direct conversation moves aside with its members and
        // messages.
        assert!(store.room("\u{FF20}1:2").unwrap().is_none());
        let moved = "#\u{FF20}1:2";
        assert!(store.room(moved).unwrap().is_some());
        assert!(store.membership(moved, 2).unwrap().is_some());
        assert_eq!(texts(&store.recent(moved, 10).unwrap()), ["a trap"]);
        assert_eq!(texts(&store.recent("rust", 10).unwrap()), ["kept"]);
        let without_rowid: i64 = store
            .connection
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema
                 WHERE name = 'messages' AND sql LIKE '%WITHOUT ROWID%'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(without_rowid, 0);
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.last_seq("rust").unwrap(),
            1,
            "opening again changes nothing"
        );
    }
}
