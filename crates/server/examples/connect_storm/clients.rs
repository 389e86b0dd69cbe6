//! The storm's clients: groups of many clients per task, each group opening its share of the
//! connections on schedule and then reading every socket it holds (which also answers the
//! server's pings), so a client costs a socket and a few hundred bytes, not a thread.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chinwag_protocol::{ClientFrame, PROTOCOL_VERSION, RoomState, ServerFrame};
use futures_util::stream::{FuturesUnordered, SelectAll};
use futures_util::{SinkExt, Stream, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long one client may take from connecting to being in the room.
pub const JOIN_DEADLINE: Duration = Duration::from_secs(60);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a client does once connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Chinwag: hello, then join the room unless the welcome has it; its online count is kept.
    Chinwag,
    /// A plain WebSocket chat (axum's example, Node `ws`): one text frame (a name), then stay.
    Plain,
}

/// What every client of the storm shares.
pub struct Storm {
    /// The server's WebSocket URL.
    pub url: String,
    /// The room joined.
    pub room: String,
    /// How many clients there are in all.
    pub clients: usize,
    /// What the clients do.
    pub target: Target,
    /// The counts so far.
    pub tally: Tally,
}

/// The storm's counts, updated by every group.
#[derive(Default)]
pub struct Tally {
    /// Clients in the room (welcomed and joined; for a plain target, connected and named).
    pub joined: AtomicUsize,
    /// Clients that failed to connect or join in time.
    pub failed: AtomicUsize,
    /// Joined clients whose connection ended.
    pub dropped: AtomicUsize,
    /// Joined clients whose last online count is the number of clients.
    pub see_everyone: AtomicUsize,
    /// From starting to connect to the welcome (a plain target: to the open socket), per client.
    pub welcome_times: Mutex<Vec<Duration>>,
    /// The first failure, to print.
    pub first_failure: Mutex<Option<String>>,
}

/// Runs clients `group`, `group + groups`, … of the storm, client `i` starting `i / rate`
/// seconds after `start`, and keeps reading them until `stop` changes.
pub async fn run_group(
    storm: Arc<Storm>,
    group: usize,
    groups: usize,
    rate: f64,
    start: Instant,
    mut stop: watch::Receiver<bool>,
) {
    let mut next = (group..storm.clients).step_by(groups).peekable();
    let mut joining = FuturesUnordered::new();
    let mut live = SelectAll::new();
    let mut online: HashMap<usize, u64> = HashMap::new();
    loop {
        let due = next
            .peek()
            .map(|&i| start + Duration::from_secs_f64(i as f64 / rate));
        tokio::select! {
            () = sleep_until(due.unwrap_or(start)), if due.is_some() => {
                if let Some(i) = next.next() {
                    let storm = storm.clone();
                    joining.push(async move { (i, timeout(JOIN_DEADLINE, join(&storm, i)).await) });
                }
            }
            Some((i, joined)) = joining.next() => match joined {
                Ok(Ok((socket, count, took))) => {
                    storm.tally.welcome_times.lock().expect("not poisoned").push(took);
                    storm.tally.joined.fetch_add(1, Ordering::Relaxed);
                    storm.saw(&mut online, i, count);
                    live.push(frames_of(i, socket));
                }
                Ok(Err(why)) => storm.failed(format!("client {i}: {why}")),
                Err(_) => storm.failed(format!("client {i}: not in the room within {JOIN_DEADLINE:?}")),
            },
            Some((i, frame)) = live.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if let Some(count) = online_count(&text, &storm.room) {
                        storm.saw(&mut online, i, count);
                    }
                }
                // A close frame or an error is followed by the end of the socket.
                None => {
                    storm.tally.dropped.fetch_add(1, Ordering::Relaxed);
                    storm.saw(&mut online, i, 0);
                }
                Some(_) => {}
            },
            _ = stop.changed() => return,
        }
    }
}

impl Storm {
    /// Client `i` now sees `count` online.
    fn saw(&self, online: &mut HashMap<usize, u64>, i: usize, count: u64) {
        let everyone = self.clients as u64;
        let before = online.insert(i, count);
        let see = &self.tally.see_everyone;
        if before == Some(everyone) && count != everyone {
            see.fetch_sub(1, Ordering::Relaxed);
        } else if before != Some(everyone) && count == everyone {
            see.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn failed(&self, why: String) {
        self.tally.failed.fetch_add(1, Ordering::Relaxed);
        self.tally
            .first_failure
            .lock()
            .expect("not poisoned")
            .get_or_insert(why);
    }
}

/// A socket's messages tagged with its client, then `None` once it ends.
fn frames_of(
    i: usize,
    socket: Socket,
) -> impl Stream<
    Item = (
        usize,
        Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ),
> {
    socket
        .map(move |message| (i, Some(message)))
        .chain(futures_util::stream::once(futures_util::future::ready((
            i, None,
        ))))
}

/// Connects client `i` and brings it into the room: its socket, the online count it was told
/// and how long the welcome took.
async fn join(storm: &Storm, i: usize) -> Result<(Socket, u64, Duration), String> {
    let started = Instant::now();
    let (mut socket, _) = connect_async(storm.url.as_str())
        .await
        .map_err(|err| format!("connect: {err}"))?;
    match storm.target {
        Target::Plain => {
            send(&mut socket, format!("storm{i}")).await?;
            Ok((socket, 0, started.elapsed()))
        }
        Target::Chinwag => {
            let hello = ClientFrame::Hello {
                version: PROTOCOL_VERSION,
                name: format!("storm{i}"),
                token: format!("connect-storm-token-{i:08}"),
                since: Vec::new(),
            };
            send(&mut socket, json(&hello)).await?;
            let ServerFrame::Welcome { rooms, .. } = next_frame(&mut socket).await? else {
                return Err("expected a welcome".into());
            };
            let took = started.elapsed();
            let state = match rooms.into_iter().find(|state| state.room == storm.room) {
                Some(state) => state,
                None => enter(&mut socket, &storm.room).await?,
            };
            Ok((socket, state.online, took))
        }
    }
}

/// Joins `room` (creating it) and waits for its state.
async fn enter(socket: &mut Socket, room: &str) -> Result<RoomState, String> {
    let join = ClientFrame::Join {
        room: room.to_owned(),
        create: true,
        last_seq: None,
    };
    send(socket, json(&join)).await?;
    loop {
        if let ServerFrame::Room(state) = next_frame(socket).await?
            && state.room == room
        {
            return Ok(state);
        }
    }
}

/// The next protocol frame; an error frame or the end of the socket is a failure.
async fn next_frame(socket: &mut Socket) -> Result<ServerFrame, String> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let frame: ServerFrame =
                    serde_json::from_str(&text).map_err(|err| format!("bad frame: {err}"))?;
                if let ServerFrame::Error { code, message, .. } = frame {
                    return Err(format!("{code:?}: {message}"));
                }
                return Ok(frame);
            }
            Some(Ok(Message::Close(close))) => return Err(format!("closed: {close:?}")),
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(format!("read: {err}")),
            None => return Err("the socket ended".into()),
        }
    }
}

/// The online count of `room` a presence or members frame tells (other frames are not parsed).
fn online_count(text: &str, room: &str) -> Option<u64> {
    if !(text.starts_with(r#"{"type":"presence""#) || text.starts_with(r#"{"type":"members""#)) {
        return None;
    }
    match serde_json::from_str(text).ok()? {
        ServerFrame::Presence {
            room: r, online, ..
        }
        | ServerFrame::Members {
            room: r, online, ..
        } if r == room => Some(online),
        _ => None,
    }
}

fn json(frame: &ClientFrame) -> String {
    serde_json::to_string(frame).expect("frames serialise")
}

async fn send(socket: &mut Socket, text: String) -> Result<(), String> {
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|err| format!("send: {err}"))
}
