//! Telemetry: structured logs with `tracing` (JSON lines, filtered by `RUST_LOG`, default `info`)
//! here, Prometheus metrics in [`metrics`]. Each line carries its spans' fields (`spans`), so the
//! `request` span's `request_id` and `webhook_id` are on every line a request logs.

pub mod metrics;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are ignored (tests may call it repeatedly).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .with_env_filter(filter)
        .try_init();
}

/// As [`init`], writing to stderr: for the `reconcile` command, whose stdout is its report.
pub fn init_to_stderr() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
