//! The Chinwag server under test as a process of its own: this program's own executable in
//! `serve` mode (the `chinwag-server` flags), measured through `chinwag_testkit::process`.

use std::path::Path;
use std::process::Command;

use chinwag_testkit::process::ServerProcess;

/// Starts this executable as a Chinwag server on a free loopback port, its rate limits lifted,
/// its history in `db`, with room for `clients` connections from one address.
pub fn start_own_server(db: &Path, clients: usize) -> ServerProcess {
    let cap = (clients + 64).to_string();
    let mut command = Command::new(std::env::current_exe().expect("this program's path"));
    command
        .arg("serve")
        .args(["--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(["--messages-per-second", "0", "--identities-per-hour", "0"])
        .args(["--max-connections", &cap, "--max-connections-per-ip", &cap]);
    ServerProcess::start(command)
}
