//! A server measured from outside, as a process of its own (started by an example, or already
//! running and named by its pid): its CPU time and resident memory come from `/proc/<pid>`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};

use clap::Parser;

use chinwag_server::cli::{self, ServeArgs};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`: 100 on Linux).
const CLOCK_TICKS: f64 = 100.0;
/// How long a started server may take to say where it listens.
const START_DEADLINE: Duration = Duration::from_secs(20);

/// The user + system CPU seconds `pid` has used so far, or `None` if they cannot be read.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let mut fields = after_name.split_whitespace();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / CLOCK_TICKS)
}

/// The resident memory of `pid` in KiB (`VmRSS`), or `None` if it cannot be read.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let value = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}

/// The command name of `pid` (what the figures are of), or `?`.
pub fn process_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map_or_else(|_| "?".into(), |comm| comm.trim().to_owned())
}

/// `PROGRAM serve FLAGS...`: a benchmark started as its own server (the `chinwag-server` flags).
#[derive(Parser)]
struct Serve {
    #[command(flatten)]
    serve: ServeArgs,
}

/// When this program was started as `PROGRAM serve FLAGS...`, serves as the `chinwag-server`
/// flags say until stopped and returns its exit code; otherwise `None`. A benchmark calls it
/// first in `main`, so that it can start itself as the server it measures, a process of its own.
pub fn serve_if_asked() -> Option<ExitCode> {
    if std::env::args().nth(1).as_deref() != Some("serve") {
        return None;
    }
    cli::init_logging();
    Some(
        match cli::run(Serve::parse_from(std::env::args().skip(1)).serve) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("serve: {err}");
                ExitCode::FAILURE
            }
        },
    )
}

/// A Chinwag server started as a process of its own; killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Its WebSocket URL.
    pub url: String,
}

impl ServerProcess {
    /// Starts `command`, a Chinwag server told to listen on `127.0.0.1:0` (it prints
    /// `chinwag: serving ws://ADDR/ws ...`), and waits until it has said where it listens.
    ///
    /// # Panics
    /// If it cannot be started or says nothing within 20 s.
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {command:?}: {err}"));
        let stdout = child.stdout.take().expect("the server's stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line
                    .split_whitespace()
                    .find(|word| word.starts_with("ws://"))
                {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let started = Instant::now();
        let url = rx.recv_timeout(START_DEADLINE).unwrap_or_else(|_| {
            panic!("the server did not say where it listens within {START_DEADLINE:?}")
        });
        eprintln!(
            "server pid {} at {url} ({:?})",
            child.id(),
            started.elapsed()
        );
        Self { child, url }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
