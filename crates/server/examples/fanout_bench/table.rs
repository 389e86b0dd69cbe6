//! The figures of each step, summed over every client, and the markdown table they make.

use crate::client::Report;

/// One step's figures over every client.
pub struct StepFigures {
    /// Messages per second per sender asked for.
    pub rate: f64,
    /// Messages sent per second (all senders).
    pub offered: f64,
    /// Messages the server refused (`rate_limited`) per second.
    pub refused: f64,
    /// Deliveries per second owed: messages accepted × receivers.
    pub offered_deliveries: f64,
    /// Deliveries read during the step's sending, per second.
    pub delivered: f64,
    /// Latency percentiles in ms: p50, p99, p999 (NaN without deliveries).
    pub latency_ms: [f64; 3],
    /// Server CPU in % of one core during the step's sending.
    pub server_cpu: f64,
    /// This program's CPU in % of one core during the step's sending.
    pub bench_cpu: f64,
    /// Deliveries owed (messages × receivers) and not read before the drain ended.
    pub missed: u64,
}

impl StepFigures {
    /// Sums step `step` (`seconds` of sending) of every report; `receivers` clients were logged
    /// in. The CPU figures are left at 0 for the caller.
    pub fn sum(reports: &[Report], step: usize, receivers: usize, seconds: f64) -> Self {
        let mut sent = 0;
        let mut refused = 0;
        let mut in_window = 0;
        let mut received = 0;
        let mut latencies = Vec::new();
        for tally in reports.iter().filter_map(|report| report.steps.get(step)) {
            sent += tally.sent;
            refused += tally.refused;
            in_window += tally.in_window;
            received += tally.received;
            latencies.extend_from_slice(&tally.latencies);
        }
        latencies.sort_unstable();
        let owed = (sent - refused) * receivers as u64;
        Self {
            rate: 0.0,
            offered: sent as f64 / seconds,
            refused: refused as f64 / seconds,
            offered_deliveries: owed as f64 / seconds,
            delivered: in_window as f64 / seconds,
            latency_ms: [0.5, 0.99, 0.999].map(|p| percentile_ms(&latencies, p)),
            server_cpu: 0.0,
            bench_cpu: 0.0,
            missed: owed.saturating_sub(received),
        }
    }
}

/// The `p` quantile of `sorted` microseconds, in milliseconds.
fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

/// Prints the table, one row a step.
pub fn print(steps: &[StepFigures]) {
    println!(
        "| msg/s per sender | offered msg/s | refused msg/s | owed deliveries/s | delivered/s | p50 / p99 / p999 ms | server CPU | server CPU µs per delivery | missed | bench CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for step in steps {
        let [p50, p99, p999] = step.latency_ms;
        let per_delivery = step.server_cpu / 100.0 / step.delivered * 1e6;
        println!(
            "| {} | {:.0} | {:.0} | {} | {} | {p50:.1} / {p99:.1} / {p999:.1} | {:.0} % | {per_delivery:.2} | {} | {:.0} % |",
            step.rate,
            step.offered,
            step.refused,
            thousands(step.offered_deliveries),
            thousands(step.delivered),
            step.server_cpu,
            step.missed,
            step.bench_cpu,
        );
    }
}

/// `1234567.8` as `1,234,568`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
