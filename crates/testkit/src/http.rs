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
