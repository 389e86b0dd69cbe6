//! The HTTP side's connections to the store, for the bytes of attachments: opened on demand,
//! a few kept idle, every use on tokio's blocking pool (never on the hub thread, never on a
//! runtime worker).

use std::sync::{Arc, Mutex, PoisonError};

use crate::store::{BlobStore, Location, StoreResult, open_blobs};
use chinwag_protocol::{ErrorCode, Rejection};

/// Connections kept open between requests.
const MAX_IDLE: usize = 4;
/// Connections in use at once at most (a flood of downloads waits for one rather than opening a
/// database connection each).
const MAX_BUSY: usize = 8;

/// Connections to the database at a location.
pub struct Files {
    location: Location,
    idle: Mutex<Vec<Box<dyn BlobStore>>>,
    busy: tokio::sync::Semaphore,
}

impl Files {
    /// Connections to the database at `location` (already open and current).
    pub fn new(location: Location) -> Arc<Self> {
        Arc::new(Self {
            location,
            idle: Mutex::default(),
            busy: tokio::sync::Semaphore::new(MAX_BUSY),
        })
    }

    /// Runs `work` on a connection, on the blocking pool, once one of [`MAX_BUSY`] is free. A
    /// store error is logged and answered as `internal` (the connection is then closed: it may
    /// be broken).
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut dyn BlobStore) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, Rejection> {
        let _busy = self.busy.acquire().await.map_err(|_| failed())?;
        let files = Arc::clone(self);
        let done = tokio::task::spawn_blocking(move || files.run_here(work))
            .await
            .map_err(|err| {
                tracing::error!(%err, "an attachment task failed");
                failed()
            })?;
        done.map_err(|err| {
            tracing::error!(%err, "reading or writing an attachment failed");
            failed()
        })
    }

    /// Runs `work` on a connection, on this thread.
    fn run_here<T>(
        &self,
        work: impl FnOnce(&mut dyn BlobStore) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut store = match idle {
            Some(store) => store,
            None => open_blobs(&self.location)?,
        };
        let done = work(&mut *store)?;
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(store);
        }
        Ok(done)
    }
}

impl Drop for Files {
    /// Closes the idle connections off the runtime's threads: closing a PostgreSQL connection
    /// blocks on a runtime of its own, which must not start inside another.
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(PoisonError::into_inner));
        if !idle.is_empty() && tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::Builder::new()
                .name("chinwag-files-close".into())
                .spawn(move || drop(idle));
        }
    }
}

/// The answer when the store failed.
pub(super) fn failed() -> Rejection {
    Rejection::new(
        ErrorCode::Internal,
        "the server could not store or read the attachment",
    )
}
