//! The database schema and its upgrades, versioned by `PRAGMA user_version`.

use rusqlite::{Connection, params};

use crate::names;
use chinwag_protocol::DEFAULT_ROOM;

/// The schema version this build writes.
const VERSION: i64 = 8;

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

/// Version 3: look-alike keys (see [`names::key`]) under unique indexes for identities and
/// public rooms, names given up by a rename kept for their identity a while, and messages in a
/// rowid table. (A `WITHOUT ROWID` table keeps at most about 1,000 bytes of a row in its page and
/// the rest in an overflow page of its own: a 1,000-character message took 4.6 KB on disk.)
const V3: &str = "ALTER TABLE users ADD COLUMN skeleton TEXT;
    CREATE UNIQUE INDEX users_by_skeleton ON users (skeleton);
    ALTER TABLE rooms ADD COLUMN skeleton TEXT;
    CREATE UNIQUE INDEX rooms_by_skeleton ON rooms (skeleton);
    CREATE TABLE retired_names (
        skeleton TEXT    NOT NULL PRIMARY KEY,
        user_id  INTEGER NOT NULL,
        until    INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX retired_names_by_user ON retired_names (user_id);
    CREATE TABLE messages_v3 (
        room      TEXT    NOT NULL,
        seq       INTEGER NOT NULL,
        client_id TEXT    NOT NULL,
        sender    TEXT    NOT NULL,
        time      INTEGER NOT NULL,
        text      TEXT    NOT NULL,
        sender_id INTEGER,
        edited    INTEGER,
        deleted   INTEGER NOT NULL DEFAULT 0,
        UNIQUE (room, seq)
    );
    INSERT INTO messages_v3 (room, seq, client_id, sender, time, text, sender_id, edited, deleted)
        SELECT room, seq, client_id, sender, time, text, sender_id, edited, deleted
        FROM messages ORDER BY room, seq;
    DROP TABLE messages;
    ALTER TABLE messages_v3 RENAME TO messages;
    CREATE UNIQUE INDEX messages_by_client_id ON messages (room, sender_id, client_id);";

/// Version 4: an FTS5 index of message texts for search, with the trigram tokenizer: any three
/// characters of any script (Chinese and Japanese have no spaces between words) find the
/// messages holding them, with Unicode case folding. It indexes the `messages` table itself
/// (external content), so a text is not stored twice. (The first build of version 4 also kept it
/// up to date by triggers on every insert and indexed all history at once; version 5 undoes
/// that.)
const V4: &str = "CREATE VIRTUAL TABLE messages_text USING fts5(
        text, content = 'messages', content_rowid = 'rowid', tokenize = 'trigram'
    );";

/// Version 5: messages enter the index in the hub's idle time, oldest first, up to
/// `messages_text_upto.upto` (a rowid; see `search.rs`): indexing costs several times a
/// message's insert and must not slow down storing and acknowledging. Edits and deletions of
/// indexed messages update it at once. A database whose version 4 indexed every insert keeps
/// its index: everything stored so far is in it.
const V5: &str = "CREATE TABLE messages_text_upto (upto INTEGER NOT NULL);
    INSERT INTO messages_text_upto (upto) SELECT CASE
        WHEN EXISTS (SELECT 1 FROM sqlite_schema
                     WHERE type = 'trigger' AND name = 'messages_text_insert')
        THEN (SELECT COALESCE(MAX(rowid), 0) FROM messages) ELSE 0 END;
    DROP TRIGGER IF EXISTS messages_text_insert;
    DROP TRIGGER IF EXISTS messages_text_update;
    DROP TRIGGER IF EXISTS messages_text_delete;
    CREATE TRIGGER messages_text_update AFTER UPDATE OF text ON messages
    WHEN old.rowid <= (SELECT upto FROM messages_text_upto) BEGIN
        INSERT INTO messages_text (messages_text, rowid, text) VALUES ('delete', old.rowid, old.text);
        INSERT INTO messages_text (rowid, text) VALUES (new.rowid, new.text);
    END;
    CREATE TRIGGER messages_text_delete AFTER DELETE ON messages
    WHEN old.rowid <= (SELECT upto FROM messages_text_upto) BEGIN
        INSERT INTO messages_text (messages_text, rowid, text) VALUES ('delete', old.rowid, old.text);
    END;";

/// Version 6: which message each reply answers, emoji reactions (one per emoji per identity on
/// a message), pinned messages, the identities that keep their read receipts to themselves, and
/// read markers by room and position (a room state's "seen by" reads the furthest without
/// visiting every member).
const V6: &str = "CREATE TABLE IF NOT EXISTS replies (
        room     TEXT    NOT NULL,
        seq      INTEGER NOT NULL,
        reply_to INTEGER NOT NULL,
        PRIMARY KEY (room, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS reactions (
        room    TEXT    NOT NULL,
        seq     INTEGER NOT NULL,
        emoji   TEXT    NOT NULL,
        user_id INTEGER NOT NULL,
        time    INTEGER NOT NULL,
        PRIMARY KEY (room, seq, emoji, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS pins (
        room    TEXT    NOT NULL,
        seq     INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        time    INTEGER NOT NULL,
        PRIMARY KEY (room, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS private_receipts (user_id INTEGER NOT NULL PRIMARY KEY);
    CREATE INDEX IF NOT EXISTS members_by_read ON members (room, last_read);";

/// Version 7: a random id of this database (its epoch, in the welcome: a client seeing another
/// one talks to another history).
const V7: &str = "CREATE TABLE IF NOT EXISTS epoch (id TEXT NOT NULL);
    INSERT INTO epoch (id) SELECT lower(hex(randomblob(16)))
        WHERE NOT EXISTS (SELECT 1 FROM epoch);";

/// Version 8: attachments (see `crate::store::attachments`): each content once by its hash, its
/// bytes in chunks under the id of the upload that stored it, uploads (resumable: the chunks
/// received so far), who uploaded which content, which message carries which.
const V8: &str = "CREATE TABLE IF NOT EXISTS attachments (
        hash      TEXT    NOT NULL PRIMARY KEY,
        size      INTEGER NOT NULL,
        mime      TEXT    NOT NULL,
        width     INTEGER,
        height    INTEGER,
        thumbnail BLOB,
        content   TEXT    NOT NULL
    );
    CREATE TABLE IF NOT EXISTS chunks (
        content TEXT    NOT NULL,
        at      INTEGER NOT NULL,
        data    BLOB    NOT NULL,
        UNIQUE (content, at)
    );
    CREATE TABLE IF NOT EXISTS uploads (
        id       TEXT    NOT NULL PRIMARY KEY,
        user_id  INTEGER NOT NULL,
        name     TEXT    NOT NULL,
        size     INTEGER NOT NULL,
        received INTEGER NOT NULL DEFAULT 0,
        created  INTEGER NOT NULL,
        hash     TEXT
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS uploads_by_user ON uploads (user_id);
    CREATE INDEX IF NOT EXISTS uploads_by_hash ON uploads (hash);
    CREATE TABLE IF NOT EXISTS attachment_owners (
        user_id INTEGER NOT NULL,
        hash    TEXT    NOT NULL,
        name    TEXT    NOT NULL,
        PRIMARY KEY (user_id, hash)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS attachment_owners_by_hash ON attachment_owners (hash);
    CREATE TABLE IF NOT EXISTS message_attachments (
        room TEXT    NOT NULL,
        seq  INTEGER NOT NULL,
        hash TEXT    NOT NULL,
        name TEXT    NOT NULL,
        PRIMARY KEY (room, seq)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS message_attachments_by_hash ON message_attachments (hash);";

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
    if version < 3 {
        connection.execute_batch(V3)?;
        key_existing_names(connection)?;
    }
    if version < 4 {
        connection.execute_batch(V4)?;
    }
    if version < 5 {
        connection.execute_batch(V5)?;
    }
    if version < 6 {
        connection.execute_batch(V6)?;
    }
    if version < 7 {
        connection.execute_batch(V7)?;
    }
    if version < 8 {
        connection.execute_batch(V8)?;
    }
    connection.execute(
        "INSERT OR IGNORE INTO rooms (name, kind, skeleton) VALUES (?1, 'public', ?2)",
        params![DEFAULT_ROOM, names::key(DEFAULT_ROOM)],
    )?;
    connection.pragma_update(None, "user_version", VERSION)
}

/// Gives the identities and public rooms of an older database their look-alike keys. Where older
/// rules let look-alikes in, the oldest identity (the first room by name) gets the key and the
/// others keep their names without one: they still work, but nobody can take a name that looks
/// like theirs, since the key's holder already has it. A public room whose key starts with the
/// direct-message prefix (`＠1:2`) is renamed to `#＠1:2`, as version 2 did for `@`.
fn key_existing_names(connection: &Connection) -> rusqlite::Result<()> {
    let users: Vec<(i64, String)> = connection
        .prepare("SELECT id, name FROM users ORDER BY id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name) in users {
        connection.execute(
            "UPDATE OR IGNORE users SET skeleton = ?2 WHERE id = ?1",
            params![id, names::key(&name)],
        )?;
    }
    let rooms: Vec<String> = connection
        .prepare("SELECT name FROM rooms WHERE kind = 'public' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for mut room in rooms {
        let key = names::key(&room);
        if key.starts_with(chinwag_protocol::DIRECT_ROOM_PREFIX) {
            let renamed = format!("#{room}");
            for (table, column) in [("rooms", "name"), ("members", "room"), ("messages", "room")] {
                connection.execute(
                    &format!("UPDATE {table} SET {column} = ?2 WHERE {column} = ?1"),
                    params![room, renamed],
                )?;
            }
            room = renamed;
        }
        connection.execute(
            "UPDATE OR IGNORE rooms SET skeleton = ?2 WHERE name = ?1",
            params![room, names::key(&room)],
        )?;
    }
    Ok(())
}
