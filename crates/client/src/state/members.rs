//! Who is online in a room: presence frames (names in a small room, only the count in a crowd)
//! and pages of names asked for on demand ([`ChatState::more_members`]).

use chinwag_protocol::{ClientFrame, MEMBER_PAGE};

use super::{ChatState, RoomView};

impl ChatState {
    /// Asks the server for more of who is online in `room`: the page after the last name the
    /// room lists, or the first page again once the server said no more follow (the list of a
    /// crowd goes stale: its presence frames carry only the count).
    pub fn more_members(&mut self, room: &str) {
        let Some(view) = self.rooms.get_mut(room) else {
            return;
        };
        let after = if view.members_more {
            view.users.last().cloned()
        } else {
            None
        };
        view.members_asked = true;
        self.queue_if_joined(ClientFrame::Members {
            room: room.to_owned(),
            after,
        });
    }

    /// Who came and went in `room`, and how many are online now. A small room whose list no
    /// longer matches its count (it was a crowd a moment ago) asks for its list again.
    pub(super) fn presence(
        &mut self,
        room: &str,
        joined: Vec<String>,
        left: Vec<String>,
        online: u64,
    ) {
        let Some(view) = self.rooms.get_mut(room) else {
            return;
        };
        view.presence(joined, left, online);
        let stale = online <= MEMBER_PAGE as u64 && view.users.len() as u64 != online;
        if stale && !view.members_asked {
            view.members_more = false;
            self.more_members(room);
        }
    }

    /// A page of who is online in `room`: the first replaces the list, a later one adds to it.
    pub(super) fn members_page(
        &mut self,
        room: &str,
        after: Option<String>,
        users: Vec<String>,
        more: bool,
        online: u64,
    ) {
        if let Some(view) = self.rooms.get_mut(room) {
            view.members_page(after.is_none(), users, more, online);
        }
    }
}

impl RoomView {
    /// Whether the server knows of more people online here than the list shows.
    pub fn lists_everyone(&self) -> bool {
        self.users.len() as u64 >= self.online
    }

    fn members_page(&mut self, first: bool, users: Vec<String>, more: bool, online: u64) {
        if first {
            self.users.clear();
        }
        for name in users {
            if let Err(index) = self.users.binary_search(&name) {
                self.users.insert(index, name);
            }
        }
        self.online = online;
        self.members_more = more;
        self.members_asked = false;
    }
}
