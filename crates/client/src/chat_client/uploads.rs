//! The uploads' HTTP requests: what the state asks for goes out with ehttp, and each answer
//! goes back to the state on a later pump (any number in flight, one per upload).

use chinwag_protocol::attachments::{UploadStatus, chunk_path, upload_path};

use crate::http::{self, Answer};
use crate::state::{ChatState, UploadRequest};

/// The upload requests in flight, each with the id of the message whose file it carries.
#[derive(Default)]
pub(super) struct Uploads {
    in_flight: Vec<(String, Answer<UploadStatus>)>,
}

impl Uploads {
    /// Hands the answers that came to the state.
    pub(super) fn take_answers(&mut self, state: &mut ChatState) {
        for (id, answer) in std::mem::take(&mut self.in_flight) {
            match answer.try_take() {
                Ok(answer) => state.upload_answered(&id, answer),
                Err(answer) => self.in_flight.push((id, answer)),
            }
        }
    }

    /// Makes the requests the state wants now, to the server at `url`.
    pub(super) fn start_requests(
        &mut self,
        state: &mut ChatState,
        url: &str,
        wake_up: &(impl Fn() + Clone + Send + 'static),
    ) {
        for (id, request) in state.take_upload_requests() {
            let wake = wake_up.clone();
            let answer = http::fetch(
                url,
                state.token(),
                |base| build(base, request),
                http::read_json,
                wake,
            );
            self.in_flight.push((id, answer));
        }
    }
}

/// The HTTP request for an upload request, against the server's HTTP `base`.
fn build(base: &str, request: UploadRequest) -> ehttp::Request {
    match request {
        UploadRequest::Start(start) => {
            // Serialising a plain struct of strings and numbers cannot fail.
            let body = serde_json::to_vec(&start).unwrap_or_default();
            with_type(
                ehttp::Request::post(format!("{base}/api/uploads"), body),
                "application/json",
            )
        }
        UploadRequest::Chunk {
            upload,
            offset,
            bytes,
        } => with_type(
            ehttp::Request::put(format!("{base}{}", chunk_path(&upload, offset)), bytes),
            "application/octet-stream",
        ),
        UploadRequest::Status { upload } => {
            ehttp::Request::get(format!("{base}{}", upload_path(&upload)))
        }
    }
}

/// `request` with `content_type` as its only `Content-Type` (ehttp's `post` and `put` already
/// carry `text/plain`, and adding a header keeps the first).
fn with_type(request: ehttp::Request, content_type: &str) -> ehttp::Request {
    ehttp::Request {
        headers: ehttp::Headers::new(&[("Accept", "*/*"), ("Content-Type", content_type)]),
        ..request
    }
}
