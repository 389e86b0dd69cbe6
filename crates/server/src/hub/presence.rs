//! Presence: who came online in a room and who went, gathered into one
//! [`ServerFrame::Presence`] per room (with the exact count online) instead of one frame per
//! arrival to every member, which made a crowd's arrival cost the square of its size. A small
//! room hears its changes at the end of each batch of commands; a crowd (more than [`MEMBER_PAGE`]
//! online) hears only the count, at most every [`PRESENCE_INTERVAL`], and pages names on demand.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use tokio::sync::mpsc;

use super::{Command, ConnId, Hub, Refusal, fitting};
use chinwag_protocol::{MAX_USERS_BYTES, MEMBER_PAGE, ServerFrame};

/// How often the hub is asked to tell the rooms their presence changes (see
/// [`super::Command::Tick`]).
pub const PRESENCE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Sends the hub a [`Command::Tick`] every [`PRESENCE_INTERVAL`] until it is gone (holding only a
/// weak sender, so the hub still stops once every connection has let go of it).
pub async fn tick(hub: mpsc::WeakSender<Command>) {
    let mut interval = tokio::time::interval(PRESENCE_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let Some(hub) = hub.upgrade() else {
            return;
        };
        // A full queue means a busy hub: the next tick will do.
        if let Err(mpsc::error::TrySendError::Closed(_)) = hub.try_send(Command::Tick) {
            return;
        }
    }
}

/// Presence changes not yet told, by room and name: whether the name is online now. Someone
/// who came and went since the last presence frame is told as gone (a newcomer's room state
/// may have listed them meanwhile; a client that never listed them ignores it), someone who
/// went and came back as come (a client that still lists them ignores it).
#[derive(Default)]
pub(super) struct Changes {
    rooms: HashMap<String, BTreeMap<String, bool>>,
}

impl Changes {
    /// `name` came online in `room` (joined it, or said hello as one of its members).
    pub(super) fn came(&mut self, room: &str, name: &str) {
        self.set(room, name, true);
    }

    /// `name` went offline in `room` (left it, or disconnected).
    pub(super) fn went(&mut self, room: &str, name: &str) {
        self.set(room, name, false);
    }

    fn set(&mut self, room: &str, name: &str, online: bool) {
        let names = self.rooms.entry(room.to_owned()).or_default();
        names.insert(name.to_owned(), online);
    }

    /// A name not yet told moves with a rename (the rename itself is told at once).
    pub(super) fn renamed(&mut self, from: &str, to: &str) {
        for names in self.rooms.values_mut() {
            if let Some(online) = names.remove(from) {
                names.insert(to.to_owned(), online);
            }
        }
    }

    /// Takes the changes of the rooms `told` picks: who came and who went (each sorted).
    fn take(
        &mut self,
        mut told: impl FnMut(&str) -> bool,
    ) -> Vec<(String, Vec<String>, Vec<String>)> {
        self.rooms
            .extract_if(|room, _| told(room))
            .map(|(room, names)| {
                let (joined, left) = names.into_iter().partition(|(_, online)| *online);
                let names = |changes: Vec<(String, bool)>| {
                    changes.into_iter().map(|(name, _)| name).collect()
                };
                (room, names(joined), names(left))
            })
            .collect()
    }
}

impl Hub {
    /// Tells each room whose presence changed since it was last told who came and went (only
    /// the count in a crowd), with the exact count online; crowds only with `crowds_too` (at a
    /// tick). A lone newcomer is not told of itself: its room state just counted it.
    pub(super) fn publish_presence(&mut self, crowds_too: bool) {
        let rooms = &self.rooms;
        let crowd = |room: &str| {
            rooms
                .get(room)
                .is_some_and(|state| state.online.len() > MEMBER_PAGE)
        };
        for (room, joined, left) in self.presence.take(|room| crowds_too || !crowd(room)) {
            let Some(state) = self.rooms.get(&room) else {
                continue;
            };
            let online = state.online.len();
            let newcomer = match (joined.as_slice(), left.is_empty()) {
                ([name], true) => state.online.get(name).copied(),
                _ => None,
            };
            let (joined, left) = if online > MEMBER_PAGE {
                (Vec::new(), Vec::new())
            } else {
                (joined, left)
            };
            let frame = ServerFrame::Presence {
                room: room.clone(),
                joined,
                left,
                online: online as u64,
            };
            self.broadcast_except(&room, &frame, newcomer);
        }
    }

    /// The first names online in `room` after `after` (from the start without), sorted: at most
    /// [`MEMBER_PAGE`], within [`MAX_USERS_BYTES`]; and whether more follow.
    pub(super) fn online_page(&self, room: &str, after: Option<&str>) -> (Vec<String>, bool) {
        let Some(state) = self.rooms.get(room) else {
            return (Vec::new(), false);
        };
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut page: Vec<String> = state
            .online
            .range::<str, _>((start, Bound::Unbounded))
            .map(|(name, _)| name.clone())
            .take(MEMBER_PAGE + 1)
            .collect();
        let (fit, _) = fitting::fitting(page.iter().map(fitting::json_len), MAX_USERS_BYTES);
        let more = page.len() > fit.min(MEMBER_PAGE);
        page.truncate(fit.min(MEMBER_PAGE));
        (page, more)
    }

    /// Answers a member's request for a page of who is online in a room.
    pub(super) fn members(
        &mut self,
        conn: ConnId,
        room: String,
        after: Option<String>,
    ) -> Result<(), Refusal> {
        self.member_of(conn, &room)?;
        let (users, more) = self.online_page(&room, after.as_deref());
        let online = self.rooms.get(&room).map_or(0, |state| state.online.len()) as u64;
        self.reply(
            conn,
            &ServerFrame::Members {
                room,
                after,
                users,
                more,
                online,
            },
        );
        Ok(())
    }
}
