//! Messages that carry a file: attaching one, and the uploads' requests and answers.
//!
//! The state only decides (see [`Upload`]); the [`crate::chat_client::ChatClient`] makes the
//! HTTP requests [`ChatState::take_upload_requests`] hands out and brings each answer back to
//! [`ChatState::upload_answered`]. Once a file is stored its message goes out like any other
//! pending message, by the same client id, so a resend after a reconnect is acknowledged once.

use std::sync::Arc;

use chinwag_protocol::attachments::UploadStatus;
use chinwag_protocol::{ErrorCode, Rejection};

use super::{ChatState, Phase, Upload, UploadRequest, send_frame};
use crate::error::ClientError;

/// The most uploads moving at once, oldest first (many files dropped at once go a few at a
/// time rather than each taking a connection).
pub const UPLOADS_AT_ONCE: usize = 2;

impl ChatState {
    /// The user sends the file `name` (its last path component is kept) with `bytes` to the
    /// current room, with `text` (may be empty) and as a reply to `reply_to` if given. It shows
    /// as pending with its upload's progress at once; the upload starts once joined and the
    /// message goes out when the file is stored. False (nothing sent, the reason in
    /// [`Self::last_error`] for an empty file) when no room is open or the file is empty.
    pub fn attach(
        &mut self,
        name: &str,
        bytes: impl Into<Arc<[u8]>>,
        text: &str,
        reply_to: Option<u64>,
    ) -> bool {
        let bytes = bytes.into();
        let name = file_name(name);
        if bytes.is_empty() {
            self.last_error = Some(Rejection::new(
                ErrorCode::EmptyMessage,
                format!("{name} is empty: there is nothing to send"),
            ));
            return false;
        }
        self.compose(text, reply_to, Some(Upload::new(name, bytes)))
    }

    /// The upload requests due now, each with the id of the message whose file it carries (and
    /// marks them in flight): none before the client is joined (it needs the identity token),
    /// and at most [`UPLOADS_AT_ONCE`] uploads in flight, the oldest first.
    pub fn take_upload_requests(&mut self) -> Vec<(String, UploadRequest)> {
        if self.phase != Phase::Joined {
            return Vec::new();
        }
        let now = self.now;
        let uploads = self.pending.iter_mut().filter_map(|message| {
            let upload = message.upload.as_mut()?;
            Some((message.id.as_str(), upload))
        });
        let mut moving = 0;
        let mut requests = Vec::new();
        for (id, upload) in uploads {
            if moving == UPLOADS_AT_ONCE {
                break;
            }
            if upload.in_flight() {
                moving += 1;
            } else if let Some(request) = upload.next_request(now) {
                moving += 1;
                requests.push((id.to_owned(), request));
            }
        }
        requests
    }

    /// The answer to the upload request made for message `id` (dropped when the message is
    /// gone). The message goes out once its file is stored.
    pub fn upload_answered(&mut self, id: &str, answer: Result<UploadStatus, ClientError>) {
        let now = self.now;
        let Some(index) = self.pending.iter().position(|m| m.id == id) else {
            return;
        };
        let message = &mut self.pending[index];
        let Some(upload) = &mut message.upload else {
            return;
        };
        let was_done = upload.attachment().is_some();
        upload.answered(answer, now);
        let done = upload.attachment().is_some();
        if done && !was_done && self.may_send() && self.pending[index].is_ready() {
            let frame = send_frame(&self.pending[index]);
            self.outgoing.push_back(frame);
        }
    }

    /// Seconds from now until an upload paused after a failure tries again, if one is.
    pub fn next_upload_in(&self) -> Option<f64> {
        self.pending
            .iter()
            .filter_map(|m| m.upload.as_ref()?.retry_in(self.now))
            .reduce(f64::min)
    }

    /// Welcomed again: uploads paused after a failure try again now.
    pub(super) fn resume_uploads(&mut self) {
        for upload in self.pending.iter_mut().filter_map(|m| m.upload.as_mut()) {
            upload.resume_now();
        }
    }
}

/// The last component of a path the user gave (`file` when there is none).
fn file_name(name: &str) -> &str {
    match name.rsplit(['/', '\\']).next().map(str::trim) {
        Some(last) if !last.is_empty() => last,
        _ => "file",
    }
}
