//! Paging through older history over HTTP (`GET /api/rooms/{room}/messages`), with ehttp for
//! the request (a thread natively, `fetch` in the browser) and a poll-promise the client polls
//! on each pump, so a slow server never blocks a frame.

use poll_promise::Promise;

use chinwag_protocol::HistoryPage;
use chinwag_protocol::api;

use crate::error::ClientError;
use crate::http;

/// How many older messages one scroll to the top asks for.
pub const PAGE_SIZE: usize = 100;

/// One page request in flight.
pub struct HistoryFetch {
    promise: Promise<Result<HistoryPage, ClientError>>,
}

impl HistoryFetch {
    /// Asks the server behind `ws_url` for up to `limit` messages of `room` before `before`,
    /// as the identity `token`. `wake` runs when the answer is in (to repaint).
    pub fn start(
        ws_url: &str,
        token: &str,
        room: &str,
        before: Option<u64>,
        limit: usize,
        wake: impl FnOnce() + Send + 'static,
    ) -> Self {
        let path = api::history_path(room, before, limit);
        Self {
            promise: http::fetch(
                ws_url,
                token,
                |base| ehttp::Request::get(format!("{base}{path}")),
                http::read_json,
                wake,
            ),
        }
    }

    /// The page (or why there is none) once the answer is in; until then the fetch itself,
    /// to poll again later.
    pub fn try_take(self) -> Result<Result<HistoryPage, ClientError>, Self> {
        self.promise.try_take().map_err(|promise| Self { promise })
    }
}
