//! The server process measured from outside: CPU time and resident memory from `/proc`, and
//! starting the release `chinwag-server` when no running server is given.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`: 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// How long a started server has to accept connections.
const START_DEADLINE: Duration = Duration::from_secs(20);

/// The user + system CPU seconds process `pid` has used.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the server runs");
    // Fields after the command name (which may hold spaces, inside parentheses).
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields[11..13]
        .iter()
        .map(|field| field.parse::<f64>().expect("a tick count"))
        .sum();
    ticks / TICKS_PER_SECOND
}

/// The resident memory of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server runs");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// A release `chinwag-server` started for the run, on a free port with a fresh database and its
/// caps raised for `clients` connections from one address; killed when dropped.
pub struct StartedServer {
    child: Child,
    /// Its WebSocket URL.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl StartedServer {
    /// Starts the server built next to this example (`cargo build --release -p
    /// chinwag-server`), and waits until it accepts connections.
    pub fn start(clients: usize) -> Self {
        let binary = server_binary();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let caps = (clients + 64).to_string();
        let child = Command::new(&binary)
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--db")
            .arg(dir.path().join("storm.sqlite3"))
            .args([
                "--max-connections",
                &caps,
                "--max-connections-per-ip",
                &caps,
            ])
            .args(["--identities-per-hour", "0", "--hello-timeout", "60"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < START_DEADLINE,
                "the server did not accept connections within {START_DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            url: format!("ws://127.0.0.1:{port}/ws"),
            _dir: dir,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for StartedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `chinwag-server` in the directory above this example's (`target/release`).
fn server_binary() -> PathBuf {
    let example = std::env::current_exe().expect("the example's path");
    let binary = example
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("chinwag-server"))
        .expect("the target directory");
    assert!(
        binary.exists(),
        "{} is missing: build it first (cargo build --release -p chinwag-server)",
        binary.display()
    );
    binary
}
