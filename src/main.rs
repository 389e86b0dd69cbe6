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
