//! Entry points: natively a CLI (`chinwag` opens the window, `chinwag serve` runs the server);
//! on wasm32 the same window inside a canvas.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::PathBuf;

    use clap::{Parser, Subcommand};

    use chinwag::host::{self, HostTakeover};
    use chinwag::server;
    use chinwag::server::cli::ServeArgs;
    use chinwag::ui::appearance::Appearance;
    use chinwag::ui::notifications::Notifications;
    use chinwag::ui::reactions::ReactionPicker;
    use chinwag::ui::{ChatApp, JoinDetails};

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

    pub fn main() -> std::process::ExitCode {
        server::cli::init_logging();
        let cli = Cli::parse();
        let result = match cli.command {
            Some(Command::Serve(args)) => server::cli::run(args).map_err(Into::into),
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
            // The app installs the system font fallback itself (ui::fonts), in tests too.
            system_font_fallback: false,
            ..Default::default()
        };
        eframe::run_native(
            "Chinwag",
            options,
            Box::new(move |cc| {
                chinwag::ui::fonts::install(&cc.egui_ctx);
                let mut details = JoinDetails::load(cc.storage);
                if let Some(name) = name {
                    details.name = name;
                }
                let host = match connect {
                    Some(url) => {
                        details.server_url = url;
                        None
                    }
                    None => host::loopback_addr(&details.server_url).map(|addr| {
                        let hosting = host::host_or_join(addr, &db);
                        HostTakeover::new(addr, db, hosting)
                    }),
                };
                let app = ChatApp::new(details, false)
                    .with_appearance(Appearance::load(cc.storage))
                    .with_reaction_picker(ReactionPicker::load(cc.storage))
                    .with_notifications(Notifications::platform(cc));
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
                    chinwag::ui::fonts::install(&cc.egui_ctx);
                    Ok(Box::new(
                        chinwag::ui::ChatApp::new(
                            chinwag::ui::JoinDetails::load(cc.storage),
                            false,
                        )
                        .with_appearance(chinwag::ui::appearance::Appearance::load(cc.storage))
                        .with_reaction_picker(chinwag::ui::reactions::ReactionPicker::load(
                            cc.storage,
                        ))
                        .with_notifications(
                            chinwag::ui::notifications::Notifications::platform(cc),
                        ),
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
