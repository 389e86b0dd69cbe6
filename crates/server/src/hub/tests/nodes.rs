//! The hub as one node of several on one PostgreSQL database, another node played by a second
//! store on the same database.

use super::*;
use crate::store::Authored;
use chinwag_protocol::ChatMessage;

#[test]
fn a_retry_in_the_batch_of_its_original_is_acknowledged_with_the_final_number() {
    let Some(mut hub) = TestHub::on(Kind::Postgres, &RateLimits::unlimited()) else {
        return;
    };
    let (alice, _) = hub.hello("alice");
    let mut other_node = Store::open(hub.location.clone()).unwrap();
    let alice_id = other_node
        .user_named(&crate::names::user_name("alice").unwrap())
        .unwrap()
        .unwrap()
        .id;
    hub.hub.handle(
        Command::Frame {
            conn: alice,
            frame: post("m1", "hello"),
        },
        hub.now,
    );
    // Another node commits first: this node's number for m1 (1) is not the one it gets (2).
    let mut elsewhere = [Authored {
        sender_id: alice_id,
        message: ChatMessage {
            attachment: None,
            room: DEFAULT_ROOM.into(),
            seq: 1,
            id: "from another node".into(),
            from: "alice".into(),
            time: 0,
            text: "first".into(),
            edited: None,
            deleted: false,
            reply_to: None,
            reactions: Vec::new(),
        },
    }];
    other_node.write_batch(&mut elsewhere, &[]).unwrap();
    // The same message again in the same batch (a client resending what is not acknowledged).
    hub.hub.handle(
        Command::Frame {
            conn: alice,
            frame: post("m1", "hello"),
        },
        hub.now,
    );
    hub.hub.end_batch();
    let acks: Vec<u64> = hub
        .received(alice)
        .into_iter()
        .filter_map(|frame| match frame {
            ServerFrame::Ack { id, seq, .. } if id == "m1" => Some(seq),
            _ => None,
        })
        .collect();
    assert!(!acks.is_empty());
    assert!(acks.iter().all(|&seq| seq == 2), "acks {acks:?}");
}
