//! Entry points: natively a CLI (`chinwag` opens the window, `chinwag serve` runs the server);
//! on wasm32 the same window inside a canvas.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::IsTerminal as _;
    use std::net::SocketAddr;
    use std::path::PathBuf;
    use std::time::Duration;

    use clap::{Args, Parser, Subcommand};

    use chinwag::host::{self, HostTakeover};
    use chinwag::server;
    use chinwag::server::connections::ConnectionLimits;
    use chinwag::server::limits::{self, Rate, RateLimits};
    use chinwag::server::origin::WebOrigin;
    use chinwag::server::tls::TlsConfig;
    use chinwag::ui::preferences::Preferences;
    use chinwag::ui::{ChatApp, Settings};

    /// Chinwag: real-time chat. Without a command, opens the chat window.
    #[derive(Parser)]
    #[command(version, about)]
    struct Cli {
        #[command(subcommand)]
        command: Option<Command>,
        /// Join the server at this WebSocket URL and never host one (e.g. ws://10.0.0.5:9001/ws,
        /// or wss://chat.example.com/ws for a server with TLS).
        #[arg(long, value_name = "URL")]
        connect: Option<String>,
        /// Pre-fill the name on the join screen.
        #[arg(long)]
        name: Option<String>,
        /// History database used if this window ends up hosting the server.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Run the chat server without a window.
        Serve(ServeArgs),
    }

    #[derive(Args)]
    struct ServeArgs {
        /// Address to listen on; use 0.0.0.0:9001 to accept other machines.
        #[arg(long, default_value = server::DEFAULT_BIND)]
        bind: SocketAddr,
        /// SQLite history database [default: chinwag.sqlite3 in the platform's data directory].
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
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
        #[command(flatten)]
        limits: LimitFlags,
    }

    /// How much one identity, address or token may do how fast; 0 lifts a limit.
    #[derive(clap::Args)]
    struct LimitFlags {
        /// Messages (send, edit, delete, set_topic, rename) one identity may send at once.
        #[arg(long, value_name = "N", default_value_t = limits::DEFAULT_MESSAGE_BURST)]
        message_burst: u32,
        /// Messages one identity may send per second, sustained.
        #[arg(long, value_name = "RATE", default_value_t = limits::DEFAULT_MESSAGES_PER_SECOND)]
        messages_per_second: f64,
        /// Requests (search, list_rooms, join, leave, open_dm, set_topic, rename) one identity
        /// may make at once.
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
        fn rate_limits(&self) -> Result<RateLimits, String> {
            Ok(RateLimits {
                messages: per_second(self.message_burst, self.messages_per_second)
                    .map_err(|problem| format!("--messages-per-second: {problem}"))?,
                requests: per_second(self.request_burst, self.requests_per_second)
                    .map_err(|problem| format!("--requests-per-second: {problem}"))?,
                rooms: RateLimits::rooms_per_day(self.rooms_per_day),
                identities: RateLimits::identities_per_hour(self.identities_per_hour),
                api: per_second(self.api_burst, self.api_per_second)
                    .map_err(|problem| format!("--api-per-second: {problem}"))?,
            })
        }
    }

    /// `burst` at once and `rate` a second; no limit if either is 0.
    fn per_second(burst: u32, rate: f64) -> Result<Option<Rate>, String> {
        if burst == 0 || rate == 0.0 {
            return Ok(None);
        }
        Rate::per_second(burst, rate)
            .map(Some)
            .ok_or_else(|| format!("{rate} is not a rate (0 for none, or up to 10^9 a second)"))
    }

    /// The defaults of the connection limits, shown by `serve --help`.
    const LIMITS: ConnectionLimits = ConnectionLimits::DEFAULT;

    pub fn main() -> std::process::ExitCode {
        // Logs go to stderr (stdout says where the server listens), coloured only on a terminal.
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "info".into()),
            )
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init();
        let cli = Cli::parse();
        let result = match cli.command {
            Some(Command::Serve(args)) => serve(args),
            None => gui(
                cli.connect,
                cli.name,
                cli.db.unwrap_or_else(server::default_db_path),
            ),
        };
        match result {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("chinwag: {err}");
                std::process::ExitCode::FAILURE
            }
        }
    }

    fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
        let web = args
            .web
            .as_deref()
            .map(server::web::check_dir)
            .transpose()?;
        let tls = match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsConfig::load(cert, key)?),
            _ => None,
        };
        let db = args.db.unwrap_or_else(server::default_db_path);
        let store = server::open_store(&db)?;
        let options = server::ServeOptions {
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
            ..Default::default()
        };
        let bind = args.bind;
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(|err| {
                std::io::Error::new(err.kind(), format!("cannot listen on {bind}: {err}"))
            })?;
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
            println!(
                "chinwag: serving {ws}://{addr}/ws (history in {})",
                db.display()
            );
            server::serve(listener, store, options, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
        })?;
        Ok(())
    }

    fn gui(
        connect: Option<String>,
        name: Option<String>,
        db: PathBuf,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let options = eframe::NativeOptions {
            viewport: egui::ViewportBuilder::default()
                .with_title("Chinwag")
                .with_inner_size([900.0, 640.0])
                .with_min_inner_size([360.0, 320.0]),
            ..Default::default()
        };
        eframe::run_native(
            "Chinwag",
            options,
            Box::new(move |cc| {
                let mut settings = Settings::load(cc.storage);
                if let Some(name) = name {
                    settings.name = name;
                }
                let host = match connect {
                    Some(url) => {
                        settings.server_url = url;
                        None
                    }
                    None => host::loopback_addr(&settings.server_url).map(|addr| {
                        let hosting = host::host_or_join(addr, &db);
                        HostTakeover::new(addr, db, hosting)
                    }),
                };
                let app =
                    ChatApp::new(settings, false).with_preferences(Preferences::load(cc.storage));
                Ok(Box::new(match host {
                    Some(host) => app.with_host(Box::new(host)),
                    None => app,
                }))
            }),
        )?;
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {
    use eframe::wasm_bindgen::JsCast as _;

    eframe::WebLogger::init(log::LevelFilter::Info).ok();
    wasm_bindgen_futures::spawn_local(async {
        let document = web_sys::window()
            .and_then(|window| window.document())
            .expect("a browser page has a document");
        let canvas = document
            .get_element_by_id("chinwag_canvas")
            .and_then(|element| element.dyn_into::<web_sys::HtmlCanvasElement>().ok())
            .expect("index.html has a canvas with id chinwag_canvas");
        let started = eframe::WebRunner::new()
            .start(
                canvas,
                eframe::WebOptions::default(),
                Box::new(|cc| {
                    chinwag::ui::emoji_font::load(&cc.egui_ctx);
                    Ok(Box::new(
                        chinwag::ui::ChatApp::new(chinwag::ui::Settings::load(cc.storage), false)
                            .with_preferences(chinwag::ui::preferences::Preferences::load(
                                cc.storage,
                            )),
                    ))
                }),
            )
            .await;
        // The page shows "Loading…" until here; then the app, or why it could not start.
        if let Some(loading) = document.get_element_by_id("loading_text") {
            match started {
                Ok(()) => loading.remove(),
                Err(err) => {
                    log::error!("Chinwag failed to start: {err:?}");
                    loading.set_class_name("centered error");
                    loading.set_text_content(Some(&format!(
                        "Chinwag could not start: {}. The developer console has the details.",
                        err.as_string().unwrap_or_else(|| format!("{err:?}"))
                    )));
                }
            }
        }
    });
}
