//! What each series means (`# HELP`), and the label sets exported at zero from process start, so
//! a dashboard's query has a series before the first event happens.

use metrics::{counter, gauge};

use super::*;

pub(super) fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        WEBHOOKS,
        "Webhooks answered on POST /api/portone, by event, HTTP status and outcome (success or the failed step's code)."
    );
    describe_histogram!(
        WEBHOOK_DURATION,
        Unit::Seconds,
        "Time from receipt to answer of a webhook."
    );
    describe_gauge!(WEBHOOKS_IN_FLIGHT, "Webhooks being processed now.");
    describe_counter!(
        WEBHOOKS_OVERLOADED,
        "Webhooks refused with 503 because too many were in flight."
    );
    describe_counter!(
        SIGNATURE_FAILURES,
        "Webhooks refused with 401, by Standard Webhooks failure reason."
    );
    describe_histogram!(
        UPSTREAM_DURATION,
        Unit::Seconds,
        "One attempt of a PortOne or storage call, by upstream, operation and result."
    );
    describe_counter!(
        UPSTREAM_RETRIES,
        "PortOne calls repeated after a transient failure."
    );
    describe_counter!(
        DUNNING_RETRIES,
        "Retries of a declined renewal the policy scheduled."
    );
    describe_counter!(
        DUNNING_RECOVERED,
        "Renewals paid by a retry after a declined charge."
    );
    describe_counter!(
        DUNNING_LAPSED,
        "Subscriptions lapsed because no retry was left or could succeed."
    );
    describe_counter!(
        EVENT_DELIVERIES,
        "Delivery attempts of subscription events to the app, by result."
    );
    describe_gauge!(EVENTS_PENDING, "Subscription events waiting for delivery.");
    describe_gauge!(
        OLDEST_PENDING_EVENT_AGE,
        Unit::Seconds,
        "Seconds since the oldest pending event happened (0 without one)."
    );
    describe_counter!(
        CHARGE_CALLS_LIMITED,
        "Charge-triggering calls refused by the per-customer limit (per replica)."
    );
    describe_counter!(
        TOKENS_REFUSED,
        "Bearer tokens refused: neither the admin token nor a valid Supabase access token."
    );
    describe_counter!(RECONCILE_PASSES, "Reconciliation passes, by result.");
    describe_counter!(
        RECONCILE_ITEMS,
        "What reconciliation passes found, by kind and outcome."
    );
    describe_histogram!(
        RECONCILE_DURATION,
        Unit::Seconds,
        "How long a reconciliation pass took."
    );
}

/// The label sets known to exist from the start: [`export_at_zero`] exports each at 0, so
/// `rate()`, dashboards and alerts work before the first event (Prometheus's instrumentation
/// guidance, "Avoid missing metrics", <https://prometheus.io/docs/practices/instrumentation/>).
/// The labels come from the code that records them; `startup` gathers them.
#[derive(Debug, Clone, Copy)]
pub struct KnownSeries<'a> {
    /// Standard Webhooks failure reasons.
    pub signature_reasons: &'a [&'static str],
    /// The flows a webhook can run: their `status="200", outcome="success"` series.
    pub processed_events: &'a [&'static str],
    /// How a reconciliation pass can end.
    pub reconcile_results: &'a [&'static str],
    /// Every `(kind, outcome)` a pass can report.
    pub reconcile_items: &'a [(&'static str, &'static str)],
    /// PortOne operations that are retried after a transient failure.
    pub retried_operations: &'a [&'static str],
    /// How an event delivery attempt can end.
    pub event_delivery_results: &'a [&'static str],
}

/// Exports at 0 every counter without labels, the in-flight gauge, and each label set of
/// `known`. Adding 0 to a counter registers it without changing it, so calling this late (or
/// twice) never loses a count.
pub fn export_at_zero(known: &KnownSeries<'_>) {
    for name in [
        WEBHOOKS_OVERLOADED,
        DUNNING_RETRIES,
        DUNNING_RECOVERED,
        DUNNING_LAPSED,
        CHARGE_CALLS_LIMITED,
        TOKENS_REFUSED,
    ] {
        counter!(name).increment(0);
    }
    gauge!(WEBHOOKS_IN_FLIGHT).increment(0.0);
    gauge!(EVENTS_PENDING).increment(0.0);
    gauge!(OLDEST_PENDING_EVENT_AGE).increment(0.0);
    for &result in known.event_delivery_results {
        counter!(EVENT_DELIVERIES, "result" => result).increment(0);
    }
    for &reason in known.signature_reasons {
        counter!(SIGNATURE_FAILURES, "reason" => reason).increment(0);
    }
    for &event in known.processed_events {
        counter!(WEBHOOKS, "event" => event, "status" => "200", "outcome" => "success").increment(0);
    }
    for &result in known.reconcile_results {
        counter!(RECONCILE_PASSES, "result" => result).increment(0);
    }
    for &(kind, outcome) in known.reconcile_items {
        counter!(RECONCILE_ITEMS, "kind" => kind, "outcome" => outcome).increment(0);
    }
    for &operation in known.retried_operations {
        counter!(UPSTREAM_RETRIES, "upstream" => Upstream::PortOne.label(), "operation" => operation)
            .increment(0);
    }
}
