//! A crowd over real sockets: the exact online count, a room state that lists only the first
//! names, and pages of the rest.

use chinwag_protocol::{ClientFrame, MEMBER_PAGE, ServerFrame};
use chinwag_testkit::{RawClient, StoreKind, TestServer, unlimited};

fn a_crowd_counts_everyone_lists_a_page_and_pages_the_rest_on_demand(store: StoreKind) {
    let crowd = MEMBER_PAGE + 50;
    let server = TestServer::start_on_store(store, unlimited());
    let mut clients = Vec::new();
    let mut last_state = None;
    for n in 0..crowd {
        let (client, state) = RawClient::join(&server.url(), &format!("m{n:03}"), "lobby");
        clients.push(client);
        last_state = Some(state);
    }
    let state = last_state.unwrap();
    assert_eq!(state.online, crowd as u64);
    assert_eq!(state.users.len(), MEMBER_PAGE);

    // The first one in hears the count of everyone (at a presence tick).
    let first = &mut clients[0];
    first.recv_until(
        |frame| matches!(frame, ServerFrame::Presence { online, .. } if *online == crowd as u64),
    );

    // The names come in pages, each sorted after the last.
    let mut names = Vec::new();
    let mut after = None;
    loop {
        first.send(&ClientFrame::Members {
            room: "lobby".into(),
            after: after.clone(),
        });
        let ServerFrame::Members {
            users,
            more,
            online,
            ..
        } = first.recv_until(|frame| matches!(frame, ServerFrame::Members { .. }))
        else {
            unreachable!()
        };
        assert_eq!(online, crowd as u64);
        after = users.last().cloned();
        names.extend(users);
        if !more {
            break;
        }
    }
    let expected: Vec<String> = (0..crowd).map(|n| format!("m{n:03}")).collect();
    assert_eq!(names, expected);

    // One goes: everyone left hears the new count.
    clients.pop();
    clients[1].recv_until(|frame| {
        matches!(frame, ServerFrame::Presence { online, .. } if *online == crowd as u64 - 1)
    });
}

chinwag_testkit::on_both_stores!(a_crowd_counts_everyone_lists_a_page_and_pages_the_rest_on_demand);
