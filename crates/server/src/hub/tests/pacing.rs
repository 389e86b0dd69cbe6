//! Paced wide rooms (see `hub::pacing`): a big room's broadcasts wait for its interval while the
//! hub goes on with everything else, and go out together, in order. The hub's clock for pacing
//! is set by hand: no sleeping.

use std::time::{Duration, Instant};

use chinwag_protocol::{ClientFrame, ServerFrame};

use super::{ConnId, TestHub, post};
use crate::hub::pacing::{FANOUT_INTERVAL, WIDE_FANOUT};

/// The texts of the messages in `frames`, in order.
fn texts(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            ServerFrame::Message(message) => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

fn join(room: &str, create: bool) -> ClientFrame {
    ClientFrame::Join {
        room: room.into(),
        create,
        last_seq: None,
    }
}

fn post_in(room: &str, id: &str, text: &str) -> ClientFrame {
    ClientFrame::Send {
        id: id.into(),
        room: room.into(),
        text: text.into(),
        reply_to: None,
        attachment: None,
    }
}

/// A hub with `alice` and [`WIDE_FANOUT`] readers in the default room, everything read.
fn wide_room() -> (TestHub, ConnId, Vec<ConnId>) {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let readers: Vec<ConnId> = (0..WIDE_FANOUT)
        .map(|n| hub.hello(&format!("reader{n}")).0)
        .collect();
    for &conn in readers.iter().chain([&alice]) {
        hub.received(conn);
    }
    (hub, alice, readers)
}

#[test]
fn a_small_room_message_goes_out_while_a_wide_room_waits_for_its_interval() {
    let (mut hub, alice, readers) = wide_room();
    let (bob, _) = hub.hello("bob");
    hub.send(alice, join("small", true));
    hub.send(bob, join("small", false));
    for &conn in readers.iter().chain([&alice, &bob]) {
        hub.received(conn);
    }
    let start = Instant::now();
    let at = |ms: u64| start + Duration::from_millis(ms);

    // The first message of the interval goes at once and starts it.
    hub.hub.pacing.set_clock(at(0));
    hub.send(alice, post("m1", "one"));
    for &reader in &readers {
        assert_eq!(texts(&hub.received(reader)), ["one"]);
    }
    hub.received(alice);
    hub.received(bob);

    // The next waits, uncommitted: nobody has it, its sender has no ack yet.
    hub.hub.pacing.set_clock(at(1));
    hub.send(alice, post("m2", "two"));
    assert!(hub.received(alice).is_empty());
    assert!(hub.received(readers[0]).is_empty());

    // Meanwhile a message in a small room, to one who is also in the wide one, goes at once
    // (its commit stores the waiting one too, which is acked but still not sent).
    hub.hub.pacing.set_clock(at(2));
    hub.send(bob, post_in("small", "s1", "small talk"));
    let frames = hub.received(alice);
    assert_eq!(texts(&frames), ["small talk"]);
    assert!(
        frames
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Ack { id, .. } if id == "m2")),
        "{frames:?}"
    );
    hub.received(bob);
    assert!(hub.received(readers[0]).is_empty());

    // Another message for the wide room joins the one waiting.
    hub.hub.pacing.set_clock(at(3));
    hub.send(bob, post("m3", "three"));
    assert!(hub.received(readers[0]).is_empty());
    assert!(hub.received(bob).is_empty());

    // At the end of the interval the hub wakes with no command and sends both, in order, as
    // one item per member.
    hub.hub.pacing.set_clock(at(0) + FANOUT_INTERVAL);
    hub.batch([]);
    for &reader in &readers {
        let items = hub.items(reader);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(texts(&items[0]), ["two", "three"]);
    }
    assert_eq!(texts(&hub.received(alice)), ["two", "three"]);
    // The last one was committed with that fan-out: its ack comes before its copy.
    let frames = hub.received(bob);
    let ack = frames
        .iter()
        .position(|frame| matches!(frame, ServerFrame::Ack { id, .. } if id == "m3"));
    let copy = frames
        .iter()
        .position(|frame| matches!(frame, ServerFrame::Message(m) if m.text == "three"));
    assert!(ack.is_some() && ack < copy, "{frames:?}");
}

#[test]
fn a_newcomer_to_a_paced_room_gets_what_waited_in_its_room_state_and_not_again() {
    let (mut hub, alice, readers) = wide_room();
    let (carol, _) = hub.hello("carol");
    hub.send(
        carol,
        ClientFrame::Leave {
            room: chinwag_protocol::DEFAULT_ROOM.into(),
        },
    );
    for &conn in readers.iter().chain([&alice, &carol]) {
        hub.received(conn);
    }
    let start = Instant::now();
    hub.hub.pacing.set_clock(start);
    hub.send(alice, post("m1", "one"));
    assert_eq!(texts(&hub.received(readers[0])), ["one"]);
    hub.hub.pacing.set_clock(start + Duration::from_millis(1));
    hub.send(alice, post("m2", "two"));
    assert!(hub.received(readers[0]).is_empty());

    // Carol comes back before the interval is over: the others get what waited first, and her
    // room state has it.
    hub.hub.pacing.set_clock(start + Duration::from_millis(2));
    hub.send(carol, join(chinwag_protocol::DEFAULT_ROOM, false));
    assert_eq!(texts(&hub.received(readers[0])), ["two"]);
    let answer = hub.received(carol);
    let Some(ServerFrame::Room(state)) = answer.first() else {
        panic!("expected the room state first, got {answer:?}");
    };
    let history: Vec<&str> = state.history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(history, ["one", "two"]);

    // Nothing is left to send her twice.
    hub.hub.pacing.set_clock(start + FANOUT_INTERVAL * 2);
    hub.batch([]);
    assert!(texts(&hub.received(carol)).is_empty());
}
