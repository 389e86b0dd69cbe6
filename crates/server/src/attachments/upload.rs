//! Resumable uploads: `POST /api/uploads` starts one, `PUT /api/uploads/{id}?offset=N` adds a
//! chunk, `GET /api/uploads/{id}` says where it stands. The chunk that completes the file has
//! its content hashed, examined ([`super::content`]) and stored once per hash.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};

use super::{Attachments, content};
use crate::api::{bearer, malformed, refused};
use crate::hub::Access;
use crate::store::BlobStore;
use crate::store::attachments::{Placement, UploadRow};
use chinwag_protocol::attachments::{MAX_FILE_NAME_BYTES, UploadStart, UploadStatus};
use chinwag_protocol::{Attachment, ErrorCode, Rejection};

/// Uploads completed (their content read back, hashed and examined) at once at most.
static EXAMINING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `POST /api/uploads`: a new upload (201), within the size limit and the asker's quota.
pub(super) async fn start(
    State(state): State<Attachments>,
    headers: HeaderMap,
    body: Result<Json<UploadStart>, JsonRejection>,
) -> Response {
    let started = async {
        let token = bearer(&headers)?;
        let Json(UploadStart { name, size }) =
            body.map_err(|rejection| malformed(rejection.body_text()))?;
        let name = file_name(&name).ok_or_else(|| malformed("the file needs a name".to_owned()))?;
        if size == 0 {
            return Err(malformed("the file is empty".to_owned()));
        }
        let max = state.limits.max_bytes;
        if size > max {
            return Err(Rejection::new(
                ErrorCode::TooLarge,
                format!("the file is {size} bytes; the limit is {max}"),
            ));
        }
        let user = state.grant(token, Access::Upload).await?.user;
        let now = crate::hub::Now::read().unix_ms;
        let quota = state.limits.quota_bytes;
        let upload = state
            .files
            .run(move |store| store.start_upload(user, &name, size, now, quota))
            .await?
            .ok_or_else(|| {
                Rejection::new(
                    ErrorCode::QuotaExceeded,
                    format!("this would pass your storage quota of {quota} bytes"),
                )
            })?;
        state.metrics.upload_started();
        Ok(status_of(&upload, None))
    };
    match started.await {
        Ok(status) => (StatusCode::CREATED, Json(status)).into_response(),
        Err(rejection) => refused(rejection),
    }
}

/// `PUT /api/uploads/{id}?offset=N`: a chunk (see [`Placement`]).
pub(super) async fn chunk(
    State(state): State<Attachments>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let put = async {
        let token = bearer(&headers)?;
        let Path(id) = id.map_err(|rejection| malformed(rejection.body_text()))?;
        let Query(query) = query.map_err(|rejection| malformed(rejection.body_text()))?;
        let offset = query
            .get("offset")
            .and_then(|offset| offset.parse::<u64>().ok())
            .ok_or_else(|| malformed("offset must be the chunk's first byte".to_owned()))?;
        let bytes = body.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Rejection::new(
                    ErrorCode::TooLarge,
                    format!(
                        "a chunk is at most {} bytes",
                        chinwag_protocol::attachments::MAX_CHUNK_BYTES
                    ),
                )
            } else {
                malformed(rejection.body_text())
            }
        })?;
        let user = state.grant(token, Access::Upload).await?.user;
        let received = bytes.len() as u64;
        let (upload, placement) = state
            .files
            .run(move |store| store.append(&id, user, offset, &bytes))
            .await?
            .ok_or_else(unknown_upload)?;
        match placement {
            Placement::Ahead => {
                return Err(Rejection::new(
                    ErrorCode::UploadOffset,
                    format!(
                        "the server has {} bytes: send from there (PUT ?offset={})",
                        upload.received, upload.received
                    ),
                ));
            }
            Placement::TooLong => {
                return Err(Rejection::new(
                    ErrorCode::TooLarge,
                    format!("the upload was announced as {} bytes", upload.size),
                ));
            }
            Placement::Append { skip } => state.metrics.upload_bytes(received - skip as u64),
            Placement::Had => {}
        }
        finish(&state, upload).await
    };
    match put.await {
        Ok(status) => Json(status).into_response(),
        Err(rejection) => refused(rejection),
    }
}

/// `GET /api/uploads/{id}`: where the upload stands.
pub(super) async fn status(
    State(state): State<Attachments>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let asked = async {
        let token = bearer(&headers)?;
        let Path(id) = id.map_err(|rejection| malformed(rejection.body_text()))?;
        let user = state.grant(token, Access::Upload).await?.user;
        let upload = state
            .files
            .run(move |store| store.upload(&id, user))
            .await?
            .ok_or_else(unknown_upload)?;
        finish(&state, upload).await
    };
    match asked.await {
        Ok(status) => Json(status).into_response(),
        Err(rejection) => refused(rejection),
    }
}

/// The status of `upload`, completing it first if all its bytes are in but it is not complete
/// yet (the chunk that completed it just came, or the server stopped before completing it).
async fn finish(state: &Attachments, upload: UploadRow) -> Result<UploadStatus, Rejection> {
    if upload.received < upload.size {
        return Ok(status_of(&upload, None));
    }
    let fresh = upload.hash.is_none();
    // Decoding takes up to `content::MAX_DECODE_BYTES` of memory: a few at a time.
    let _examining = EXAMINING
        .acquire()
        .await
        .map_err(|_| super::files::failed())?;
    let (upload, attachment) = state
        .files
        .run(move |store| {
            let attachment = complete(store, &upload)?;
            Ok((upload, attachment))
        })
        .await?;
    if fresh {
        state.metrics.upload_completed();
    }
    Ok(status_of(&upload, attachment))
}

/// Stores a complete upload's content (hashed and examined here, once) and its attachment.
fn complete(
    store: &mut dyn BlobStore,
    upload: &UploadRow,
) -> crate::store::StoreResult<Option<Attachment>> {
    let hash = match &upload.hash {
        Some(hash) => hash.clone(),
        None => {
            let content = store.content(&upload.id, upload.size)?;
            if content.len() as u64 != upload.size {
                return Err(crate::store::StoreError::Missing("a chunk of an upload"));
            }
            let hash: String = Sha256::digest(&content)
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            let examined = content::examine(&content);
            store.complete(upload, &hash, &examined)?;
            hash
        }
    };
    Ok(store.blob(&hash)?.map(|blob| Attachment {
        hash,
        name: upload.name.clone(),
        size: blob.size,
        mime: blob.mime,
        image: blob.image,
    }))
}

/// What the client is told of `upload`.
fn status_of(upload: &UploadRow, attachment: Option<Attachment>) -> UploadStatus {
    UploadStatus {
        id: upload.id.clone(),
        size: upload.size,
        received: upload.received,
        attachment,
    }
}

fn unknown_upload() -> Rejection {
    Rejection::new(
        ErrorCode::UnknownUpload,
        "no such upload of yours (it may have expired): start again",
    )
}

/// A file name as stored: its last path component, trimmed, cut to [`MAX_FILE_NAME_BYTES`] at
/// a character boundary; `None` if nothing is left.
fn file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let mut end = last.len().min(MAX_FILE_NAME_BYTES);
    while !last.is_char_boundary(end) {
        end -= 1;
    }
    let name: String = last[..end].chars().filter(|c| !c.is_control()).collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn a_file_name_is_its_last_component_cut_at_a_character() {
        assert_eq!(file_name("C:\\photos\\cat.png").as_deref(), Some("cat.png"));
        assert_eq!(file_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(file_name(" dir/ "), None);
        let long = "é".repeat(200);
        let cut = file_name(&long).unwrap();
        assert_eq!(cut.len(), 254);
    }
}
