//! The HTTP API: `GET /api/rooms/{room}/messages?before=SEQ&limit=N` pages through a room's
//! older history (see [`chinwag_protocol::api`]). The hub answers, with the same reading rules as
//! the socket: a bearer token names the asker, and direct conversations only open to their two.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use crate::hub::{Command, PageError, PageRequest};
use chinwag_protocol::api::{DEFAULT_PAGE, MAX_PAGE};
use chinwag_protocol::{ApiError, ErrorCode, retry_after_ms};

/// Answers one page request.
pub async fn history_page(
    State(hub): State<mpsc::Sender<Command>>,
    room: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    // A path or query axum cannot decode (say, a room that is not UTF-8) still gets an
    // `ApiError` body, not axum's plain-text rejection.
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
        Err(PageError {
            code,
            message,
            retry_after,
        }) => {
            let body = Json(ApiError {
                code,
                message,
                retry_after: retry_after.map(retry_after_ms),
            });
            match retry_after {
                // Retry-After counts whole seconds: rounded up, so a client is never early.
                Some(wait) => {
                    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                    let header = [(header::RETRY_AFTER, seconds.to_string())];
                    (status_of(code), header, body).into_response()
                }
                None => (status_of(code), body).into_response(),
            }
        }
    }
}

async fn page(
    hub: mpsc::Sender<Command>,
    room: String,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<chinwag_protocol::HistoryPage, PageError> {
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
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| PageError {
            code: ErrorCode::InvalidToken,
            message: "send your identity token as Authorization: Bearer".into(),
            retry_after: None,
        })?
        .to_owned();
    let (reply, answer) = oneshot::channel();
    let request = PageRequest {
        token,
        room,
        before,
        limit,
    };
    let unavailable = || PageError {
        code: ErrorCode::Internal,
        message: "the server is shutting down".into(),
        retry_after: None,
    };
    hub.send(Command::Page { request, reply })
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| unavailable())?
}

fn malformed(message: String) -> PageError {
    PageError {
        code: ErrorCode::Malformed,
        message,
        retry_after: None,
    }
}

/// The HTTP status for an API error.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::UnknownRoom => StatusCode::NOT_FOUND,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}
