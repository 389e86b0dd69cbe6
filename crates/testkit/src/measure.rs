//! Measuring helpers shared by the example programs of every crate.

use std::path::Path;
use std::time::Duration;

use chinwag_server::limits::RateLimits;
use chinwag_server::{RunningServer, ServeOptions};

/// A server on a free loopback port with its history in `db` and its rate limits lifted: the
/// load examples measure raw throughput (the server's examples/flood.rs measures the limits).
pub fn unlimited_server(db: &Path) -> RunningServer {
    RunningServer::start_with(
        "127.0.0.1:0".parse().expect("address"),
        db,
        ServeOptions {
            rate_limits: RateLimits::unlimited(),
            ..Default::default()
        },
    )
    .expect("server starts")
}

/// The process's resident memory in MiB (Linux), or NaN elsewhere.
pub fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// The `p` quantile (0 to 1) of `sorted` durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}
