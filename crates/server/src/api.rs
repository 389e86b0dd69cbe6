//! The HTTP API: `GET /api/rooms/{room}/messages?before=SEQ&limit=N` pages through a room's
//! older history (see [`chinwag_protocol::api`]); attachments are in [`crate::attachments`]. The hub answers, with the same reading rules as
//! the socket: a bearer token names the asker, and direct conversations only open to their two.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use crate::hub::{Command, PageRequest};
use chinwag_protocol::api::{DEFAULT_PAGE, MAX_PAGE};
use chinwag_protocol::{ErrorCode, Rejection};

/// Answers one page request.
pub async fn history_page(
    State(hub): State<mpsc::Sender<Command>>,
    room: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    // A path or query axum cannot decode (say, a room that is not UTF-8) still gets a
    // `Rejection` body, not axum's plain-text rejection.
    let request = match (room, query) {
        (Ok(Path(room)), Ok(Query(query))) => Ok((room, query)),
        (Err(rejection), _) => Err(malformed(rejection.body_text())),
        (_, Err(rejection)) => Err(malformed(rejection.body_text())),
    };
    let answer = match request {
        Ok((room, query)) => page(hub, room, &query, &headers).await,
        Err(error) => Err(error),
    };
    match answer {
        Ok(page) => Json(page).into_response(),
        Err(rejection) => refused(rejection),
    }
}

/// The answer to a refused request: its status, the rejection as the body and, for
/// `rate_limited`, a `Retry-After` header.
pub(crate) fn refused(rejection: Rejection) -> Response {
    let status = status_of(rejection.code);
    match rejection.retry_after {
        // Retry-After counts whole seconds: rounded up, so a client is never early (the
        // milliseconds were rounded up from the wait already, so this is the wait rounded up).
        Some(wait_ms) => {
            let header = [(header::RETRY_AFTER, wait_ms.div_ceil(1000).to_string())];
            (status, header, Json(rejection)).into_response()
        }
        None => (status, Json(rejection)).into_response(),
    }
}

async fn page(
    hub: mpsc::Sender<Command>,
    room: String,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<chinwag_protocol::HistoryPage, Rejection> {
    let before =
        match query.get("before") {
            None => None,
            Some(text) => Some(text.parse::<u64>().map_err(|_| {
                malformed(format!("before must be a sequence number, not {text:?}"))
            })?),
        };
    let limit = match query.get("limit") {
        None => DEFAULT_PAGE,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| malformed(format!("limit must be 1 to {MAX_PAGE}, not {text:?}")))?,
    };
    let token = bearer(headers)?;
    let (reply, answer) = oneshot::channel();
    let request = PageRequest {
        token,
        room,
        before,
        limit,
    };
    hub.send(Command::Page { request, reply })
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| unavailable())?
}

/// The bearer token of a request.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<String, Rejection> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned)
        .ok_or_else(|| {
            Rejection::new(
                ErrorCode::InvalidToken,
                "send your identity token as Authorization: Bearer",
            )
        })
}

/// The answer to a request the server could not pass to the hub (it is stopping).
pub(crate) fn unavailable() -> Rejection {
    Rejection::new(ErrorCode::Internal, "the server is shutting down")
}

pub(crate) fn malformed(message: String) -> Rejection {
    Rejection::new(ErrorCode::Malformed, message)
}

/// The HTTP status for an API error.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::UnknownRoom | ErrorCode::UnknownAttachment | ErrorCode::UnknownUpload => {
            StatusCode::NOT_FOUND
        }
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::TooLarge | ErrorCode::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UploadOffset => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}
