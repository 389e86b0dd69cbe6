//! Older history for the HTTP API, with the same reading rules as the socket.

use super::Hub;
use super::rooms::may_read;
use crate::store::identities::token_hash;
use crate::store::{StoreError, UserId};
use chinwag_protocol::{ErrorCode, HistoryPage, Rejection, wait_in_words};

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

impl Hub {
    /// The identity of an HTTP request's bearer token, if it is within its rate limit.
    pub(super) fn api_user(&mut self, token: &str) -> Result<UserId, Rejection> {
        let user = self
            .store
            .user_by_token_hash(&token_hash(token))
            .map_err(|err| internal(&err))?
            .ok_or_else(|| Rejection::new(ErrorCode::InvalidToken, "unknown identity token"))?;
        self.limits
            .api
            .take(user.id, self.now.instant)
            .map_err(|wait| {
                Rejection::rate_limited(
                    format!("too many requests; try again in {}", wait_in_words(wait)),
                    wait,
                )
            })?;
        Ok(user.id)
    }

    /// A page of history for an identity that may read the room.
    pub(super) fn page(&mut self, request: PageRequest) -> Result<HistoryPage, Rejection> {
        let user = self.api_user(&request.token)?;
        // Someone else's direct conversation gets the same answer as a room that does not
        // exist, so nobody can find out which conversations there are.
        let room = self
            .store
            .room(&request.room)
            .map_err(|err| internal(&err))?
            .filter(|room| may_read(&room.name, room.kind, user))
            .ok_or_else(|| {
                Rejection::new(
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
            .map_err(|err| internal(&err))?;
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

/// The answer to an HTTP request the store failed.
pub(super) fn internal(err: &StoreError) -> Rejection {
    tracing::error!(%err, "reading for an HTTP request failed");
    Rejection::new(ErrorCode::Internal, "the server could not read the history")
}
