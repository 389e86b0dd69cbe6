//! Attachments as a store keeps them: each content once, by its SHA-256 (`attachments`, its
//! bytes in `chunks` of at most
//! [`chinwag_protocol::attachments::MAX_CHUNK_BYTES`] under the id of the upload that first stored
//! it), uploads with what they received so far (`uploads`, so any node or a restarted server
//! resumes them), which identity uploaded which content (`attachment_owners`: the quota and the
//! send check) and which message carries which (`message_attachments`). A content lives while
//! an upload holds it (until it is sent, or expires) or a message carries it.
//!
//! Two sides: the hub's connection reads the little a message needs ([`AttachmentStore`]);
//! the HTTP handlers move the bytes on connections of their own ([`BlobStore`]), so chat never
//! waits for an upload.

use super::{StoreResult, UserId};
use chinwag_protocol::{Attachment, ImageSize};

/// What the server found in an attachment's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Examined {
    /// The content type detected from its bytes.
    pub mime: String,
    /// An image's size, when it decoded within the limits.
    pub image: Option<ImageSize>,
    /// Its thumbnail (PNG or JPEG), exactly when `image` is set.
    pub thumbnail: Option<Vec<u8>>,
}

/// An upload as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRow {
    /// Its id.
    pub id: String,
    /// Who uploads it.
    pub user: UserId,
    /// The file name given.
    pub name: String,
    /// The announced size.
    pub size: u64,
    /// The bytes received from the start.
    pub received: u64,
    /// Once complete: the content's hash.
    pub hash: Option<String>,
}

/// A stored content, as a download needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRow {
    /// Its size in bytes.
    pub size: u64,
    /// Its detected type.
    pub mime: String,
    /// An image's size, when it is shown inline (it then has a thumbnail).
    pub image: Option<ImageSize>,
    /// The key of its chunks.
    pub content: String,
}

/// What a sweep found: what is stored once it is done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// Contents stored.
    pub blobs: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Where a chunk of `len` bytes at `offset` goes in an upload (see [`place`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Append the chunk's bytes from `skip` on (they start at `received`).
    Append {
        /// How many of its first bytes the server has already.
        skip: usize,
    },
    /// The server has all of it (its answer was lost): nothing to do.
    Had,
    /// It starts past what the server has.
    Ahead,
    /// It goes past the announced size.
    TooLong,
}

/// Where a chunk of `len` bytes starting at `offset` goes in `upload`.
pub fn place(upload: &UploadRow, offset: u64, len: usize) -> Placement {
    let end = offset.saturating_add(len as u64);
    if offset > upload.received {
        Placement::Ahead
    } else if end > upload.size {
        Placement::TooLong
    } else if end <= upload.received {
        Placement::Had
    } else {
        // `received - offset` is less than `len` here, so it fits a usize.
        Placement::Append {
            skip: usize::try_from(upload.received - offset).unwrap_or(len),
        }
    }
}

/// What the hub reads of attachments, on its own connection: small reads only.
pub trait AttachmentStore {
    /// The attachment `user` uploaded with content `hash` (under the name they last gave it),
    /// if they did and it is still stored.
    fn owned_attachment(&self, user: UserId, hash: &str) -> StoreResult<Option<Attachment>>;

    /// The attachments of messages `first..=last` of `room`, by sequence number.
    fn attachment_rows(
        &self,
        room: &str,
        first: u64,
        last: u64,
    ) -> StoreResult<Vec<(u64, Attachment)>>;

    /// The name a message of `room` carrying content `hash` gives it (the newest such message's),
    /// if one carries it.
    fn room_carries(&self, room: &str, hash: &str) -> StoreResult<Option<String>>;
}

/// The bytes of attachments, on a connection of the HTTP side's own (each call its own
/// transaction).
pub trait BlobStore: Send {
    /// A new upload for `user` (id made by the database), unless `user`'s stored contents plus
    /// the uploads in progress plus `size` pass `quota` (then `None`).
    fn start_upload(
        &mut self,
        user: UserId,
        name: &str,
        size: u64,
        now: i64,
        quota: u64,
    ) -> StoreResult<Option<UploadRow>>;

    /// Upload `id` if it is `user`'s.
    fn upload(&mut self, id: &str, user: UserId) -> StoreResult<Option<UploadRow>>;

    /// Puts a chunk of `bytes` at `offset` into upload `id` of `user` (see [`place`]); the
    /// upload as it stands after, and where the chunk went (`None`: no such upload).
    fn append(
        &mut self,
        id: &str,
        user: UserId,
        offset: u64,
        bytes: &[u8],
    ) -> StoreResult<Option<(UploadRow, Placement)>>;

    /// The chunk of content `key` that starts at byte `at`, if any.
    fn chunk(&mut self, key: &str, at: u64) -> StoreResult<Option<Vec<u8>>>;

    /// Records a complete upload's content as `hash` (stored once: a content stored before
    /// keeps its bytes and this upload's are dropped), and `upload.user` as one who uploaded it.
    fn complete(&mut self, upload: &UploadRow, hash: &str, examined: &Examined) -> StoreResult<()>;

    /// Content `hash`, if stored.
    fn blob(&mut self, hash: &str) -> StoreResult<Option<BlobRow>>;

    /// Content `hash`'s thumbnail, if it has one.
    fn thumbnail(&mut self, hash: &str) -> StoreResult<Option<Vec<u8>>>;

    /// Forgets uploads started before `expired` (and the bytes of those not complete), then
    /// deletes every content no message carries and no upload holds; what stays stored.
    fn sweep(&mut self, expired: i64) -> StoreResult<Stored>;

    /// All of content `key`, chunk after chunk.
    fn content(&mut self, key: &str, size: u64) -> StoreResult<Vec<u8>> {
        let mut content = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        while let Some(chunk) = self.chunk(key, content.len() as u64)? {
            if chunk.is_empty() {
                break;
            }
            content.extend_from_slice(&chunk);
        }
        Ok(content)
    }
}
