//! The SQLite store's own tests: its file lock, and databases of older versions upgraded (the
//! tests of what both stores do are in tests/it/store.rs).

use super::SqliteStore as Store;
use crate::store::{IdentityStore, MessageStore, RoomStore};
use chinwag_protocol::ChatMessage;

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
fn a_second_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = open(&dir);
    assert!(Store::open(&dir.path().join("db.sqlite3")).is_err());
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
    // Messages from before the search index are found through it.
    assert_eq!(texts(&store.search("rust", "kep", 10).unwrap()), ["kept"]);
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

#[test]
fn a_version_4_database_that_indexed_every_insert_keeps_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    {
        // Version 4 as first built: triggers index every insert.
        let store = Store::open(&path).unwrap();
        store
            .connection
            .execute_batch(
                "DROP TABLE messages_text_upto;
                 DROP TRIGGER messages_text_update;
                 DROP TRIGGER messages_text_delete;
                 CREATE TRIGGER messages_text_insert AFTER INSERT ON messages BEGIN
                     INSERT INTO messages_text (rowid, text) VALUES (new.rowid, new.text);
                 END;
                 INSERT INTO messages (room, seq, client_id, sender, time, text)
                     VALUES ('lobby', 1, 'c1', 'bob', 5, 'indexed before');
                 PRAGMA user_version = 4;",
            )
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let upto: i64 = store
        .connection
        .query_row("SELECT upto FROM messages_text_upto", [], |row| row.get(0))
        .unwrap();
    assert_eq!(upto, 1, "what version 4 indexed stays indexed");
    let triggers: i64 = store
        .connection
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'messages_text_insert'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 0, "inserts are no longer indexed as they come");
    assert_eq!(
        texts(&store.search("lobby", "index", 10).unwrap()),
        ["indexed before"]
    );
}
