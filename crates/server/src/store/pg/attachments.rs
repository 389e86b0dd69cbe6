//! Attachments in PostgreSQL (schema version 5), the same answers as SQLite's: the hub's reads
//! on its connection, the bytes on [`PgBlobs`], a connection of the HTTP side's own.

use postgres::{Client, NoTls, Row, Statement, Transaction};

use super::{CONNECT_TIMEOUT, PgStore, from_db, to_db};
use crate::store::attachments::{
    AttachmentStore, BlobRow, BlobStore, Examined, Placement, Stored, UploadRow, place,
};
use crate::store::{Authored, StoreResult, UserId};
use chinwag_protocol::{Attachment, ImageSize};

/// The columns [`attachment_from_row`] reads, from `attachments a` and a table `n` with `name`.
const ATTACHMENT_COLUMNS: &str = "a.hash, n.name, a.size, a.mime, a.width, a.height";

/// Inserts a batch's message attachments in one statement, from one array per column, and
/// lets go of the senders' uploads of them (the messages hold them now).
pub(super) const INSERT_ATTACHMENTS: &str = "WITH carried AS (
        INSERT INTO message_attachments (room, seq, hash, name)
        SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[]))
    DELETE FROM uploads u USING UNNEST($5::bigint[], $3::text[]) AS sent (user_id, hash)
    WHERE u.user_id = sent.user_id AND u.hash = sent.hash";

/// Records which content each message of `messages` with an attachment carries, within
/// `transaction`, with [`INSERT_ATTACHMENTS`] (prepared as `insert`).
pub(super) fn insert_attachments(
    transaction: &mut Transaction<'_>,
    insert: &Statement,
    messages: &[Authored],
) -> Result<(), postgres::Error> {
    let carried: Vec<_> = messages
        .iter()
        .filter_map(|Authored { sender_id, message }| {
            let attachment = message.attachment.as_ref()?;
            Some((
                message.room.as_str(),
                to_db(message.seq),
                attachment,
                *sender_id,
            ))
        })
        .collect();
    if carried.is_empty() {
        return Ok(());
    }
    let rooms: Vec<&str> = carried.iter().map(|(room, ..)| *room).collect();
    let seqs: Vec<i64> = carried.iter().map(|(_, seq, ..)| *seq).collect();
    let hashes: Vec<&str> = carried.iter().map(|(.., a, _)| a.hash.as_str()).collect();
    let names: Vec<&str> = carried.iter().map(|(.., a, _)| a.name.as_str()).collect();
    let senders: Vec<UserId> = carried.iter().map(|(.., sender)| *sender).collect();
    transaction.execute(insert, &[&rooms, &seqs, &hashes, &names, &senders])?;
    Ok(())
}

/// Deletes message `$2` of room `$1` and forgets the attachment it carried, in one statement.
pub(super) const DELETE_MESSAGE: &str = "WITH carried AS (
        DELETE FROM message_attachments WHERE room = $1 AND seq = $2)
    UPDATE messages SET text = '', deleted = TRUE WHERE room = $1 AND seq = $2";

fn attachment_from_row(row: &Row, first: usize) -> Attachment {
    let width: Option<i64> = row.get(first + 4);
    let height: Option<i64> = row.get(first + 5);
    Attachment {
        hash: row.get(first),
        name: row.get(first + 1),
        size: from_db(row.get(first + 2)),
        mime: row.get(first + 3),
        image: width
            .zip(height)
            .map(|(width, height)| image_size(width, height)),
    }
}

/// An image size as PostgreSQL keeps it (`BIGINT`s).
fn image_size(width: i64, height: i64) -> ImageSize {
    let side = |value: i64| u32::try_from(value).unwrap_or(0);
    ImageSize {
        width: side(width),
        height: side(height),
    }
}

impl AttachmentStore for PgStore {
    fn owned_attachment(&self, user: UserId, hash: &str) -> StoreResult<Option<Attachment>> {
        Ok(self
            .row(
                &format!(
                    "SELECT {ATTACHMENT_COLUMNS} FROM attachment_owners n
                     JOIN attachments a ON a.hash = n.hash WHERE n.user_id = $1 AND n.hash = $2"
                ),
                &[&user, &hash],
            )?
            .map(|row| attachment_from_row(&row, 0)))
    }

    fn attachment_rows(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> StoreResult<Vec<(u64, Attachment)>> {
        Ok(self
            .rows(
                &format!(
                    "SELECT n.seq, {ATTACHMENT_COLUMNS} FROM message_attachments n
                     JOIN attachments a ON a.hash = n.hash
                     WHERE n.room = $1 AND n.seq BETWEEN $2 AND $3"
                ),
                &[&room, &to_db(first), &to_db(last)],
            )?
            .iter()
            .map(|row| (from_db(row.get(0)), attachment_from_row(row, 1)))
            .collect())
    }

    fn room_carries(&self, room: &str, hash: &str) -> StoreResult<Option<String>> {
        Ok(self
            .row(
                "SELECT name FROM message_attachments WHERE room = $1 AND hash = $2
                 ORDER BY seq DESC LIMIT 1",
                &[&room, &hash],
            )?
            .map(|row| row.get(0)))
    }
}

/// A connection of the HTTP side to the database, for the bytes of attachments.
pub struct PgBlobs {
    client: Client,
}

impl PgBlobs {
    /// Connects to the database at `url` (the server's, already current).
    pub fn connect(url: &str) -> StoreResult<Self> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        Ok(Self {
            client: config.connect(NoTls)?,
        })
    }
}

/// The columns [`upload_from_row`] reads.
const UPLOAD_COLUMNS: &str = "id, user_id, name, size, received, hash";

fn upload_from_row(row: &Row) -> UploadRow {
    UploadRow {
        id: row.get(0),
        user: row.get(1),
        name: row.get(2),
        size: from_db(row.get(3)),
        received: from_db(row.get(4)),
        hash: row.get(5),
    }
}

impl BlobStore for PgBlobs {
    fn start_upload(
        &mut self,
        user: UserId,
        name: &str,
        size: u64,
        now: i64,
        quota: u64,
    ) -> StoreResult<Option<UploadRow>> {
        let mut transaction = self.client.transaction()?;
        // One start at a time per identity: two must not both fit the same room in the quota.
        transaction.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&user])?;
        let used: i64 = transaction
            .query_one(
                "SELECT (SELECT COALESCE(SUM(a.size), 0) FROM attachment_owners o
                         JOIN attachments a ON a.hash = o.hash WHERE o.user_id = $1)::BIGINT
                      + (SELECT COALESCE(SUM(size), 0) FROM uploads
                         WHERE user_id = $1 AND hash IS NULL)::BIGINT",
                &[&user],
            )?
            .get(0);
        if from_db(used).saturating_add(size) > quota {
            return Ok(None);
        }
        let row = transaction.query_one(
            &format!(
                "INSERT INTO uploads (id, user_id, name, size, created)
                 VALUES (replace(gen_random_uuid()::text, '-', ''), $1, $2, $3, $4)
                 RETURNING {UPLOAD_COLUMNS}"
            ),
            &[&user, &name, &to_db(size), &now],
        )?;
        transaction.commit()?;
        Ok(Some(upload_from_row(&row)))
    }

    fn upload(&mut self, id: &str, user: UserId) -> StoreResult<Option<UploadRow>> {
        Ok(self
            .client
            .query_opt(
                &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND user_id = $2"),
                &[&id, &user],
            )?
            .map(|row| upload_from_row(&row)))
    }

    fn append(
        &mut self,
        id: &str,
        user: UserId,
        offset: u64,
        bytes: &[u8],
    ) -> StoreResult<Option<(UploadRow, Placement)>> {
        let mut transaction = self.client.transaction()?;
        let Some(row) = transaction.query_opt(
            &format!(
                "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND user_id = $2 FOR UPDATE"
            ),
            &[&id, &user],
        )?
        else {
            return Ok(None);
        };
        let mut upload = upload_from_row(&row);
        let placement = place(&upload, offset, bytes.len());
        if let Placement::Append { skip } = placement {
            let tail = &bytes[skip..];
            transaction.execute(
                "INSERT INTO chunks (content, at, data) VALUES ($1, $2, $3)",
                &[&id, &to_db(upload.received), &tail],
            )?;
            upload.received += tail.len() as u64;
            transaction.execute(
                "UPDATE uploads SET received = $2 WHERE id = $1",
                &[&id, &to_db(upload.received)],
            )?;
        }
        transaction.commit()?;
        Ok(Some((upload, placement)))
    }

    fn chunk(&mut self, key: &str, at: u64) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .client
            .query_opt(
                "SELECT data FROM chunks WHERE content = $1 AND at = $2",
                &[&key, &to_db(at)],
            )?
            .map(|row| row.get(0)))
    }

    fn complete(&mut self, upload: &UploadRow, hash: &str, examined: &Examined) -> StoreResult<()> {
        let side = |side: u32| i64::from(side);
        let mut transaction = self.client.transaction()?;
        transaction.execute(
            "INSERT INTO attachments (hash, size, mime, width, height, thumbnail, content)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
            &[
                &hash,
                &to_db(upload.size),
                &examined.mime,
                &examined.image.map(|image| side(image.width)),
                &examined.image.map(|image| side(image.height)),
                &examined.thumbnail,
                &upload.id,
            ],
        )?;
        // Stored before (or by another completion of this upload): its bytes are kept once.
        transaction.execute(
            "DELETE FROM chunks WHERE content = $1
             AND NOT EXISTS (SELECT 1 FROM attachments WHERE content = $1)",
            &[&upload.id],
        )?;
        transaction.execute(
            "UPDATE uploads SET hash = $2 WHERE id = $1",
            &[&upload.id, &hash],
        )?;
        transaction.execute(
            "INSERT INTO attachment_owners (user_id, hash, name) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, hash) DO UPDATE SET name = excluded.name",
            &[&upload.user, &hash, &upload.name],
        )?;
        Ok(transaction.commit()?)
    }

    fn blob(&mut self, hash: &str) -> StoreResult<Option<BlobRow>> {
        Ok(self
            .client
            .query_opt(
                "SELECT size, mime, width, height, content FROM attachments WHERE hash = $1",
                &[&hash],
            )?
            .map(|row| {
                let width: Option<i64> = row.get(2);
                let height: Option<i64> = row.get(3);
                BlobRow {
                    size: from_db(row.get(0)),
                    mime: row.get(1),
                    image: width
                        .zip(height)
                        .map(|(width, height)| image_size(width, height)),
                    content: row.get(4),
                }
            }))
    }

    fn thumbnail(&mut self, hash: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .client
            .query_opt(
                "SELECT thumbnail FROM attachments WHERE hash = $1",
                &[&hash],
            )?
            .and_then(|row| row.get(0)))
    }

    fn sweep(&mut self, expired: i64) -> StoreResult<Stored> {
        self.client.execute(
            "WITH gone AS (DELETE FROM uploads WHERE created < $1 RETURNING id, hash)
             DELETE FROM chunks WHERE content IN (SELECT id FROM gone WHERE hash IS NULL)",
            &[&expired],
        )?;
        // One statement: what it deletes and what goes with it are decided at once.
        self.client.execute(
            "WITH unheld AS (
                 DELETE FROM attachments a
                 WHERE NOT EXISTS (SELECT 1 FROM message_attachments m WHERE m.hash = a.hash)
                 AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.hash = a.hash)
                 RETURNING hash, content),
             bytes AS (DELETE FROM chunks WHERE content IN (SELECT content FROM unheld))
             DELETE FROM attachment_owners WHERE hash IN (SELECT hash FROM unheld)",
            &[],
        )?;
        let row = self.client.query_one(
            "SELECT COUNT(*), COALESCE(SUM(size), 0)::BIGINT FROM attachments",
            &[],
        )?;
        Ok(Stored {
            blobs: from_db(row.get(0)),
            bytes: from_db(row.get(1)),
        })
    }
}
