//! Older history for the HTTP API, with the same reading rules as the socket.

use std::time::Duration;

use super::Hub;
use super::rooms::may_read;
use crate::store::identities::token_hash;
use chinwag_protocol::{ErrorCode, HistoryPage, wait_in_words};

/// A request for a page of a room's history, as the HTTP handler parsed it.
#[derive(Debug)]
pub struct PageRequest {
    /// The bearer token of the asker.
    pub token: String,
    /// The room.
    pub room: String,
    /// Messages below this sequence number (`None`: the newest).
    pub before: Option<u64>,
    /// How many at most.
    pub limit: usize,
}

/// Why a page was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct PageError {
    /// Machine-readable reason (mapped to an HTTP status by the handler).
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// For `rate_limited`: how long to wait before asking again.
    pub retry_after: Option<Duration>,
}

impl PageError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl Hub {
    /// A page of history for an identity that may read the room.
    pub(super) fn page(&mut self, request: PageRequest) -> Result<HistoryPage, PageError> {
        let internal = |err: rusqlite::Error| {
            tracing::error!(%err, "reading a history page failed");
            PageError::new(ErrorCode::Internal, "the server could not read the history")
        };
        let user = self
            .store
            .user_by_token_hash(&token_hash(&request.token))
            .map_err(internal)?
            .ok_or_else(|| PageError::new(ErrorCode::InvalidToken, "unknown identity token"))?;
        self.limits
            .api
            .take(user.id, self.now.instant)
            .map_err(|wait| PageError {
                retry_after: Some(wait),
                ..PageError::new(
                    ErrorCode::RateLimited,
                    format!("too many requests; try again in {}", wait_in_words(wait)),
                )
            })?;
        // Someone else's direct conversation gets the same answer as a room that does not
        // exist, so nobody can find out which conversations there are.
        let room = self
            .store
            .room(&request.room)
            .map_err(internal)?
            .filter(|room| may_read(&room.name, room.kind, user.id))
            .ok_or_else(|| {
                PageError::new(
                    ErrorCode::UnknownRoom,
                    format!("there is no room called {}", request.room),
                )
            })?;
        let mut messages = self
            .store
            .before(
                &room.name,
                request.before.unwrap_or(u64::MAX),
                request.limit + 1,
            )
            .map_err(internal)?;
        let more = messages.len() > request.limit;
        if more {
            messages.remove(0);
        }
        Ok(HistoryPage {
            room: room.name,
            messages,
            more,
        })
    }
}
