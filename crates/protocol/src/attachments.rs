//! Attachments: images and files sent with a message.
//!
//! Every request below carries `Authorization: Bearer TOKEN` (401 `invalid_token` without a
//! known one). Errors answer a [`Rejection`](super::Rejection) as the body.
//!
//! **Upload** (resumable, in chunks, so a progress bar moves and a dropped connection costs at
//! most one chunk):
//! 1. `POST /api/uploads` with an [`UploadStart`] → 201 [`UploadStatus`] (a fresh upload id,
//!    `received` 0). 413 `too_large` when `size` is over the server's limit (25 MiB by default,
//!    `chinwag serve --max-attachment-bytes`); 413 `quota_exceeded` when the identity's stored
//!    attachments plus `size` would pass its quota (`--attachment-quota-bytes`); 400
//!    `malformed` for a bad body or an empty name.
//! 2. `PUT /api/uploads/{id}?offset=N` with up to [`MAX_CHUNK_BYTES`] bytes of the file starting
//!    at byte N → 200 [`UploadStatus`]. A chunk that ends at or before `received` is accepted
//!    again without effect (its answer was lost); one starting past `received` gets 409
//!    `upload_offset` (the body says where to resume); bytes past the announced size get 413
//!    `too_large`. The answer to the chunk that completes the file carries the stored
//!    [`Attachment`]. 404 `unknown_upload` for an id that is not the asker's or has expired.
//! 3. `GET /api/uploads/{id}` → 200 [`UploadStatus`]: where to resume after a disconnect.
//! 4. Post it: [`ClientFrame::Send`](super::ClientFrame::Send) with `attachment` = the
//!    [`Attachment::hash`] from step 2 (the text may then be empty). `unknown_attachment` if the
//!    sender has not uploaded that content. The server fills the message's
//!    [`ChatMessage::attachment`](super::ChatMessage::attachment) from what it stored, never
//!    from what the client says.
//!
//! **Download**, for members of the room only (404 `unknown_room` for someone else's direct
//! conversation, 403 `forbidden` for a public room one is not in, 404 `unknown_attachment` when
//! no message of the room carries it):
//! - `GET /api/rooms/{room}/attachments/{hash}`: the file, with the detected `Content-Type`,
//!   `X-Content-Type-Options: nosniff`, `Content-Security-Policy: default-src 'none'; sandbox`,
//!   and `Content-Disposition: attachment; filename*=…` unless it is an image shown inline
//!   ([`INLINE_IMAGE_TYPES`]);
//! - `GET /api/rooms/{room}/attachments/{hash}/thumbnail`: an image's thumbnail (PNG or JPEG, at
//!   most [`THUMBNAIL_MAX_PX`] on its longer side); 404 `unknown_attachment` when it has none.
//!
//! Content is stored once per hash however often it is sent, in the store (every node of a
//! deployment sees it); it is deleted once no message carries it and no upload holds it.

use serde::{Deserialize, Serialize};

/// The most bytes of one upload chunk (`PUT /api/uploads/{id}`).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// The server's default limit on one attachment's size (25 MiB).
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// The server's default quota of stored attachment bytes per identity (1 GiB).
pub const DEFAULT_ATTACHMENT_QUOTA_BYTES: u64 = 1024 * 1024 * 1024;
/// The most bytes of an attachment's file name (longer names are cut at a character boundary).
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// The longer side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX_PX: u32 = 320;
/// The content types shown inline as images (everything else downloads as a file).
pub const INLINE_IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// A stored attachment as a message carries it. Everything but the name is what the server
/// found in the content.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    /// The SHA-256 of the content, lower-case hex: its id.
    pub hash: String,
    /// The file name the sender gave (at most [`MAX_FILE_NAME_BYTES`], no path).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The content type detected from the content (`application/octet-stream` when unknown).
    pub mime: String,
    /// For an image shown inline (one of [`INLINE_IMAGE_TYPES`] the server could decode within
    /// its limits): its full size. A thumbnail exists exactly when this does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageSize>,
}

/// An image's size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The body of `POST /api/uploads`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStart {
    /// The file's name (its last path component; cut to [`MAX_FILE_NAME_BYTES`]).
    pub name: String,
    /// Its size in bytes (at least 1).
    pub size: u64,
}

/// Where an upload stands: the answer to each upload request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    /// The upload's id (random; only its uploader can use it).
    pub id: String,
    /// The announced size.
    pub size: u64,
    /// How many bytes from the start the server has.
    pub received: u64,
    /// Once complete: the stored attachment, to post with a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
}

/// The path of an attachment's file (`thumbnail` false) or thumbnail, percent-encoded.
pub fn attachment_path(room: &str, hash: &str, thumbnail: bool) -> String {
    let mut path = format!(
        "/api/rooms/{}/attachments/{}",
        super::api::percent_encode(room),
        super::api::percent_encode(hash)
    );
    if thumbnail {
        path.push_str("/thumbnail");
    }
    path
}

/// The path of one chunk of an upload.
pub fn chunk_path(upload: &str, offset: u64) -> String {
    format!(
        "/api/uploads/{}?offset={offset}",
        super::api::percent_encode(upload)
    )
}

/// The path of an upload (`GET` it for where to resume), percent-encoded.
pub fn upload_path(upload: &str) -> String {
    format!("/api/uploads/{}", super::api::percent_encode(upload))
}
