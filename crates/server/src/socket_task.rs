//! The socket task: one task per WebSocket connection, which reads and checks the peer's
//! frames, forwards them to the hub, and writes what the hub queues for it.
//!
//! Everything a peer sends is treated as hostile: bad JSON, unknown types, binary frames and
//! oversized frames get an error frame or a close code, never a panic. The outgoing queue is
//! bounded; the hub kicks a connection whose queue fills, and a write that stalls is abandoned.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{FutureExt, Sink, SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior, Sleep, interval, timeout};

use crate::hub::{Command, ConnId, Outbox, OutboxReader, Outgoing, PROBE_PAYLOAD, Wake, encode};
use chinwag_protocol::{self as protocol, ClientFrame, ErrorCode, ServerFrame, close_code};

/// Items queued for one connection before the hub considers it too slow. An item is what one
/// hub batch sends the connection (see `hub::delivery`): at a few hundred batches a second
/// under load, a reader this far behind is seconds late.
pub const OUTBOX_CAPACITY: usize = 256;
/// How long one socket write may stall before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many queued items are written before one flush (then the task looks at its
/// socket and signals again).
const MAX_WRITE_BATCH: usize = 64;
/// How long the server waits for the peer's close frame after sending its own, reading (and
/// dropping) whatever the peer still sends, before it closes the TCP connection.
const CLOSE_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);
/// How the server tells live connections from dead ones.
#[derive(Clone, Copy, Debug)]
pub struct Heartbeat {
    /// How often the server pings a connection (browsers answer WebSocket pings by themselves).
    pub ping_interval: Duration,
    /// A connection that sends nothing (no frame, no pong, no heartbeat) for this long is dead.
    pub idle_timeout: Duration,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

static NEXT_CONN_ID: AtomicU64 = AtomicU64::new(1);

/// Why a connection ended, for the log.
#[derive(Debug)]
#[expect(
    dead_code,
    reason = "the fields are read through Debug, in the disconnect log"
)]
enum End {
    PeerClosed,
    Closed(u16, &'static str),
    WriteFailed(WriteFailure),
    HubGone,
}

/// Why a write to the socket failed.
#[derive(Debug)]
#[expect(
    dead_code,
    reason = "the fields are read through Debug, in the disconnect log"
)]
enum WriteFailure {
    /// The peer took nothing for [`WRITE_TIMEOUT`].
    Stalled,
    /// The socket refused the write (the peer is gone, or the frame was too large).
    Socket(axum::Error),
}

/// Runs one connection to completion; one not welcomed (a successful hello) within
/// `hello_timeout` is closed with 1008.
///
/// The connection's state is boxed before the returned future is made, so that the future
/// (which the runtime keeps for every connection) holds it once, not once as an argument and
/// again as a local.
pub fn run(
    socket: WebSocket,
    peer: std::net::SocketAddr,
    hub: mpsc::Sender<Command>,
    shutdown: watch::Receiver<bool>,
    heartbeat: Heartbeat,
    hello_timeout: Duration,
) -> impl Future<Output = ()> + Send + 'static {
    let conn: ConnId = NEXT_CONN_ID.fetch_add(1, Ordering::Relaxed);
    let (outbox, outgoing) = Outbox::channel(OUTBOX_CAPACITY);
    let task = Box::new(SocketTask {
        socket,
        conn,
        hub,
        outgoing,
        last_heard: Instant::now(),
        flush_stall: None,
        unwritten: Vec::new(),
    });
    let connect = Command::Connect {
        conn,
        outbox,
        address: peer.ip(),
    };
    task.run(connect, peer, shutdown, heartbeat, hello_timeout)
}

/// One connection's socket and its ends of the hub's channels.
struct SocketTask {
    socket: WebSocket,
    conn: ConnId,
    hub: mpsc::Sender<Command>,
    /// What the hub queued for the socket (see [`Outbox`]).
    outgoing: OutboxReader,
    /// When the peer last sent anything (a frame, a pong, a heartbeat).
    last_heard: Instant,
    /// While a flush waits for the socket to take more: when the connection counts as stalled.
    /// Meanwhile the task goes on reading, and takes nothing more from its queue (which the hub
    /// sees growing).
    flush_stall: Option<Pin<Box<Sleep>>>,
    /// The rest of an item the socket did not take all of, written once the flush is done and
    /// before anything else.
    unwritten: Vec<Utf8Bytes>,
}

impl SocketTask {
    /// Registers the connection with the hub (`connect`), serves it, and tells the hub it is
    /// gone.
    async fn run(
        mut self: Box<Self>,
        connect: Command,
        peer: std::net::SocketAddr,
        shutdown: watch::Receiver<bool>,
        heartbeat: Heartbeat,
        hello_timeout: Duration,
    ) {
        let conn = self.conn;
        if cold(self.hub.send(connect)).await.is_err() {
            return;
        }
        tracing::info!(conn, %peer, "connected");
        let end = self.serve(shutdown, heartbeat, hello_timeout).await;
        match &end {
            // A peer that stopped reading is worth a warning; one that went away (reset, broken
            // pipe) is an ordinary end, not a server error.
            End::WriteFailed(failure @ WriteFailure::Stalled) => {
                tracing::warn!(conn, ?failure, "disconnected: the peer took nothing")
            }
            End::WriteFailed(failure) => {
                tracing::info!(conn, ?failure, "disconnected: a write failed")
            }
            _ => tracing::info!(conn, ?end, "disconnected"),
        }
        // The hub may already be gone during shutdown; then there is nobody left to tell.
        let _ = cold(self.hub.send(Command::Disconnect { conn })).await;
    }

    /// Reads, forwards and writes until the connection ends, and says why it did.
    async fn serve(
        &mut self,
        mut shutdown: watch::Receiver<bool>,
        heartbeat: Heartbeat,
        hello_timeout: Duration,
    ) -> End {
        let mut ping = interval(heartbeat.ping_interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // Boxed, and dropped once it has fired: a welcomed connection keeps no timer for it.
        let mut hello_deadline = Some(Box::pin(tokio::time::sleep(hello_timeout)));
        loop {
            // The rare branches, and writing, run boxed: an idle connection's task then holds
            // only what it waits on (see `cold`).
            let ended = tokio::select! {
                biased;
                _ = shutdown.changed() => {
                    Some(cold(close(&mut self.socket, close_code::GOING_AWAY, "server shutting down")).await)
                }
                () = until(&mut hello_deadline) => {
                    hello_deadline = None;
                    cold(self.check_welcomed(hello_timeout)).await
                }
                wake = self.outgoing.wait(self.flush_stall.is_none()) => match wake {
                    Wake::Item(item) => cold(self.write_outgoing(item)).await,
                    Wake::Kicked => cold(async {
                        send_error(&mut self.socket, ErrorCode::TooSlow, "you fell too far behind; reconnect").await;
                        Some(close(&mut self.socket, close_code::POLICY, "too slow").await)
                    }).await,
                },
                event = socket_event(&mut self.socket, self.flush_stall.is_some()) => match event {
                    SocketEvent::Read(incoming) => {
                        self.last_heard = Instant::now();
                        cold(self.read(incoming)).await
                    }
                    SocketEvent::Flushed(Ok(())) => {
                        self.flush_stall = None;
                        let unwritten = std::mem::take(&mut self.unwritten);
                        if unwritten.is_empty() {
                            None
                        } else {
                            cold(self.write_outgoing(Outgoing::Frames(unwritten))).await
                        }
                    }
                    SocketEvent::Flushed(Err(err)) => Some(End::WriteFailed(WriteFailure::Socket(err))),
                },
                () = until(&mut self.flush_stall) => Some(End::WriteFailed(WriteFailure::Stalled)),
                _ = ping.tick() => cold(self.ping(heartbeat.idle_timeout)).await,
            };
            if let Some(end) = ended {
                return end;
            }
        }
    }

    /// At the hello deadline: closes a connection that has not been welcomed.
    async fn check_welcomed(&mut self, hello_timeout: Duration) -> Option<End> {
        if self.outgoing.welcomed() {
            return None;
        }
        let seconds = hello_timeout.as_secs_f64();
        let message = format!("no successful hello within {seconds} s");
        send_error(&mut self.socket, ErrorCode::HelloTimeout, &message).await;
        Some(close(&mut self.socket, close_code::POLICY, "no hello in time").await)
    }

    /// Writes what the hub queued: `first` and whatever else is already waiting behind it (at
    /// most [`MAX_WRITE_BATCH`] items, as much as the socket takes without waiting), and a probe
    /// behind them if one is due, then flushes once, so a burst of frames costs one
    /// socket write instead of one each. A flush the socket cannot take at once goes on in
    /// [`SocketTask::serve`] (see `flush_stall`), so the task keeps reading the peer's frames
    /// meanwhile; the rest gets [`WRITE_TIMEOUT`].
    async fn write_outgoing(&mut self, first: Outgoing) -> Option<End> {
        match timeout(WRITE_TIMEOUT, self.write_queued(first)).await {
            Ok(ended) => ended,
            Err(_) => Some(End::WriteFailed(WriteFailure::Stalled)),
        }
    }

    /// [`SocketTask::write_outgoing`] without its deadline.
    async fn write_queued(&mut self, first: Outgoing) -> Option<End> {
        let mut next = Some(first);
        let mut written = 0;
        // What was fed since the socket's write buffer was last empty (at most).
        let mut fed = 0;
        while let Some(item) = next.take() {
            let texts = match item {
                Outgoing::Frame(text) => vec![text],
                Outgoing::Frames(texts) => texts,
                Outgoing::Close(code, reason) => {
                    return Some(cold(close(&mut self.socket, code, reason)).await);
                }
            };
            let mut texts = texts.into_iter();
            while let Some(text) = texts.next() {
                if !room_for(&mut self.socket, text.len(), &mut fed) {
                    // The socket takes no more for now. The rest of the item waits in `unwritten`
                    // while the flush goes on beside reading: a peer that writes before it reads
                    // is read meanwhile, never deadlocked against this task.
                    self.unwritten = std::iter::once(text).chain(texts).collect();
                    self.flush_stall = Some(Box::pin(tokio::time::sleep(WRITE_TIMEOUT)));
                    return None;
                }
                if let Err(err) = put(&mut self.socket, Message::Text(text)) {
                    return Some(End::WriteFailed(WriteFailure::Socket(err)));
                }
            }
            written += 1;
            // Once the socket takes no more, the rest stays in the queue, where the hub sees it.
            if written < MAX_WRITE_BATCH && takes_more(&mut self.socket) {
                next = self.outgoing.try_recv();
            }
        }
        // Behind what was written, a probe if the hub watches this reader (see `hub::probe`).
        if room_for(&mut self.socket, PROBE_PAYLOAD.len(), &mut fed)
            && self.outgoing.probe().due(std::time::Instant::now())
        {
            let probe = Message::Ping(Bytes::from_static(PROBE_PAYLOAD));
            if let Err(err) = put(&mut self.socket, probe) {
                return Some(End::WriteFailed(WriteFailure::Socket(err)));
            }
        }
        self.flush_or_stall()
    }

    /// Flushes what was written, or, if the socket cannot take it all now, lets the flush go on
    /// in [`SocketTask::serve`] beside reading (see `flush_stall`).
    fn flush_or_stall(&mut self) -> Option<End> {
        match SinkExt::<Message>::flush(&mut self.socket).now_or_never() {
            Some(flushed) => flushed
                .err()
                .map(|err| End::WriteFailed(WriteFailure::Socket(err))),
            None => {
                self.flush_stall = Some(Box::pin(tokio::time::sleep(WRITE_TIMEOUT)));
                None
            }
        }
    }

    /// Handles what the socket read: forwards a frame to the hub, answers a ping, refuses
    /// what breaks the rules.
    async fn read(&mut self, incoming: Option<Result<Message, axum::Error>>) -> Option<End> {
        let socket = &mut self.socket;
        match incoming {
            None | Some(Ok(Message::Close(_))) => Some(End::PeerClosed),
            Some(Err(err)) => Some(read_failed(socket, self.conn, &err).await),
            Some(Ok(Message::Text(text))) if text.len() > protocol::MAX_FRAME_BYTES => {
                Some(refuse_oversized(socket, self.conn).await)
            }
            Some(Ok(Message::Text(text))) => match protocol::parse_client_frame(&text) {
                Ok(ClientFrame::Ping) => self.answer(encode(&ServerFrame::Pong)),
                Ok(frame) => {
                    let command = Command::Frame {
                        conn: self.conn,
                        frame,
                    };
                    self.hub.send(command).await.err().map(|_| End::HubGone)
                }
                Err(error) => self.answer(encode(&error.into())),
            },
            Some(Ok(Message::Binary(_))) => {
                let message = "binary frames are not supported; send JSON text";
                send_error(socket, ErrorCode::UnsupportedData, message).await;
                let reason = "binary frames are not supported";
                Some(close(socket, close_code::UNSUPPORTED_DATA, reason).await)
            }
            Some(Ok(Message::Pong(payload))) => {
                if payload == PROBE_PAYLOAD {
                    self.outgoing.probe().answered(std::time::Instant::now());
                }
                None
            }
            Some(Ok(Message::Ping(_))) => None,
        }
    }

    /// Answers the peer with `text` (a pong, or why its frame was refused) without waiting on
    /// the socket: behind what is still unwritten, if anything is.
    fn answer(&mut self, text: Utf8Bytes) -> Option<End> {
        // Without a flush waiting, the write buffer is empty: a small frame goes in at once.
        if self.flush_stall.is_some() {
            self.unwritten.push(text);
            return None;
        }
        if let Err(err) = put(&mut self.socket, Message::Text(text)) {
            return Some(End::WriteFailed(WriteFailure::Socket(err)));
        }
        self.flush_or_stall()
    }

    /// At a heartbeat tick: closes a connection silent past `idle_timeout`, or pings it (with
    /// a probe if none is out: the first one measures the connection's round trip). A
    /// connection whose flush is waiting is not pinged: that flush has a deadline of its own.
    async fn ping(&mut self, idle_timeout: Duration) -> Option<End> {
        if self.last_heard.elapsed() > idle_timeout {
            let reason = "no traffic; connection presumed dead";
            return Some(close(&mut self.socket, close_code::POLICY, reason).await);
        }
        if self.flush_stall.is_some() {
            return None;
        }
        let probe = self.outgoing.probe().start(std::time::Instant::now());
        let ping = Message::Ping(Bytes::from_static(if probe { PROBE_PAYLOAD } else { b"" }));
        if let Err(err) = put(&mut self.socket, ping) {
            return Some(End::WriteFailed(WriteFailure::Socket(err)));
        }
        self.flush_or_stall()
    }
}

/// Boxes the future of a path the task takes now and then (writing, reading a frame, closing,
/// refusing, pinging), so that its state takes room on the heap only while it runs instead of in
/// every connection's task all the time.
fn cold<F: Future>(future: F) -> Pin<Box<F>> {
    Box::pin(future)
}

/// What the socket has for its task: a frame read (or the end), or the end of a flush that had
/// to wait for the socket.
enum SocketEvent {
    Read(Option<Result<Message, axum::Error>>),
    Flushed(Result<(), axum::Error>),
}

/// Waits for the next frame from the socket and, if `flushing`, for the pending flush to end
/// too, whichever comes first.
fn socket_event(socket: &mut WebSocket, flushing: bool) -> impl Future<Output = SocketEvent> + '_ {
    std::future::poll_fn(move |cx| {
        if flushing
            && let Poll::Ready(flushed) = Sink::<Message>::poll_flush(Pin::new(&mut *socket), cx)
        {
            return Poll::Ready(SocketEvent::Flushed(flushed));
        }
        socket.poll_next_unpin(cx).map(SocketEvent::Read)
    })
}

/// Waits for `deadline`, or forever if there is none.
async fn until(deadline: &mut Option<Pin<Box<Sleep>>>) {
    match deadline {
        Some(sleep) => sleep.await,
        None => std::future::pending().await,
    }
}

/// A frame over [`protocol::MAX_FRAME_BYTES`]: an error frame, then close code 1009.
async fn refuse_oversized(socket: &mut WebSocket, conn: ConnId) -> End {
    tracing::warn!(conn, "frame over the size limit");
    send_error(
        socket,
        ErrorCode::TooLarge,
        &format!("frames are limited to {} bytes", protocol::MAX_FRAME_BYTES),
    )
    .await;
    close(socket, close_code::TOO_BIG, "frame too large").await
}

/// A read error. One over [`protocol::HARD_FRAME_LIMIT_BYTES`] still gets close code 1009 and a
/// text frame that is not UTF-8 gets 1007 (if the socket can take them); anything else just ends
/// the connection.
async fn read_failed(socket: &mut WebSocket, conn: ConnId, err: &axum::Error) -> End {
    let cause = std::error::Error::source(err).map_or_else(|| err.to_string(), ToString::to_string);
    if cause.contains("Space limit exceeded") || cause.contains("too long") {
        return refuse_oversized(socket, conn).await;
    }
    if cause.starts_with("UTF-8 encoding error") {
        tracing::debug!(conn, "text frame not UTF-8");
        return close(
            socket,
            close_code::INVALID_DATA,
            "text frames must be UTF-8",
        )
        .await;
    }
    tracing::debug!(conn, %err, "read failed");
    End::PeerClosed
}

async fn send_error(socket: &mut WebSocket, code: ErrorCode, message: &str) {
    let _ = write(
        socket,
        Message::Text(encode(&ServerFrame::error(code, message))),
    )
    .await;
}

/// Sends a close frame and finishes the close handshake: waits (at most
/// [`CLOSE_HANDSHAKE_TIMEOUT`]) for the peer's close, dropping whatever it still sends, so a
/// peer that was writing reads the close code instead of a connection reset.
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) -> End {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if write(socket, Message::Close(Some(frame))).await.is_ok() {
        let _ = timeout(CLOSE_HANDSHAKE_TIMEOUT, async {
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    End::Closed(code, reason)
}

/// Writes one message and flushes it.
async fn write(socket: &mut WebSocket, message: Message) -> Result<(), WriteFailure> {
    within_write_timeout(socket.send(message)).await
}

/// Runs a write, giving up on a peer that does not take it within [`WRITE_TIMEOUT`].
async fn within_write_timeout(
    write: impl Future<Output = Result<(), axum::Error>>,
) -> Result<(), WriteFailure> {
    match timeout(WRITE_TIMEOUT, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(WriteFailure::Socket(err)),
        Err(_) => Err(WriteFailure::Stalled),
    }
}

/// Whether a frame of `bytes` payload can go into the socket's write buffer without waiting,
/// counting it in `fed` (what went in since the buffer last held at most
/// [`crate::WRITE_BUFFER_BYTES`]) if so: while `fed` stays within
/// [`crate::MAX_WRITE_BUFFER_BYTES`] the buffer surely has room; past it, only once the socket
/// has taken what the buffer held beyond [`crate::WRITE_BUFFER_BYTES`].
fn room_for(socket: &mut WebSocket, bytes: usize, fed: &mut usize) -> bool {
    // A frame's header is at most 10 bytes.
    let bytes = bytes + 10;
    if *fed + bytes > crate::MAX_WRITE_BUFFER_BYTES {
        if !takes_more(socket) {
            return false;
        }
        *fed = crate::WRITE_BUFFER_BYTES;
    }
    *fed += bytes;
    true
}

/// Puts `message` into the socket's write buffer, which has room for it (see [`room_for`]); it
/// is written out when the buffer passes [`crate::WRITE_BUFFER_BYTES`], or on flush.
fn put(socket: &mut WebSocket, message: Message) -> Result<(), axum::Error> {
    Sink::<Message>::start_send(Pin::new(socket), message)
}

/// Whether the socket has taken everything fed to it so far (or can at once), so that more
/// can be fed without growing its write buffer.
fn takes_more(socket: &mut WebSocket) -> bool {
    let mut context = Context::from_waker(Waker::noop());
    matches!(
        Sink::<Message>::poll_ready(Pin::new(socket), &mut context),
        Poll::Ready(Ok(()))
    )
}
