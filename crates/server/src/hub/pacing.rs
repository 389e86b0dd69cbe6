//! Paced wide fan-out, per room: after a room's frames went to [`WIDE_FANOUT`] connections or
//! more, what else is broadcast to that room waits until [`FANOUT_INTERVAL`] has passed, and
//! then goes out together, one queue item per member (see [`super::delivery`]). Meanwhile the
//! hub goes on taking commands: hellos, direct messages and small rooms are never held back
//! behind a big room, and a lone message in a big room goes at once.
//!
//! The commit waits too: while every new message of a batch is for a paced room, the batch is
//! not committed ([`Hub::commit_can_wait`]); the room's next fan-out commits them all in one
//! transaction (one fsync) and acks them. So a busy big room costs one commit an interval, not
//! one a batch, and a message is never acknowledged before it is stored.
//!
//! Order is kept: every broadcast to a held room waits in the room's queue, in order (messages,
//! edits, presence, typing), and a connection joining the room gets what was held delivered to
//! the others first, so its room state (read from the store) is followed only by what came
//! after it.
//!
//! Pacing is on only when the hub is told the time of its batch ([`Pacing::set_clock`], done
//! by [`Hub::run`]); a hub driven directly (tests) delivers everything at the end of each batch
//! unless a test sets the clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;

use super::{ConnId, Hub};

/// A broadcast to at least this many connections is a wide fan-out.
pub const WIDE_FANOUT: usize = 64;
/// At most one wide fan-out of a room starts in this time: what is broadcast to the room
/// meanwhile waits for the next one. On a quiet machine, 500 messages a second to 1,000 readers
/// (`fanout_bench`), server CPU per delivered frame: 10 ms 1.99 µs, 20 ms 1.41 µs, 40 ms
/// 0.77–0.81 µs (axum's chat example 1.95); p99 from sender to reader 51, 49 and 91 ms (axum's
/// 104–140 ms): a socket write costs about the same for one frame or twenty, so fewer, fuller
/// writes are what saves. Since the paced room's messages also wait for one commit an interval,
/// 30 ms measured better than 40: 0.80–0.85 µs with p99 74–75 ms against 0.69–0.76 µs with
/// 97–299 ms (axum's 1.90 µs, 91–94 ms), and past the peak p99 164 ms at 3,000 messages a second
/// offered against 258–354 ms.
pub const FANOUT_INTERVAL: Duration = Duration::from_millis(30);

/// Which rooms are paced, and what waits for each.
#[derive(Default)]
pub(super) struct Pacing {
    /// The time of the batch being handled; `None`: no pacing.
    clock: Option<Instant>,
    /// Rooms whose last fan-out was wide.
    held: HashMap<String, Held>,
}

/// Encoded frames waiting for a room's fan-out, in order, each with the connection it skips (a
/// typing notice's sender).
type Waiting = Vec<(Utf8Bytes, Option<ConnId>)>;

/// A paced room: when its next fan-out may start, and the broadcasts waiting for it.
struct Held {
    until: Instant,
    frames: Waiting,
}

impl Pacing {
    /// Paces from now on, taking `now` as the time of the batch being handled.
    pub(super) fn set_clock(&mut self, now: Instant) {
        self.clock = Some(now);
    }

    /// When the hub must wake to release a paced room (whose new messages may wait uncommitted
    /// too, see [`Hub::commit_can_wait`]), if one is paced.
    pub(super) fn next_release(&self) -> Option<Instant> {
        self.held.values().map(|held| held.until).min()
    }

    /// Whether `room` is paced and its interval is not over.
    fn waits(&self, room: &str) -> bool {
        let (Some(now), Some(held)) = (self.clock, self.held.get(room)) else {
            return false;
        };
        held.until > now
    }

    /// Keeps `frame` (skipping `skip`) for `room` if the room is paced; gives it back if it
    /// goes out now.
    pub(super) fn hold(
        &mut self,
        room: &str,
        frame: Utf8Bytes,
        skip: Option<ConnId>,
    ) -> Option<Utf8Bytes> {
        match self.held.get_mut(room) {
            Some(held) => {
                held.frames.push((frame, skip));
                None
            }
            None => Some(frame),
        }
    }

    /// Notes that `room` just fanned out to `reached` connections: from a wide one on, it is
    /// paced for [`FANOUT_INTERVAL`].
    pub(super) fn fanned_out(&mut self, room: &str, reached: usize) {
        let Some(now) = self.clock else {
            return;
        };
        if reached < WIDE_FANOUT {
            return;
        }
        let until = now + FANOUT_INTERVAL;
        self.held
            .entry(room.to_owned())
            .and_modify(|held| held.until = until)
            .or_insert_with(|| Held {
                until,
                frames: Vec::new(),
            });
    }

    /// Takes what the rooms whose interval is over hold, forgetting rooms that hold nothing
    /// (their next broadcast goes at once).
    fn due(&mut self) -> Vec<(String, Waiting)> {
        let Some(now) = self.clock else {
            return self
                .held
                .drain()
                .map(|(room, held)| (room, held.frames))
                .collect();
        };
        let mut due = Vec::new();
        self.held.retain(|room, held| {
            if held.until > now {
                return true;
            }
            if !held.frames.is_empty() {
                due.push((room.clone(), std::mem::take(&mut held.frames)));
            }
            false
        });
        due
    }

    /// Takes what `room` holds, and stops pacing it.
    fn take(&mut self, room: &str) -> Waiting {
        self.held
            .remove(room)
            .map(|held| held.frames)
            .unwrap_or_default()
    }
}

impl Hub {
    /// Whether the batch's commit can wait for the next fan-out: every new message is for a
    /// paced room whose interval is not over, and no hello waits for its welcome. The batch of
    /// that fan-out then commits them all at once (one fsync), and their acks go with it; a
    /// frame that needs them stored commits them earlier, as within a batch.
    pub(super) fn commit_can_wait(&self) -> bool {
        !self.pending.is_empty()
            && self.hellos.is_empty()
            && self
                .pending
                .iter()
                .all(|post| self.pacing.waits(&post.authored.message.room))
    }

    /// Sends what the paced rooms whose interval is over hold (each such fan-out starts the
    /// room's next interval). Called at the end of every batch.
    pub(super) fn release_due(&mut self) {
        for (room, frames) in self.pacing.due() {
            self.release(&room, frames);
        }
    }

    /// Sends what `room` holds now (before a connection joins it: what the newcomer's room
    /// state already has must reach the others first).
    pub(super) fn release_held(&mut self, room: &str) {
        let frames = self.pacing.take(room);
        self.release(room, frames);
    }

    fn release(&mut self, room: &str, frames: Waiting) {
        for (frame, skip) in frames {
            self.fan_out(room, frame, skip);
        }
    }
}
