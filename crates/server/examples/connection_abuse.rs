//! Connection abuse against the real server with its default limits, and what a normal member
//! notices meanwhile.
//!
//! Starts the server in-process (defaults: 256 connections per address, 10,000 in total, 10 s
//! to send request headers, 10 s to say hello), joins one member who pings all along, then:
//! (a) opens IDLE WebSockets that never say hello, spread over 8 loopback source addresses, and
//! while they are held asks `/healthz` and opens a new WebSocket that says hello (each given
//! 5 s), and again once the server has closed them;
//! (b) opens SLOW slowloris sockets (request headers at one byte every 500 ms) from 8 others.
//! Prints how many were admitted, refused (503) or closed, and when, what the probes got and how
//! fast, and the member's ping round trip (p50/p99) before, during (a) and during (b).
//!
//! `--server HOST:PORT` targets a server already running (e.g. `chinwag-server` started under a
//! low file descriptor limit) instead of starting one; it must listen on a loopback address
//! (the sockets come from 127.0.x.y) with the default limits.
//!
//! `cargo run --release -p chinwag-server --example connection_abuse --
//! [IDLE [SLOW]] [--server HOST:PORT]` (defaults 3000 and 1000; SLOW 0 skips (b))

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chinwag_protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use chinwag_server::RunningServer;
use chinwag_testkit::measure;
use tungstenite::Message;
use tungstenite::stream::MaybeTlsStream;

/// Source addresses per kind of abuse (all of 127.0.0.0/8 reaches a server on 127.0.0.1).
const SOURCES: usize = 8;
/// How long to watch the abusive sockets before giving up on them.
const WATCH: Duration = Duration::from_secs(30);
/// How long a probe (`/healthz`, a new WebSocket) waits for its answer.
const PROBE_PATIENCE: Duration = Duration::from_secs(5);

/// A TCP connection to `addr` from the loopback address `source`.
fn tcp_from(source: &str, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    let source: SocketAddr = format!("{source}:0").parse().expect("an address");
    socket.bind(&source.into())?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}

/// What a new client gets now: `GET /healthz`, and a new WebSocket (from a source address of
/// its own) that says hello; each with the time it took, or that nothing came within
/// [`PROBE_PATIENCE`].
fn probes(addr: SocketAddr) -> String {
    static PROBES: AtomicUsize = AtomicUsize::new(0);
    let n = PROBES.fetch_add(1, Ordering::Relaxed);
    format!(
        "/healthz {}; new WebSocket {}",
        timed(|| healthz(addr)),
        timed(|| new_websocket(addr, n))
    )
}

/// `what`'s answer and how long it took.
fn timed(what: impl FnOnce() -> String) -> String {
    let started = Instant::now();
    let answer = what();
    format!(
        "{answer} in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    )
}

/// A connection from `source` whose reads and writes give up after [`PROBE_PATIENCE`].
fn probe_stream(source: &str, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = tcp_from(source, addr)?;
    stream.set_read_timeout(Some(PROBE_PATIENCE))?;
    stream.set_write_timeout(Some(PROBE_PATIENCE))?;
    Ok(stream)
}

/// A new WebSocket from 127.0.3.(n + 1) that says hello as `probe{n}`: welcomed, or refused.
fn new_websocket(addr: SocketAddr, n: usize) -> String {
    let stream = match probe_stream(&format!("127.0.3.{}", n % 250 + 1), addr) {
        Ok(stream) => stream,
        Err(err) => return format!("could not connect ({err})"),
    };
    let mut socket =
        match tungstenite::client(format!("ws://{addr}/ws"), MaybeTlsStream::Plain(stream)) {
            Ok((socket, _)) => socket,
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or(&[]))
                    .trim()
                    .to_owned();
                return format!("refused: {} {body:?}", response.status());
            }
            Err(err) => return format!("failed ({err})"),
        };
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        name: format!("probe{n}"),
        token: format!("connection-abuse-probe-token-{n}"),
        since: vec![],
    };
    let text = serde_json::to_string(&hello).expect("frames serialise");
    if let Err(err) = socket.send(Message::Text(text)) {
        return format!("hello not sent ({err})");
    }
    loop {
        match socket.read() {
            Ok(Message::Text(text)) => {
                if let Ok(ServerFrame::Welcome { .. }) = serde_json::from_str(&text) {
                    return "welcomed".into();
                }
            }
            Ok(_) => {}
            Err(err) => return format!("no welcome ({err})"),
        }
    }
}

/// Which phase the member's pings belong to.
static PHASE: AtomicUsize = AtomicUsize::new(0);
const PHASES: [&str; 3] = ["before", "idle sockets", "slowloris"];

/// The member: says hello, then pings every 10 ms until told to stop; round trips by phase.
fn member(addr: SocketAddr, stop: Arc<AtomicBool>) -> Vec<Vec<Duration>> {
    let stream = tcp_from("127.0.0.200", addr).expect("member connects");
    let (mut socket, _) =
        tungstenite::client(format!("ws://{addr}/ws"), MaybeTlsStream::Plain(stream))
            .expect("member's handshake");
    let send = |socket: &mut tungstenite::WebSocket<_>, frame: &ClientFrame| {
        let text = serde_json::to_string(frame).expect("frames serialise");
        socket.send(Message::Text(text)).expect("member sends");
    };
    send(
        &mut socket,
        &ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            name: "member".into(),
            token: "connection-abuse-member-token".into(),
            since: vec![],
        },
    );
    let mut round_trips = vec![Vec::new(); PHASES.len()];
    while !stop.load(Ordering::Relaxed) {
        let phase = PHASE.load(Ordering::Relaxed);
        let sent = Instant::now();
        send(&mut socket, &ClientFrame::Ping);
        loop {
            match socket.read().expect("the member is never dropped") {
                Message::Text(text) => {
                    if serde_json::from_str::<ServerFrame>(&text).ok() == Some(ServerFrame::Pong) {
                        break;
                    }
                }
                _ => continue,
            }
        }
        round_trips[phase].push(sent.elapsed());
        std::thread::sleep(Duration::from_millis(10));
    }
    round_trips
}

/// Seconds since `start`, as the minimum, median and maximum of `times`.
fn spread(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "-".into();
    }
    times.sort();
    format!(
        "{:.1} / {:.1} / {:.1} s",
        times[0].as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    )
}

/// (a) `count` WebSockets that never say hello.
fn idle_sockets(addr: SocketAddr, count: usize) {
    let opened = Instant::now();
    let mut open = Vec::new();
    let (mut refused, mut failed) = (0, 0);
    let mut refusal_body = String::new();
    for n in 0..count {
        let source = format!("127.0.1.{}", 1 + n % SOURCES);
        let Ok(stream) = tcp_from(&source, addr) else {
            failed += 1;
            continue;
        };
        match tungstenite::client(format!("ws://{addr}/ws"), MaybeTlsStream::Plain(stream)) {
            Ok((socket, _)) => open.push((socket, Instant::now())),
            Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response)))
                if response.status() == 503 =>
            {
                refused += 1;
                refusal_body = String::from_utf8_lossy(response.body().as_deref().unwrap_or(&[]))
                    .trim()
                    .into();
            }
            Err(_) => failed += 1,
        }
    }
    println!(
        "(a) {count} idle WebSockets from {SOURCES} addresses in {:.1} s: {} admitted, {refused} refused with 503 ({refusal_body:?}), {failed} failed otherwise",
        opened.elapsed().as_secs_f64(),
        open.len()
    );
    println!("    while they are held: {}", probes(addr));
    for (socket, _) in &mut open {
        let MaybeTlsStream::Plain(stream) = socket.get_mut() else {
            unreachable!()
        };
        stream.set_nonblocking(true).expect("a non-blocking socket");
    }
    let mut closed_after = Vec::new();
    let mut codes = std::collections::BTreeMap::new();
    let give_up = Instant::now() + WATCH;
    while !open.is_empty() && Instant::now() < give_up {
        open.retain_mut(|(socket, since)| {
            loop {
                match socket.read() {
                    Ok(Message::Close(frame)) => {
                        *codes
                            .entry(frame.map_or(0, |f| u16::from(f.code)))
                            .or_insert(0) += 1;
                        closed_after.push(since.elapsed());
                        return false;
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(err))
                        if err.kind() == std::io::ErrorKind::WouldBlock =>
                    {
                        return true;
                    }
                    Err(_) => {
                        closed_after.push(since.elapsed());
                        return false;
                    }
                }
            }
        });
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "    closed by the server: {} (close codes {codes:?}) after min/median/max {} from their opening; still open after {} s: {}",
        closed_after.len(),
        spread(&mut closed_after),
        WATCH.as_secs(),
        open.len()
    );
    println!("    then: {}", probes(addr));
}

/// (b) `count` sockets sending request headers at one byte every 500 ms.
fn slowloris(addr: SocketAddr, count: usize) {
    let header = b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ";
    let mut open = Vec::new();
    let mut failed = 0;
    for n in 0..count {
        let source = format!("127.0.2.{}", 1 + n % SOURCES);
        match tcp_from(&source, addr) {
            Ok(stream) => {
                stream.set_nonblocking(true).expect("a non-blocking socket");
                open.push((stream, Instant::now(), 0usize));
            }
            Err(_) => failed += 1,
        }
    }
    println!(
        "(b) {count} slowloris sockets from {SOURCES} addresses: {} connected, {failed} failed",
        open.len()
    );
    let mut closed_after = Vec::new();
    let mut answered = 0;
    let give_up = Instant::now() + WATCH;
    while !open.is_empty() && Instant::now() < give_up {
        open.retain_mut(|(stream, since, sent)| {
            let byte = header.get(*sent).copied().unwrap_or(b'a');
            let mut answer = [0u8; 512];
            let alive = stream.write_all(&[byte]).is_ok()
                && match stream.read(&mut answer) {
                    Ok(0) => false,
                    Ok(_) => {
                        answered += 1;
                        false
                    }
                    Err(err) => err.kind() == std::io::ErrorKind::WouldBlock,
                };
            *sent += 1;
            if !alive {
                closed_after.push(since.elapsed());
            }
            alive
        });
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "    closed by the server: {} ({answered} with an HTTP answer) after min/median/max {}; still open after {} s: {}",
        closed_after.len(),
        spread(&mut closed_after),
        WATCH.as_secs(),
        open.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let external: Option<SocketAddr> = args.iter().position(|arg| arg == "--server").map(|at| {
        args.get(at + 1)
            .and_then(|addr| addr.parse().ok())
            .expect("--server HOST:PORT")
    });
    let mut numbers = args.iter().filter_map(|arg| arg.parse::<usize>().ok());
    let idle = numbers.next().unwrap_or(3000);
    let slow = numbers.next().unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let server = match external {
        Some(_) => None,
        None => Some(
            RunningServer::start(
                "127.0.0.1:0".parse().expect("a loopback address"),
                dir.path().join("chat.sqlite3"),
            )
            .expect("server starts"),
        ),
    };
    let addr = external.unwrap_or_else(|| server.as_ref().expect("a server").addr());
    println!("before: {}", probes(addr));
    let stop = Arc::new(AtomicBool::new(false));
    let member_thread = {
        let stop = stop.clone();
        std::thread::spawn(move || member(addr, stop))
    };
    std::thread::sleep(Duration::from_secs(2));
    let mut rss = vec![("before", measure::rss_mib())];

    PHASE.store(1, Ordering::Relaxed);
    idle_sockets(addr, idle);
    rss.push(("after (a)", measure::rss_mib()));
    if slow > 0 {
        PHASE.store(2, Ordering::Relaxed);
        slowloris(addr, slow);
        rss.push(("after (b)", measure::rss_mib()));
    }

    stop.store(true, Ordering::Relaxed);
    let round_trips = member_thread.join().expect("member thread");
    for (phase, mut times) in PHASES.iter().zip(round_trips) {
        times.sort();
        if times.is_empty() {
            continue;
        }
        println!(
            "member's ping {phase:>12}: p50 {:.2} ms, p99 {:.2} ms over {} pings",
            measure::percentile_ms(&times, 0.5),
            measure::percentile_ms(&times, 0.99),
            times.len()
        );
    }
    println!("/healthz afterwards: {}", healthz(addr));
    let whose = if server.is_some() {
        "server and all clients"
    } else {
        "the clients only"
    };
    for (when, mib) in rss {
        println!("process RSS {when}: {mib:.0} MiB ({whose})");
    }
}

/// The status line of `GET /healthz`, or why there is none.
fn healthz(addr: SocketAddr) -> String {
    let mut stream = match probe_stream("127.0.4.1", addr) {
        Ok(stream) => stream,
        Err(err) => return format!("could not connect ({err})"),
    };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut answer = Vec::new();
    if let Err(err) = stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.read_to_end(&mut answer))
        && answer.is_empty()
    {
        return format!("no answer ({err})");
    }
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.lines().next().unwrap_or("closed unanswered");
    match answer.split_once("\r\n\r\n") {
        Some((_, body)) if !status.contains(" 200 ") => format!("{status} {:?}", body.trim()),
        _ => status.to_owned(),
    }
}
