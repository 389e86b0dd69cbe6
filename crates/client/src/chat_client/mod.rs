//! [`ChatClient`]: the whole client without a UI, one object for the app and the tests.
//!
//! It owns the [`ChatState`] (what the client knows), the [`Link`] (the socket kept up), the
//! [`Identities`] (one token per server and name) and the paging of older history over HTTP.
//! Its owner calls [`ChatClient::pump`] whenever the wake-up callback fired or the deadline
//! `pump` returned has passed; between pumps it reads and changes the state freely (the user's
//! actions queue frames that the next pump sends).

mod paging;
#[cfg(test)]
mod tests;
mod uploads;

use std::sync::Arc;

use crate::download::Download;
use crate::error::ClientError;
use crate::identity::Identities;
use crate::link::Link;
use crate::state::{ChatState, Phase};
use paging::Paging;
use uploads::Uploads;

/// What the owner of a client wants called when something arrived for a pump to handle (a
/// socket event, a page of history): the app's repaint request. Called from other threads.
type WakeUp = Arc<dyn Fn() + Send + Sync>;

/// A chat client: state, connection, identity tokens and history paging, driven by
/// [`Self::pump`].
pub struct ChatClient {
    state: ChatState,
    link: Link,
    identities: Identities,
    /// The name whose identity token the state says hello with: the name joined as, and after a
    /// rename the server confirmed, the new one. Empty before joining.
    identity_name: String,
    paging: Paging,
    uploads: Uploads,
    wake_up: WakeUp,
}

impl ChatClient {
    /// A client for the server at `url` (a `ws://` or `wss://` URL) keeping its identity tokens
    /// in `identities`; `wake_up` is called (from other threads) whenever a socket event or a
    /// page of history arrived. It connects on the first pump after [`Self::join`].
    pub fn new(
        url: impl Into<String>,
        identities: Identities,
        wake_up: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        Self {
            state: ChatState::new(message_id_prefix(), String::new()),
            link: Link::new(url),
            identities,
            identity_name: String::new(),
            paging: Paging::default(),
            uploads: Uploads::default(),
            wake_up: Arc::new(wake_up),
        }
    }

    /// The same client with other heartbeat timings (seconds), e.g. for a test that cannot wait
    /// the default [`crate::link::DEAD_AFTER`].
    pub fn with_heartbeat(mut self, ping_interval: f64, dead_after: f64) -> Self {
        self.link = Link::new(self.link.url()).with_heartbeat(ping_interval, dead_after);
        self
    }

    /// What the client knows: rooms, messages, phase, errors.
    pub fn state(&self) -> &ChatState {
        &self.state
    }

    /// The state, for the user's actions (send, switch rooms, search…); what they queue goes out
    /// on the next pump.
    pub fn state_mut(&mut self) -> &mut ChatState {
        &mut self.state
    }

    /// The server URL.
    pub fn url(&self) -> &str {
        self.link.url()
    }

    /// Points the client at another server before it joins (the join screen's URL field); takes
    /// effect on the next connect. To leave a server the client is in, see
    /// [`Self::change_server`].
    pub fn set_url(&mut self, url: impl Into<String>) {
        self.link.set_url(url);
    }

    /// Joins as `name` (trimmed) with that name's identity token on this server, created on first
    /// use. Returns false (and changes nothing) for an empty name.
    pub fn join(&mut self, name: &str) -> bool {
        let name = name.trim();
        if name.is_empty() {
            return false;
        }
        self.state
            .set_token(self.identities.token_for(self.link.url(), name));
        self.identity_name = name.to_owned();
        self.state.join(name)
    }

    /// Starts over on the server at `url` as the same name: its own rooms, history and identity
    /// token. Nothing of the old server is kept (what it said means nothing on the new one).
    pub fn change_server(&mut self, url: impl Into<String>) {
        self.link.start_over(url);
        self.state = ChatState::new(message_id_prefix(), String::new());
        self.paging = Paging::default();
        self.uploads = Uploads::default();
        let name = std::mem::take(&mut self.identity_name);
        self.join(&name);
    }

    /// Does all the client's I/O at time `now` (seconds on a monotonic clock): connects or
    /// reconnects when due, hands every socket event to the state, sends what the state queued
    /// and the heartbeat, puts a page of history that arrived in front of its room, moves
    /// uploads along, and moves the identity token along with a rename the server confirmed.
    /// Never blocks.
    ///
    /// Returns the seconds until the client must be pumped again even if the wake-up does not
    /// fire (see [`Self::next_deadline`]).
    pub fn pump(&mut self, now: f64) -> Option<f64> {
        self.paging.take_arrived(&mut self.state);
        self.pump_socket(now)
    }

    /// [`Self::pump`] without taking in a page of history that arrived: it waits for the next
    /// `pump`. A UI pumps this way before it draws and with `pump` after, so that a page goes in
    /// only after a frame showed it loading.
    pub fn pump_socket(&mut self, now: f64) -> Option<f64> {
        // Answers first, so that a message whose file is now stored goes out with this pump.
        self.uploads.take_answers(&mut self.state);
        let wake_up = Arc::clone(&self.wake_up);
        self.link.pump(&mut self.state, now, move || wake_up());
        self.follow_rename();
        let wake_up = Arc::clone(&self.wake_up);
        self.uploads
            .start_requests(&mut self.state, self.link.url(), &move || wake_up());
        self.next_deadline(now)
    }

    /// Seconds from `now` until a pump is due even if the wake-up does not fire (a reconnect, a
    /// heartbeat, the end of a pause in sending), or `None` when only the wake-up can bring
    /// anything new.
    pub fn next_deadline(&self, now: f64) -> Option<f64> {
        match (
            self.link.next_deadline(&self.state, now),
            self.state.next_upload_in(),
        ) {
            (Some(link), Some(upload)) => Some(link.min(upload)),
            (link, upload) => link.or(upload),
        }
    }

    /// Starts fetching the file `hash` of `room` (its thumbnail if `thumbnail`) as this
    /// client's identity; the wake-up is called when it is in.
    pub fn download(&self, room: &str, hash: &str, thumbnail: bool) -> Download {
        let wake_up = Arc::clone(&self.wake_up);
        Download::start(
            self.link.url(),
            self.state.token(),
            room,
            hash,
            thumbnail,
            move || wake_up(),
        )
    }

    /// Seconds until the next automatic reconnect attempt, if one is scheduled.
    pub fn reconnect_in(&self, now: f64) -> Option<f64> {
        self.link.reconnect_in(now)
    }

    /// The user closes the connection; no reconnecting until they ask.
    pub fn disconnect(&mut self) {
        self.link.disconnect(&mut self.state);
    }

    /// The user does not want to wait for the next reconnect attempt.
    pub fn reconnect_now(&mut self) {
        self.link.reconnect_now(&mut self.state);
    }

    /// Asks the server for the page before the oldest message of the current room: a normal
    /// page, or, when `jump_target` (a message to bring into view) is older still, enough to
    /// reach it. Does nothing while a page is loading, after a failed page (until
    /// [`Self::retry_paging`]) or when the room has nothing older.
    pub fn load_older(&mut self, jump_target: Option<u64>) {
        let wake_up = Arc::clone(&self.wake_up);
        self.paging
            .load_older(&self.state, self.link.url(), jump_target, move || wake_up());
    }

    /// Loads older history of the current room if the message `target` is older than what is
    /// loaded (a search result to jump to); call it until it is in.
    pub fn load_back_to(&mut self, target: u64) {
        let behind = self
            .state
            .current()
            .and_then(|room| room.oldest_seq())
            .is_some_and(|oldest| target < oldest);
        if behind {
            self.load_older(Some(target));
        }
    }

    /// Whether a page of older history is on its way.
    pub fn loading_older(&self) -> bool {
        self.paging.is_loading()
    }

    /// Why the last page of older history could not be loaded; no page is asked for while it is
    /// set.
    pub fn paging_error(&self) -> Option<&ClientError> {
        self.paging.error()
    }

    /// Forgets the paging error: the next [`Self::load_older`] asks again.
    pub fn retry_paging(&mut self) {
        self.paging.retry();
    }

    /// Once the server confirms a new name, the name's identity token follows it.
    fn follow_rename(&mut self) {
        let held = self.state.name();
        if self.state.phase() == &Phase::Joined && held != self.identity_name {
            self.identities
                .renamed(self.link.url(), &self.identity_name, held);
            self.identity_name = held.to_owned();
        }
    }
}

/// A per-run prefix for message ids (the wall-clock milliseconds, in hex), so ids never repeat
/// across runs of one user.
fn message_id_prefix() -> String {
    let millis = web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis());
    format!("{millis:x}")
}
