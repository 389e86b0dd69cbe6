//! Fetching an attachment (or its thumbnail) of a room over HTTP, as the identity
//! (`GET /api/rooms/{room}/attachments/{hash}[/thumbnail]`).

use chinwag_protocol::attachments::attachment_path;

use crate::error::ClientError;
use crate::http::{self, Answer};

/// One attachment download in flight.
pub struct Download {
    answer: Answer<Vec<u8>>,
}

impl Download {
    /// Asks the server behind `ws_url` for the file `hash` of `room` (its thumbnail if
    /// `thumbnail`) as the identity `token`; `wake` runs when it is in.
    pub fn start(
        ws_url: &str,
        token: &str,
        room: &str,
        hash: &str,
        thumbnail: bool,
        wake: impl FnOnce() + Send + 'static,
    ) -> Self {
        let path = attachment_path(room, hash, thumbnail);
        Self {
            answer: http::fetch(
                ws_url,
                token,
                |base| ehttp::Request::get(format!("{base}{path}")),
                http::read_bytes,
                wake,
            ),
        }
    }

    /// The bytes (or why there are none) once they are in; until then `None`.
    pub fn ready(&self) -> Option<&Result<Vec<u8>, ClientError>> {
        self.answer.ready()
    }

    /// The bytes (or why there are none) once they are in; until then the download itself.
    pub fn try_take(self) -> Result<Result<Vec<u8>, ClientError>, Self> {
        self.answer.try_take().map_err(|answer| Self { answer })
    }
}
