//! The `serve` command line, shared by the slim `chinwag-server` binary and `chinwag serve` in the
//! app: [`ServeArgs`] (clap) and [`run`], which serves until Ctrl+C.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::ServeError;
use crate::connections::ConnectionLimits;
use crate::limits::{self, Rate, RateLimits};
use crate::origin::WebOrigin;
use crate::store::Location;
use crate::tls::TlsConfig;

/// Logs go to stderr (stdout says where the server listens), coloured only on a terminal; the
/// level comes from `RUST_LOG` (default `info`).
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// How to serve: the flags of `chinwag serve` and `chinwag-server`.
#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on; use 0.0.0.0:9001 to accept other machines.
    #[arg(long, default_value = chinwag_protocol::DEFAULT_BIND)]
    bind: SocketAddr,
    /// History database: a SQLite file, or a PostgreSQL URL (postgres://user@host/dbname)
    /// [default: $DATABASE_URL if set, else chinwag.sqlite3 in the platform's data directory].
    #[arg(long, value_name = "PATH|URL")]
    db: Option<String>,
    /// Also serve the built web client in DIR at / (the dist/ of `trunk build --release`).
    #[arg(long, value_name = "DIR")]
    web: Option<PathBuf>,
    /// Serve https/wss with this certificate chain (PEM; leaf first). Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Also let pages from this origin use /ws and /api (e.g. https://chat.example.com);
    /// repeatable. The server's own origin and, on a loopback bind, loopback pages need none.
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<WebOrigin>,
    /// Most connections at once (lowered to fit the file descriptor limit).
    #[arg(long, value_name = "N", default_value_t = LIMITS.max_connections)]
    max_connections: usize,
    /// Most connections at once from one client address (IPv6: one /64).
    #[arg(long, value_name = "N", default_value_t = LIMITS.max_per_address)]
    max_connections_per_ip: usize,
    /// Seconds a client has to send a request's headers (and finish the TLS handshake).
    #[arg(long, value_name = "SECONDS", default_value_t = LIMITS.header_read_timeout.as_secs())]
    header_timeout: u64,
    /// Seconds a WebSocket may stay open without a successful hello.
    #[arg(long, value_name = "SECONDS", default_value_t = LIMITS.hello_timeout.as_secs())]
    hello_timeout: u64,
    /// The largest attachment (bytes) a client may upload.
    #[arg(long, value_name = "BYTES", default_value_t = chinwag_protocol::attachments::DEFAULT_MAX_ATTACHMENT_BYTES)]
    max_attachment_bytes: u64,
    /// The most bytes of attachments one identity may have stored (uploads in progress count).
    #[arg(long, value_name = "BYTES", default_value_t = chinwag_protocol::attachments::DEFAULT_ATTACHMENT_QUOTA_BYTES)]
    attachment_quota_bytes: u64,
    #[command(flatten)]
    limits: LimitFlags,
}

/// How much one identity, address or token may do how fast; 0 lifts a limit.
#[derive(clap::Args)]
struct LimitFlags {
    /// Messages (send, edit, delete, react, unreact, pin, unpin) one identity may send at once.
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_MESSAGE_BURST)]
    message_burst: u32,
    /// Messages one identity may send per second, sustained.
    #[arg(long, value_name = "RATE", default_value_t = limits::DEFAULT_MESSAGES_PER_SECOND)]
    messages_per_second: f64,
    /// Requests (search, list_rooms, members, join, leave, open_dm, set_topic, rename, list_pins,
    /// share_receipts) one identity may make at once.
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_REQUEST_BURST)]
    request_burst: u32,
    /// Requests one identity may make per second, sustained.
    #[arg(long, value_name = "RATE", default_value_t = limits::DEFAULT_REQUESTS_PER_SECOND)]
    requests_per_second: f64,
    /// Rooms (and new direct conversations) one identity may create per day.
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_ROOMS_PER_DAY)]
    rooms_per_day: u32,
    /// New identities (names first used) per client IP address per hour (IPv6: per /64).
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_IDENTITIES_PER_HOUR)]
    identities_per_hour: u32,
    /// HTTP API requests one identity token may make at once.
    #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_API_BURST)]
    api_burst: u32,
    /// HTTP API requests one identity token may make per second, sustained.
    #[arg(long, value_name = "RATE", default_value_t = limits::DEFAULT_API_PER_SECOND)]
    api_per_second: f64,
}

impl LimitFlags {
    fn rate_limits(&self) -> Result<RateLimits, NotARate> {
        Ok(RateLimits {
            messages: per_second(
                "--messages-per-second",
                self.message_burst,
                self.messages_per_second,
            )?,
            requests: per_second(
                "--requests-per-second",
                self.request_burst,
                self.requests_per_second,
            )?,
            rooms: RateLimits::rooms_per_day(self.rooms_per_day),
            identities: RateLimits::identities_per_hour(self.identities_per_hour),
            api: per_second("--api-per-second", self.api_burst, self.api_per_second)?,
        })
    }
}

/// A rate flag whose value is not a rate (negative, not a number, or over 10^9 a second).
#[derive(Clone, Debug, PartialEq)]
pub struct NotARate {
    /// The flag, as typed: `--messages-per-second`.
    pub flag: &'static str,
    /// The value it was given.
    pub rate: f64,
}

impl std::fmt::Display for NotARate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { flag, rate } = self;
        write!(
            f,
            "{flag}: {rate} is not a rate (0 for none, or up to 10^9 a second)"
        )
    }
}

impl std::error::Error for NotARate {}

/// `burst` at once and `rate` a second (the value of `flag`); no limit if either is 0.
fn per_second(flag: &'static str, burst: u32, rate: f64) -> Result<Option<Rate>, NotARate> {
    if burst == 0 || rate == 0.0 {
        return Ok(None);
    }
    Rate::per_second(burst, rate)
        .map(Some)
        .ok_or(NotARate { flag, rate })
}

/// The defaults of the connection limits, shown by `serve --help`.
const LIMITS: ConnectionLimits = ConnectionLimits::DEFAULT;

/// The database `--db` names, else `DATABASE_URL`'s, else the default file.
fn database(flag: Option<String>) -> Location {
    flag.or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|text| !text.is_empty())
        .map_or_else(
            || Location::Sqlite(crate::default_db_path()),
            |text| Location::parse(&text),
        )
}

/// Serves as `args` say until Ctrl+C, printing where on stdout.
///
/// # Errors
/// A flag that does not hold (a web directory without `index.html`, unreadable TLS files, a bad
/// rate), a database that cannot be opened, or an address that cannot be bound.
pub fn run(args: ServeArgs) -> Result<(), ServeError> {
    let web = args.web.as_deref().map(crate::web::check_dir).transpose()?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsConfig::load(cert, key).map_err(ServeError::Tls)?),
        _ => None,
    };
    let db = database(args.db);
    let store = crate::open_store(&db)?;
    let options = crate::ServeOptions {
        web,
        connections: ConnectionLimits {
            max_connections: args.max_connections,
            max_per_address: args.max_connections_per_ip,
            header_read_timeout: Duration::from_secs(args.header_timeout),
            hello_timeout: Duration::from_secs(args.hello_timeout),
        },
        allowed_origins: args.allow_origin,
        tls,
        rate_limits: args.limits.rate_limits()?,
        attachments: crate::attachments::AttachmentLimits {
            max_bytes: args.max_attachment_bytes,
            quota_bytes: args.attachment_quota_bytes,
        },
        ..Default::default()
    };
    let bind = args.bind;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|source| ServeError::Listen { addr: bind, source })?;
        let addr = listener.local_addr()?;
        let (http, ws) = if options.tls.is_some() {
            ("https", "wss")
        } else {
            ("http", "ws")
        };
        if let Some(web) = &options.web {
            println!(
                "chinwag: serving the web client at {http}://{addr}/ (from {})",
                web.display()
            );
        }
        println!("chinwag: serving {ws}://{addr}/ws (history in {db})");
        crate::serve(listener, store, options, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(())
    })
}
