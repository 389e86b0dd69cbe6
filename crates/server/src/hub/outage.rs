//! The database or the listener was away: what a node could not tell the others is told once
//! it can be, and what it could not hear is read again (see `ARCHITECTURE.md`, "Two stores").
//!
//! Presence is restated whole ([`Hub::restate`]: this node's `online` rows written afresh, and
//! every other node reads them again, [`Hub::reload_remote`]), so no single lost `joined` or
//! `left` matters; the other events but typing wait for the database ([`Hub::keep_waiting`]).

use std::collections::{BTreeSet, HashMap};

use super::Hub;
use crate::store::cluster::Happened;

/// Whether `event` still means something once the database is back: typing is stale by then,
/// and presence is restated whole.
fn lasting(event: &Happened) -> bool {
    !matches!(
        event,
        Happened::Typing { .. } | Happened::Joined { .. } | Happened::Left { .. }
    )
}

/// Most events that wait for the database to answer again (each was a change already stored:
/// the other nodes' members see it at their next join if it is dropped).
const MAX_WAITING_EVENTS: usize = 4096;

impl Hub {
    /// Keeps the events not told that still mean something later (at most
    /// [`MAX_WAITING_EVENTS`], the newest), for when the database answers again.
    pub(super) fn keep_waiting(&mut self) {
        self.said.events.retain(lasting);
        let excess = self.said.events.len().saturating_sub(MAX_WAITING_EVENTS);
        if excess > 0 {
            tracing::warn!(
                excess,
                "too many events wait for the database; the oldest are dropped"
            );
            self.said.events.drain(..excess);
        }
    }

    /// Writes who is online here afresh, telling the other nodes to read it again; whether
    /// that worked.
    pub(super) fn restate(&mut self) -> bool {
        let online: Vec<(String, String)> = self
            .rooms
            .iter()
            .flat_map(|(room, state)| {
                state
                    .online
                    .keys()
                    .map(move |name| (room.clone(), name.clone()))
            })
            .collect();
        match self.store.restate(&online) {
            Ok(()) => {
                tracing::info!(
                    online = online.len(),
                    "told the other nodes who is online here"
                );
                self.said.restate = false;
                // Written with the rest: what the batch changed is in it.
                self.said.presence.clear();
                true
            }
            Err(err) => {
                tracing::warn!(%err, "telling the other nodes who is online here failed");
                false
            }
        }
    }

    /// Reads again who is online in the rooms in memory on other nodes (after notifications
    /// may have been lost), telling the members here what changed.
    pub(super) fn reload_remote(&mut self) -> crate::store::StoreResult<()> {
        let rooms: Vec<String> = self.rooms.keys().cloned().collect();
        let mut fresh: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (room, name) in self.store.online_elsewhere(&rooms)? {
            fresh.entry(room).or_default().insert(name);
        }
        for room in rooms {
            let Some(state) = self.rooms.get_mut(&room) else {
                continue;
            };
            let now = fresh.remove(&room).unwrap_or_default();
            let before = std::mem::replace(&mut state.remote, now);
            let here = |name: &&String| !state.online.contains_key(*name);
            let came: Vec<String> = state
                .remote
                .difference(&before)
                .filter(here)
                .cloned()
                .collect();
            let went: Vec<String> = before
                .difference(&state.remote)
                .filter(here)
                .cloned()
                .collect();
            for name in came {
                self.presence.came(&room, &name);
            }
            for name in went {
                self.presence.went(&room, &name);
            }
        }
        Ok(())
    }
}
