//! What the services share about the per-customer charge limit.

use crate::telemetry::metrics;

/// Logs and counts a charge-triggering call refused by the limit.
pub(super) fn charge_limited(retry_after_seconds: u64) {
    tracing::warn!(
        retry_after_seconds,
        "charge-triggering calls of one customer over the limit"
    );
    metrics::charge_calls_limited();
}
