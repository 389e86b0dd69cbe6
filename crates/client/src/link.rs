//! [`Link`]: keeps a [`Connection`] to the server alive for a [`ChatState`].
//!
//! [`Link::pump`] is the whole client loop, run once per frame: it tells the state the time,
//! opens a socket when the state wants one, feeds the state every socket event, sends what the
//! state queued (only once the socket reports open: the web backend drops earlier sends), sends
//! heartbeats and declares the connection dead when the server goes quiet, and after any
//! disconnect reconnects by itself with exponential backoff and jitter. Time comes in as an
//! argument (seconds, monotonic), so the whole policy is testable without a clock.

use crate::connection::{Connection, ConnectionEvent};
use crate::random;
use crate::state::{ChatState, Phase};
use chinwag_protocol::{ClientFrame, ServerFrame};

/// Seconds between heartbeats while connected.
pub const PING_INTERVAL: f64 = 10.0;
/// Seconds of silence from the server after which the connection is presumed dead.
pub const DEAD_AFTER: f64 = 30.0;
/// First reconnect delay, in seconds; it doubles with each failed attempt.
const FIRST_DELAY: f64 = 0.5;
/// Longest reconnect delay, in seconds.
const MAX_DELAY: f64 = 10.0;

/// Reconnect delays: 0.5 s doubling to 10 s, each scaled by a random factor in [0.5, 1) so many
/// clients dropped at once do not come back at the same instant.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The delay before the next attempt, given a random `jitter` in [0, 1).
    pub fn next_delay(&mut self, jitter: f64) -> f64 {
        let base = (FIRST_DELAY * 2f64.powi(self.failures.min(16) as i32)).min(MAX_DELAY);
        self.failures += 1;
        base * (0.5 + 0.5 * jitter)
    }

    /// A connection succeeded: start from the shortest delay again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// The client's connection manager.
pub struct Link {
    url: String,
    connection: Option<Connection>,
    backoff: Backoff,
    retry_at: Option<f64>,
    last_heard: f64,
    last_ping: f64,
    ping_interval: f64,
    dead_after: f64,
}

impl Link {
    /// A link to the server at `url`; it connects on the first pump where the state wants to.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            connection: None,
            backoff: Backoff::default(),
            retry_at: None,
            last_heard: 0.0,
            last_ping: 0.0,
            ping_interval: PING_INTERVAL,
            dead_after: DEAD_AFTER,
        }
    }

    /// The same link with other heartbeat timings (seconds), e.g. for a test that cannot wait
    /// the default [`DEAD_AFTER`].
    pub fn with_heartbeat(mut self, ping_interval: f64, dead_after: f64) -> Self {
        self.ping_interval = ping_interval;
        self.dead_after = dead_after;
        self
    }

    /// The server URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Points the link at another server; takes effect on the next connect.
    pub fn set_url(&mut self, url: impl Into<String>) {
        self.url = url.into();
    }

    /// Starts over with the server at `url`: the current connection, a scheduled reconnect and
    /// the backoff are dropped; the heartbeat timings stay.
    pub fn start_over(&mut self, url: impl Into<String>) {
        *self = Self::new(url).with_heartbeat(self.ping_interval, self.dead_after);
    }

    /// Runs the client one step at time `now` (seconds); `wake_up` is called from the socket's
    /// thread on every socket event.
    pub fn pump(
        &mut self,
        state: &mut ChatState,
        now: f64,
        wake_up: impl Fn() + Send + Sync + 'static,
    ) {
        state.tick(now);
        if self.connection.is_none() {
            if self.retry_at.is_some_and(|at| now >= at) {
                self.retry_at = None;
                state.retry();
            }
            if state.wants_connection() {
                self.connect(state, now, wake_up);
            }
        }
        let Some(connection) = &mut self.connection else {
            return;
        };
        for event in connection.poll() {
            self.last_heard = now;
            match event {
                ConnectionEvent::Opened => {
                    self.last_ping = now;
                    state.opened();
                }
                ConnectionEvent::Frame(frame) => {
                    if matches!(*frame, ServerFrame::Welcome { .. }) {
                        self.backoff.reset();
                    }
                    state.apply(*frame);
                }
                ConnectionEvent::Closed(reason) => {
                    self.lost(state, now, reason);
                    return;
                }
            }
        }
        if !connection.is_open() {
            return;
        }
        if now - self.last_heard > self.dead_after {
            let silence = self.dead_after;
            self.lost(
                state,
                now,
                format!("no answer from the server for {silence:.0} s"),
            );
            return;
        }
        if now - self.last_ping >= self.ping_interval {
            self.last_ping = now;
            connection.send(&ClientFrame::Ping);
        }
        for frame in state.take_outgoing() {
            connection.send(&frame);
        }
    }

    /// The user closes the connection; no reconnecting until they ask.
    pub fn disconnect(&mut self, state: &mut ChatState) {
        self.connection = None;
        self.retry_at = None;
        state.closed("you disconnected");
    }

    /// The user does not want to wait for the backoff.
    pub fn reconnect_now(&mut self, state: &mut ChatState) {
        self.retry_at = None;
        self.backoff.reset();
        state.retry();
    }

    /// Seconds until the next automatic reconnect attempt, if one is scheduled.
    pub fn reconnect_in(&self, now: f64) -> Option<f64> {
        self.retry_at.map(|at| (at - now).max(0.0))
    }

    /// Seconds until `pump` must run again even if no socket event arrives (a reconnect, a
    /// heartbeat or the end of a pause in sending is due), or `None` when only socket events can
    /// change anything.
    pub fn next_deadline(&self, state: &ChatState, now: f64) -> Option<f64> {
        let link = match &self.connection {
            Some(connection) if connection.is_open() => {
                let ping = self.last_ping + self.ping_interval;
                let dead = self.last_heard + self.dead_after;
                Some((ping.min(dead) - now).max(0.0))
            }
            Some(_) => None,
            None => self.reconnect_in(now),
        };
        match (link, state.sending_paused_for()) {
            (Some(link), Some(paused)) => Some(link.min(paused)),
            (link, paused) => link.or(paused),
        }
    }

    fn connect(
        &mut self,
        state: &mut ChatState,
        now: f64,
        wake_up: impl Fn() + Send + Sync + 'static,
    ) {
        state.connecting();
        match Connection::open(&self.url, wake_up) {
            Ok(connection) => {
                self.connection = Some(connection);
                self.last_heard = now;
            }
            Err(error) => self.lost(state, now, error.to_string()),
        }
    }

    /// The connection is gone: tell the state and schedule a reconnect if that makes sense.
    fn lost(&mut self, state: &mut ChatState, now: f64, reason: String) {
        self.connection = None;
        state.closed(reason);
        self.retry_at = (state.may_reconnect()
            && matches!(state.phase(), Phase::Disconnected { .. }))
        .then(|| now + self.backoff.next_delay(random::fraction()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap_with_jitter() {
        let mut backoff = Backoff::default();
        let full: Vec<f64> = (0..7).map(|_| backoff.next_delay(0.999_999)).collect();
        let expected = [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0];
        for (delay, expected) in full.iter().zip(expected) {
            assert!((delay - expected).abs() < 1e-3, "{full:?}");
        }
        backoff.reset();
        assert!(
            (backoff.next_delay(0.0) - 0.25).abs() < 1e-9,
            "half the base at zero jitter"
        );
    }

    #[test]
    fn a_failed_connect_schedules_a_retry_and_the_user_can_skip_the_wait() {
        let free = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let mut link = Link::new(format!("ws://{free}/ws"));
        let mut state = ChatState::new("t", "secret-token-0001");
        state.join("alice");
        let (woken, wait) = std::sync::mpsc::channel();
        link.pump(&mut state, 0.0, move || {
            let _ = woken.send(());
        });
        wait.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the connect fails");
        link.pump(&mut state, 0.1, || {});
        assert!(matches!(state.phase(), Phase::Disconnected { .. }));
        let wait = link.reconnect_in(0.1).expect("a retry is scheduled");
        assert!((0.15..=0.5).contains(&wait), "first delay {wait}");
        link.reconnect_now(&mut state);
        assert_eq!(link.reconnect_in(0.1), None);
        assert!(state.wants_connection(), "skipping the wait asks for a connection");
        // The next pump connects at once; on loopback that attempt may already have failed by
        // the time the pump polls, so wait for its outcome instead of looking in between.
        let (woken, wait) = std::sync::mpsc::channel();
        link.pump(&mut state, 0.2, move || {
            let _ = woken.send(());
        });
        assert!(!state.wants_connection(), "the pump started a new attempt");
        wait.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the second connect fails too");
        link.pump(&mut state, 0.3, || {});
        assert!(matches!(state.phase(), Phase::Disconnected { .. }));
        assert!(link.reconnect_in(0.3).is_some(), "and schedules the next retry");
    }

    #[test]
    fn a_manual_disconnect_does_not_reconnect() {
        let mut link = Link::new("ws://127.0.0.1:1/ws");
        let mut state = ChatState::new("t", "secret-token-0001");
        state.join("alice");
        link.disconnect(&mut state);
        assert_eq!(link.reconnect_in(0.0), None);
        link.pump(&mut state, 100.0, || {});
        assert!(matches!(state.phase(), Phase::Disconnected { .. }));
    }
}
