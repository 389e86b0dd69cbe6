//! Attachments in SQLite (schema version 8): the hub's reads on its connection, the bytes on
//! [`SqliteBlobs`], a second connection to the same file (WAL: readers and the one writer at a
//! time do not block each other).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::SqliteStore;
use crate::store::attachments::{
    AttachmentStore, BlobRow, BlobStore, Examined, Placement, Stored, UploadRow, place,
};
use crate::store::{Authored, StoreResult, UserId};
use chinwag_protocol::{Attachment, ImageSize};

/// How long a blob connection waits for the hub's transaction (short: a batch).
const BLOB_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The columns [`attachment_from_row`] reads, from `attachments a` and a table `n` with `name`.
const ATTACHMENT_COLUMNS: &str = "a.hash, n.name, a.size, a.mime, a.width, a.height";

/// Records which content each message of `messages` with an attachment carries, within
/// `transaction` (see [`crate::store::Backend::write_batch`]); the sender's uploads of it stop
/// holding it (the message does now).
pub(super) fn insert_attachments(
    transaction: &rusqlite::Transaction<'_>,
    messages: &[Authored],
) -> rusqlite::Result<()> {
    let mut insert = transaction.prepare_cached(
        "INSERT INTO message_attachments (room, seq, hash, name) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut release =
        transaction.prepare_cached("DELETE FROM uploads WHERE user_id = ?1 AND hash = ?2")?;
    for Authored { sender_id, message } in messages {
        if let Some(attachment) = &message.attachment {
            insert.execute(params![
                message.room,
                message.seq,
                attachment.hash,
                attachment.name
            ])?;
            release.execute(params![sender_id, attachment.hash])?;
        }
    }
    Ok(())
}

/// Forgets that message `seq` of `room` carries an attachment (it was deleted).
pub(super) fn drop_attachment(
    connection: &Connection,
    room: &str,
    seq: u64,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached("DELETE FROM message_attachments WHERE room = ?1 AND seq = ?2")?
        .execute(params![room, seq])
        .map(drop)
}

fn attachment_from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Attachment> {
    let width: Option<u32> = row.get(first + 4)?;
    let height: Option<u32> = row.get(first + 5)?;
    Ok(Attachment {
        hash: row.get(first)?,
        name: row.get(first + 1)?,
        size: row.get(first + 2)?,
        mime: row.get(first + 3)?,
        image: width
            .zip(height)
            .map(|(width, height)| ImageSize { width, height }),
    })
}

impl AttachmentStore for SqliteStore {
    fn owned_attachment(&self, user: UserId, hash: &str) -> StoreResult<Option<Attachment>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM attachment_owners n
                 JOIN attachments a ON a.hash = n.hash WHERE n.user_id = ?1 AND n.hash = ?2"
            ))?
            .query_row(params![user, hash], |row| attachment_from_row(row, 0))
            .optional()?)
    }

    fn attachment_rows(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> StoreResult<Vec<(u64, Attachment)>> {
        let last = i64::try_from(last).unwrap_or(i64::MAX);
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT n.seq, {ATTACHMENT_COLUMNS} FROM message_attachments n
                 JOIN attachments a ON a.hash = n.hash
                 WHERE n.room = ?1 AND n.seq BETWEEN ?2 AND ?3"
            ))?
            .query_map(params![room, first, last], |row| {
                Ok((row.get(0)?, attachment_from_row(row, 1)?))
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn room_carries(&self, room: &str, hash: &str) -> StoreResult<Option<String>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT name FROM message_attachments WHERE room = ?1 AND hash = ?2
                 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![room, hash], |row| row.get(0))
            .optional()?)
    }
}

/// A connection of the HTTP side to the database file, for the bytes of attachments.
pub struct SqliteBlobs {
    connection: Connection,
}

impl SqliteBlobs {
    /// Opens a connection to the database at `path` (the server's, already open and current).
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(BLOB_LOCK_WAIT)?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        Ok(Self { connection })
    }

    /// Runs `work` in a transaction that takes the write lock at once (a read that later
    /// writes must not find its snapshot stale).
    fn write<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }
}

fn upload_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        id: row.get(0)?,
        user: row.get(1)?,
        name: row.get(2)?,
        size: row.get(3)?,
        received: row.get(4)?,
        hash: row.get(5)?,
    })
}

/// Reads upload `id` of `user`.
fn read_upload(
    connection: &Connection,
    id: &str,
    user: UserId,
) -> rusqlite::Result<Option<UploadRow>> {
    connection
        .prepare_cached(
            "SELECT id, user_id, name, size, received, hash FROM uploads
             WHERE id = ?1 AND user_id = ?2",
        )?
        .query_row(params![id, user], upload_from_row)
        .optional()
}

impl BlobStore for SqliteBlobs {
    fn start_upload(
        &mut self,
        user: UserId,
        name: &str,
        size: u64,
        now: i64,
        quota: u64,
    ) -> StoreResult<Option<UploadRow>> {
        self.write(|transaction| {
            let used: u64 = transaction.query_row(
                "SELECT (SELECT COALESCE(SUM(a.size), 0) FROM attachment_owners o
                         JOIN attachments a ON a.hash = o.hash WHERE o.user_id = ?1)
                      + (SELECT COALESCE(SUM(size), 0) FROM uploads
                         WHERE user_id = ?1 AND hash IS NULL)",
                [user],
                |row| row.get(0),
            )?;
            if used.saturating_add(size) > quota {
                return Ok(None);
            }
            transaction
                .query_row(
                    "INSERT INTO uploads (id, user_id, name, size, created)
                     VALUES (lower(hex(randomblob(16))), ?1, ?2, ?3, ?4)
                     RETURNING id, user_id, name, size, received, hash",
                    params![user, name, size, now],
                    upload_from_row,
                )
                .map(Some)
        })
    }

    fn upload(&mut self, id: &str, user: UserId) -> StoreResult<Option<UploadRow>> {
        Ok(read_upload(&self.connection, id, user)?)
    }

    fn append(
        &mut self,
        id: &str,
        user: UserId,
        offset: u64,
        bytes: &[u8],
    ) -> StoreResult<Option<(UploadRow, Placement)>> {
        self.write(|transaction| {
            let Some(mut upload) = read_upload(transaction, id, user)? else {
                return Ok(None);
            };
            let placement = place(&upload, offset, bytes.len());
            if let Placement::Append { skip } = placement {
                let tail = &bytes[skip..];
                transaction
                    .prepare_cached("INSERT INTO chunks (content, at, data) VALUES (?1, ?2, ?3)")?
                    .execute(params![id, upload.received, tail])?;
                upload.received += tail.len() as u64;
                transaction
                    .prepare_cached("UPDATE uploads SET received = ?2 WHERE id = ?1")?
                    .execute(params![id, upload.received])?;
            }
            Ok(Some((upload, placement)))
        })
    }

    fn chunk(&mut self, key: &str, at: u64) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .connection
            .prepare_cached("SELECT data FROM chunks WHERE content = ?1 AND at = ?2")?
            .query_row(params![key, at], |row| row.get(0))
            .optional()?)
    }

    fn complete(&mut self, upload: &UploadRow, hash: &str, examined: &Examined) -> StoreResult<()> {
        self.write(|transaction| {
            transaction.execute(
                "INSERT OR IGNORE INTO attachments
                 (hash, size, mime, width, height, thumbnail, content)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    hash,
                    upload.size,
                    examined.mime,
                    examined.image.map(|image| image.width),
                    examined.image.map(|image| image.height),
                    examined.thumbnail,
                    upload.id
                ],
            )?;
            // Stored before (or by another completion of this upload): its bytes are kept once.
            transaction.execute(
                "DELETE FROM chunks WHERE content = ?1
                 AND NOT EXISTS (SELECT 1 FROM attachments WHERE content = ?1)",
                [&upload.id],
            )?;
            transaction.execute(
                "UPDATE uploads SET hash = ?2 WHERE id = ?1",
                params![upload.id, hash],
            )?;
            transaction.execute(
                "INSERT INTO attachment_owners (user_id, hash, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id, hash) DO UPDATE SET name = excluded.name",
                params![upload.user, hash, upload.name],
            )?;
            Ok(())
        })
    }

    fn blob(&mut self, hash: &str) -> StoreResult<Option<BlobRow>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT size, mime, width, height, content FROM attachments WHERE hash = ?1",
            )?
            .query_row([hash], |row| {
                let width: Option<u32> = row.get(2)?;
                let height: Option<u32> = row.get(3)?;
                Ok(BlobRow {
                    size: row.get(0)?,
                    mime: row.get(1)?,
                    image: width
                        .zip(height)
                        .map(|(width, height)| ImageSize { width, height }),
                    content: row.get(4)?,
                })
            })
            .optional()?)
    }

    fn thumbnail(&mut self, hash: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .connection
            .prepare_cached("SELECT thumbnail FROM attachments WHERE hash = ?1")?
            .query_row([hash], |row| row.get(0))
            .optional()?
            .flatten())
    }

    fn sweep(&mut self, expired: i64) -> StoreResult<Stored> {
        self.write(|transaction| {
            for sql in SWEEP_UPLOADS {
                transaction.prepare_cached(sql)?.execute([expired])?;
            }
            // The write lock is held throughout: no message comes to carry a content between
            // these statements.
            for sql in SWEEP_CONTENTS {
                transaction.prepare_cached(sql)?.execute([])?;
            }
            transaction.query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM attachments",
                [],
                |row| {
                    Ok(Stored {
                        blobs: row.get(0)?,
                        bytes: row.get(1)?,
                    })
                },
            )
        })
    }
}

/// Forgets the uploads started before `?1`, and the bytes of those not complete.
const SWEEP_UPLOADS: [&str; 2] = [
    "DELETE FROM chunks WHERE content IN
        (SELECT id FROM uploads WHERE created < ?1 AND hash IS NULL)",
    "DELETE FROM uploads WHERE created < ?1",
];

/// The contents (`attachments a`) no message carries and no upload holds.
macro_rules! unheld {
    () => {
        "NOT EXISTS (SELECT 1 FROM message_attachments m WHERE m.hash = a.hash)
         AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = a.hash)"
    };
}

/// Deletes the contents no message carries and no upload holds, their bytes and who uploaded
/// them.
const SWEEP_CONTENTS: [&str; 3] = [
    concat!(
        "DELETE FROM chunks WHERE content IN (SELECT content FROM attachments a WHERE ",
        unheld!(),
        ")"
    ),
    concat!(
        "DELETE FROM attachment_owners WHERE hash IN (SELECT hash FROM attachments a WHERE ",
        unheld!(),
        ")"
    ),
    concat!("DELETE FROM attachments AS a WHERE ", unheld!()),
];
