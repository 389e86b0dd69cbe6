//! The release `chinwag-server` started for a storm when no running server is given, measured
//! through `chinwag_testkit::process`.

use std::path::PathBuf;
use std::process::Command;

use chinwag_testkit::process::ServerProcess;

/// A release `chinwag-server` on a free port with a fresh database and its caps raised for
/// `clients` connections from one address; stopped (and its database removed) when dropped.
pub struct StartedServer {
    /// The server process.
    pub process: ServerProcess,
    _dir: tempfile::TempDir,
}

impl StartedServer {
    /// Starts the server built next to this example (`cargo build --release -p
    /// chinwag-server`), and waits until it listens.
    pub fn start(clients: usize) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let caps = (clients + 64).to_string();
        let mut command = Command::new(server_binary());
        command
            .args(["--bind", "127.0.0.1:0", "--db"])
            .arg(dir.path().join("storm.sqlite3"))
            .args([
                "--max-connections",
                &caps,
                "--max-connections-per-ip",
                &caps,
            ])
            .args(["--identities-per-hour", "0", "--hello-timeout", "60"]);
        Self {
            process: ServerProcess::start(command),
            _dir: dir,
        }
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
