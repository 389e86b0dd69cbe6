//! Downloads for the members of a room: `GET /api/rooms/{room}/attachments/{hash}` streams the
//! content chunk by chunk from the store, `…/thumbnail` an image's thumbnail; both with headers
//! that keep a browser from running or sniffing anything in them.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::Attachments;
use crate::api::{bearer, malformed, refused};
use crate::hub::Access;
use chinwag_protocol::{ErrorCode, Rejection};

/// What a download forbids the browser: sniffing another type, running anything.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; sandbox";

/// `GET /api/rooms/{room}/attachments/{hash}`: the content.
pub(super) async fn file(
    State(state): State<Attachments>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let (hash, name) = granted(&state, path, &headers).await?;
        let blob = state
            .files
            .run({
                let hash = hash.clone();
                move |store| store.blob(&hash)
            })
            .await?
            .ok_or_else(unknown_attachment)?;
        let disposition = if blob.image.is_some() {
            "inline"
        } else {
            "attachment"
        };
        let files = std::sync::Arc::clone(&state.files);
        let content = blob.content.clone();
        let chunks = futures_util::stream::try_unfold(0_u64, move |at| {
            let files = std::sync::Arc::clone(&files);
            let content = content.clone();
            async move {
                let chunk = files.run(move |store| store.chunk(&content, at)).await?;
                Ok::<_, Rejection>(chunk.filter(|chunk| !chunk.is_empty()).map(|chunk| {
                    let next = at + chunk.len() as u64;
                    (axum::body::Bytes::from(chunk), next)
                }))
            }
        });
        let mut response = Body::from_stream(chunks).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(blob.size));
        guarded(headers, &blob.mime);
        headers.insert(
            header::CONTENT_DISPOSITION,
            header_value(
                &format!("{disposition}; filename*=UTF-8''{}", encode_filename(&name)),
                "attachment",
            ),
        );
        Ok(response)
    };
    answer.await.unwrap_or_else(refused)
}

/// `GET /api/rooms/{room}/attachments/{hash}/thumbnail`: an image's thumbnail.
pub(super) async fn thumbnail(
    State(state): State<Attachments>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let (hash, _) = granted(&state, path, &headers).await?;
        let thumbnail = state
            .files
            .run(move |store| store.thumbnail(&hash))
            .await?
            .ok_or_else(unknown_attachment)?;
        let mime = image::guess_format(&thumbnail)
            .map_or(super::content::UNKNOWN_TYPE, |format| format.to_mime_type());
        let mut response = thumbnail.into_response();
        let headers = response.headers_mut();
        guarded(headers, mime);
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline"),
        );
        Ok(response)
    };
    answer.await.unwrap_or_else(refused)
}

/// The content hash asked for and its name in the room, if the asker may have it.
async fn granted(
    state: &Attachments,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: &HeaderMap,
) -> Result<(String, String), Rejection> {
    let token = bearer(headers)?;
    let Path((room, hash)) = path.map_err(|rejection| malformed(rejection.body_text()))?;
    let grant = state
        .grant(
            token,
            Access::Download {
                room,
                hash: hash.clone(),
            },
        )
        .await?;
    Ok((hash, grant.name.unwrap_or_default()))
}

/// Sets the type and the headers every download carries.
fn guarded(headers: &mut HeaderMap, mime: &str) {
    headers.insert(
        header::CONTENT_TYPE,
        header_value(mime, super::content::UNKNOWN_TYPE),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
}

/// A header value of `text`, or `fallback` if it could not be one (what this module puts in
/// headers is printable ASCII: types it detected, percent-encoded names).
fn header_value(text: &str, fallback: &'static str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(fallback))
}

/// `name` percent-encoded for `filename*=UTF-8''…` (RFC 8187: all but its `attr-char`s).
fn encode_filename(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn unknown_attachment() -> Rejection {
    Rejection::new(ErrorCode::UnknownAttachment, "that attachment is gone")
}

#[cfg(test)]
mod tests {
    use super::encode_filename;

    #[test]
    fn a_file_name_is_encoded_for_content_disposition() {
        assert_eq!(encode_filename("a b\"c;.pdf"), "a%20b%22c%3B.pdf");
        assert_eq!(encode_filename("é.txt"), "%C3%A9.txt");
    }
}
