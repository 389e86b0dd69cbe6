//! Crowds driven through the hub: hellos committed by the batch, presence gathered into one frame
//! per room, and pages of who is online.

use super::*;
use chinwag_protocol::MEMBER_PAGE;

fn hello_frame(name: &str) -> ClientFrame {
    ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: name.into(),
        token: format!("token-of-{name}-for-the-hub-tests"),
        since: Vec::new(),
    }
}

/// `count` new connections that say hello in one batch; their ids.
fn crowd(hub: &mut TestHub, count: usize) -> Vec<ConnId> {
    let conns: Vec<ConnId> = (0..count).map(|_| hub.connect()).collect();
    hub.batch(conns.iter().enumerate().map(|(n, &conn)| Command::Frame {
        conn,
        frame: hello_frame(&format!("user{n:05}")),
    }));
    conns
}

/// The online count of the default room a connection knows from `frames`: its welcome's, then
/// each presence frame's.
fn online_known(frames: &[ServerFrame]) -> Option<u64> {
    frames.iter().fold(None, |known, frame| match frame {
        ServerFrame::Welcome { rooms, .. } => rooms
            .iter()
            .find(|state| state.room == DEFAULT_ROOM)
            .map(|state| state.online),
        ServerFrame::Presence { online, .. } => Some(*online),
        _ => known,
    })
}

fn presence_frames(frames: &[ServerFrame]) -> Vec<&ServerFrame> {
    frames
        .iter()
        .filter(|frame| matches!(frame, ServerFrame::Presence { .. }))
        .collect()
}

on_both_stores!(
    a_thousand_hellos_in_one_batch_are_welcomed_and_each_sees_the_exact_count_after_one_tick,
    hellos_whose_commit_fails_are_not_welcomed_and_leave_no_identity,
);

/// One transaction for the batch's new identities (see `Backend::defer_commit`).
fn a_thousand_hellos_in_one_batch_are_welcomed_and_each_sees_the_exact_count_after_one_tick(
    kind: Kind,
) {
    const CROWD: usize = 1200;
    let mut hub = TestHub::on(kind, &RateLimits::unlimited()).unwrap();
    let conns = crowd(&mut hub, CROWD);
    let mut seen = HashMap::new();
    for &conn in &conns {
        let frames = hub.received(conn);
        let [ServerFrame::Welcome { rooms, .. }] = frames.as_slice() else {
            panic!("expected only a welcome before the tick, got {frames:?}");
        };
        let lobby = &rooms[0];
        assert!(lobby.users.len() <= MEMBER_PAGE);
        assert_eq!(
            lobby.users.len() as u64,
            lobby.online.min(MEMBER_PAGE as u64)
        );
        seen.insert(conn, frames);
    }
    // The room is a crowd: its count goes out at the tick, once, to everyone, without names.
    hub.batch([Command::Tick]);
    for &conn in &conns {
        let frames = hub.received(conn);
        assert_eq!(
            presence_frames(&frames),
            [&ServerFrame::Presence {
                room: DEFAULT_ROOM.into(),
                joined: vec![],
                left: vec![],
                online: CROWD as u64,
            }],
            "connection {conn}"
        );
        let mut all = seen.remove(&conn).unwrap();
        all.extend(frames);
        assert_eq!(online_known(&all), Some(CROWD as u64));
    }
    // Nothing changed since: the next tick tells nobody anything.
    hub.batch([Command::Tick]);
    assert!(conns.iter().all(|&conn| hub.received(conn).is_empty()));
}

#[test]
fn a_small_rooms_changes_of_one_batch_reach_every_member_once_in_one_frame() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let (bob, _) = hub.hello("bob");
    let (carol, _) = hub.hello("carol");
    hub.received(alice);
    hub.received(bob);
    // Dave arrives, bob goes, and erin comes and goes again, all in one batch: erin is told as
    // gone (dave's room state may have listed her).
    let dave = hub.connect();
    let erin = hub.connect();
    hub.batch([
        Command::Frame {
            conn: dave,
            frame: hello_frame("dave"),
        },
        Command::Disconnect { conn: bob },
        Command::Frame {
            conn: erin,
            frame: hello_frame("erin"),
        },
        Command::Disconnect { conn: erin },
    ]);
    let told = ServerFrame::Presence {
        room: DEFAULT_ROOM.into(),
        joined: vec!["dave".into()],
        left: vec!["bob".into(), "erin".into()],
        online: 3,
    };
    for conn in [alice, carol] {
        assert_eq!(presence_frames(&hub.received(conn)), [&told], "{conn}");
    }
    let at_dave = hub.received(dave);
    assert_eq!(presence_frames(&at_dave), [&told]);
    // A tick has nothing more to tell.
    hub.batch([Command::Tick]);
    assert!(presence_frames(&hub.received(alice)).is_empty());
}

#[test]
fn a_lone_newcomer_is_not_told_of_itself_but_the_others_are() {
    let mut hub = TestHub::new();
    let (alice, _) = hub.hello("alice");
    let (bob, frames) = hub.hello("bob");
    assert!(presence_frames(&frames).is_empty(), "{frames:?}");
    assert_eq!(online_known(&frames), Some(2));
    assert_eq!(
        presence_frames(&hub.received(alice)),
        [&ServerFrame::Presence {
            room: DEFAULT_ROOM.into(),
            joined: vec!["bob".into()],
            left: vec![],
            online: 2,
        }]
    );
    assert!(hub.received(bob).is_empty());
}

#[test]
fn the_names_online_come_in_sorted_pages_to_members_only() {
    let mut hub = TestHub::with_limits(&RateLimits::unlimited());
    let conns = crowd(&mut hub, 2 * MEMBER_PAGE + 50);
    let asker = conns[0];
    hub.received(asker);
    let mut names = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        hub.send(
            asker,
            ClientFrame::Members {
                room: DEFAULT_ROOM.into(),
                after: after.clone(),
            },
        );
        let frames = hub.received(asker);
        let [
            ServerFrame::Members {
                room,
                after: echoed,
                users,
                more,
                online,
            },
        ] = frames.as_slice()
        else {
            panic!("expected a page, got {frames:?}");
        };
        assert_eq!((room.as_str(), echoed), (DEFAULT_ROOM, &after));
        assert_eq!(*online, conns.len() as u64);
        assert!(users.len() <= MEMBER_PAGE);
        pages += 1;
        names.extend(users.iter().cloned());
        after = users.last().cloned();
        if !more {
            break;
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..conns.len()).map(|n| format!("user{n:05}")).collect();
    assert_eq!(names, expected, "every name once, in order");

    // Someone who is not in the room learns nothing.
    let (stranger, _) = hub.hello("stranger");
    hub.send(
        stranger,
        ClientFrame::Leave {
            room: DEFAULT_ROOM.into(),
        },
    );
    hub.received(stranger);
    hub.send(
        stranger,
        ClientFrame::Members {
            room: DEFAULT_ROOM.into(),
            after: None,
        },
    );
    let frames = hub.received(stranger);
    assert!(
        matches!(
            frames.as_slice(),
            [ServerFrame::Error {
                code: ErrorCode::NotJoined,
                ..
            }]
        ),
        "{frames:?}"
    );
}

fn hellos_whose_commit_fails_are_not_welcomed_and_leave_no_identity(kind: Kind) {
    let mut hub = TestHub::on(kind, &RateLimits::unlimited()).unwrap();
    let (alice, _) = hub.hello("alice");
    hub.hub.store.fail_commits_of_new_identities();
    let bob = hub.connect();
    let carol = hub.connect();
    hub.batch([
        Command::Frame {
            conn: bob,
            frame: hello_frame("bob"),
        },
        Command::Frame {
            conn: carol,
            frame: hello_frame("carol"),
        },
    ]);
    for conn in [bob, carol] {
        let outbox = hub.outboxes.get_mut(&conn).unwrap();
        let mut frames = Vec::new();
        while let Some(outgoing) = outbox.try_recv() {
            frames.push(outgoing);
        }
        match frames.as_slice() {
            [Outgoing::Frame(error), Outgoing::Close(code, _)] => {
                let error: ServerFrame = serde_json::from_str(error.as_str()).unwrap();
                assert!(
                    matches!(
                        error,
                        ServerFrame::Error {
                            code: ErrorCode::Internal,
                            ..
                        }
                    ),
                    "{error:?}"
                );
                assert_eq!(*code, chinwag_protocol::close_code::SERVER_ERROR);
            }
            other => panic!("expected an error and a close, got {other:?}"),
        }
    }
    // Nobody heard of them, and neither identity was stored.
    hub.batch([Command::Tick]);
    assert!(presence_frames(&hub.received(alice)).is_empty());
    for name in ["bob", "carol"] {
        let stored = hub
            .hub
            .store
            .user_named(&crate::names::user_name(name).unwrap())
            .unwrap();
        assert_eq!(stored, None, "{name}");
    }
}

#[test]
fn a_batchs_new_identities_are_committed_together_at_its_end_on_postgres() {
    let Some(mut hub) = TestHub::on(Kind::Postgres, &RateLimits::unlimited()) else {
        return;
    };
    let crate::store::Location::Postgres(url) = hub.location.clone() else {
        unreachable!()
    };
    let mut other = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    let mut stored = |name: &str| {
        other
            .query_opt("SELECT 1 FROM users WHERE name = $1", &[&name])
            .unwrap()
            .is_some()
    };
    let conns: Vec<ConnId> = (0..3).map(|_| hub.connect()).collect();
    for (conn, name) in conns.iter().zip(["bob", "carol", "dave"]) {
        hub.hub.handle(
            Command::Frame {
                conn: *conn,
                frame: hello_frame(name),
            },
            hub.now,
        );
    }
    // Written, in one transaction still open: nobody else sees them yet, nobody is welcomed.
    assert!(!stored("bob") && !stored("carol") && !stored("dave"));
    hub.hub.end_batch();
    assert!(stored("bob") && stored("carol") && stored("dave"));
    for conn in conns {
        let frames = hub.received(conn);
        assert!(
            matches!(frames.first(), Some(ServerFrame::Welcome { .. })),
            "connection {conn}: {frames:?}"
        );
    }
}
