//! Chat states for the widget tests, built as the client builds them: from the server's frames,
//! without a server or a socket.

use crate::client::state::ChatState;
use crate::protocol::{ChatMessage, PROTOCOL_VERSION, RoomKind, RoomState, ServerFrame};

/// When message 0 of every fixture room was sent (19 November 2026, in the afternoon UTC).
const FIRST_MESSAGE_MS: i64 = 1_795_100_000_000;

/// Message `seq` of `room`, from `from`, ten seconds after the one before it.
pub fn message(room: &str, seq: u64, from: &str, text: &str) -> ChatMessage {
    ChatMessage {
        attachment: None,
        room: room.to_owned(),
        seq,
        id: format!("{from}-{seq}"),
        from: from.to_owned(),
        time: FIRST_MESSAGE_MS + 10_000 * seq as i64,
        text: text.to_owned(),
        edited: None,
        deleted: false,
        reply_to: None,
        reactions: Vec::new(),
    }
}

/// Messages `seqs` of `room` from `from`, each saying "message N".
pub fn numbered(room: &str, from: &str, seqs: std::ops::RangeInclusive<u64>) -> Vec<ChatMessage> {
    seqs.map(|seq| message(room, seq, from, &format!("message {seq}")))
        .collect()
}

/// A public room as the server describes it: `users` online, the recent `history`, nothing
/// unread.
pub fn public_room(room: &str, users: &[&str], history: Vec<ChatMessage>) -> RoomState {
    RoomState {
        room: room.to_owned(),
        kind: RoomKind::Public,
        topic: String::new(),
        peer: None,
        users: users.iter().map(|&user| user.to_owned()).collect(),
        online: users.len() as u64,
        history,
        skipped: 0,
        last_read: 0,
        unread: 0,
        mentions: 0,
        seen: Vec::new(),
    }
}

/// The direct conversation with `peer` (under the server's key `@peer`).
pub fn direct_room(peer: &str, users: &[&str]) -> RoomState {
    RoomState {
        kind: RoomKind::Direct,
        peer: Some(peer.to_owned()),
        ..public_room(&format!("@{peer}"), users, Vec::new())
    }
}

/// The state of a client that joined as `me` and was welcomed into `rooms` (the lobby, or
/// else the first room, is shown).
pub fn welcomed(me: &str, rooms: Vec<RoomState>) -> ChatState {
    let mut state = ChatState::new("test", "token");
    assert!(state.join(me), "{me} is a valid name");
    state.connecting();
    state.opened();
    state.apply(ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name: me.to_owned(),
        rooms,
        more_rooms: 0,
        epoch: None,
    });
    state.take_outgoing().for_each(drop);
    state
}
