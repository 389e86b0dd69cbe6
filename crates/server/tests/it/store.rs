//! The store on its own, on both databases: batches, history reads, names kept after renames.
//! (The SQLite store's own tests, of its file lock and of upgrades of older files, are beside it
//! in `src/store/sqlite/tests.rs`.)

use chinwag_protocol::ChatMessage;
use chinwag_server::names::{Name, user_name};
use chinwag_server::store::identities::KEPT_NAMES;
use chinwag_server::store::{Authored, ReadMark, Store, StoredAt};
use chinwag_testkit::StoreKind;

fn message(seq: u64, id: &str) -> Authored {
    Authored {
        sender_id: 1,
        message: ChatMessage {
            room: "lobby".into(),
            seq,
            id: id.into(),
            from: "alice".into(),
            time: 1000 + seq as i64,
            text: format!("message {seq}"),
            edited: None,
            deleted: false,
            reply_to: None,
            reactions: Vec::new(),
        },
    }
}

fn texts(messages: &[ChatMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.text.as_str()).collect()
}

fn name(text: &str) -> Name {
    user_name(text).unwrap()
}

/// A fresh store of kind `kind` (a SQLite file in `dir`).
fn open(kind: StoreKind, dir: &tempfile::TempDir) -> Store {
    Store::open(kind.fresh(dir.path())).unwrap()
}

fn stores_and_reads_back_in_order(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(kind, &dir);
    assert_eq!(store.last_seq("lobby").unwrap(), 0);
    store
        .write_batch(&[message(1, "a"), message(2, "b"), message(3, "c")], &[])
        .unwrap();
    assert_eq!(store.last_seq("lobby").unwrap(), 3);
    assert_eq!(store.last_seq("elsewhere").unwrap(), 0);
    assert_eq!(
        texts(&store.recent("lobby", 2).unwrap()),
        ["message 2", "message 3"]
    );
    assert_eq!(
        store.find("lobby", 1, "b").unwrap(),
        Some(StoredAt { seq: 2, time: 1002 })
    );
    assert_eq!(store.find("lobby", 2, "b").unwrap(), None);
    assert_eq!(
        texts(&store.after("lobby", 1, 10).unwrap()),
        ["message 2", "message 3"]
    );
    assert_eq!(texts(&store.before("lobby", 3, 1).unwrap()), ["message 2"]);
    assert!(store.after("lobby", 3, 10).unwrap().is_empty());
}

fn a_failed_batch_stores_nothing_not_even_its_read_marks(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(kind, &dir);
    let alice = store.create_user(&name("alice"), "hash-a").unwrap();
    store.add_member("lobby", alice.id).unwrap();
    store.write_batch(&[message(1, "a")], &[]).unwrap();
    let mark = ReadMark {
        room: "lobby".into(),
        user: alice.id,
        seq: 1,
    };
    // Seq 1 again violates the primary key: the whole batch must roll back.
    assert!(
        store
            .write_batch(
                &[message(2, "b"), message(1, "x")],
                std::slice::from_ref(&mark)
            )
            .is_err()
    );
    assert_eq!(store.last_seq("lobby").unwrap(), 1);
    let read = |store: &Store| {
        store
            .membership("lobby", alice.id)
            .unwrap()
            .unwrap()
            .last_read
    };
    assert_eq!(read(&store), 0);
    store.write_batch(&[], &[mark]).unwrap();
    assert_eq!(read(&store), 1);
}

fn a_name_given_up_is_kept_for_its_identity_until_its_time(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(kind, &dir);
    let alice = store.create_user(&name("alice"), "hash-a").unwrap();
    let key = name("alice").key;
    assert_eq!(store.kept_for(&key, 0).unwrap(), None);
    store.rename_user(alice.id, &name("alicia"), 5_000).unwrap();
    assert_eq!(store.kept_for(&key, 4_999).unwrap(), Some(alice.id));
    assert_eq!(
        store.kept_for(&key, 5_000).unwrap(),
        None,
        "until is exclusive"
    );
    assert_eq!(
        store.user_named(&name("ALICIA")).unwrap().unwrap().id,
        alice.id
    );
    assert_eq!(store.user_named(&name("alice")).unwrap(), None);
    // Taking it back ends the keeping; changing only the case keeps nothing.
    store.rename_user(alice.id, &name("Alice"), 6_000).unwrap();
    assert_eq!(store.kept_for(&key, 0).unwrap(), None);
    assert_eq!(
        store.kept_for(&name("alicia").key, 0).unwrap(),
        Some(alice.id)
    );
    store.rename_user(alice.id, &name("alice"), 7_000).unwrap();
    assert_eq!(store.kept_for(&key, 0).unwrap(), None);
}

fn an_identity_keeps_only_its_most_recent_given_up_names(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(kind, &dir);
    let user = store.create_user(&name("name 0"), "hash").unwrap();
    let renames = KEPT_NAMES + 3;
    for n in 1..=renames {
        store
            .rename_user(user.id, &name(&format!("name {n}")), 1_000 + n as i64)
            .unwrap();
    }
    let kept: Vec<usize> = (0..renames)
        .filter(|n| {
            let key = name(&format!("name {n}")).key;
            store.kept_for(&key, 0).unwrap().is_some()
        })
        .collect();
    assert_eq!(kept, ((renames - KEPT_NAMES)..renames).collect::<Vec<_>>());
}

fn messages_carry_their_authors_current_name(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(kind, &dir);
    let alice = store.create_user(&name("alice"), "hash-a").unwrap();
    let mut first = message(1, "a");
    first.sender_id = alice.id;
    store.write_batch(&[first], &[]).unwrap();
    store.rename_user(alice.id, &name("alicia"), 0).unwrap();
    assert_eq!(store.recent("lobby", 1).unwrap()[0].from, "alicia");
    assert_eq!(
        store.message("lobby", 1).unwrap().unwrap().message.from,
        "alicia"
    );
}

chinwag_testkit::on_both_stores!(
    stores_and_reads_back_in_order,
    a_failed_batch_stores_nothing_not_even_its_read_marks,
    a_name_given_up_is_kept_for_its_identity_until_its_time,
    an_identity_keeps_only_its_most_recent_given_up_names,
    messages_carry_their_authors_current_name,
);
