//! The database schema and its upgrades, versioned by `PRAGMA user_version`.

use rusqlite::Connection;

use crate::protocol::DEFAULT_ROOM;

/// The schema version this build writes.
const VERSION: i64 = 2;

/// Version 1: the message history of the single-room era.
const V1: &str = "CREATE TABLE IF NOT EXISTS messages (
        room      TEXT    NOT NULL,
        seq       INTEGER NOT NULL,
        client_id TEXT    NOT NULL,
        sender    TEXT    NOT NULL,
        time      INTEGER NOT NULL,
        text      TEXT    NOT NULL,
        PRIMARY KEY (room, seq)
    ) WITHOUT ROWID;";

/// Version 2: identities, rooms with topics, memberships with read markers; messages know
/// their author's identity and can be edited or deleted. Public rooms of version 1 whose names
/// start with `@` (the prefix direct conversations now own) are renamed to `#@…`, so none can
/// stand in for a direct conversation.
const V2: &str = "ALTER TABLE messages ADD COLUMN sender_id INTEGER;
    ALTER TABLE messages ADD COLUMN edited INTEGER;
    ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    DROP INDEX IF EXISTS messages_by_client_id;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (room, sender_id, client_id);
    CREATE TABLE users (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        token_hash TEXT NOT NULL UNIQUE
    );
    CREATE TABLE rooms (
        name  TEXT NOT NULL PRIMARY KEY,
        kind  TEXT NOT NULL,
        topic TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    UPDATE messages SET room = '#' || room WHERE room LIKE '@%';
    INSERT OR IGNORE INTO rooms (name, kind) SELECT DISTINCT room, 'public' FROM messages;
    CREATE TABLE members (
        room      TEXT    NOT NULL,
        user_id   INTEGER NOT NULL,
        last_read INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (room, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX members_by_user ON members (user_id);";

/// Brings the database up to [`VERSION`] in one transaction, and takes the write lock at once
/// (so a second server on the same file fails now, not at its first write).
pub fn migrate(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch("BEGIN IMMEDIATE;")?;
    let upgraded = upgrade(connection);
    match upgraded {
        Ok(()) => connection.execute_batch("COMMIT;"),
        Err(err) => {
            let _ = connection.execute_batch("ROLLBACK;");
            Err(err)
        }
    }
}

fn upgrade(connection: &Connection) -> rusqlite::Result<()> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version < 1 {
        connection.execute_batch(V1)?;
    }
    if version < 2 {
        connection.execute_batch(V2)?;
    }
    connection.execute(
        "INSERT OR IGNORE INTO rooms (name, kind) VALUES (?1, 'public')",
        [DEFAULT_ROOM],
    )?;
    connection.pragma_update(None, "user_version", VERSION)
}
