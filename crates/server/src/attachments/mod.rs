//! The attachment API (see [`chinwag_protocol::attachments`]): resumable uploads in chunks
//! (`upload.rs`) and downloads for the members of a room (`download.rs`), what a content is
//! ([`content`]), and the store connections that move the bytes ([`files`]).
//!
//! The hub decides who a request is and what they may (a small command each, with the HTTP
//! rate limit of the history API); the bytes never pass through it: every read and write of
//! them runs on the blocking pool, on connections of this side's own ([`files::Files`]), so chat
//! never waits for an upload. Only a `send` naming an attachment and a deletion touch
//! attachments on the hub (a read of the descriptor, a dropped reference).

pub mod content;
mod download;
pub mod files;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::hub::{Access, AttachmentRequest, Command, Grant};
use crate::metrics::Metrics;
use chinwag_protocol::Rejection;
use chinwag_protocol::attachments::{
    DEFAULT_ATTACHMENT_QUOTA_BYTES, DEFAULT_MAX_ATTACHMENT_BYTES, MAX_CHUNK_BYTES,
};
use files::Files;

/// An upload not completed (or completed but never sent) this long after it began is forgotten.
pub const UPLOAD_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How often expired uploads and unreferenced contents are swept without a deletion to prompt it.
const SWEEP_INTERVAL: Duration = Duration::from_secs(600);

/// How large attachments may be (`serve --max-attachment-bytes`, `--attachment-quota-bytes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// The most bytes of one attachment.
    pub max_bytes: u64,
    /// The most bytes of contents one identity may have stored (and uploads in progress).
    pub quota_bytes: u64,
}

impl Default for AttachmentLimits {
    /// The protocol's defaults: 25 MiB an attachment, 1 GiB an identity.
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            quota_bytes: DEFAULT_ATTACHMENT_QUOTA_BYTES,
        }
    }
}

/// What every attachment handler shares.
#[derive(Clone)]
pub(crate) struct Attachments {
    hub: mpsc::Sender<Command>,
    files: Arc<Files>,
    limits: AttachmentLimits,
    metrics: Arc<Metrics>,
}

impl Attachments {
    /// The identity behind `token`, if the hub lets it have `access`.
    async fn grant(&self, token: String, access: Access) -> Result<Grant, Rejection> {
        let (reply, answer) = oneshot::channel();
        let request = AttachmentRequest { token, access };
        self.hub
            .send(Command::Attachment { request, reply })
            .await
            .map_err(|_| crate::api::unavailable())?;
        answer.await.map_err(|_| crate::api::unavailable())?
    }
}

/// The attachment API's routes, next to the history API's.
pub(crate) fn router(
    hub: mpsc::Sender<Command>,
    files: Arc<Files>,
    limits: AttachmentLimits,
    metrics: Arc<Metrics>,
) -> Router {
    let state = Attachments {
        hub,
        files,
        limits,
        metrics,
    };
    Router::new()
        .route("/api/uploads", post(upload::start))
        .route(
            "/api/uploads/{id}",
            get(upload::status)
                .put(upload::chunk)
                .layer(DefaultBodyLimit::max(MAX_CHUNK_BYTES)),
        )
        .route("/api/rooms/{room}/attachments/{hash}", get(download::file))
        .route(
            "/api/rooms/{room}/attachments/{hash}/thumbnail",
            get(download::thumbnail),
        )
        .with_state(state)
}

/// Sweeps expired uploads and contents nothing references: at start, when `prompt` is woken
/// (a message was deleted) and every [`SWEEP_INTERVAL`]; reports what stays stored to
/// `metrics`. Runs until the runtime stops.
pub(crate) async fn sweep(files: Arc<Files>, prompt: Arc<Notify>, metrics: Arc<Metrics>) {
    loop {
        let expired = crate::hub::Now::read().unix_ms
            - i64::try_from(UPLOAD_LIFETIME.as_millis()).unwrap_or(i64::MAX);
        match files.run(move |store| store.sweep(expired)).await {
            Ok(stored) => metrics.attachments_stored(stored.blobs, stored.bytes),
            Err(rejection) => tracing::warn!(%rejection, "sweeping attachments failed"),
        }
        tokio::select! {
            () = prompt.notified() => {}
            () = tokio::time::sleep(SWEEP_INTERVAL) => {}
        }
    }
}
