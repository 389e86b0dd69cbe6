//! `chinwag-server`: the chat server alone, without the window (the same flags as
//! `chinwag serve`).

use clap::Parser;

use chinwag_server::cli::{self, ServeArgs};

/// Chinwag's chat server: WebSocket chat, the history API and, with --web, the web client.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> std::process::ExitCode {
    cli::init_logging();
    match cli::run(Cli::parse().serve) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chinwag-server: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
