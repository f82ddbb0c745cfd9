//! Telemetry: structured logs with `tracing` (JSON lines, filtered by `RUST_LOG`, default `info`)
//! here, Prometheus metrics in [`metrics`]. Each line carries its spans' fields (`spans`), so the
//! `request` span's `request_id` and `webhook_id` are on every line a request logs.

pub mod metrics;
pub mod upstream_time;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once, logging to stdout; later calls are ignored (tests may
/// call it repeatedly).
pub fn init() {
    install(std::io::stdout);
}

/// As [`init`], writing to stderr: for the `reconcile` command, whose stdout is its report.
pub fn init_to_stderr() {
    install(std::io::stderr);
}

fn install<W>(writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init();
}
