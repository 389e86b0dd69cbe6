//! The real client core (a `ChatState` driven by a real `Link`) as the app runs it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chinwag_client::link::Link;
use chinwag_client::state::{ChatState, Entry};
use chinwag_protocol::ChatMessage;

use crate::{PATIENCE, token_of};

/// A client as the app runs it: a `ChatState` driven by a real `Link` (ewebsock, heartbeats,
/// reconnects), with a wake-up channel that tells the test when a socket event arrived (as the
/// app's repaint request would) and a monotonic clock.
pub struct LiveClient {
    /// The client's state, as the app holds it.
    pub state: ChatState,
    /// The connection to the server, pumped by [`LiveClient::pump`].
    pub link: Link,
    started: Instant,
    wake_sender: mpsc::Sender<()>,
    woken: mpsc::Receiver<()>,
}

impl LiveClient {
    /// A client joining as `name` (with its test token) at `url`; it connects on the first pump.
    pub fn new(url: &str, name: &str) -> Self {
        let (wake_sender, woken) = mpsc::channel();
        let mut state = ChatState::new(format!("{name}-run"), token_of(name));
        state.join(name);
        Self {
            state,
            link: Link::new(url),
            started: Instant::now(),
            wake_sender,
            woken,
        }
    }

    /// Seconds since the client was made: the clock the link's deadlines use.
    pub fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Handles whatever the link has received and whatever is due now.
    pub fn pump(&mut self) {
        let wake = self.wake_sender.clone();
        let now = self.now();
        self.link.pump(&mut self.state, now, move || {
            let _ = wake.send(());
        });
    }

    /// Waits for the next socket event or the link's next deadline (reconnect, heartbeat),
    /// whichever comes first, then pumps. False if nothing happened within `patience`.
    pub fn wait_and_pump(&mut self, patience: Duration) -> bool {
        let deadline = self
            .link
            .next_deadline(&self.state, self.now())
            .map_or(patience, |seconds| {
                Duration::from_secs_f64(seconds).min(patience)
            });
        let woke = self.woken.recv_timeout(deadline).is_ok();
        // Drain further wake-ups: one pump handles every queued event.
        while self.woken.try_recv().is_ok() {}
        self.pump();
        woke || deadline < patience
    }

    /// Pumps on every socket event or deadline until `done` holds; panics after [`PATIENCE`].
    pub fn pump_until(&mut self, what: &str, done: impl Fn(&ChatState) -> bool) {
        let give_up = Instant::now() + PATIENCE;
        self.pump();
        while !done(&self.state) {
            assert!(
                Instant::now() < give_up,
                "timed out waiting for {what}; phase {:?}",
                self.state.phase()
            );
            self.wait_and_pump(PATIENCE);
        }
    }

    /// The texts of the stored messages, in timeline order.
    pub fn texts(&self) -> Vec<String> {
        texts(&self.state)
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
