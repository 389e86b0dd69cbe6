use std::sync::mpsc;

use chinwag_protocol::{
    ChatMessage, ErrorCode, PROTOCOL_VERSION, Rejection, RoomKind, RoomState, ServerFrame,
};

use super::*;

/// Nobody listens here: the offline tests never get a socket.
const NOWHERE: &str = "ws://127.0.0.1:1/ws";

fn offline_client() -> ChatClient {
    ChatClient::new(NOWHERE, Identities::Memory(Default::default()), || {})
}

/// A lobby whose history starts at `first_seq` (so older messages exist before it).
fn lobby_from(first_seq: u64) -> RoomState {
    RoomState {
        room: "lobby".into(),
        kind: RoomKind::Public,
        topic: String::new(),
        peer: None,
        users: vec!["alice".into()],
        online: 1,
        history: vec![ChatMessage {
            attachment: None,
            room: "lobby".into(),
            seq: first_seq,
            id: "m".into(),
            from: "alice".into(),
            time: 1_700_000_000_000,
            text: "hello".into(),
            edited: None,
            deleted: false,
            reply_to: None,
            reactions: Vec::new(),
        }],
        skipped: 0,
        last_read: 0,
        unread: 0,
        mentions: 0,
        seen: Vec::new(),
    }
}

/// The client as if its socket opened and the server welcomed `name` into a lobby whose
/// history starts at `first_seq`.
fn welcomed(client: &mut ChatClient, name: &str, first_seq: u64) {
    let state = client.state_mut();
    state.connecting();
    state.opened();
    state.apply(ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name: name.into(),
        rooms: vec![lobby_from(first_seq)],
        more_rooms: 0,
        epoch: None,
    });
}

#[test]
fn joining_uses_the_names_own_token_and_an_empty_name_changes_nothing() {
    let mut client = offline_client();
    assert!(!client.join("   "));
    assert_eq!(client.state().phase(), &Phase::Idle);
    assert!(client.join(" alice "));
    assert_eq!(client.state().name(), "alice");
    let alice = client.identities.token_for(NOWHERE, "alice");
    assert_eq!(client.state().token(), alice, "the token kept for the name");
}

#[test]
fn a_confirmed_rename_moves_the_identity_token_to_the_new_name() {
    let mut client = offline_client();
    client.join("alice");
    let token = client.state().token().to_owned();
    welcomed(&mut client, "alice", 1);
    client.state_mut().apply(ServerFrame::Renamed {
        room: "lobby".into(),
        from: "alice".into(),
        to: "al".into(),
    });
    client.pump(0.0);
    assert_eq!(client.identities.token_for(NOWHERE, "al"), token);
    assert_ne!(
        client.identities.token_for(NOWHERE, "alice"),
        token,
        "the old name no longer holds it"
    );
}

#[test]
fn changing_server_keeps_the_name_and_nothing_else() {
    let mut client = offline_client();
    client.join("alice");
    let here = client.state().token().to_owned();
    welcomed(&mut client, "alice", 1);
    let elsewhere = "ws://127.0.0.1:2/ws";
    client.change_server(elsewhere);
    assert_eq!(client.url(), elsewhere);
    assert_eq!(client.state().name(), "alice");
    assert_eq!(
        client.state().phase(),
        &Phase::Idle,
        "connects on the next pump"
    );
    assert_eq!(
        client.state().rooms().count(),
        0,
        "no rooms of the old server"
    );
    assert_ne!(client.state().token(), here, "that server's own token");
    let kept = client.identities.token_for(elsewhere, "alice");
    assert_eq!(client.state().token(), kept);
}

#[test]
fn a_refused_page_is_kept_as_the_servers_rejection_until_retried() {
    let server = chinwag_testkit::TestServer::start();
    let (woken, wait) = mpsc::channel();
    let mut client = ChatClient::new(
        server.url(),
        Identities::Memory(Default::default()),
        move || {
            let _ = woken.send(());
        },
    );
    // A token the server never saw asks for history: refused as invalid_token.
    client.join("alice");
    welcomed(&mut client, "alice", 5);
    client.load_older(None);
    assert!(client.loading_older());
    wait.recv_timeout(chinwag_testkit::PATIENCE)
        .expect("the answer wakes the client");
    client.pump_socket(0.0);
    assert!(client.loading_older(), "pump_socket leaves the page out");
    client.pump(0.0);
    assert!(!client.loading_older());
    let error = client.paging_error().expect("the page failed");
    assert!(
        matches!(
            error,
            ClientError::Refused(Rejection {
                code: ErrorCode::InvalidToken,
                ..
            })
        ),
        "{error:?}"
    );
    client.load_older(None);
    assert!(!client.loading_older(), "no asking again before a retry");
    client.retry_paging();
    client.load_older(None);
    assert!(client.loading_older(), "asked again");
}
