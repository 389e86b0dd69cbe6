//! Delivery (see `hub::delivery`): one queue item per connection per batch, departures of
//! dropped readers in that same item, and senders refused while the fan-out lags: in the
//! queues, or in what the readers have not read (their probes).

use chinwag_protocol::{ErrorCode, ServerFrame};

use super::{Command, ConnId, TestHub, post};
use std::time::Duration;

use crate::hub::delivery::{LAGGING_ITEMS, PROBE_LAG};
use crate::hub::pacing::WIDE_FANOUT;

/// The position of the first frame of `frames` that `is` picks.
fn position(frames: &[ServerFrame], is: impl Fn(&ServerFrame) -> bool) -> usize {
    frames.iter().position(is).expect("the frame is there")
}

#[test]
fn a_batch_reaches_each_member_as_one_item_with_every_ack_before_its_message() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let (bob, _) = hub.hello("bob");
    let (carol, _) = hub.hello("carol");
    for conn in [alice, bob, carol] {
        hub.received(conn);
    }
    let from = |conn: ConnId, id: &str, text: &str| Command::Frame {
        conn,
        frame: post(id, text),
    };
    hub.batch([
        from(alice, "a1", "one"),
        from(bob, "b1", "two"),
        from(alice, "a2", "three"),
    ]);

    let items = hub.items(carol);
    assert_eq!(items.len(), 1, "one item for the batch: {items:?}");
    let texts: Vec<(u64, String)> = items[0]
        .iter()
        .map(|frame| match frame {
            ServerFrame::Message(message) => (message.seq, message.text.clone()),
            other => panic!("expected only messages, got {other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [(1, "one".into()), (2, "two".into()), (3, "three".into())]
    );

    let items = hub.items(alice);
    assert_eq!(items.len(), 1, "one item for the batch: {items:?}");
    let frames = &items[0];
    for seq in [1, 3] {
        let ack = position(
            frames,
            |f| matches!(f, ServerFrame::Ack { seq: s, .. } if *s == seq),
        );
        let copy = position(
            frames,
            |f| matches!(f, ServerFrame::Message(m) if m.seq == seq),
        );
        assert!(
            ack < copy,
            "the ack of {seq} comes after its message: {frames:?}"
        );
    }
}

#[test]
fn readers_dropped_for_full_queues_leave_in_the_same_item_and_nobody_else_is_dropped() {
    let mut hub = TestHub::new();
    // Each queue holds one item a batch: the watcher's three, the slow ones' two. Everyone
    // reads what the hellos sent (one batch each), then nothing during the messages.
    let mut everyone = Vec::new();
    let mut arrive = |hub: &mut TestHub, name: &str, capacity: usize| {
        everyone.push(hub.hello_with_queue(name, capacity));
        for &conn in &everyone {
            hub.received(conn);
        }
        everyone[everyone.len() - 1]
    };
    let watcher = arrive(&mut hub, "watcher", 3);
    let slow: Vec<ConnId> = (0..10)
        .map(|n| arrive(&mut hub, &format!("slow{n}"), 2))
        .collect();
    let alice = arrive(&mut hub, "alice", 1024);

    for (id, text) in [("m1", "one"), ("m2", "two"), ("m3", "three")] {
        hub.send(alice, post(id, text));
    }

    // The slow ones took two batches and were dropped at the third; the watcher's third item
    // holds the message and one `presence` frame with all ten departures (one item a departure
    // would have overflowed it).
    let items = hub.items(watcher);
    assert_eq!(items.len(), 3, "{items:?}");
    let third = &items[2];
    assert!(matches!(&third[0], ServerFrame::Message(m) if m.text == "three"));
    let [ServerFrame::Presence { left, online, .. }] = &third[1..] else {
        panic!("expected one presence frame after the message, got {third:?}");
    };
    let mut slow_names: Vec<String> = (0..10).map(|n| format!("slow{n}")).collect();
    slow_names.sort_unstable();
    assert_eq!(left, &slow_names);
    assert_eq!(*online, 2);
    for &conn in &slow {
        assert_eq!(hub.items(conn).len(), 2);
    }

    // The watcher is still in the room; the dropped ones hear nothing more.
    hub.send(alice, post("m4", "four"));
    assert!(matches!(
        hub.received(watcher).as_slice(),
        [ServerFrame::Message(m)] if m.text == "four"
    ));
    for conn in slow {
        assert!(hub.received(conn).is_empty());
    }
}

/// Alice and enough readers in the lobby for its fan-out to be wide.
fn wide_room(hub: &mut TestHub) -> (ConnId, Vec<ConnId>) {
    let (alice, _) = hub.hello("alice");
    let readers = (0..WIDE_FANOUT)
        .map(|n| hub.hello(&format!("reader{n}")).0)
        .collect();
    (alice, readers)
}

#[test]
fn senders_are_refused_while_most_readers_of_a_wide_room_lag_and_accepted_once_they_catch_up() {
    let mut hub = TestHub::new();
    let (alice, readers) = wide_room(&mut hub);
    let drain = |hub: &mut TestHub| {
        for &conn in readers.iter().chain([&alice]) {
            hub.received(conn);
        }
    };
    drain(&mut hub);

    // Nobody reads: each message is one more batch waiting in every queue.
    let mut accepted = 0;
    let refused = loop {
        hub.send(alice, post(&format!("m{accepted}"), "hi"));
        let answer = hub.items(alice).pop().expect("an answer");
        match answer.as_slice() {
            [
                ServerFrame::Error {
                    code,
                    id,
                    retry_after,
                    ..
                },
            ] => break (*code, id.clone(), *retry_after),
            _ => accepted += 1,
        }
        assert!(accepted < 100, "never refused");
    };
    assert_eq!(refused.0, ErrorCode::RateLimited);
    assert_eq!(refused.1, Some(format!("m{accepted}")));
    assert!(refused.2.is_some_and(|ms| ms > 0));
    assert!(
        accepted >= LAGGING_ITEMS,
        "refused after only {accepted} batches"
    );

    // The readers catch up: the same message goes through.
    drain(&mut hub);
    hub.send(alice, post(&format!("m{accepted}"), "hi"));
    assert!(
        hub.received(alice)
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Ack { .. })),
        "still refused after the readers caught up"
    );
}

/// Alice's answer to message `id`: whether it was accepted (acked), not refused for overload.
fn accepted(hub: &mut TestHub, alice: ConnId, id: &str) -> bool {
    hub.send(alice, post(id, "hi"));
    let answer = hub.received(alice);
    let refused = answer.iter().any(|frame| {
        matches!(frame, ServerFrame::Error { code: ErrorCode::RateLimited, id: Some(of), .. } if of == id)
    });
    let acked = answer
        .iter()
        .any(|frame| matches!(frame, ServerFrame::Ack { id: of, .. } if of == id));
    assert!(acked != refused, "one answer to {id}: {answer:?}");
    acked
}

#[test]
fn senders_are_refused_while_most_readers_of_a_wide_room_have_not_read_a_probe_for_the_probe_lag() {
    let mut hub = TestHub::new();
    let (alice, readers) = wide_room(&mut hub);
    // The readers' sockets take every item at once (nothing waits in a queue), and put a probe
    // behind it where the hub asks for one; nobody reads the probes.
    let write_out = |hub: &mut TestHub| {
        let now = hub.now.instant;
        let mut probes = 0;
        for &conn in &readers {
            hub.received(conn);
            probes += usize::from(hub.outboxes[&conn].probe().due(now));
        }
        probes
    };
    write_out(&mut hub);
    assert!(accepted(&mut hub, alice, "m0"));
    let probed = write_out(&mut hub);
    assert!(
        probed > 1 && probed < WIDE_FANOUT,
        "a sample is probed, not everyone: {probed}"
    );

    let just_short = PROBE_LAG - Duration::from_millis(1);
    hub.wait(just_short);
    assert!(accepted(&mut hub, alice, "m1"), "refused before the lag");
    assert_eq!(write_out(&mut hub), 0, "one probe out at a time");
    hub.wait(Duration::from_millis(1));
    assert!(
        !accepted(&mut hub, alice, "m2"),
        "accepted while nobody read"
    );

    // The readers read up to their probes: the same message goes through.
    let now = hub.now.instant;
    for conn in &readers {
        hub.outboxes[conn].probe().answered(now);
    }
    assert!(
        accepted(&mut hub, alice, "m2"),
        "refused after the readers read"
    );
}
