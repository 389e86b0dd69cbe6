//! A throw-away PostgreSQL cluster for the tests: `initdb` in a temporary directory, the server
//! on a free loopback port (its socket in that directory), a fresh database per test, and the
//! whole cluster stopped and removed when the test binary ends.
//!
//! `initdb` refuses to run as root: as root, the directory belongs to the `postgres` user and
//! every PostgreSQL program runs as it (`runuser -u postgres --`). The binaries come from
//! `$CHINWAG_PG_BIN`, else `/usr/lib/postgresql/15/bin` (Debian's `postgresql-15`), else the
//! newest other `/usr/lib/postgresql/*/bin`, else `PATH`.
//!
//! Where PostgreSQL is missing, [`PgCluster::shared`] says how to install it and returns `None`
//! (the test then skips), except under `CI=true`, where a missing PostgreSQL fails the test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Where Debian keeps each PostgreSQL version's programs (`15/bin`, …).
const DEBIAN_VERSIONS: &str = "/usr/lib/postgresql";

/// What stops the cluster and removes its directory: a shell that starts the server, says
/// `started`, then waits for its standard input to close (when the [`PgCluster`] is dropped, or
/// the test binary ends however it ends) and stops and removes it all. Arguments: the binaries,
/// the directory, the server's options.
const GUARDIAN: &str = r#"trap '' INT TERM HUP
"$0/pg_ctl" -D "$1/data" -l "$1/log" -w -s -o "$2" start || exit 1
echo started
cat >/dev/null
"$0/pg_ctl" -D "$1/data" -m immediate -w -s stop
rm -rf "$1""#;

/// A running PostgreSQL cluster of its own.
pub struct PgCluster {
    port: u16,
    bin: PathBuf,
    dir: PathBuf,
    as_root: bool,
    admin: Mutex<postgres::Client>,
    databases: AtomicUsize,
    /// Whether commits wait for the disk (see [`PgCluster::start_durable`]).
    durable: bool,
    /// The guardian's input: closing it stops the cluster.
    stop: Option<ChildStdin>,
    guardian: Child,
}

impl PgCluster {
    /// The cluster this test binary shares (started by the first caller), or `None` (after
    /// saying how to install PostgreSQL) if there is no PostgreSQL to start.
    ///
    /// # Panics
    /// Under `CI=true` when PostgreSQL is missing or does not start.
    pub fn shared() -> Option<&'static Self> {
        static SHARED: OnceLock<Result<PgCluster, String>> = OnceLock::new();
        required_or_skipped(
            SHARED
                .get_or_init(Self::start)
                .as_ref()
                .map_err(String::clone),
        )
    }

    /// A cluster of this test's own (for tests that stop and restart it), or `None` (after
    /// saying how to install PostgreSQL) if there is no PostgreSQL to start.
    ///
    /// # Panics
    /// Under `CI=true` when PostgreSQL is missing or does not start.
    pub fn own() -> Option<Self> {
        required_or_skipped(Self::start())
    }

    /// Starts a cluster of its own; stopped and removed when dropped. It does not `fsync` (a
    /// throw-away cluster: a crash of the machine loses it anyway).
    ///
    /// # Errors
    /// PostgreSQL's programs are missing, or the cluster does not start (with its log).
    pub fn start() -> Result<Self, String> {
        Self::start_with(false)
    }

    /// [`PgCluster::start`] with PostgreSQL's own durability (`fsync` on): for benchmarks that
    /// compare it with SQLite's `synchronous=FULL`.
    ///
    /// # Errors
    /// As [`PgCluster::start`].
    pub fn start_durable() -> Result<Self, String> {
        Self::start_with(true)
    }

    fn start_with(durable: bool) -> Result<Self, String> {
        let bin = binaries()
            .ok_or("no initdb in $CHINWAG_PG_BIN, or else /usr/lib/postgresql/*/bin or PATH")?;
        let dir = tempfile::Builder::new()
            .prefix("chinwag-pg-")
            .tempdir()
            .map_err(|err| format!("temporary directory: {err}"))?
            .keep();
        let as_root = is_root();
        if as_root {
            let owner = postgres_user_ids()?;
            std::os::unix::fs::chown(&dir, Some(owner.0), Some(owner.1))
                .map_err(|err| format!("chown {}: {err}", dir.display()))?;
        }
        let initdb = run_as_postgres(as_root, &bin.join("initdb"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C.UTF-8", "--no-sync"])
            .output()
            .map_err(|err| format!("initdb: {err}"))?;
        if !initdb.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr)
            ));
        }
        let port = free_port()?;
        let mut guardian = run_as_postgres(as_root, Path::new("sh"))
            .args(["-c", GUARDIAN])
            .arg(&bin)
            .arg(&dir)
            .arg(server_options(&dir, port, durable))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|err| format!("starting PostgreSQL: {err}"))?;
        let mut said = String::new();
        if let Some(stdout) = guardian.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut said);
        }
        if said.trim() != "started" {
            let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
            let _ = guardian.wait();
            return Err(format!("PostgreSQL did not start:\n{log}"));
        }
        let stop = guardian.stdin.take();
        let admin = postgres::Client::connect(
            &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
            postgres::NoTls,
        )
        .map_err(|err| format!("connecting to the test cluster: {err}"))?;
        Ok(Self {
            port,
            bin,
            dir,
            as_root,
            admin: Mutex::new(admin),
            databases: AtomicUsize::new(0),
            durable,
            stop,
            guardian,
        })
    }

    /// The URL of a new, empty database of this cluster (one per test).
    ///
    /// # Panics
    /// If PostgreSQL refuses to create it.
    pub fn fresh_database(&self) -> String {
        let name = format!("test_{}", self.databases.fetch_add(1, Ordering::Relaxed));
        self.admin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server (a fast shutdown: connections are cut), as an outage would; the
    /// cluster stays, for [`PgCluster::start_server`].
    ///
    /// # Panics
    /// If `pg_ctl` fails.
    pub fn stop_server(&self) {
        self.pg_ctl(&["-m", "fast", "stop"]);
    }

    /// Starts the server again after [`PgCluster::stop_server`], on the same port.
    ///
    /// # Panics
    /// If `pg_ctl` fails.
    pub fn start_server(&self) {
        let options = server_options(&self.dir, self.port, self.durable);
        let log = self.dir.join("log");
        let log = log.to_string_lossy();
        self.pg_ctl(&["-l", &log, "-o", &options, "start"]);
    }

    fn pg_ctl(&self, args: &[&str]) {
        let status = run_as_postgres(self.as_root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-w", "-s"])
            .args(args)
            .stdin(Stdio::null())
            .status()
            .expect("pg_ctl runs");
        assert!(status.success(), "pg_ctl {args:?} failed");
    }
}

/// The server's options: `port` on 127.0.0.1, its socket in `dir`, `fsync` only if `durable`,
/// connections for many servers at once.
fn server_options(dir: &Path, port: u16, durable: bool) -> String {
    let fsync = if durable { "on" } else { "off" };
    format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync={fsync} -c max_connections=300",
        dir.display()
    )
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Closing the guardian's input makes it stop the server and remove the directory.
        drop(self.stop.take());
        let _ = self.guardian.wait();
    }
}

/// The directory holding `initdb` and `pg_ctl`.
fn binaries() -> Option<PathBuf> {
    let has_initdb = |dir: &Path| dir.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("CHINWAG_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|dir| has_initdb(dir));
    }
    let debian = Path::new(DEBIAN_VERSIONS);
    let mut versions: Vec<u32> = std::fs::read_dir(debian)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&version| version != 15)
        .collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    [debian.join("15/bin")]
        .into_iter()
        .chain(
            versions
                .iter()
                .map(|version| debian.join(format!("{version}/bin"))),
        )
        .chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        )
        .find(|dir| has_initdb(dir))
}

/// `program` as a command run by the `postgres` user when we are root, else by us.
fn run_as_postgres(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    id(&["-u"]).is_ok_and(|uid| uid == 0)
}

/// The `postgres` user's uid and gid.
fn postgres_user_ids() -> Result<(u32, u32), String> {
    let missing = |err: String| format!("no postgres user to run PostgreSQL as root ({err})");
    Ok((
        id(&["-u", "postgres"]).map_err(missing)?,
        id(&["-g", "postgres"]).map_err(missing)?,
    ))
}

/// What `id ARGS` prints, as a number.
fn id(args: &[&str]) -> Result<u32, String> {
    let output = Command::new("id")
        .args(args)
        .output()
        .map_err(|err| err.to_string())?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A port nobody listens on now (the system picks it; PostgreSQL takes it right after).
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|err| format!("a free port: {err}"))
}

/// `started`, or `None` after saying (once) how to install PostgreSQL; under `CI=true` a missing
/// PostgreSQL fails the test instead.
fn required_or_skipped<T>(started: Result<T, String>) -> Option<T> {
    match started {
        Ok(cluster) => Some(cluster),
        Err(why) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("PostgreSQL is required under CI=true: {why}")
        }
        Err(why) => {
            static TOLD: std::sync::Once = std::sync::Once::new();
            TOLD.call_once(|| {
                eprintln!(
                    "skipping the PostgreSQL tests: {why}\n  install PostgreSQL 15 \
                     (Debian/Ubuntu: `apt-get install postgresql`) or point \
                     CHINWAG_PG_BIN at its bin directory"
                );
            });
            None
        }
    }
}
