//! `/metrics`: the server's counters in Prometheus's text format (version 0.0.4), written by
//! hand (a handful of atomics; no registry needed).
//!
//! Connections open now, messages stored, frames queued for connections (the fan-out), slow
//! clients dropped, messages refused for overload, how long the store takes to commit a batch (a histogram), attachment
//! uploads (started, completed, bytes) and what is stored of attachments. Rates (messages
//! stored a second, …) are Prometheus's `rate()` over the counters. A node of several on one
//! database labels each sample with its id (`node="3"`, its row in `nodes`).

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// The upper bounds of the store latency buckets, in seconds (`+Inf` follows).
const LATENCY_BUCKETS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The server's counters, shared by the hub, the connections and `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    connections: AtomicI64,
    messages_stored: AtomicU64,
    frames_queued: AtomicU64,
    slow_clients_dropped: AtomicU64,
    overload_refusals: AtomicU64,
    batch_latency: Histogram,
    uploads_started: AtomicU64,
    uploads_completed: AtomicU64,
    upload_bytes: AtomicU64,
    attachments_stored: AtomicU64,
    attachment_bytes_stored: AtomicU64,
    /// `node="…"` when several nodes share the database, else empty.
    node_label: String,
}

/// Counts one open connection while it lives.
pub struct OpenConnection(Arc<Metrics>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Counters of node `node` of several sharing one database (its samples are labelled with
    /// it), or of the only one.
    pub fn of_node(node: Option<i64>) -> Self {
        Self {
            node_label: node
                .map(|node| format!("node=\"{node}\""))
                .unwrap_or_default(),
            ..Self::default()
        }
    }

    /// A WebSocket connection opened; it counts until the guard is dropped.
    pub fn connection_opened(self: &Arc<Self>) -> OpenConnection {
        self.connections.fetch_add(1, Ordering::Relaxed);
        OpenConnection(Arc::clone(self))
    }

    /// Commits a batch of `messages` new messages with `commit`, timing it; counts the
    /// messages if it succeeds.
    pub fn time_batch<T, E>(
        &self,
        messages: usize,
        commit: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let started = Instant::now();
        let done = commit();
        self.batch_latency.observe(started.elapsed());
        if done.is_ok() {
            self.messages_stored
                .fetch_add(messages as u64, Ordering::Relaxed);
        }
        done
    }

    /// One frame (or close) queued for a connection.
    pub fn frame_queued(&self) {
        self.frames_queued.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection dropped for not reading fast enough.
    pub fn slow_client_dropped(&self) {
        self.slow_clients_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// A new message refused with `rate_limited` for overload (see `hub::delivery`).
    pub fn overload_refusal(&self) {
        self.overload_refusals.fetch_add(1, Ordering::Relaxed);
    }

    /// An upload started.
    pub fn upload_started(&self) {
        self.uploads_started.fetch_add(1, Ordering::Relaxed);
    }

    /// An upload completed (its content stored, or found stored).
    pub fn upload_completed(&self) {
        self.uploads_completed.fetch_add(1, Ordering::Relaxed);
    }

    /// `bytes` of uploads received and stored.
    pub fn upload_bytes(&self, bytes: u64) {
        self.upload_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// What the store holds of attachments, as the last sweep found: `contents` of `bytes`.
    pub fn attachments_stored(&self, contents: u64, bytes: u64) {
        self.attachments_stored.store(contents, Ordering::Relaxed);
        self.attachment_bytes_stored.store(bytes, Ordering::Relaxed);
    }

    /// The counters in Prometheus's text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let labels = if self.node_label.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", self.node_label)
        };
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                text,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name}{labels} {value}"
            );
        };
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed).to_string();
        metric(
            "chinwag_connections",
            "gauge",
            "WebSocket connections open now.",
            self.connections.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "chinwag_messages_stored_total",
            "counter",
            "Messages committed to the store.",
            load(&self.messages_stored),
        );
        metric(
            "chinwag_fanout_frames_total",
            "counter",
            "Frames queued for connections (acks, broadcasts, replies).",
            load(&self.frames_queued),
        );
        metric(
            "chinwag_slow_clients_dropped_total",
            "counter",
            "Connections dropped for not reading their frames fast enough.",
            load(&self.slow_clients_dropped),
        );
        metric(
            "chinwag_overload_refusals_total",
            "counter",
            "New messages refused with rate_limited because the fan-out lagged or was past its admitted rate.",
            load(&self.overload_refusals),
        );
        metric(
            "chinwag_uploads_started_total",
            "counter",
            "Attachment uploads started.",
            load(&self.uploads_started),
        );
        metric(
            "chinwag_uploads_completed_total",
            "counter",
            "Attachment uploads completed.",
            load(&self.uploads_completed),
        );
        metric(
            "chinwag_upload_bytes_total",
            "counter",
            "Bytes of attachment uploads received and stored.",
            load(&self.upload_bytes),
        );
        metric(
            "chinwag_attachments_stored",
            "gauge",
            "Attachment contents stored (each once however often sent), at the last sweep.",
            load(&self.attachments_stored),
        );
        metric(
            "chinwag_attachment_bytes_stored",
            "gauge",
            "Bytes of attachment contents stored, at the last sweep.",
            load(&self.attachment_bytes_stored),
        );
        self.batch_latency.render(
            &mut text,
            &self.node_label,
            "chinwag_store_batch_seconds",
            "Time to commit one batch of messages and read markers to the store.",
        );
        text
    }
}

/// Counts of durations by bucket, and their sum.
#[derive(Debug, Default)]
struct Histogram {
    /// `buckets[i]`: observations of at most `LATENCY_BUCKETS[i]` seconds (not cumulative).
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    /// Longer than the last bound.
    beyond: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        match LATENCY_BUCKETS.iter().position(|&bound| seconds <= bound) {
            Some(bucket) => self.buckets[bucket].fetch_add(1, Ordering::Relaxed),
            None => self.beyond.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Writes the histogram as `name`, each sample labelled with `labels` (`a="b"`, or empty).
    fn render(&self, text: &mut String, labels: &str, name: &str, help: &str) {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} histogram");
        let (bucket_labels, plain) = if labels.is_empty() {
            (String::new(), String::new())
        } else {
            (format!("{labels},"), format!("{{{labels}}}"))
        };
        let mut count = 0;
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            count += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                text,
                "{name}_bucket{{{bucket_labels}le=\"{bound}\"}} {count}"
            );
        }
        count += self.beyond.load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            text,
            "{name}_bucket{{{bucket_labels}le=\"+Inf\"}} {count}\n{name}_sum{plain} {sum}\n\
             {name}_count{plain} {count}"
        );
    }
}

/// `GET /metrics`.
pub async fn serve(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_cumulatively_up_to_inf() {
        let metrics = Metrics::default();
        for millis in [0, 3, 3, 40, 5_000] {
            let _: Result<(), ()> = metrics.time_batch(2, || Ok(()));
            metrics.batch_latency.observe(Duration::from_millis(millis));
        }
        let text = metrics.render();
        assert!(
            text.contains("chinwag_messages_stored_total 10\n"),
            "{text}"
        );
        // The five batches timed above took well under 0.5 ms, plus the five observed.
        assert!(
            text.contains("chinwag_store_batch_seconds_bucket{le=\"0.0005\"} 6\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_bucket{le=\"0.005\"} 8\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_bucket{le=\"0.05\"} 9\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_bucket{le=\"2.5\"} 9\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_bucket{le=\"+Inf\"} 10\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_count 10\n"),
            "{text}"
        );
    }

    #[test]
    fn a_node_of_several_labels_every_sample_with_its_id() {
        let metrics = Metrics::of_node(Some(7));
        let _: Result<(), ()> = metrics.time_batch(3, || Ok(()));
        let text = metrics.render();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            assert!(line.contains("node=\"7\""), "{line}");
        }
        assert!(
            text.contains("chinwag_messages_stored_total{node=\"7\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_bucket{node=\"7\",le=\"+Inf\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("chinwag_store_batch_seconds_count{node=\"7\"} 1\n"),
            "{text}"
        );
        // One node of its own: no label.
        assert!(
            Metrics::of_node(None)
                .render()
                .contains("chinwag_connections 0\n")
        );
    }
}
