//! The accept loop: admits or refuses each TCP connection (see [`super::connections`]), does the
//! TLS handshake when the server has a certificate, and serves HTTP/1.1 on the connection with
//! hyper (a header read timeout against slowloris, upgrades for WebSockets) until the server
//! stops.
//!
//! A connection over a cap gets a short `503 Service Unavailable` whose body says which cap, and
//! is closed. At most [`REFUSALS_AT_ONCE`] such answers are under way at once (each within
//! [`REFUSAL_DEADLINE`]); beyond that an over-cap connection is closed without one, so refusing
//! never costs more than a fixed number of descriptors.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::IntoResponse as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use super::connections::{Admission, ConnectionLimits, Refusal, Slot};

/// Over-cap connections answered at once; further ones are closed without an answer.
pub const REFUSALS_AT_ONCE: usize = 64;
/// How long a refused connection may take to send its request and read the 503.
const REFUSAL_DEADLINE: Duration = Duration::from_secs(2);
/// How long a connection may take to finish the request it is in when the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// The most a connection buffers (request headers included): far above what browsers send, and
/// it bounds what a connection that is still sending its headers can hold.
const MAX_BUFFER_BYTES: usize = 64 * 1024;
/// How long to wait before accepting again after the system refused to accept.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// What the accept loop serves, and how.
pub struct Listening {
    /// Where connections come from.
    pub listener: TcpListener,
    /// The routes, as one service for every request.
    pub app: Router,
    /// Caps (`max_connections` already fitted to the descriptor limit) and deadlines.
    pub limits: ConnectionLimits,
    /// TLS, when the server has a certificate.
    pub tls: Option<TlsAcceptor>,
}

/// Accepts and serves connections until `shutdown` completes; then stops accepting and asks
/// every HTTP connection to finish (a request in flight is answered, within [`SHUTDOWN_GRACE`]).
/// WebSocket connections end through their socket tasks' own shutdown signal.
pub async fn accept_until(listening: Listening, shutdown: impl Future<Output = ()>) {
    let Listening {
        listener,
        app,
        limits,
        tls,
    } = listening;
    let admission = Admission::new(limits.max_connections, limits.max_per_address);
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let (stop_connections, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    pause_after_accept_error(&err).await;
                    continue;
                }
            },
        };
        // Chat frames are small and latency matters: without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs hold acks back by ~40 ms.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(%err, "cannot set TCP_NODELAY");
        }
        keep_unsent_bytes_small(&stream);
        match admission.admit(peer.ip()) {
            Ok(slot) => {
                let io = Counted {
                    _slot: slot,
                    io: stream,
                };
                let connection = HttpConnection {
                    peer,
                    app: app.clone(),
                    header_read_timeout: limits.header_read_timeout,
                    stopping: stopping.clone(),
                };
                tokio::spawn(connection.start(io, tls.clone()));
            }
            Err(refusal) => match refusals.clone().try_acquire_owned() {
                Ok(permit) => {
                    tracing::debug!(%peer, ?refusal, "connection refused");
                    tokio::spawn(refuse(stream, refusal, tls.clone(), permit));
                }
                Err(_) => tracing::debug!(%peer, ?refusal, "connection dropped unanswered"),
            },
        }
    }
    let _ = stop_connections.send(true);
}

/// The most bytes a socket keeps written but not yet sent (`TCP_NOTSENT_LOWAT`): about 100
/// chat frames. Past it the socket takes no more, so what a peer has not taken waits in its
/// connection's queue, where the hub sees it lag (see `hub::delivery`, overload), instead of
/// in a kernel buffer of up to megabytes where nobody does.
const MOST_UNSENT_BYTES: u32 = 16 * 1024;

/// Sets [`MOST_UNSENT_BYTES`] on `stream` (on Linux; elsewhere the kernel's buffers stay as
/// they are, and lag shows in the queue only once they are full).
fn keep_unsent_bytes_small(stream: &TcpStream) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(err) = socket2::SockRef::from(stream).set_tcp_notsent_lowat(MOST_UNSENT_BYTES) {
        tracing::debug!(%err, "cannot set TCP_NOTSENT_LOWAT");
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (stream, MOST_UNSENT_BYTES);
}

/// After a failed accept: at once for a connection that went away before it was accepted; after
/// a pause for anything else (out of descriptors or memory), so the loop does not spin.
async fn pause_after_accept_error(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%err, "cannot accept connections");
    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
}

/// An admitted connection, served with the app's routes.
struct HttpConnection {
    peer: SocketAddr,
    app: Router,
    header_read_timeout: Duration,
    stopping: watch::Receiver<bool>,
}

impl HttpConnection {
    /// Does the TLS handshake if there is a certificate (within the header timeout: it is part
    /// of what a client must finish before its request), then serves HTTP.
    async fn start(self, io: Counted<TcpStream>, tls: Option<TlsAcceptor>) {
        let Some(acceptor) = tls else {
            return self.serve(io).await;
        };
        match timeout(self.header_read_timeout, acceptor.accept(io)).await {
            Ok(Ok(stream)) => self.serve(stream).await,
            Ok(Err(err)) => tracing::debug!(peer = %self.peer, %err, "TLS handshake failed"),
            Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
        }
    }

    /// Serves HTTP/1.1 requests on `io` until the client leaves, falls silent or too slow
    /// before a request's headers are in, upgrades to a WebSocket, or the server stops.
    async fn serve<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Self {
            peer,
            app,
            header_read_timeout,
            mut stopping,
        } = self;
        // Handlers read the client's address with `ConnectInfo<SocketAddr>`.
        let service = service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            .max_buf_size(MAX_BUFFER_BYTES);
        let mut connection = pin!(
            builder
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades()
        );
        let stop = async {
            let _ = stopping.wait_for(|stopped| *stopped).await;
        };
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = stop => {
                connection.as_mut().graceful_shutdown();
                timeout(SHUTDOWN_GRACE, connection).await.unwrap_or(Ok(()))
            }
        };
        if let Err(err) = result {
            tracing::debug!(%peer, %err, "HTTP connection ended");
        }
    }
}

/// Answers an over-cap connection with a 503 that says why (after the TLS handshake, if any),
/// all within [`REFUSAL_DEADLINE`], and closes it.
async fn refuse(
    stream: TcpStream,
    refusal: Refusal,
    tls: Option<TlsAcceptor>,
    _permit: OwnedSemaphorePermit,
) {
    let answer = async {
        match tls {
            None => answer_refusal(stream, refusal).await,
            Some(acceptor) => {
                if let Ok(stream) = acceptor.accept(stream).await {
                    answer_refusal(stream, refusal).await;
                }
            }
        }
    };
    let _ = timeout(REFUSAL_DEADLINE, answer).await;
}

/// Reads one request's headers on `io` and answers 503 with `refusal`'s explanation.
async fn answer_refusal<I>(io: I, refusal: Refusal)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |_request: Request<Incoming>| async move {
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, refusal.explanation()).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        Ok::<_, Infallible>(response)
    });
    let _ = http1::Builder::new()
        .keep_alive(false)
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// An admitted connection's socket. It holds the connection's [`Slot`] for as long as the socket
/// lives, which is past the HTTP connection when that became a WebSocket. (Fields drop in order:
/// the slot is free again before the peer sees the socket close.)
struct Counted<I> {
    _slot: Slot,
    io: I,
}

impl<I: AsyncRead + Unpin> AsyncRead for Counted<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Counted<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
