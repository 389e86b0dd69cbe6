//! The store on its own, on both databases: batches, history reads, names kept after renames.
//! (The SQLite store's own tests, of its file lock and of upgrades of older files, are beside it
//! in `src/store/sqlite/tests.rs`.)

use chinwag_protocol::{ChatMessage, MAX_SEARCH_RESULTS};
use chinwag_server::names::{Name, user_name};
use chinwag_server::store::identities::KEPT_NAMES;
use chinwag_server::store::{Authored, Location, ReadMark, Store, StoredAt};
use chinwag_testkit::StoreKind;

fn message(seq: u64, id: &str) -> Authored {
    Authored {
        sender_id: 1,
        message: ChatMessage {
            attachment: None,
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
        .write_batch(
            &mut [message(1, "a"), message(2, "b"), message(3, "c")],
            &[],
        )
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
    // The messages' sender (identity 1) is not the reader, whose marker moves only by `mark`.
    store.create_user(&name("zed"), "hash-z").unwrap();
    let alice = store.create_user(&name("alice"), "hash-a").unwrap();
    store.add_member("lobby", alice.id).unwrap();
    store.write_batch(&mut [message(1, "a")], &[]).unwrap();
    let mark = ReadMark {
        room: "lobby".into(),
        user: alice.id,
        seq: 1,
    };
    // Client id "a" again violates the dedup index: the whole batch must roll back.
    assert!(
        store
            .write_batch(
                &mut [message(2, "b"), message(3, "a")],
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
    store.write_batch(&mut [], &[mark]).unwrap();
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
    store.write_batch(&mut [first], &[]).unwrap();
    store.rename_user(alice.id, &name("alicia"), 0).unwrap();
    assert_eq!(store.recent("lobby", 1).unwrap()[0].from, "alicia");
    assert_eq!(
        store.message("lobby", 1).unwrap().unwrap().message.from,
        "alicia"
    );
}

/// The seqs of what a search for `query` finds, newest first.
fn found(store: &Store, query: &str) -> Vec<u64> {
    let messages = store.search("lobby", query, MAX_SEARCH_RESULTS).unwrap();
    messages.iter().map(|m| m.seq).collect()
}

fn a_search_finds_the_same_whether_or_not_the_index_caught_up(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(kind, &dir);
    let text = |seq: u64| {
        if seq.is_multiple_of(2) {
            format!("Crème brûlée n{seq}")
        } else {
            format!("今天天气很好 n{seq}")
        }
    };
    let mut all: Vec<Authored> = (1..=300)
        .map(|seq| {
            let mut message = message(seq, &format!("c{seq}"));
            message.message.text = text(seq);
            message
        })
        .collect();
    for batch in all.chunks_mut(50) {
        store.write_batch(batch, &[]).unwrap();
    }
    let queries = [
        "crème",
        "CRÈME BRÛ",
        "天气很好",
        "天气",
        "n29",
        "n1",
        "zzz",
        "è",
    ];
    let expected: Vec<Vec<u64>> = queries
        .iter()
        .map(|query| {
            (1..=300u64)
                .rev()
                .filter(|&seq| text(seq).to_lowercase().contains(&query.to_lowercase()))
                .take(MAX_SEARCH_RESULTS)
                .collect()
        })
        .collect();
    let all_found = |store: &Store| -> Vec<Vec<u64>> {
        queries.iter().map(|query| found(store, query)).collect()
    };
    assert_eq!(all_found(&store), expected, "before indexing");
    // Part of it indexed (the SQLite store indexes 128 a slice), then all of it.
    store.catch_up().unwrap();
    assert_eq!(all_found(&store), expected, "partly indexed");
    while store.catch_up().unwrap() {}
    assert_eq!(all_found(&store), expected, "all indexed");
    // Edits and deletions of indexed messages are followed.
    store.edit("lobby", 2, "now a soufflé", 5).unwrap();
    store.delete("lobby", 4).unwrap();
    assert_eq!(found(&store, "soufflé"), [2]);
    let cremes = found(&store, "crème");
    assert!(!cremes.contains(&2) && !cremes.contains(&4), "{cremes:?}");
    assert_eq!(cremes.len(), MAX_SEARCH_RESULTS);
}

fn the_epoch_is_made_once_with_the_database(kind: StoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let location = kind.fresh(dir.path());
    let epoch = Store::open(location.clone()).unwrap().epoch();
    assert_eq!(Store::open(location).unwrap().epoch(), epoch, "reopened");
    let other = tempfile::tempdir().unwrap();
    assert_ne!(open(kind, &other).epoch(), epoch, "another database");
}

chinwag_testkit::on_both_stores!(
    the_epoch_is_made_once_with_the_database,
    a_search_finds_the_same_whether_or_not_the_index_caught_up,
    stores_and_reads_back_in_order,
    a_failed_batch_stores_nothing_not_even_its_read_marks,
    a_name_given_up_is_kept_for_its_identity_until_its_time,
    an_identity_keeps_only_its_most_recent_given_up_names,
    messages_carry_their_authors_current_name,
);

/// Servers starting together on one PostgreSQL database upgrade its schema once between them
/// (the upgrade takes an advisory lock), and every one of them opens it.
#[test]
fn postgres_stores_opened_at_once_upgrade_the_schema_once() {
    let Some(cluster) = chinwag_testkit::PgCluster::shared() else {
        return;
    };
    let url = cluster.fresh_database();
    let opened: Vec<Store> = std::thread::scope(|scope| {
        let openers: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| Store::open(Location::Postgres(url.clone()))))
            .collect();
        openers
            .into_iter()
            .map(|opener| opener.join().unwrap().unwrap())
            .collect()
    });
    let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    let versions: Vec<i32> = admin
        .query("SELECT version FROM schema_version", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [5]);
    let lobbies: i64 = admin
        .query_one("SELECT COUNT(*) FROM rooms WHERE name = 'lobby'", &[])
        .unwrap()
        .get(0);
    assert_eq!(lobbies, 1);
    assert_eq!(opened.len(), 4);
}
