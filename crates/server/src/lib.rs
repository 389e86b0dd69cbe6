//! The chat server: an axum app with the WebSocket endpoint, the history API, the attachment API
//! ([`attachments`]), a health check and graceful shutdown, around a [`hub::Hub`] thread that owns the rooms and the SQLite [`store::Store`].
//! Its own accept loop ([`listen`]) caps connections ([`connections`]), times out slow clients
//! and speaks TLS when given a certificate ([`tls`]); [`origin`] decides which web pages may use it.
//!
//! Two ways to run it: [`serve`] inside an existing tokio runtime (the `chinwag serve`
//! command), or [`RunningServer::start`], which runs it on a thread of its own (the GUI's
//! embedded host and the tests).

pub mod api;
pub mod attachments;
pub mod cli;
pub mod connections;
mod health;
pub mod hub;
pub mod limits;
pub mod listen;
pub mod metrics;
pub mod names;
pub mod origin;
mod serve_error;
pub mod socket_task;
pub mod store;
pub mod tls;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use axum::routing::get;
use tokio::sync::{mpsc, oneshot, watch};

use chinwag_protocol::{HARD_FRAME_LIMIT_BYTES, MAX_SERVER_FRAME_BYTES};
use hub::{Command, Hub};
use store::{Location, Store};

pub use serve_error::ServeError;

/// Commands queued for the hub before socket tasks wait for it.
const HUB_QUEUE: usize = 4096;
/// Per-connection socket read buffer (tungstenite's default is 128 KiB).
const READ_BUFFER_BYTES: usize = 512;
/// Per-connection socket write buffer.
pub(crate) const WRITE_BUFFER_BYTES: usize = 8 * 1024;
/// What the write buffer may grow to while one frame goes out: a write that would go beyond it
/// fails. Twice the largest frame the server sends, so every frame fits with room to spare.
pub(crate) const MAX_WRITE_BUFFER_BYTES: usize = 2 * MAX_SERVER_FRAME_BYTES;

/// Where the server keeps its database unless told otherwise: the platform's data directory
/// (the app's too: `~/.local/share/chinwag` on Linux), or the working directory if there is none.
pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "Chinwag")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_default()
        .join("chinwag.sqlite3")
}

/// How to serve, beyond the socket and the database.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    /// A built web client (see [`web`]) to serve at `/`.
    pub web: Option<PathBuf>,
    /// Pings and the idle timeout for dead connections.
    pub heartbeat: socket_task::Heartbeat,
    /// How much one identity, address or token may do how fast.
    pub rate_limits: limits::RateLimits,
    /// Connection caps, the header read timeout and the hello deadline.
    pub connections: connections::ConnectionLimits,
    /// Web origins allowed to use `/ws` and `/api` besides the server's own (`--allow-origin`).
    pub allowed_origins: Vec<origin::WebOrigin>,
    /// Serve `https:`/`wss:` with this certificate instead of `http:`/`ws:`.
    pub tls: Option<tls::TlsConfig>,
    /// How large attachments may be.
    pub attachments: attachments::AttachmentLimits,
}

/// Shared by every request handler.
#[derive(Clone)]
struct AppState {
    hub: mpsc::Sender<Command>,
    shutdown: watch::Receiver<bool>,
    heartbeat: socket_task::Heartbeat,
    hello_timeout: std::time::Duration,
    metrics: Arc<metrics::Metrics>,
}

/// Opens the history database at `location` (a SQLite file or a PostgreSQL URL); the error
/// names it.
pub fn open_store(location: impl Into<Location>) -> Result<Store, ServeError> {
    let location = location.into();
    Store::open(&location).map_err(|source| ServeError::Database { location, source })
}

/// Serves chat on `listener` with history in `store` (and whatever `options` add) until
/// `shutdown` completes; then closes every connection with 1001 and returns once the database is
/// flushed and closed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (hub_sender, hub_receiver) = mpsc::channel(HUB_QUEUE);
    let limits = options.rate_limits;
    let metrics = Arc::new(metrics::Metrics::of_node(
        store.shared().then(|| store.node()),
    ));
    let hub_metrics = Arc::clone(&metrics);
    let files = attachments::files::Files::new(store.location().clone());
    let sweeper = Arc::new(tokio::sync::Notify::new());
    let hub_sweeper = Arc::clone(&sweeper);
    if store.shared() {
        // Other nodes' events reach the hub as commands; the listener stops with the hub.
        let hub = hub_sender.downgrade();
        store.listen(Box::new(move |event| {
            hub.upgrade()
                .is_some_and(|hub| hub.blocking_send(Command::Cluster(event)).is_ok())
        }))?;
    }
    let hub_thread = tokio::task::spawn_blocking(move || {
        Hub::new(store, &limits)
            .with_metrics(hub_metrics)
            .with_sweeper(hub_sweeper)
            .run(hub_receiver)
    });
    tokio::spawn(hub::tick(hub_sender.downgrade()));
    let (stop_socket_tasks, socket_tasks_stopped) = watch::channel(false);
    let api_hub = hub_sender.clone();
    let attachment_api = attachments::router(
        hub_sender.clone(),
        Arc::clone(&files),
        options.attachments,
        Arc::clone(&metrics),
    );
    let sweeping = tokio::spawn(attachments::sweep(files, sweeper, Arc::clone(&metrics)));
    let state = AppState {
        hub: hub_sender,
        shutdown: socket_tasks_stopped,
        heartbeat: options.heartbeat,
        hello_timeout: options.connections.hello_timeout,
        metrics: Arc::clone(&metrics),
    };
    let local_addr = listener.local_addr()?;
    let origins =
        origin::OriginPolicy::new(local_addr.ip().is_loopback(), &options.allowed_origins);
    let app = Router::new()
        .route("/ws", get(websocket))
        .with_state(state)
        .merge(
            Router::new()
                .route("/api/rooms/{room}/messages", get(api::history_page))
                .route("/healthz", get(health::check))
                .with_state(api_hub),
        )
        .merge(attachment_api)
        .merge(
            Router::new()
                .route("/metrics", get(metrics::serve))
                .with_state(metrics),
        );
    let app = match &options.web {
        Some(dir) => app.fallback_service(web::router(dir)),
        None => app,
    };
    let app = app.layer(axum::middleware::from_fn_with_state(origins, origin::check));
    let mut limits = options.connections;
    limits.max_connections = connections::fit_to_descriptor_limit(limits.max_connections);
    tracing::info!(
        addr = %local_addr,
        tls = options.tls.is_some(),
        max_connections = limits.max_connections,
        max_per_address = limits.max_per_address,
        "serving"
    );
    let listening = listen::Listening {
        listener,
        app,
        limits,
        tls: options.tls.as_ref().map(tls::TlsConfig::acceptor),
    };
    listen::accept_until(listening, async move {
        shutdown.await;
        tracing::info!("shutting down");
        let _ = stop_socket_tasks.send(true);
    })
    .await;
    sweeping.abort();
    // The hub stops once every socket task and HTTP connection has let go of it (each ends on the
    // shutdown signal); it drains its queue and flushes the database first.
    hub_thread.await.map_err(std::io::Error::other)
}

async fn websocket(
    upgrade: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
) -> Response {
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(HARD_FRAME_LIMIT_BYTES)
        .max_frame_size(HARD_FRAME_LIMIT_BYTES)
        .on_upgrade(move |socket| {
            // Not an `async move` over the socket and the state: the task would hold them
            // beside the connection's future, which has them already (see `socket_task::run`).
            let open = state.metrics.connection_opened();
            let connection = socket_task::run(
                socket,
                peer,
                state.hub,
                state.shutdown,
                state.heartbeat,
                state.hello_timeout,
            );
            async move {
                connection.await;
                drop(open);
            }
        })
}

/// A server running on a thread of its own; stops gracefully when dropped.
pub struct RunningServer {
    addr: SocketAddr,
    tls: bool,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// Binds `bind` (port 0 picks a free port) and serves with history in `db` (a SQLite file,
    /// or any [`Location`]).
    ///
    /// Fails at once, before any thread starts, if the address is taken or the database cannot
    /// be opened, so the caller can tell "someone else is hosting"
    /// ([`ServeError::is_address_in_use`]) from success.
    pub fn start(bind: SocketAddr, db: impl Into<Location>) -> Result<Self, ServeError> {
        Self::start_with(bind, db, ServeOptions::default())
    }

    /// Like [`Self::start`], with `options`.
    pub fn start_with(
        bind: SocketAddr,
        db: impl Into<Location>,
        options: ServeOptions,
    ) -> Result<Self, ServeError> {
        let listener = std::net::TcpListener::bind(bind)
            .map_err(|source| ServeError::Listen { addr: bind, source })?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let store = open_store(db)?;
        let tls = options.tls.is_some();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("chinwag-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    serve(listener, store, options, async {
                        let _ = stopped.await;
                    })
                    .await
                })
            })?;
        Ok(Self {
            addr,
            tls,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket URL clients connect to (`ws:`; `wss:` for a server with TLS).
    pub fn ws_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", self.addr)
    }

    /// Stops the server: closes connections with 1001, flushes the database, waits for it all.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.stop_and_wait()
    }

    fn stop_and_wait(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| std::io::Error::other("server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Err(err) = self.stop_and_wait() {
            tracing::error!(%err, "server did not stop cleanly");
        }
    }
}
