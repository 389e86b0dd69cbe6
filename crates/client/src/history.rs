//! Paging through older history over HTTP (`GET /api/rooms/{room}/messages`), with ehttp for
//! the request (a thread natively, `fetch` in the browser) and a poll-promise the client polls
//! on each pump, so a slow server never blocks a frame.

use poll_promise::Promise;

use chinwag_protocol::api::{self, http_base};
use chinwag_protocol::{HistoryPage, Rejection};

use crate::error::ClientError;

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
        let Some(base) = http_base(ws_url) else {
            return Self {
                promise: Promise::from_ready(Err(ClientError::NotWebSocketUrl(ws_url.to_owned()))),
            };
        };
        let url = format!("{base}{}", api::history_path(room, before, limit));
        let request =
            ehttp::Request::get(url).with_header("Authorization", format!("Bearer {token}"));
        let (sender, promise) = Promise::new();
        ehttp::fetch(request, move |result| {
            sender.send(result.map_err(ClientError::Network).and_then(read_page));
            wake();
        });
        Self { promise }
    }

    /// The page (or why there is none) once the answer is in; until then the fetch itself,
    /// to poll again later.
    pub fn try_take(self) -> Result<Result<HistoryPage, ClientError>, Self> {
        self.promise.try_take().map_err(|promise| Self { promise })
    }
}

/// A page from a response, or the server's explanation of why not.
fn read_page(response: ehttp::Response) -> Result<HistoryPage, ClientError> {
    if response.ok {
        Ok(serde_json::from_slice(&response.bytes)?)
    } else {
        Err(
            serde_json::from_slice::<Rejection>(&response.bytes).map_or_else(
                |_| ClientError::Http {
                    status: response.status,
                    status_text: response.status_text.clone(),
                },
                ClientError::Refused,
            ),
        )
    }
}
