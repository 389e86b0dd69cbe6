//! Fitting what the server builds from many items (room states, histories, replays, search
//! results, the room list) into frames of at most [`MAX_SERVER_FRAME_BYTES`]. Sizes are counted
//! as serde_json writes them, into a counter, without building the text; each item is counted
//! once.

use serde::Serialize;

use chinwag_protocol::{
    ChatMessage, MAX_SERVER_FRAME_BYTES, MAX_USERS_BYTES, PROTOCOL_VERSION, RoomListing, RoomState,
    ServerFrame,
};

/// Bytes kept free around a room state for the frame that carries it: a `room` frame's type, or
/// a welcome's type, version, name, room count and epoch. So a room state fits alone in either
/// frame.
const ENVELOPE_BYTES: usize = 320;

/// Which messages of a room state's history stay when not all of them fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Keep {
    /// The newest (recent history: older ones are paged over HTTP).
    Newest,
    /// The oldest (a replay: the rest follow in `history` frames).
    Oldest,
}

/// A room state that fits in a frame of its own, with the replayed messages that did not.
pub(super) struct FittedRoom {
    state: RoomState,
    /// The size of `state` as JSON, in bytes.
    json_len: usize,
    /// Replayed messages after those in `state`, oldest first.
    rest: Vec<ChatMessage>,
}

/// Counts the bytes written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of `value` as JSON, in bytes.
pub(super) fn json_len(value: &impl Serialize) -> usize {
    let mut count = ByteCount(0);
    // Serialising these plain structs cannot fail, and counting never does.
    serde_json::to_writer(&mut count, value)
        .unwrap_or_else(|err| unreachable!("server frame failed to serialise: {err}"));
    count.0
}

/// How many items of these JSON `sizes`, from the start, fit in a JSON array that may add
/// `budget` bytes to its frame (each costs its size, and a comma after the first); and how many
/// bytes they add. Sizes are asked for only until one does not fit.
pub(super) fn fitting(sizes: impl IntoIterator<Item = usize>, budget: usize) -> (usize, usize) {
    let mut count = 0;
    let mut used = 0;
    for size in sizes {
        let cost = size + usize::from(count > 0);
        if used + cost > budget {
            break;
        }
        used += cost;
        count += 1;
    }
    (count, used)
}

/// The bytes `frame` (with its arrays empty) leaves for the items of one array.
fn space_left(frame: &ServerFrame) -> usize {
    MAX_SERVER_FRAME_BYTES.saturating_sub(json_len(frame))
}

/// Trims a room state to fit in a frame of its own (a `room` frame or a welcome): the users
/// online that fit in [`MAX_USERS_BYTES`], then the messages of its history that fit, as `keep`
/// says. The replayed messages left out (with [`Keep::Oldest`]) are kept to follow in `history`
/// frames.
pub(super) fn fit_room_state(mut state: RoomState, keep: Keep) -> FittedRoom {
    let (users, _) = fitting(state.users.iter().map(json_len), MAX_USERS_BYTES);
    state.users.truncate(users);
    let mut history = std::mem::take(&mut state.history);
    let without_history = json_len(&state);
    let budget = MAX_SERVER_FRAME_BYTES.saturating_sub(ENVELOPE_BYTES + without_history);
    let (kept, rest, used) = match keep {
        Keep::Newest => {
            let (count, used) = fitting(history.iter().rev().map(json_len), budget);
            let newest = history.split_off(history.len() - count);
            (newest, Vec::new(), used)
        }
        Keep::Oldest => {
            let (count, used) = fitting(history.iter().map(json_len), budget);
            let rest = history.split_off(count);
            (history, rest, used)
        }
    };
    state.history = kept;
    FittedRoom {
        state,
        json_len: without_history + used,
        rest,
    }
}

impl FittedRoom {
    /// Its size as JSON with the replayed messages that follow it, in bytes.
    pub(super) fn bytes(&self) -> usize {
        self.json_len + json_len(&self.rest)
    }
}

/// The frames that answer a hello: the welcome with the rooms that fit in it (in order), each
/// other room in a `room` frame right after it, then the rest of every replay.
pub(super) fn welcome_frames(
    name: String,
    rooms: Vec<FittedRoom>,
    epoch: Option<String>,
) -> Vec<ServerFrame> {
    // Sized with the largest `more_rooms` it can have, so the count never tips it over.
    let budget = space_left(&ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name: name.clone(),
        rooms: Vec::new(),
        more_rooms: rooms.len() as u64,
        epoch: epoch.clone(),
    });
    let (in_welcome, _) = fitting(rooms.iter().map(|room| room.json_len), budget);
    let mut states = Vec::with_capacity(rooms.len());
    let mut replays = Vec::new();
    for FittedRoom { state, rest, .. } in rooms {
        if !rest.is_empty() {
            replays.push((state.room.clone(), rest));
        }
        states.push(state);
    }
    let after_welcome = states.split_off(in_welcome);
    let mut frames = vec![ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name,
        rooms: states,
        more_rooms: after_welcome.len() as u64,
        epoch,
    }];
    frames.extend(after_welcome.into_iter().map(ServerFrame::Room));
    for (room, rest) in replays {
        push_history_frames(&mut frames, &room, rest);
    }
    frames
}

/// The frames that answer a join (or open a direct conversation): the room, then the rest of
/// its replay.
pub(super) fn room_frames(room: FittedRoom) -> Vec<ServerFrame> {
    let FittedRoom { state, rest, .. } = room;
    let name = state.room.clone();
    let mut frames = vec![ServerFrame::Room(state)];
    push_history_frames(&mut frames, &name, rest);
    frames
}

/// Appends `messages` (oldest first) to `frames` in `history` frames, as few as fit them.
fn push_history_frames(frames: &mut Vec<ServerFrame>, room: &str, messages: Vec<ChatMessage>) {
    let history = |messages| ServerFrame::History {
        room: room.to_owned(),
        messages,
    };
    let budget = space_left(&history(Vec::new()));
    let mut chunk = Vec::new();
    let mut used = 0;
    for message in messages {
        let size = json_len(&message);
        if !chunk.is_empty() && used + 1 + size > budget {
            frames.push(history(std::mem::take(&mut chunk)));
        }
        used = if chunk.is_empty() {
            size
        } else {
            used + 1 + size
        };
        chunk.push(message);
    }
    if !chunk.is_empty() {
        frames.push(history(chunk));
    }
}

/// Search results: the matches (newest first) that fit.
pub(super) fn search_results(
    room: String,
    query: String,
    mut messages: Vec<ChatMessage>,
) -> ServerFrame {
    let budget = space_left(&ServerFrame::SearchResults {
        room: room.clone(),
        query: query.clone(),
        messages: Vec::new(),
    });
    let (count, _) = fitting(messages.iter().map(json_len), budget);
    messages.truncate(count);
    ServerFrame::SearchResults {
        room,
        query,
        messages,
    }
}

/// The room list: the rooms (most members first) that fit.
pub(super) fn room_list(mut rooms: Vec<RoomListing>) -> ServerFrame {
    let budget = space_left(&ServerFrame::RoomList { rooms: Vec::new() });
    let (count, _) = fitting(rooms.iter().map(json_len), budget);
    rooms.truncate(count);
    ServerFrame::RoomList { rooms }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chinwag_protocol::{MAX_CLIENT_ID_BYTES, MAX_NAME_CHARS, MAX_TEXT_BYTES, RoomKind};

    /// A message as large as JSON can make one: every byte of its text and id escaped to six.
    fn largest_message(seq: u64) -> ChatMessage {
        ChatMessage {
            attachment: None,
            room: "\u{10FFFF}".repeat(MAX_NAME_CHARS),
            seq,
            id: "\u{1}".repeat(MAX_CLIENT_ID_BYTES),
            from: "\u{10FFFF}".repeat(MAX_NAME_CHARS),
            time: i64::MAX,
            text: "\u{1}".repeat(MAX_TEXT_BYTES),
            edited: Some(i64::MAX),
            deleted: true,
            reply_to: None,
            reactions: Vec::new(),
        }
    }

    /// A room state with a crowd online and `history`.
    fn crowded_room(history: Vec<ChatMessage>) -> RoomState {
        RoomState {
            room: "\u{10FFFF}".repeat(MAX_NAME_CHARS),
            kind: RoomKind::Direct,
            topic: "\"".repeat(chinwag_protocol::MAX_TOPIC_CHARS),
            peer: Some("\u{10FFFF}".repeat(MAX_NAME_CHARS)),
            users: (0..10_000)
                .map(|n| format!("{n}{}", "\u{10FFFF}".repeat(27)))
                .collect(),
            online: u64::MAX,
            history,
            skipped: u64::MAX,
            last_read: u64::MAX,
            unread: u64::MAX,
            mentions: u64::MAX,
            seen: Vec::new(),
        }
    }

    fn encoded_len(frame: &ServerFrame) -> usize {
        serde_json::to_string(frame).unwrap().len()
    }

    #[test]
    fn the_envelope_holds_a_welcome_or_room_frame_around_a_room_state() {
        let state = crowded_room(vec![largest_message(1)]);
        let welcome = ServerFrame::Welcome {
            version: u32::MAX,
            name: "\u{10FFFF}".repeat(MAX_NAME_CHARS),
            rooms: vec![state.clone()],
            more_rooms: u64::MAX,
            epoch: Some("7c9e6679-7425-40de-944b-e07fc1f90ae7".into()),
        };
        assert!(json_len(&welcome) - json_len(&state) <= ENVELOPE_BYTES);
        assert!(json_len(&ServerFrame::Room(state.clone())) - json_len(&state) <= ENVELOPE_BYTES);
    }

    #[test]
    fn json_len_counts_exactly_what_serde_json_writes() {
        let frame = ServerFrame::Room(crowded_room(vec![largest_message(1)]));
        assert_eq!(json_len(&frame), encoded_len(&frame));
    }

    #[test]
    fn a_replay_of_the_largest_messages_comes_whole_in_frames_within_the_limit() {
        let history: Vec<ChatMessage> = (1..=20).map(largest_message).collect();
        let fitted = fit_room_state(crowded_room(history), Keep::Oldest);
        assert_eq!(fitted.json_len, json_len(&fitted.state));
        assert!(fitted.state.users.len() < 10_000, "the crowd is cut");
        assert!(json_len(&fitted.state.users) <= MAX_USERS_BYTES + 2);
        assert!(!fitted.state.history.is_empty(), "one message always fits");
        let frames = room_frames(fitted);
        let mut seqs = Vec::new();
        for frame in &frames {
            assert!(encoded_len(frame) <= MAX_SERVER_FRAME_BYTES, "{frame:?}");
            match frame {
                ServerFrame::Room(state) => seqs.extend(state.history.iter().map(|m| m.seq)),
                ServerFrame::History { messages, .. } => {
                    assert!(!messages.is_empty());
                    seqs.extend(messages.iter().map(|m| m.seq));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seqs, (1..=20).collect::<Vec<_>>(), "all, once, in order");
        assert!(frames.len() < 20, "several messages share a frame");
    }

    #[test]
    fn recent_history_keeps_the_newest_that_fit() {
        let history: Vec<ChatMessage> = (1..=10).map(largest_message).collect();
        let fitted = fit_room_state(crowded_room(history), Keep::Newest);
        let seqs: Vec<u64> = fitted.state.history.iter().map(|m| m.seq).collect();
        assert!(!seqs.is_empty() && seqs.len() < 10);
        assert_eq!(seqs.last(), Some(&10), "the newest stay, oldest first");
        assert!(seqs.windows(2).all(|pair| pair[1] == pair[0] + 1));
        assert_eq!(
            room_frames(fitted).len(),
            1,
            "nothing follows a recent history"
        );
    }

    #[test]
    fn a_welcome_takes_the_rooms_that_fit_and_the_others_follow() {
        let rooms: Vec<FittedRoom> = (1..=5)
            .map(|n| fit_room_state(crowded_room(vec![largest_message(n)]), Keep::Oldest))
            .collect();
        let frames = welcome_frames("\u{10FFFF}".repeat(MAX_NAME_CHARS), rooms, None);
        let ServerFrame::Welcome {
            rooms, more_rooms, ..
        } = &frames[0]
        else {
            panic!("the welcome comes first");
        };
        assert!(!rooms.is_empty() && *more_rooms > 0);
        assert_eq!(rooms.len() as u64 + more_rooms, 5);
        assert_eq!(frames.len(), 1 + *more_rooms as usize);
        assert!(
            frames[1..]
                .iter()
                .all(|f| matches!(f, ServerFrame::Room(_)))
        );
        assert!(
            frames
                .iter()
                .all(|f| encoded_len(f) <= MAX_SERVER_FRAME_BYTES)
        );
    }

    #[test]
    fn search_results_and_room_lists_hold_what_fits() {
        let matches: Vec<ChatMessage> = (1..=50).rev().map(largest_message).collect();
        let frame = search_results("lobby".into(), "\u{1}".repeat(100), matches);
        assert!(encoded_len(&frame) <= MAX_SERVER_FRAME_BYTES);
        let ServerFrame::SearchResults { messages, .. } = &frame else {
            unreachable!()
        };
        assert_eq!(messages.first().map(|m| m.seq), Some(50), "newest first");
        let listing = RoomListing {
            room: "\u{10FFFF}".repeat(MAX_NAME_CHARS),
            topic: "\"".repeat(chinwag_protocol::MAX_TOPIC_CHARS),
            members: u64::MAX,
        };
        let frame = room_list(vec![listing; 1000]);
        assert!(encoded_len(&frame) <= MAX_SERVER_FRAME_BYTES);
    }
}
