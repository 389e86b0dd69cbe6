//! The `chinwag-server` binary as a process of its own, to kill with SIGKILL or to run several
//! of on one database.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use chinwag_server::store::Location;

/// The `chinwag-server` binary (the same server as `chinwag serve`), started on `bind`; returns
/// the process and its address.
pub fn spawn_server(bind: &str, db: &Location) -> (Child, SocketAddr) {
    let db: OsString = match db {
        Location::Sqlite(path) => path.into(),
        Location::Postgres(url) => url.into(),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_chinwag-server"))
        .args(["--bind", bind, "--db"])
        .arg(db)
        // Writers send as fast as acks come: measure recovery, not the message limit
        // (limits.rs covers it).
        .args(["--messages-per-second", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server process starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server announces its address");
    let addr = line
        .split("ws://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"));
    (child, addr)
}
