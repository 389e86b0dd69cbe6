//! Plain HTTP/1.1 over a TCP socket, for the server's HTTP API and its refusals.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};

use crate::PATIENCE;

/// A plain HTTP/1.1 GET of `path` (with `Authorization: Bearer token` if given) from the server
/// at `addr`; returns the status and the body.
pub fn http_get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let authorization = token.map_or_else(String::new, |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    http_request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}Connection: close\r\n\r\n"),
    )
}

/// Sends a raw HTTP request to `addr` and reads the whole answer; returns status and body.
pub fn http_request(addr: SocketAddr, request: &str) -> (u16, String) {
    let (status, _, body) = http_exchange(addr, request);
    (status, body)
}

/// Sends a raw HTTP request to `addr` and reads the whole answer; returns the status, the head
/// (status line and headers) and the body.
pub fn http_exchange(addr: SocketAddr, request: &str) -> (u16, String, String) {
    let answer = exchange(addr, request.as_bytes(), &[]);
    let body = String::from_utf8(answer.body).expect("UTF-8 answer");
    (answer.status, answer.head, body)
}

/// An answer read by [`http_send`]: the status, the head (status line and headers) and the
/// body's bytes.
#[derive(Clone, Debug)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl HttpAnswer {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `method path` to `addr` with `Authorization: Bearer token` if given and `body` (its
/// content type and bytes) if given; reads the whole answer (which must not be chunked).
pub fn http_send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> HttpAnswer {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let bytes = body.map_or(&[][..], |(_, bytes)| bytes);
    if let Some((content_type, _)) = body {
        request.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
    exchange(addr, request.as_bytes(), bytes)
}

/// Writes `head` then `body` to a new connection to `addr` and reads the whole answer (which
/// must not be chunked).
fn exchange(addr: SocketAddr, head: &[u8], body: &[u8]) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).expect("HTTP connects");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("read timeout");
    stream.write_all(head).expect("request sent");
    // A server that refuses early may close before reading it all: what it answered counts.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    if let Err(err) = stream.read_to_end(&mut answer) {
        // A reset after the answer (the server closed with the request unread) loses nothing.
        assert!(
            err.kind() == std::io::ErrorKind::ConnectionReset && !answer.is_empty(),
            "answer read: {err}"
        );
    }
    let split = answer
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("HTTP head and body");
    let head = String::from_utf8(answer[..split].to_vec()).expect("UTF-8 head");
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
    HttpAnswer {
        status,
        head,
        body: answer[split + 4..].to_vec(),
    }
}
