//! The server's doors: which pages and host names it answers (Origin and Host checks), how many
//! connections it holds and from whom (503 over a cap), how long a connection may take to say
//! its headers (slowloris) and its hello, and how it closes (1007, the close handshake).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use chinwag_protocol::{ClientFrame, ErrorCode, ServerFrame, close_code};
use chinwag_server::connections::ConnectionLimits;
use chinwag_server::{RunningServer, ServeOptions};
use chinwag_testkit::{PATIENCE, RawClient, hello};
use tungstenite::Message;
use tungstenite::client::IntoClientRequest as _;
use tungstenite::http::{HeaderName, HeaderValue};
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::stream::MaybeTlsStream;

/// A server on 127.0.0.1:0 with `options`, and the directory of its database.
fn start(options: ServeOptions) -> (RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = RunningServer::start_with(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("chat.sqlite3"),
        options,
    )
    .expect("server starts");
    (server, dir)
}

/// A server whose connection limits are `limits`.
fn start_with_limits(limits: ConnectionLimits) -> (RunningServer, tempfile::TempDir) {
    start(ServeOptions {
        connections: limits,
        ..Default::default()
    })
}

/// A refused WebSocket handshake: the HTTP status and body.
#[derive(Debug)]
struct Refused {
    status: u16,
    body: String,
}

/// Opens a WebSocket to `url` with extra request `headers` (which replace tungstenite's own,
/// `Host` included).
fn handshake(url: &str, headers: &[(&str, &str)]) -> Result<RawClient, Refused> {
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    match tungstenite::connect(request) {
        Ok((socket, _)) => Ok(with_patience(socket)),
        Err(tungstenite::Error::Http(response)) => Err(refused(&response)),
        Err(err) => panic!("expected a WebSocket or an HTTP refusal, got {err}"),
    }
}

fn refused(response: &tungstenite::http::Response<Option<Vec<u8>>>) -> Refused {
    Refused {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).into(),
    }
}

fn with_patience(socket: tungstenite::WebSocket<MaybeTlsStream<TcpStream>>) -> RawClient {
    if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
    }
    RawClient { socket }
}

/// Opens a WebSocket to the server at `addr` from the local address `source` (any 127.x.x.x
/// reaches a server on 127.0.0.1, so tests can play several client machines).
fn connect_from(source: &str, addr: SocketAddr) -> Result<RawClient, Refused> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let source: SocketAddr = format!("{source}:0").parse().unwrap();
    socket
        .bind(&source.into())
        .expect("bind the source address");
    socket.connect(&addr.into()).expect("TCP connects");
    let stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    match tungstenite::client(format!("ws://{addr}/ws"), MaybeTlsStream::Plain(stream)) {
        Ok((socket, _)) => Ok(RawClient { socket }),
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            Err(refused(&response))
        }
        Err(err) => panic!("expected a WebSocket or an HTTP refusal, got {err}"),
    }
}

/// Says hello as `name` and expects the welcome.
fn welcome(client: &mut RawClient, name: &str) {
    client.send(&hello(name));
    assert!(matches!(client.recv(), ServerFrame::Welcome { .. }));
}

/// A ping answered (after whatever presence frames came first): the connection still works.
fn assert_alive(client: &mut RawClient) {
    client.send(&ClientFrame::Ping);
    client.recv_until(|frame| *frame == ServerFrame::Pong);
}

/// Closes `client` and waits until the server has closed the TCP connection too.
fn close_and_wait(mut client: RawClient) {
    client.socket.close(None).unwrap();
    while client.socket.read().is_ok() {}
    if let MaybeTlsStream::Plain(stream) = client.socket.get_mut() {
        let mut rest = [0u8; 64];
        while matches!(stream.read(&mut rest), Ok(n) if n > 0) {}
    }
}

// ---- Origin and Host ----

#[test]
fn pages_from_another_origin_and_null_origins_are_refused_with_403() {
    let (server, _dir) = start(ServeOptions::default());
    for origin in [
        "https://evil.example",
        "null",
        "http://127.0.0.1.evil.example",
    ] {
        let refusal = handshake(&server.ws_url(), &[("Origin", origin)])
            .err()
            .unwrap_or_else(|| panic!("a page from {origin} was let in"));
        assert_eq!(refusal.status, 403);
        assert!(
            refusal.body.contains("may not use this server"),
            "{}",
            refusal.body
        );
    }
    let addr = server.addr();
    let (status, body) = chinwag_testkit::http_request(
        addr,
        &format!(
            "GET /api/rooms/lobby/messages HTTP/1.1\r\nHost: {addr}\r\nOrigin: https://evil.example\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            chinwag_testkit::token_of("alice")
        ),
    );
    assert_eq!(
        (status, body.contains("may not use")),
        (403, true),
        "{body}"
    );
}

#[test]
fn native_clients_same_origin_pages_and_trunk_serve_are_accepted() {
    let (server, _dir) = start(ServeOptions::default());
    let addr = server.addr();
    let mut native = handshake(&server.ws_url(), &[]).expect("no Origin is let in");
    welcome(&mut native, "native");
    let own = format!("http://{addr}");
    let mut page = handshake(&server.ws_url(), &[("Origin", &own)]).expect("own origin");
    welcome(&mut page, "page");
    // What Trunk 0.21's proxy forwards for a page on http://127.0.0.1:8080: the page's Origin,
    // and the backend's host (without its port) as Host.
    let mut trunk = handshake(
        &server.ws_url(),
        &[("Origin", "http://127.0.0.1:8080"), ("Host", "127.0.0.1")],
    )
    .expect("trunk serve's proxy is let in");
    welcome(&mut trunk, "trunk");
    let mut localhost = handshake(
        &server.ws_url(),
        &[
            ("Origin", "http://localhost:8080"),
            ("Host", "localhost:9001"),
        ],
    )
    .expect("a localhost page is let in");
    welcome(&mut localhost, "localhost");
}

#[test]
fn allow_origin_lets_a_named_origin_in_and_no_other() {
    let (server, _dir) = start(ServeOptions {
        allowed_origins: vec!["https://chat.example.com".parse().unwrap()],
        ..Default::default()
    });
    let mut allowed = handshake(&server.ws_url(), &[("Origin", "https://chat.example.com")])
        .expect("the allowed origin is let in");
    welcome(&mut allowed, "allowed");
    // A reverse proxy that passes the public Host on to a loopback server.
    let mut proxied = handshake(
        &server.ws_url(),
        &[
            ("Origin", "https://chat.example.com"),
            ("Host", "chat.example.com"),
        ],
    )
    .expect("the allowed origin's host is answered");
    welcome(&mut proxied, "proxied");
    for origin in ["https://chat.example.com:8443", "http://chat.example.com"] {
        let refusal = handshake(&server.ws_url(), &[("Origin", origin)])
            .err()
            .expect("refused");
        assert_eq!(refusal.status, 403, "{origin}");
    }
}

#[test]
fn a_loopback_server_refuses_host_names_that_are_not_loopback() {
    let (server, _dir) = start(ServeOptions::default());
    let port = server.addr().port();
    // DNS rebinding: evil.example now resolves to 127.0.0.1, so its page is "same origin" with
    // what it connects to; only the Host header gives it away.
    let rebound = format!("evil.example:{port}");
    let refusal = handshake(
        &server.ws_url(),
        &[("Host", &rebound), ("Origin", &format!("http://{rebound}"))],
    )
    .err()
    .expect("refused");
    assert_eq!(refusal.status, 403);
    assert!(refusal.body.contains("loopback"), "{}", refusal.body);
    let (status, _) = chinwag_testkit::http_request(
        server.addr(),
        &format!("GET /healthz HTTP/1.1\r\nHost: {rebound}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 403);
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.9:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = chinwag_testkit::http_request(
            server.addr(),
            &format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!((status, body.as_str()), (200, "ok"), "{host}");
    }
}

// ---- Deadlines ----

#[test]
fn a_socket_that_never_says_hello_is_closed_after_the_deadline() {
    let (server, _dir) = start_with_limits(ConnectionLimits {
        hello_timeout: Duration::from_millis(300),
        ..Default::default()
    });
    let mut member = RawClient::connect(&server.ws_url());
    welcome(&mut member, "member");
    // Tungstenite answers the server's pings, so only the hello deadline can end this one.
    let mut idle = RawClient::connect(&server.ws_url());
    assert_eq!(idle.recv_error(), ErrorCode::HelloTimeout);
    assert_eq!(idle.recv_close(), Some(close_code::POLICY));
    // One whose hellos keep failing is no different.
    let mut refused = RawClient::connect(&server.ws_url());
    refused.send(&hello(""));
    assert_eq!(refused.recv_error(), ErrorCode::InvalidName);
    assert_eq!(refused.recv_error(), ErrorCode::HelloTimeout);
    assert_eq!(refused.recv_close(), Some(close_code::POLICY));
    // The member's deadline passed before the idle one's: it is still served.
    assert_alive(&mut member);
}

#[test]
fn a_slowloris_socket_is_closed_by_the_header_timeout() {
    let (server, _dir) = start_with_limits(ConnectionLimits {
        header_read_timeout: Duration::from_millis(300),
        ..Default::default()
    });
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    // Headers that never end, a byte at a time; the server must hang up long before they would.
    let endless = b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
        .iter()
        .chain(std::iter::repeat(&b'a'));
    let mut sent = 0;
    let closed = 'sending: {
        for byte in endless.take(10_000) {
            if slow.write_all(&[*byte]).is_err() {
                break 'sending true;
            }
            sent += 1;
            let mut answer = [0u8; 256];
            match slow.read(&mut answer) {
                Ok(0) => break 'sending true,
                Ok(n) => panic!(
                    "the server answered unfinished headers: {}",
                    String::from_utf8_lossy(&answer[..n])
                ),
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => break 'sending true,
            }
        }
        false
    };
    assert!(closed, "still open after {sent} header bytes");
    // A silent socket is no different, and the server still serves.
    let mut silent = TcpStream::connect(server.addr()).unwrap();
    silent.set_read_timeout(Some(PATIENCE)).unwrap();
    let hung_up = silent.read(&mut [0u8; 16]);
    assert!(
        matches!(&hung_up, Ok(0))
            || hung_up
                .as_ref()
                .is_err_and(|err| err.kind() == std::io::ErrorKind::ConnectionReset),
        "a silent socket is still open: {hung_up:?}"
    );
    welcome(&mut RawClient::connect(&server.ws_url()), "after");
}

// ---- Caps ----

#[test]
fn the_connection_over_the_cap_per_address_gets_503_and_the_others_keep_working() {
    const CAP: usize = 8;
    let (server, _dir) = start_with_limits(ConnectionLimits {
        max_per_address: CAP,
        ..Default::default()
    });
    let mut admitted: Vec<RawClient> = (0..CAP)
        .map(|n| {
            let mut client = connect_from("127.0.0.1", server.addr()).expect("under the cap");
            welcome(&mut client, &format!("user{n}"));
            client
        })
        .collect();
    let refusal = connect_from("127.0.0.1", server.addr())
        .err()
        .expect("refused");
    assert_eq!(refusal.status, 503);
    assert!(
        refusal
            .body
            .contains("too many connections from your address"),
        "{}",
        refusal.body
    );
    let (status, _) = chinwag_testkit::http_get(server.addr(), "/healthz", None);
    assert_eq!(status, 503, "plain HTTP counts too");
    // Another address is still let in, and everyone admitted is still served.
    welcome(
        &mut connect_from("127.0.0.2", server.addr()).expect("another address"),
        "neighbour",
    );
    for client in &mut admitted {
        assert_alive(client);
    }
    // A place given back is free again.
    close_and_wait(admitted.pop().unwrap());
    welcome(
        &mut connect_from("127.0.0.1", server.addr()).expect("a freed place"),
        "user7",
    );
}

#[test]
fn the_connection_over_the_global_cap_gets_503_and_the_others_keep_working() {
    const CAP: usize = 6;
    let (server, _dir) = start_with_limits(ConnectionLimits {
        max_connections: CAP,
        ..Default::default()
    });
    let mut admitted: Vec<RawClient> = (0..CAP)
        .map(|n| {
            let source = format!("127.0.0.{}", 1 + n % 3);
            let mut client = connect_from(&source, server.addr()).expect("under the cap");
            welcome(&mut client, &format!("user{n}"));
            client
        })
        .collect();
    let refusal = connect_from("127.0.0.4", server.addr())
        .err()
        .expect("refused");
    assert_eq!(refusal.status, 503);
    assert!(
        refusal.body.contains("the server is full"),
        "{}",
        refusal.body
    );
    for client in &mut admitted {
        assert_alive(client);
    }
}

// ---- Frames and closing ----

#[test]
fn invalid_utf8_in_a_text_frame_is_closed_with_1007() {
    let (server, _dir) = start(ServeOptions::default());
    let mut client = RawClient::connect(&server.ws_url());
    welcome(&mut client, "garbler");
    let not_utf8 = b"{\"type\":\"ping\",\"x\":\"\xff\xfe\"}".to_vec();
    client
        .socket
        .send(Message::Frame(Frame::message(
            not_utf8,
            OpCode::Data(Data::Text),
            true,
        )))
        .unwrap();
    assert_eq!(client.recv_close(), Some(close_code::INVALID_DATA));
}

#[test]
fn a_client_still_writing_after_the_servers_close_reads_the_close_code() {
    let (server, _dir) = start(ServeOptions::default());
    let mut client = RawClient::connect(&server.ws_url());
    client.send(&ClientFrame::Hello {
        version: 999,
        name: "future".into(),
        token: chinwag_testkit::token_of("future"),
        since: vec![],
    });
    // It does not read yet: frames of the largest text size keep coming after the server closed.
    let text = "w".repeat(chinwag_protocol::MAX_TEXT_BYTES);
    for n in 0..64 {
        client.post(&format!("w{n}"), "lobby", &text);
    }
    assert_eq!(client.recv_error(), ErrorCode::UnsupportedVersion);
    assert_eq!(client.recv_close(), Some(close_code::POLICY));
}

#[test]
fn a_json_array_is_a_malformed_frame() {
    let (server, _dir) = start(ServeOptions::default());
    let (mut alice, _) = RawClient::join(&server.ws_url(), "alice", "lobby");
    // Serde would read an array field by field into the frame named by its first element.
    alice.send_text(r#"["ping"]"#);
    assert_eq!(alice.recv_error(), ErrorCode::Malformed);
    alice.send_text(r#"["send", "a1", "lobby", "posted through an array"]"#);
    assert_eq!(alice.recv_error(), ErrorCode::Malformed);
    alice.send_text(r#""ping""#);
    assert_eq!(alice.recv_error(), ErrorCode::Malformed);
    let (_probe, lobby) = RawClient::join(&server.ws_url(), "probe", "lobby");
    assert!(lobby.history.is_empty(), "{:?}", lobby.history);
}

// ---- Logs ----

/// A child process, killed when dropped (also when the test fails).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_logs_to_stderr_without_colours_when_it_is_not_a_terminal() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_chinwag-server"))
            .args(["--bind", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("chat.sqlite3"))
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("chinwag-server starts"),
    );
    let mut said = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    assert!(said.starts_with("chinwag: serving ws://"), "{said:?}");
    let stderr = child.0.stderr.take().unwrap();
    let (lines_sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            if lines_sender.send(line).is_err() {
                break;
            }
        }
    });
    let logged = lines
        .recv_timeout(PATIENCE)
        .expect("a log line on stderr")
        .unwrap();
    assert!(logged.contains("serving"), "{logged:?}");
    assert!(!logged.contains('\u{1b}'), "ANSI escapes in {logged:?}");
}
