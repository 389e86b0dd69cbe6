//! Helpers shared by the integration tests: a real server on 127.0.0.1:0 and raw WebSocket
//! clients that speak the protocol frame by frame.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

pub mod window;

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chinwag::client::chat_client::ChatClient;
use chinwag::client::identity::Identities;
use chinwag::client::state::{ChatState, Entry};

use chinwag::protocol::{ClientFrame, PROTOCOL_VERSION, RoomState, ServerFrame};
use chinwag::server::limits::RateLimits;
use chinwag::server::{RunningServer, ServeOptions};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// How long a test waits for a frame before it fails (a guard against hangs, not a sleep).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A server on a free port with its own database in a temporary directory.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub db: PathBuf,
    options: ServeOptions,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// A server with the default options (and so the default rate limits).
    pub fn start() -> Self {
        Self::start_with(ServeOptions::default())
    }

    /// A server without rate limits, for tests that post hundreds of messages or page hundreds
    /// of times in a row on purpose (tests/server_limits.rs checks the limits).
    pub fn start_unlimited() -> Self {
        Self::start_with(ServeOptions {
            rate_limits: RateLimits::unlimited(),
            ..Default::default()
        })
    }

    /// A server with `options`; a restart keeps them.
    pub fn start_with(options: ServeOptions) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("chat.sqlite3");
        let server =
            RunningServer::start_with("127.0.0.1:0".parse().unwrap(), &db, options.clone())
                .expect("server starts");
        Self {
            server: Some(server),
            db,
            options,
            _dir: dir,
        }
    }

    /// The server's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.as_ref().expect("server running").addr()
    }

    pub fn url(&self) -> String {
        self.server.as_ref().expect("server running").ws_url()
    }

    /// Stops the server gracefully and starts a new one on the same database and port, so
    /// clients can reconnect to the URL they had.
    pub fn restart_on_same_port(&mut self) {
        let addr = self.stop();
        self.start_on(addr);
    }

    /// Stops the server gracefully; returns the address it had.
    pub fn stop(&mut self) -> std::net::SocketAddr {
        let running = self.server.take().expect("server running");
        let addr = running.addr();
        running.stop().expect("clean stop");
        addr
    }

    /// Starts the server again on `addr` with the same database.
    pub fn start_on(&mut self, addr: std::net::SocketAddr) {
        self.server = Some(
            RunningServer::start_with(addr, &self.db, self.options.clone())
                .expect("server restarts on its port"),
        );
    }

    /// Stops the server gracefully and starts a new one on the same database.
    pub fn restart(&mut self) {
        self.server
            .take()
            .expect("server running")
            .stop()
            .expect("clean stop");
        self.server = Some(
            RunningServer::start_with(
                "127.0.0.1:0".parse().unwrap(),
                &self.db,
                self.options.clone(),
            )
            .expect("server restarts"),
        );
    }
}

/// The identity token the test clients use for `name`.
pub fn token_of(name: &str) -> String {
    format!("test-identity-token-of-{name}")
}

/// A hello for `name` with its test token and no cursors.
pub fn hello(name: &str) -> ClientFrame {
    hello_with(name, &token_of(name))
}

/// A hello for `name` with `token`.
pub fn hello_with(name: &str, token: &str) -> ClientFrame {
    ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: name.into(),
        token: token.into(),
        since: vec![],
    }
}

/// The state of `room` in a welcome.
pub fn room_of(welcome: ServerFrame, room: &str) -> RoomState {
    match welcome {
        ServerFrame::Welcome { rooms, .. } => rooms
            .into_iter()
            .find(|state| state.room == room)
            .unwrap_or_else(|| panic!("the welcome has no {room}")),
        other => panic!("expected a welcome, got {other:?}"),
    }
}

/// A raw protocol client over a blocking tungstenite socket.
pub struct RawClient {
    pub socket: WebSocket<MaybeTlsStream<TcpStream>>,
}

impl RawClient {
    pub fn connect(url: &str) -> Self {
        let (socket, _) = tungstenite::connect(url).expect("websocket connects");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(PATIENCE))
                .expect("read timeout");
        }
        Self { socket }
    }

    /// Connects as `name` (with its test token) and joins `room`, creating it if needed;
    /// returns the client and the room's state.
    pub fn join(url: &str, name: &str, room: &str) -> (Self, RoomState) {
        let mut client = Self::connect(url);
        client.send(&hello(name));
        let welcome = client.recv();
        let ServerFrame::Welcome { rooms, .. } = welcome else {
            panic!("expected a welcome, got {welcome:?}");
        };
        if let Some(state) = rooms.into_iter().find(|state| state.room == room) {
            return (client, state);
        }
        client.send(&ClientFrame::Join {
            room: room.into(),
            create: true,
            last_seq: None,
        });
        let ServerFrame::Room(state) =
            client.recv_until(|frame| matches!(frame, ServerFrame::Room(_)))
        else {
            unreachable!()
        };
        (client, state)
    }

    pub fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).unwrap());
    }

    pub fn send_text(&mut self, text: &str) {
        self.socket.send(Message::Text(text.into())).expect("send");
    }

    pub fn post(&mut self, id: &str, room: &str, text: &str) {
        self.send(&ClientFrame::Send {
            id: id.into(),
            room: room.into(),
            text: text.into(),
        });
    }

    /// The next protocol frame (pings are answered by tungstenite and skipped); panics if none
    /// comes within [`PATIENCE`].
    pub fn recv(&mut self) -> ServerFrame {
        let give_up = Instant::now() + PATIENCE;
        loop {
            assert!(Instant::now() < give_up, "no frame arrived in time");
            match self.socket.read().expect("a frame arrives in time") {
                Message::Text(text) => {
                    return serde_json::from_str(&text).expect("valid server frame");
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Frames until one matches `wanted`, which is returned; the others are dropped.
    pub fn recv_until(&mut self, wanted: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.recv();
            if wanted(&frame) {
                return frame;
            }
        }
    }

    /// Reads until the server closes; returns the close code.
    pub fn recv_close(&mut self) -> Option<u16> {
        loop {
            match self.socket.read() {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => {}
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return None;
                }
                Err(err) => panic!("expected a close, got {err}"),
            }
        }
    }
}

/// A client as the app runs it: a [`ChatClient`] (a real `Link` over ewebsock, heartbeats,
/// reconnects, identity tokens in memory) with a wake-up channel that tells the test when a
/// socket event or a page arrived (as the app's repaint request would) and a monotonic clock.
/// It derefs to the `ChatClient`, for its state and actions.
pub struct LiveClient {
    client: ChatClient,
    started: Instant,
    woken: mpsc::Receiver<()>,
}

impl LiveClient {
    /// A client of the server at `url` that joins as `name` on its first pump.
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

    /// The same client with other heartbeat timings (seconds).
    pub fn with_heartbeat(self, ping_interval: f64, dead_after: f64) -> Self {
        Self {
            client: self.client.with_heartbeat(ping_interval, dead_after),
            ..self
        }
    }

    /// Seconds since the client was made (its clock).
    pub fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Pumps the client now.
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
pub fn lobby_messages(state: &ChatState) -> Vec<&chinwag::protocol::ChatMessage> {
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

/// The code of `frame` if it is an error frame.
pub fn error_code(frame: &ServerFrame) -> Option<chinwag::protocol::ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

impl RawClient {
    /// Connects and says hello as `name` with `token`; returns the client and the answer (a
    /// welcome or an error frame).
    pub fn hello_as(url: &str, name: &str, token: &str) -> (Self, ServerFrame) {
        let mut client = Self::connect(url);
        client.send(&hello_with(name, token));
        let answer = client.recv();
        (client, answer)
    }

    /// The code of the next error frame (other frames are dropped).
    pub fn recv_error(&mut self) -> chinwag::protocol::ErrorCode {
        let frame = self.recv_until(|frame| matches!(frame, ServerFrame::Error { .. }));
        error_code(&frame).unwrap()
    }

    /// A round trip through the hub: searches `room` (which the client must be in) and returns
    /// every frame that arrived before the answer. The hub handles frames in order, so whatever
    /// it sent this client for frames it handled earlier (from any client) is in the list.
    pub fn sync(&mut self, room: &str) -> Vec<ServerFrame> {
        self.send(&ClientFrame::Search {
            room: room.into(),
            query: "sync barrier".into(),
        });
        let mut before = Vec::new();
        loop {
            match self.recv() {
                ServerFrame::SearchResults { room: r, query, .. }
                    if r == room && query == "sync barrier" =>
                {
                    return before;
                }
                other => before.push(other),
            }
        }
    }
}

/// A plain HTTP/1.1 GET of `path` (with `Authorization: Bearer token` if given) from the server
/// at `addr`; returns the status and the body.
pub fn http_get(addr: std::net::SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let authorization = token.map_or_else(String::new, |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    http_request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}Connection: close\r\n\r\n"),
    )
}

/// Sends a raw HTTP request to `addr` and reads the whole answer; returns status and body.
pub fn http_request(addr: std::net::SocketAddr, request: &str) -> (u16, String) {
    let (status, _, body) = http_exchange(addr, request);
    (status, body)
}

/// Sends a raw HTTP request to `addr` and reads the whole answer; returns the status, the head
/// (status line and headers) and the body.
pub fn http_exchange(addr: std::net::SocketAddr, request: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(addr).expect("HTTP connects");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("read timeout");
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("answer read");
    let answer = String::from_utf8(answer).expect("UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("HTTP head and body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "chunked answers are not expected: {head}"
    );
    (status, head.to_owned(), body.to_owned())
}
