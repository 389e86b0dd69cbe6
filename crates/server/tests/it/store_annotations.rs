//! The store's replies, reactions, pins and read-receipt sharing on their own, on both
//! databases: what every message read adds, and the order things come back in.

use chinwag_protocol::{ChatMessage, Quote, Reaction, SeenMark};
use chinwag_server::names::user_name;
use chinwag_server::store::{Authored, ReadMark, Store, User};
use chinwag_testkit::StoreKind;

/// Message `seq` of the lobby by `author`, answering `reply_to` if given.
fn message(author: &User, seq: u64, text: &str, reply_to: Option<u64>) -> Authored {
    Authored {
        sender_id: author.id,
        message: ChatMessage {
            attachment: None,
            room: "lobby".into(),
            seq,
            id: format!("m{seq}"),
            from: author.name.clone(),
            time: 1000 + seq as i64,
            text: text.into(),
            edited: None,
            deleted: false,
            reply_to: reply_to.map(|seq| Quote::of(seq, "", "", false)),
            reactions: Vec::new(),
        },
    }
}

/// A fresh store with alice and bob in the lobby, and alice's question with bob's answer.
fn conversation(kind: StoreKind, dir: &tempfile::TempDir) -> (Store, User, User) {
    let mut store = Store::open(kind.fresh(dir.path())).unwrap();
    let alice = store
        .create_user(&user_name("alice").unwrap(), "hash-a")
        .unwrap();
    let bob = store
        .create_user(&user_name("bob").unwrap(), "hash-b")
        .unwrap();
    for user in [&alice, &bob] {
        store.add_member("lobby", user.id).unwrap();
    }
    let mut batch = [
        message(&alice, 1, "lunch\nat noon?", None),
        message(&bob, 2, "yes", Some(1)),
    ];
    store.write_batch(&mut batch, &[]).unwrap();
    (store, alice, bob)
}

fn every_read_carries_the_quote_and_the_reactions(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let (store, alice, bob) = conversation(kind, &dir);
    assert!(store.react("lobby", 1, "👍", bob.id, 5).unwrap());
    assert!(store.react("lobby", 1, "🎉", alice.id, 6).unwrap());
    assert!(store.react("lobby", 1, "👍", alice.id, 7).unwrap());
    assert!(
        !store.react("lobby", 1, "👍", alice.id, 8).unwrap(),
        "one per emoji per identity"
    );
    let recent = store.recent("lobby", 10).unwrap();
    assert_eq!(
        recent[1].reply_to,
        Some(Quote::of(1, "alice", "lunch at noon?", false))
    );
    let reaction = |emoji: &str, names: &[&str]| Reaction {
        emoji: emoji.into(),
        count: names.len() as u64,
        names: names.iter().map(|name| (*name).to_owned()).collect(),
    };
    // Emoji in the order first used, names in the order they reacted.
    let expected = vec![
        reaction("👍", &["bob", "alice"]),
        reaction("🎉", &["alice"]),
    ];
    assert_eq!(recent[0].reactions, expected);
    assert_eq!(store.reactions("lobby", 1).unwrap(), expected);
    assert!(store.unreact("lobby", 1, "🎉", alice.id).unwrap());
    assert!(!store.unreact("lobby", 1, "🎉", alice.id).unwrap());
    // A deleted original: the quote says so; a deleted message shows no reactions.
    store.delete("lobby", 1).unwrap();
    let recent = store.recent("lobby", 10).unwrap();
    assert_eq!(recent[1].reply_to, Some(Quote::of(1, "alice", "", true)));
    assert!(recent[0].reactions.is_empty());
}

fn pins_come_newest_first_and_receipts_leave_out_who_keeps_them(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, alice, bob) = conversation(kind, &dir);
    assert!(store.pin("lobby", 1, bob.id, 10).unwrap());
    assert!(store.pin("lobby", 2, alice.id, 11).unwrap());
    assert!(
        !store.pin("lobby", 2, bob.id, 12).unwrap(),
        "pinned already"
    );
    let pins = store.pins("lobby", 10).unwrap();
    let listed: Vec<(u64, &str)> = pins
        .iter()
        .map(|pin| (pin.quote.seq, pin.by.as_str()))
        .collect();
    assert_eq!(listed, [(2, "alice"), (1, "bob")]);
    assert_eq!(store.pin_count("lobby").unwrap(), 2);
    assert!(store.unpin("lobby", 1).unwrap());
    assert_eq!(store.pin_count("lobby").unwrap(), 1);

    let marks = [(alice.id, 2), (bob.id, 1)].map(|(user, seq)| ReadMark {
        room: "lobby".into(),
        user,
        seq,
    });
    store.write_batch(&mut [], &marks).unwrap();
    let mark = |name: &str, seq| SeenMark {
        name: name.into(),
        seq,
    };
    assert_eq!(
        store.seen("lobby", 10).unwrap(),
        [mark("alice", 2), mark("bob", 1)]
    );
    store.set_share_receipts(alice.id, false).unwrap();
    assert_eq!(store.private_receipts().unwrap(), [alice.id]);
    assert_eq!(store.seen("lobby", 10).unwrap(), [mark("bob", 1)]);
    store.set_share_receipts(alice.id, true).unwrap();
    assert!(store.private_receipts().unwrap().is_empty());
}

chinwag_testkit::on_both_stores!(
    every_read_carries_the_quote_and_the_reactions,
    pins_come_newest_first_and_receipts_leave_out_who_keeps_them,
);
