//! A raw protocol client: frames sent and read one by one over a blocking WebSocket, and the
//! hellos and answers tests build and take apart.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use chinwag_protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, RoomState, ServerFrame};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::PATIENCE;

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

/// The code of `frame` if it is an error frame.
pub fn error_code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

/// A raw protocol client over a blocking tungstenite socket.
pub struct RawClient {
    /// The socket, for tests that send or read WebSocket messages of their own.
    pub socket: WebSocket<MaybeTlsStream<TcpStream>>,
}

impl RawClient {
    /// Opens a WebSocket to `url` (no hello yet); reads give up after [`PATIENCE`].
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

    /// Sends `frame` as JSON text.
    pub fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).expect("frames serialise"));
    }

    /// Sends `text` as one text message, whatever it holds.
    pub fn send_text(&mut self, text: &str) {
        self.socket.send(Message::Text(text.into())).expect("send");
    }

    /// Sends the message `text` to `room` with the client's message `id`.
    pub fn post(&mut self, id: &str, room: &str, text: &str) {
        self.send(&ClientFrame::Send {
            attachment: None,
            id: id.into(),
            room: room.into(),
            text: text.into(),
            reply_to: None,
        });
    }

    /// The next protocol frame (pings are answered by tungstenite and skipped); panics if none
    /// comes within [`PATIENCE`].
    pub fn recv(&mut self) -> ServerFrame {
        self.recv_within(PATIENCE)
    }

    /// The next protocol frame (pings are answered by tungstenite and skipped); panics if none
    /// comes within `patience`.
    pub fn recv_within(&mut self, patience: Duration) -> ServerFrame {
        let give_up = Instant::now() + patience;
        if let MaybeTlsStream::Plain(stream) = self.socket.get_ref() {
            stream
                .set_read_timeout(Some(patience.max(PATIENCE)))
                .expect("read timeout");
        }
        loop {
            assert!(Instant::now() < give_up, "no frame arrived in time");
            let message = match self.socket.read() {
                // A signal (a child process of the test ending) interrupted the wait: wait on.
                Err(tungstenite::Error::Io(err))
                    if err.kind() == std::io::ErrorKind::Interrupted =>
                {
                    continue;
                }
                read => read.expect("a frame arrives in time"),
            };
            match message {
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

    /// Connects and says hello as `name` with `token`; returns the client and the answer (a
    /// welcome or an error frame).
    pub fn hello_as(url: &str, name: &str, token: &str) -> (Self, ServerFrame) {
        let mut client = Self::connect(url);
        client.send(&hello_with(name, token));
        let answer = client.recv();
        (client, answer)
    }

    /// The code of the next error frame (other frames are dropped).
    pub fn recv_error(&mut self) -> ErrorCode {
        let frame = self.recv_until(|frame| matches!(frame, ServerFrame::Error { .. }));
        error_code(&frame).expect("an error frame")
    }

    /// Every frame up to and including the first that `wanted` picks (which ends the list).
    pub fn recv_all_until(&mut self, wanted: impl Fn(&ServerFrame) -> bool) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        loop {
            let frame = self.recv();
            let last = wanted(&frame);
            frames.push(frame);
            if last {
                return frames;
            }
        }
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

/// Picks a presence frame that tells of `name` coming online (in any room).
pub fn came(name: &str) -> impl Fn(&ServerFrame) -> bool + '_ {
    move |frame| matches!(frame, ServerFrame::Presence { joined, .. } if joined.iter().any(|n| n == name))
}

/// Picks a presence frame that tells of `name` going offline (in any room).
pub fn went(name: &str) -> impl Fn(&ServerFrame) -> bool + '_ {
    move |frame| matches!(frame, ServerFrame::Presence { left, .. } if left.iter().any(|n| n == name))
}
