//! What the hub does when no command comes for a while: the store's deferred work (see
//! [`crate::store::Backend::catch_up`]), a slice at a time, until a command arrives or nothing is
//! left. A busy hub (commands at least every [`IDLE_AFTER`]) does none of it, so it costs a busy
//! server nothing; it resumes in the next quiet moment.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{Command, Hub, MAX_BATCH};

/// How long no command must come before the hub turns to the store's deferred work.
const IDLE_AFTER: Duration = Duration::from_millis(20);

impl Hub {
    /// Waits for the next commands (up to [`MAX_BATCH`] into `batch`), but not past `deadline`
    /// (then `batch` may stay empty), doing the store's deferred work in the quiet moments
    /// meanwhile; false once every sender is gone.
    pub(super) fn next_batch(
        &mut self,
        commands: &mut mpsc::Receiver<Command>,
        batch: &mut Vec<Command>,
        deadline: Option<Instant>,
    ) -> bool {
        // The hub runs on a blocking thread of the server's runtime, whose timers it borrows.
        let runtime = tokio::runtime::Handle::try_current();
        if let (Some(deadline), Ok(runtime)) = (deadline, &runtime) {
            let waited = runtime.block_on(tokio::time::timeout_at(
                deadline.into(),
                commands.recv_many(batch, MAX_BATCH),
            ));
            return waited.map_or(true, |received| received > 0);
        }
        if let (true, Ok(runtime)) = (self.idle_work, runtime) {
            let waited = runtime.block_on(tokio::time::timeout(
                IDLE_AFTER,
                commands.recv_many(batch, MAX_BATCH),
            ));
            if let Ok(received) = waited {
                return received > 0;
            }
            // A server shutting down (every sender gone) stops at once; the rest waits for the
            // next start.
            while self.idle_work && commands.is_empty() && !commands.is_closed() {
                self.idle_work = self.store.catch_up().unwrap_or_else(|err| {
                    tracing::warn!(%err, "the store's deferred work failed; trying again later");
                    false
                });
            }
        }
        let received = commands.blocking_recv_many(batch, MAX_BATCH);
        // New messages may wait to be indexed.
        self.idle_work = true;
        received > 0
    }
}
