//! [`Upload`]: one file on its way to the server, as a pure state machine.
//!
//! It never does I/O: [`Upload::next_request`] says which HTTP request to make next (start,
//! a chunk, or asking where to resume), and [`Upload::answered`] takes the answer. A failed
//! request is tried again after a growing pause (asking the server where it stands first), an
//! upload the server forgot starts over from zero, and a refusal that trying again cannot fix
//! (too large, over quota) stops it with a text for the user.

use std::sync::Arc;

use chinwag_protocol::attachments::{Attachment, MAX_CHUNK_BYTES, UploadStart, UploadStatus};
use chinwag_protocol::{ErrorCode, Rejection};

use crate::error::ClientError;

/// The first pause after a failed request, in seconds; each further failure doubles it.
const FIRST_PAUSE: f64 = 1.0;
/// The longest pause between tries, in seconds.
const LONGEST_PAUSE: f64 = 30.0;

/// A file being uploaded for a pending message.
#[derive(Clone, PartialEq)]
pub struct Upload {
    name: String,
    bytes: Arc<[u8]>,
    /// The server's id for it, once started (`None` again when the server forgot it).
    id: Option<String>,
    /// How many bytes from the start the server has confirmed.
    received: u64,
    /// The pause after the last failed request (0 after a success), doubled by the next failure.
    pause: f64,
    stage: Stage,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The content itself would bury everything else (a test failure, a log line).
        f.debug_struct("Upload")
            .field("name", &self.name)
            .field("size", &self.bytes.len())
            .field("id", &self.id)
            .field("received", &self.received)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

/// Where an upload stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// A request may go now; `resync` asks the server where it stands first.
    Ready { resync: bool },
    /// A request is on its way.
    InFlight,
    /// The last request failed: the next goes at `until` (client clock), asking where to resume.
    Pausing { until: f64 },
    /// Stored: the message can be posted.
    Done(Box<Attachment>),
    /// Refused for good; the text says why.
    Failed(String),
}

/// The HTTP request an upload wants made next (see [`chinwag_protocol::attachments`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadRequest {
    /// `POST /api/uploads`.
    Start(UploadStart),
    /// `PUT /api/uploads/{upload}?offset={offset}` with `bytes`.
    Chunk {
        /// The server's upload id.
        upload: String,
        /// Where the chunk starts in the file.
        offset: u64,
        /// The chunk (at most [`MAX_CHUNK_BYTES`]).
        bytes: Vec<u8>,
    },
    /// `GET /api/uploads/{upload}`: where to resume.
    Status {
        /// The server's upload id.
        upload: String,
    },
}

impl Upload {
    /// A file to upload: its name (no path) and content.
    pub fn new(name: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        Self {
            name: name.into(),
            bytes: bytes.into(),
            id: None,
            received: 0,
            pause: 0.0,
            stage: Stage::Ready { resync: false },
        }
    }

    /// The file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// How many bytes the server has confirmed.
    pub fn sent(&self) -> u64 {
        self.received
    }

    /// The stored attachment once the upload is complete.
    pub fn attachment(&self) -> Option<&Attachment> {
        match &self.stage {
            Stage::Done(attachment) => Some(attachment),
            _ => None,
        }
    }

    /// Why the upload stopped for good, in words for the user.
    pub fn error(&self) -> Option<&str> {
        match &self.stage {
            Stage::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// Whether a request of it is on its way.
    pub fn in_flight(&self) -> bool {
        self.stage == Stage::InFlight
    }

    /// Seconds from `now` until the next try, while pausing after a failed request.
    pub fn retry_in(&self, now: f64) -> Option<f64> {
        match self.stage {
            Stage::Pausing { until } => Some((until - now).max(0.0)),
            _ => None,
        }
    }

    /// The request to make now (and marks it in flight), if one is due at `now`.
    pub fn next_request(&mut self, now: f64) -> Option<UploadRequest> {
        let resync = match self.stage {
            Stage::Ready { resync } => resync,
            Stage::Pausing { until } if now >= until => true,
            _ => return None,
        };
        self.stage = Stage::InFlight;
        Some(match (&self.id, resync) {
            (None, _) => UploadRequest::Start(UploadStart {
                name: self.name.clone(),
                size: self.size(),
            }),
            (Some(upload), true) => UploadRequest::Status {
                upload: upload.clone(),
            },
            (Some(upload), false) => {
                let start = usize::try_from(self.received).unwrap_or(usize::MAX);
                let start = start.min(self.bytes.len());
                let end = start.saturating_add(MAX_CHUNK_BYTES).min(self.bytes.len());
                UploadRequest::Chunk {
                    upload: upload.clone(),
                    offset: start as u64,
                    bytes: self.bytes[start..end].to_vec(),
                }
            }
        })
    }

    /// Takes the answer to the request in flight (at `now`, for the pause after a failure).
    pub fn answered(&mut self, answer: Result<UploadStatus, ClientError>, now: f64) {
        self.stage = match answer {
            Ok(status) => {
                self.pause = 0.0;
                self.progressed(status)
            }
            Err(ClientError::Refused(rejection)) => self.refused(rejection, now),
            Err(ClientError::Http { status, .. }) if status < 500 && status != 408 => {
                Stage::Failed(format!("the server refused the upload ({status})"))
            }
            Err(_) => self.pause_after(now),
        };
    }

    /// Starts again after it stopped for good (the user asked): from where the server stands.
    pub fn retry(&mut self) {
        if matches!(self.stage, Stage::Failed(_)) {
            self.stage = Stage::Ready {
                resync: self.id.is_some(),
            };
        }
    }

    /// The connection came back: a paused upload tries again now rather than at its time.
    pub fn resume_now(&mut self) {
        if matches!(self.stage, Stage::Pausing { .. }) {
            self.stage = Stage::Ready {
                resync: self.id.is_some(),
            };
        }
    }

    fn progressed(&mut self, status: UploadStatus) -> Stage {
        if status.size != self.size() {
            return Stage::Failed("the server is uploading another file".to_owned());
        }
        self.id = Some(status.id);
        self.received = status.received.min(self.size());
        match status.attachment {
            Some(attachment) => Stage::Done(Box::new(attachment)),
            None if self.received >= self.size() => {
                // Everything is there but the answer did not say what was stored: ask.
                Stage::Ready { resync: true }
            }
            None => Stage::Ready { resync: false },
        }
    }

    fn refused(&mut self, rejection: Rejection, now: f64) -> Stage {
        match rejection.code {
            ErrorCode::UnknownUpload => {
                // The server forgot it (expired, restarted without it): from zero.
                self.id = None;
                self.received = 0;
                Stage::Ready { resync: false }
            }
            ErrorCode::UploadOffset => Stage::Ready {
                resync: self.id.is_some(),
            },
            ErrorCode::RateLimited => {
                let wait = rejection.retry_after.unwrap_or(1000) as f64 / 1000.0;
                Stage::Pausing { until: now + wait }
            }
            ErrorCode::TooLarge => Stage::Failed(format!(
                "{} is too large for this server: {}",
                self.name, rejection.message
            )),
            ErrorCode::QuotaExceeded => Stage::Failed(format!(
                "no room left for {} in your storage on this server: {}",
                self.name, rejection.message
            )),
            _ => Stage::Failed(rejection.message),
        }
    }

    fn pause_after(&mut self, now: f64) -> Stage {
        self.pause = if self.pause > 0.0 {
            (self.pause * 2.0).min(LONGEST_PAUSE)
        } else {
            FIRST_PAUSE
        };
        Stage::Pausing {
            until: now + self.pause,
        }
    }
}
