//! Paging through older history over HTTP (`GET /api/rooms/{room}/messages`), with ehttp for
//! the request (a thread natively, `fetch` in the browser) and a poll-promise the UI polls each
//! frame, so a slow server never blocks a frame.

use poll_promise::Promise;

use chinwag_protocol::api::{self, http_base};
use chinwag_protocol::{HistoryPage, Rejection};

/// How many older messages one scroll to the top asks for.
pub const PAGE_SIZE: usize = 100;

/// One page request in flight.
pub struct HistoryFetch {
    room: String,
    promise: Promise<Result<HistoryPage, String>>,
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
                room: room.to_owned(),
                promise: Promise::from_ready(Err(format!("{ws_url} is not a WebSocket URL"))),
            };
        };
        let url = format!("{base}{}", api::history_path(room, before, limit));
        let request =
            ehttp::Request::get(url).with_header("Authorization", format!("Bearer {token}"));
        let (sender, promise) = Promise::new();
        ehttp::fetch(request, move |result| {
            sender.send(result.and_then(read_page));
            wake();
        });
        Self {
            room: room.to_owned(),
            promise,
        }
    }

    /// The room being paged.
    pub fn room(&self) -> &str {
        &self.room
    }

    /// The page (or why there is none), once the answer is in.
    pub fn ready(&self) -> Option<&Result<HistoryPage, String>> {
        self.promise.ready()
    }
}

/// A page from a response, or the server's explanation of why not.
fn read_page(response: ehttp::Response) -> Result<HistoryPage, String> {
    if response.ok {
        serde_json::from_slice(&response.bytes).map_err(|err| format!("unreadable page: {err}"))
    } else {
        Err(serde_json::from_slice::<Rejection>(&response.bytes)
            .map(|error| error.message)
            .unwrap_or_else(|_| format!("{} {}", response.status, response.status_text)))
    }
}
