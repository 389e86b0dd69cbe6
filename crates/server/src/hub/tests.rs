//! The hub driven directly: commands in, frames out of the outboxes, the clock moved by hand.
//! No sockets, no threads, no sleeping.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::sync::oneshot;

mod delivery;
mod pacing;
mod receipts;

use super::identity::GIVEN_UP_NAME_KEPT_MS;
use super::{Command, ConnId, Hub, Now, Outbox, OutboxReader, Outgoing, PageRequest};
use crate::limits::{DEFAULT_MESSAGE_BURST, MIN_MESSAGE_WAIT, RateLimits};
use crate::store::Store;
mod crowds;
mod nodes;

use chinwag_protocol::{
    ClientFrame, DEFAULT_ROOM, ErrorCode, HistoryPage, PROTOCOL_VERSION, Rejection, ServerFrame,
};

/// Which database a [`TestHub`] keeps its state in.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Sqlite,
    Postgres,
}

/// Makes each `test(kind: Kind)` a `#[test]` on both stores: `sqlite::test` and
/// `postgres::test` (which does nothing where PostgreSQL is missing).
macro_rules! on_both_stores {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(#[test] fn $test() { super::$test(super::Kind::Sqlite); })+
        }
        mod postgres {
            $(#[test] fn $test() {
                if chinwag_testkit::PgCluster::shared().is_some() {
                    super::$test(super::Kind::Postgres);
                }
            })+
        }
    };
}
use on_both_stores;

/// A hub over a fresh database, its connections' outboxes and a clock that moves only when told.
struct TestHub {
    hub: Hub,
    now: Now,
    outboxes: HashMap<ConnId, OutboxReader>,
    next_conn: ConnId,
    /// Where its database is.
    location: crate::store::Location,
    _dir: tempfile::TempDir,
}

impl TestHub {
    /// A hub with the default rate limits.
    fn new() -> Self {
        Self::with_limits(&RateLimits::default())
    }

    /// A hub applying `limits`.
    fn with_limits(limits: &RateLimits) -> Self {
        Self::on(Kind::Sqlite, limits).unwrap()
    }

    /// A hub applying `limits` over a fresh database of kind `kind`; none for PostgreSQL where
    /// it is missing (see `chinwag_testkit::PgCluster::shared`).
    fn on(kind: Kind, limits: &RateLimits) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let location = match kind {
            Kind::Sqlite => crate::store::Location::Sqlite(dir.path().join("chat.sqlite3")),
            Kind::Postgres => crate::store::Location::Postgres(
                chinwag_testkit::PgCluster::shared()?.fresh_database(),
            ),
        };
        let store = Store::open(location.clone()).unwrap();
        Some(Self {
            hub: Hub::new(store, limits),
            now: Now::read(),
            outboxes: HashMap::new(),
            next_conn: 1,
            location,
            _dir: dir,
        })
    }

    /// Moves the clock on by `by`.
    fn wait(&mut self, by: Duration) {
        self.now = self.now.later(by);
    }

    /// A new connection from 127.0.0.1.
    fn connect(&mut self) -> ConnId {
        self.connect_with_queue(1024)
    }

    /// A new connection from 127.0.0.1 whose queue holds `capacity` items.
    fn connect_with_queue(&mut self, capacity: usize) -> ConnId {
        let conn = self.next_conn;
        self.next_conn += 1;
        let (outbox, receiver) = Outbox::channel(capacity);
        self.outboxes.insert(conn, receiver);
        let address = IpAddr::V4(Ipv4Addr::LOCALHOST);
        self.batch([Command::Connect {
            conn,
            outbox,
            address,
        }]);
        conn
    }

    /// Handles `commands` as one batch at the present time, as [`Hub::run`] does.
    fn batch(&mut self, commands: impl IntoIterator<Item = Command>) {
        for command in commands {
            self.hub.handle(command, self.now);
        }
        self.hub.end_batch();
    }

    /// `frames` from `conn`, as one batch.
    fn send_all(&mut self, conn: ConnId, frames: impl IntoIterator<Item = ClientFrame>) {
        self.batch(
            frames
                .into_iter()
                .map(|frame| Command::Frame { conn, frame }),
        );
    }

    /// One frame from `conn`, as a batch of its own.
    fn send(&mut self, conn: ConnId, frame: ClientFrame) {
        self.send_all(conn, [frame]);
    }

    /// A new connection saying hello as `name` with a token of that name's own; what it got.
    fn hello(&mut self, name: &str) -> (ConnId, Vec<ServerFrame>) {
        self.hello_as(name, name)
    }

    /// A new connection saying hello as `name` with the token of `owner`; what it got.
    fn hello_as(&mut self, name: &str, owner: &str) -> (ConnId, Vec<ServerFrame>) {
        let conn = self.connect();
        self.say_hello(conn, name, owner)
    }

    /// A new connection, whose queue holds `capacity` items, saying hello as `name`; it is
    /// told nothing yet.
    fn hello_with_queue(&mut self, name: &str, capacity: usize) -> ConnId {
        let conn = self.connect_with_queue(capacity);
        self.say_hello(conn, name, name);
        conn
    }

    /// `conn` saying hello as `name` with the token of `owner`; what it got.
    fn say_hello(&mut self, conn: ConnId, name: &str, owner: &str) -> (ConnId, Vec<ServerFrame>) {
        let hello = ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: name.into(),
            token: format!("token-of-{owner}-for-the-hub-tests"),
            since: Vec::new(),
        };
        self.send(conn, hello);
        (conn, self.received(conn))
    }

    /// The newest message of the default room, asked for over the HTTP API with `token`.
    fn page(&mut self, token: &str) -> Result<HistoryPage, Rejection> {
        let (reply, answer) = oneshot::channel();
        let request = PageRequest {
            token: token.into(),
            room: DEFAULT_ROOM.into(),
            before: None,
            limit: 1,
        };
        self.batch([Command::Page { request, reply }]);
        answer.blocking_recv().unwrap()
    }

    /// Everything queued for `conn` since last asked, in order.
    fn received(&mut self, conn: ConnId) -> Vec<ServerFrame> {
        self.items(conn).into_iter().flatten().collect()
    }

    /// The items queued for `conn` since last asked, each as its frames, in order.
    fn items(&mut self, conn: ConnId) -> Vec<Vec<ServerFrame>> {
        let outbox = self.outboxes.get_mut(&conn).unwrap();
        let mut items = Vec::new();
        while let Some(outgoing) = outbox.try_recv() {
            let texts = match outgoing {
                Outgoing::Frame(text) => vec![text],
                Outgoing::Frames(texts) => texts,
                Outgoing::Close(code, reason) => panic!("closed with {code}: {reason}"),
            };
            items.push(
                texts
                    .iter()
                    .map(|text| serde_json::from_str(text.as_str()).unwrap())
                    .collect(),
            );
        }
        items
    }
}

fn post(id: &str, text: &str) -> ClientFrame {
    ClientFrame::Send {
        attachment: None,
        id: id.into(),
        room: DEFAULT_ROOM.into(),
        text: text.into(),
        reply_to: None,
    }
}

fn typing() -> ClientFrame {
    ClientFrame::Typing {
        room: DEFAULT_ROOM.into(),
    }
}

#[test]
fn a_hello_is_welcomed_with_the_name_and_the_default_room() {
    let mut hub = TestHub::new();
    let (_, frames) = hub.hello("alice");
    let [ServerFrame::Welcome { name, rooms, .. }] = frames.as_slice() else {
        panic!("expected one welcome, got {frames:?}");
    };
    assert_eq!(name, "alice");
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].room, DEFAULT_ROOM);
    assert_eq!(rooms[0].users, ["alice"]);
}

#[test]
fn a_message_fans_out_to_every_member_in_order_stamped_with_the_hub_time() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let (bob, _) = hub.hello("bob");
    let (carol, _) = hub.hello("carol");
    hub.received(alice);
    hub.received(bob);
    hub.wait(Duration::from_secs(60));
    hub.send_all(
        alice,
        [post("a1", "one"), post("a2", "two"), post("a3", "three")],
    );

    let stamped = hub.now.unix_ms;
    for member in [bob, carol] {
        let texts: Vec<(u64, String, i64)> = hub
            .received(member)
            .into_iter()
            .map(|frame| match frame {
                ServerFrame::Message(message) => (message.seq, message.text, message.time),
                other => panic!("expected only messages, got {other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                (1, "one".to_owned(), stamped),
                (2, "two".to_owned(), stamped),
                (3, "three".to_owned(), stamped)
            ]
        );
    }
    let acked: Vec<u64> = hub
        .received(alice)
        .into_iter()
        .filter_map(|frame| match frame {
            ServerFrame::Ack { seq, .. } => Some(seq),
            _ => None,
        })
        .collect();
    assert_eq!(acked, [1, 2, 3]);
}

/// The `rate_limited` refusal of the message `id`, and how long it says to wait.
fn refused_for(frames: &[ServerFrame], id: &str) -> Duration {
    match frames {
        [
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                id: Some(refused),
                retry_after: Some(retry_after),
                ..
            },
        ] if refused == id => Duration::from_millis(*retry_after),
        _ => panic!("expected {id} refused as rate_limited, got {frames:?}"),
    }
}

#[test]
fn the_message_limit_refuses_the_31st_at_once_and_accepts_it_once_the_clock_moves_on() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let burst: Vec<ClientFrame> = (0..DEFAULT_MESSAGE_BURST)
        .map(|n| post(&format!("m{n}"), "hi"))
        .collect();
    hub.send_all(alice, burst);
    let acks = hub
        .received(alice)
        .iter()
        .filter(|frame| matches!(frame, ServerFrame::Ack { .. }))
        .count();
    assert_eq!(acks, DEFAULT_MESSAGE_BURST as usize);

    hub.wait(Duration::from_millis(100));
    hub.send(alice, post("one-too-many", "hi"));
    let retry_after = refused_for(&hub.received(alice), "one-too-many");
    assert!(retry_after >= MIN_MESSAGE_WAIT, "{retry_after:?}");

    hub.wait(retry_after - Duration::from_millis(1));
    hub.send(alice, post("one-too-many", "hi"));
    let still = refused_for(&hub.received(alice), "one-too-many");
    assert_eq!(still, Duration::from_millis(1));

    hub.wait(Duration::from_millis(1));
    hub.send(alice, post("one-too-many", "hi"));
    let frames = hub.received(alice);
    assert!(
        matches!(frames.first(), Some(ServerFrame::Ack { id, .. }) if id == "one-too-many"),
        "expected the retry acked, got {frames:?}"
    );
}

#[test]
fn typing_notices_reach_the_others_at_most_once_a_second() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let (bob, _) = hub.hello("bob");
    hub.received(alice);
    let notice = ServerFrame::Typing {
        room: DEFAULT_ROOM.into(),
        name: "alice".into(),
    };

    hub.send(alice, typing());
    assert_eq!(hub.received(bob), std::slice::from_ref(&notice));
    assert_eq!(hub.received(alice), []);

    hub.wait(Duration::from_millis(999));
    hub.send(alice, typing());
    assert_eq!(hub.received(bob), []);

    hub.wait(Duration::from_millis(1));
    hub.send(alice, typing());
    assert_eq!(hub.received(bob), [notice]);
}

#[test]
fn a_name_given_up_by_a_rename_is_kept_for_its_owner_30_days_then_free() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    hub.send(
        alice,
        ClientFrame::Rename {
            name: "alicia".into(),
        },
    );
    assert!(
        hub.received(alice)
            .iter()
            .any(|frame| matches!(frame, ServerFrame::Renamed { to, .. } if to == "alicia"))
    );

    let kept = Duration::from_millis(GIVEN_UP_NAME_KEPT_MS as u64);
    hub.wait(kept - Duration::from_millis(1));
    let (_, frames) = hub.hello_as("alice", "bob");
    assert!(
        matches!(
            frames.as_slice(),
            [ServerFrame::Error {
                code: ErrorCode::NameTaken,
                ..
            }]
        ),
        "a millisecond short of 30 days the name is still kept: {frames:?}"
    );

    hub.wait(Duration::from_millis(1));
    let (_, frames) = hub.hello_as("alice", "bob");
    assert!(
        matches!(frames.as_slice(), [ServerFrame::Welcome { name, .. }] if name == "alice"),
        "after 30 days someone else may take it: {frames:?}"
    );
}

#[test]
fn a_history_page_answers_the_messages_or_a_rejection() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    hub.send_all(alice, [post("a1", "one"), post("a2", "two")]);
    let page = hub.page("token-of-alice-for-the-hub-tests").unwrap();
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!((texts, page.more), (vec!["two"], true));

    let refused = hub.page("token-of-nobody-for-the-hub-tests").unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidToken);
}
