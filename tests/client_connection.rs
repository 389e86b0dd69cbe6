//! The real client code (ewebsock `Connection` driving a `ChatState`) against the real server.

mod common;

use std::sync::mpsc;

use chinwag::client::connection::Connection;
use chinwag::client::state::{ChatState, Entry, Phase};
use chinwag::protocol::ServerFrame;
use common::{PATIENCE, RawClient, TestServer};

/// A client as the app runs it: a state, a connection, and a wake-up channel that tells the
/// test when a socket event arrived (as the app's repaint request would).
struct Client {
    state: ChatState,
    connection: Option<Connection>,
    url: String,
    wake_sender: mpsc::Sender<()>,
    woken: mpsc::Receiver<()>,
}

impl Client {
    fn new(url: &str, name: &str) -> Self {
        let (wake_sender, woken) = mpsc::channel();
        let mut state = ChatState::new("lobby", "test");
        state.join(name);
        Self {
            state,
            connection: None,
            url: url.to_owned(),
            wake_sender,
            woken,
        }
    }

    fn pump(&mut self) {
        let wake = self.wake_sender.clone();
        Connection::pump(
            &mut self.connection,
            &mut self.state,
            &self.url,
            move || {
                let _ = wake.send(());
            },
        );
    }

    /// Pumps on every socket event until `done` holds.
    fn pump_until(&mut self, what: &str, done: impl Fn(&ChatState) -> bool) {
        self.pump();
        while !done(&self.state) {
            self.woken.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!(
                    "timed out waiting for {what}; state: {:?}",
                    self.state.phase()
                )
            });
            self.pump();
        }
    }
}

fn texts(state: &ChatState) -> Vec<String> {
    state
        .timeline()
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.text.clone()),
            Entry::Presence { .. } => None,
        })
        .collect()
}

#[test]
fn the_real_client_joins_sends_and_receives() {
    let server = TestServer::start();
    let mut client = Client::new(&server.url(), "alice");
    client.pump_until("the welcome", |state| state.phase() == &Phase::Joined);

    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    client.pump_until("bob in the user list", |state| state.users().len() == 2);

    assert!(client.state.send("hello from ewebsock"));
    assert_eq!(client.state.pending().len(), 1, "shown as pending at once");
    client.pump_until("the ack", |state| state.pending().is_empty());
    let ServerFrame::Message(at_bob) = bob.recv_until(|f| matches!(f, ServerFrame::Message(_)))
    else {
        unreachable!()
    };
    assert_eq!(
        (at_bob.from.as_str(), at_bob.text.as_str()),
        ("alice", "hello from ewebsock")
    );

    bob.post("b1", "lobby", "hello from bob");
    client.pump_until("bob's message", |state| texts(state).len() == 2);
    assert_eq!(
        texts(&client.state),
        ["hello from ewebsock", "hello from bob"]
    );
}

#[test]
fn a_failed_connect_is_reported_and_nothing_typed_is_lost() {
    // Nobody listens on this port: bind to learn a free one, then close it.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut client = Client::new(&format!("ws://{free}/ws"), "alice");
    assert!(client.state.send("typed while offline"));
    client.pump_until("the connect failure", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    assert_eq!(client.state.pending().len(), 1);
    assert_eq!(client.state.pending()[0].text, "typed while offline");
}

#[test]
fn messages_queued_while_disconnected_are_delivered_after_reconnecting() {
    let mut server = TestServer::start();
    let mut client = Client::new(&server.url(), "alice");
    client.pump_until("the welcome", |state| state.phase() == &Phase::Joined);
    server.restart();
    client.pump_until("the disconnect", |state| {
        matches!(state.phase(), Phase::Disconnected { .. })
    });
    assert!(client.state.send("sent while the server was down"));
    client.url = server.url();
    client.state.retry();
    client.pump_until("delivery after rejoining", |state| {
        state.phase() == &Phase::Joined && state.pending().is_empty()
    });
    let (_bob, welcome) = RawClient::join(&server.url(), "bob", "lobby");
    let ServerFrame::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].text, "sent while the server was down");
}
