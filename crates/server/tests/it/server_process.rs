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
        .env(
            "RUST_LOG",
            std::env::var("CHINWAG_TEST_RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(log_file())
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

/// Where a server's log goes: a file of its own in the directory `CHINWAG_TEST_SERVER_LOGS`
/// names, if set (to read what a node did in a failed test), else nowhere.
fn log_file() -> Stdio {
    static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let Some(dir) = std::env::var_os("CHINWAG_TEST_SERVER_LOGS") else {
        return Stdio::null();
    };
    let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::path::Path::new(&dir).join(format!("server-{}-{n}.log", std::process::id()));
    std::fs::File::create(&path).map_or_else(|_| Stdio::null(), Stdio::from)
}
