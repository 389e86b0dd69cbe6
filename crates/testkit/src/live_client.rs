//! The real client core (a `ChatClient`) as the app runs it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chinwag_client::chat_client::ChatClient;
use chinwag_client::identity::Identities;
use chinwag_client::state::{ChatState, Entry};
use chinwag_protocol::ChatMessage;

use crate::PATIENCE;

/// A client as the app runs it: a [`ChatClient`] (a real `Link` over ewebsock, heartbeats,
/// reconnects, history paging; identity tokens in memory, so not [`crate::token_of`]'s) with a
/// wake-up channel that tells the test when a socket event or a page arrived (as the app's
/// repaint request would) and a monotonic clock. It derefs to the `ChatClient`, for its state
/// and actions.
pub struct LiveClient {
    client: ChatClient,
    started: Instant,
    woken: mpsc::Receiver<()>,
}

impl LiveClient {
    /// A client joining as `name` at `url`; it connects on the first pump.
    pub fn new(url: &str, name: &str) -> Self {
        let (wake_sender, woken) = mpsc::channel();
        let mut client = ChatClient::new(url, Identities::Memory(Default::default()), move || {
            let _ = wake_sender.send(());
        });
        client.join(name);
        Self {
            client,
            started: Instant::now(),
            woken,
        }
    }

    /// The same client with other heartbeat timings (seconds), e.g. to notice a silent
    /// connection quickly.
    pub fn with_heartbeat(self, ping_interval: f64, dead_after: f64) -> Self {
        Self {
            client: self.client.with_heartbeat(ping_interval, dead_after),
            ..self
        }
    }

    /// Seconds since the client was made: the clock the client's deadlines use.
    pub fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Handles whatever the client has received and whatever is due now.
    pub fn pump(&mut self) {
        let now = self.now();
        self.client.pump(now);
    }

    /// Waits for the next wake-up or the client's next deadline (reconnect, heartbeat),
    /// whichever comes first, then pumps. False if nothing happened within `patience`.
    pub fn wait_and_pump(&mut self, patience: Duration) -> bool {
        let deadline = self
            .client
            .next_deadline(self.now())
            .map_or(patience, |seconds| {
                Duration::from_secs_f64(seconds).min(patience)
            });
        let woke = self.woken.recv_timeout(deadline).is_ok();
        // Drain further wake-ups: one pump handles every queued event.
        while self.woken.try_recv().is_ok() {}
        self.pump();
        woke || deadline < patience
    }

    /// Pumps on every wake-up or deadline until `done` holds; panics after [`PATIENCE`].
    pub fn pump_until(&mut self, what: &str, done: impl Fn(&ChatState) -> bool) {
        let give_up = Instant::now() + PATIENCE;
        self.pump();
        while !done(self.client.state()) {
            assert!(
                Instant::now() < give_up,
                "timed out waiting for {what}; phase {:?}",
                self.client.state().phase()
            );
            self.wait_and_pump(PATIENCE);
        }
    }

    /// The texts of the stored messages, in timeline order.
    pub fn texts(&self) -> Vec<String> {
        texts(self.client.state())
    }
}

impl std::ops::Deref for LiveClient {
    type Target = ChatClient;

    fn deref(&self) -> &ChatClient {
        &self.client
    }
}

impl std::ops::DerefMut for LiveClient {
    fn deref_mut(&mut self) -> &mut ChatClient {
        &mut self.client
    }
}

/// The stored messages in the lobby of `state`, in timeline order.
pub fn lobby_messages(state: &ChatState) -> Vec<&ChatMessage> {
    state
        .room("lobby")
        .map(|room| room.timeline())
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message),
            _ => None,
        })
        .collect()
}

/// The texts of the stored messages in the lobby of `state`, in timeline order.
pub fn texts(state: &ChatState) -> Vec<String> {
    lobby_messages(state)
        .iter()
        .map(|message| message.text.clone())
        .collect()
}
