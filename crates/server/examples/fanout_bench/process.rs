//! The server under test as a process of its own: started from this program's own executable
//! (`fanout_bench serve ...`, the `chinwag-server` flags), or one already running, named by its
//! pid. Its CPU time comes from `/proc/<pid>/stat`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`: 100 on Linux).
const CLOCK_TICKS: f64 = 100.0;
/// How long a started server may take to say where it listens.
const START_DEADLINE: Duration = Duration::from_secs(20);

/// The user + system CPU time `pid` has used so far, or `None` if it cannot be read.
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

/// The command name of `pid` (what the CPU figures are of), or `?`.
pub fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map_or_else(|_| "?".into(), |comm| comm.trim().to_owned())
}

/// A Chinwag server started by this program: this executable in `serve` mode, its rate limits
/// lifted, its history in `db`; killed when dropped.
pub struct OwnServer {
    child: Child,
    /// Its WebSocket URL.
    pub url: String,
}

impl OwnServer {
    /// Starts it on a free loopback port with room for `clients` connections from one address.
    pub fn start(db: &Path, clients: usize) -> Self {
        let exe = std::env::current_exe().expect("this program's path");
        let cap = (clients + 64).to_string();
        let mut child = Command::new(exe)
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(["--messages-per-second", "0", "--identities-per-hour", "0"])
            .args(["--max-connections", &cap, "--max-connections-per-ip", &cap])
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn".into()),
            )
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdout = child.stdout.take().expect("server stdout");
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

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
