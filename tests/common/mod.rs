//! Helpers shared by the integration tests: a real server on 127.0.0.1:0 and raw WebSocket
//! clients that speak the protocol frame by frame.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use chinwag::protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use chinwag::server::RunningServer;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// How long a test waits for a frame before it fails (a guard against hangs, not a sleep).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A server on a free port with its own database in a temporary directory.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub db: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("chat.sqlite3");
        let server =
            RunningServer::start("127.0.0.1:0".parse().unwrap(), &db).expect("server starts");
        Self {
            server: Some(server),
            db,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().expect("server running").ws_url()
    }

    /// Stops the server gracefully and starts a new one on the same database.
    pub fn restart(&mut self) {
        self.server
            .take()
            .expect("server running")
            .stop()
            .expect("clean stop");
        self.server = Some(
            RunningServer::start("127.0.0.1:0".parse().unwrap(), &self.db)
                .expect("server restarts"),
        );
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

    /// Connects and joins `room` as `name`; returns the client and its welcome.
    pub fn join(url: &str, name: &str, room: &str) -> (Self, ServerFrame) {
        let mut client = Self::connect(url);
        client.send(&ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: name.into(),
            room: room.into(),
        });
        let welcome = client.recv();
        assert!(
            matches!(welcome, ServerFrame::Welcome { .. }),
            "expected a welcome, got {welcome:?}"
        );
        (client, welcome)
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

    /// The next protocol frame (pings are answered by tungstenite and skipped).
    pub fn recv(&mut self) -> ServerFrame {
        loop {
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
