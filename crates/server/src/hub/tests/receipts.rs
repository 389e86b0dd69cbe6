//! Read receipts in the hub: announced once a batch, coalesced, and not for one's own posts.

use super::{TestHub, post};
use chinwag_protocol::{ClientFrame, DEFAULT_ROOM, SeenMark, ServerFrame};

fn read(seq: u64) -> ClientFrame {
    ClientFrame::Read {
        room: DEFAULT_ROOM.into(),
        seq,
    }
}

fn seen_frames(frames: &[ServerFrame]) -> Vec<&ServerFrame> {
    frames
        .iter()
        .filter(|frame| matches!(frame, ServerFrame::Seen { .. }))
        .collect()
}

#[test]
fn the_reads_of_one_batch_are_announced_in_one_frame_a_room_and_posts_announce_none() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let (bob, _) = hub.hello("bob");
    let (carol, _) = hub.hello("carol");
    hub.send_all(alice, [post("a1", "one"), post("a2", "two")]);
    for conn in [alice, bob, carol] {
        let frames = hub.received(conn);
        assert!(
            seen_frames(&frames).is_empty(),
            "a post announces no receipt: {frames:?}"
        );
    }
    hub.batch(
        [(bob, read(1)), (carol, read(2)), (bob, read(2))]
            .map(|(conn, frame)| super::Command::Frame { conn, frame }),
    );
    let frames = hub.received(alice);
    let mark = |name: &str| SeenMark {
        name: name.into(),
        seq: 2,
    };
    assert_eq!(
        seen_frames(&frames),
        [&ServerFrame::Seen {
            room: DEFAULT_ROOM.into(),
            marks: vec![mark("bob"), mark("carol")],
            reset: false,
        }]
    );
}
