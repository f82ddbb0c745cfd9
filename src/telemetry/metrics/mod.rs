//! Prometheus metrics: every series the service exports, named and recorded here, through the
//! `metrics` facade, rendered by `metrics-exporter-prometheus` at `GET /metrics`.
//!
//! Why these crates: the facade keeps instrumentation a one-line call wherever the fact is known
//! (an adapter's call, a flow's step) without threading a registry through every constructor, and
//! the exporter renders the text format without starting an HTTP server of its own (its default
//! features, off here, would), so `/metrics` is one more poem route on the main port or on
//! `METRICS_ADDR`.
//!
//! Conventions (<https://prometheus.io/docs/practices/naming/>): base units (seconds), `_total`
//! on counters, and labels with a small fixed set of values. Payment ids, customer ids, amounts
//! and billing keys never appear in a label.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

mod series;

use series::describe;
pub use series::{export_at_zero, KnownSeries};

/// `portone_subscriptions_webhooks_total{event, status, outcome}`.
pub const WEBHOOKS: &str = "portone_subscriptions_webhooks_total";
/// `portone_subscriptions_webhook_duration_seconds{event}`: receipt to answer.
pub const WEBHOOK_DURATION: &str = "portone_subscriptions_webhook_duration_seconds";
/// `portone_subscriptions_webhooks_in_flight`.
pub const WEBHOOKS_IN_FLIGHT: &str = "portone_subscriptions_webhooks_in_flight";
/// `portone_subscriptions_webhooks_overloaded_total`: refused with 503 before being read.
pub const WEBHOOKS_OVERLOADED: &str = "portone_subscriptions_webhooks_overloaded_total";
/// `portone_subscriptions_webhook_signature_failures_total{reason}`.
pub const SIGNATURE_FAILURES: &str = "portone_subscriptions_webhook_signature_failures_total";
/// `portone_subscriptions_upstream_request_duration_seconds{upstream, operation, result}`.
pub const UPSTREAM_DURATION: &str = "portone_subscriptions_upstream_request_duration_seconds";
/// `portone_subscriptions_upstream_retries_total{upstream, operation}`.
pub const UPSTREAM_RETRIES: &str = "portone_subscriptions_upstream_retries_total";
/// `portone_subscriptions_dunning_retries_scheduled_total`.
pub const DUNNING_RETRIES: &str = "portone_subscriptions_dunning_retries_scheduled_total";
/// `portone_subscriptions_dunning_recovered_total`.
pub const DUNNING_RECOVERED: &str = "portone_subscriptions_dunning_recovered_total";
/// `portone_subscriptions_dunning_lapsed_total`.
pub const DUNNING_LAPSED: &str = "portone_subscriptions_dunning_lapsed_total";
/// `portone_subscriptions_reconcile_passes_total{result}`.
/// Delivery attempts of subscription events to the app, by result.
pub const EVENT_DELIVERIES: &str = "portone_subscriptions_event_deliveries_total";
/// Subscription events waiting for delivery.
pub const EVENTS_PENDING: &str = "portone_subscriptions_events_pending";
/// Seconds since the oldest pending event happened (0 without one).
pub const OLDEST_PENDING_EVENT_AGE: &str = "portone_subscriptions_oldest_pending_event_age_seconds";
/// Charge-triggering calls (start, card update) refused with 429 by the per-customer limit.
pub const CHARGE_CALLS_LIMITED: &str = "portone_subscriptions_charge_calls_limited_total";
/// Bearer tokens that were neither the admin token nor a valid Supabase access token.
pub const TOKENS_REFUSED: &str = "portone_subscriptions_tokens_refused_total";
pub const RECONCILE_PASSES: &str = "portone_subscriptions_reconcile_passes_total";
/// `portone_subscriptions_reconcile_items_total{kind, outcome}`.
pub const RECONCILE_ITEMS: &str = "portone_subscriptions_reconcile_items_total";
/// `portone_subscriptions_reconcile_pass_duration_seconds`.
pub const RECONCILE_DURATION: &str = "portone_subscriptions_reconcile_pass_duration_seconds";

/// Histogram buckets in seconds: 5 ms to PortOne's 30 s webhook timeout.
const SECONDS_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0,
];
/// A reconciliation pass takes seconds to minutes.
const PASS_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];

/// Installs the Prometheus recorder as the process's `metrics` recorder, once; later calls return
/// the same handle. Until it is installed every recording below is a no-op (the `reconcile`
/// command, say).
pub fn install() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(RECONCILE_DURATION.to_owned()), PASS_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
                })
                .expect("the bucket lists are not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only when another recorder was installed first; ours then stays unused.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics shows only its own");
            }
            describe();
            handle
        })
        .clone()
}

/// Drains histogram samples into their buckets every `every`, so memory stays bounded between
/// scrapes (the exporter's own listener would do this; ours is a poem route). Runs for as long
/// as the process does.
pub fn spawn_upkeep(handle: PrometheusHandle, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Which upstream a call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    PortOne,
    Storage,
}

impl Upstream {
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::PortOne => "portone",
            Self::Storage => "storage",
        }
    }
}

/// One webhook answered. `event`: `paid`, `cancelled`, `failed`, `unhandled` (any other type or
/// status) or `unknown` (refused before the event was read); `outcome`: `success` or the code of
/// the step that failed.
pub fn webhook_answered(event: &'static str, status: u16, outcome: &'static str, took: Duration) {
    counter!(WEBHOOKS, "event" => event, "status" => status_label(status), "outcome" => outcome).increment(1);
    histogram!(WEBHOOK_DURATION, "event" => event).record(took.as_secs_f64());
}

/// The HTTP statuses `POST /api/portone` answers with, as labels without allocating.
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        400 => "400",
        401 => "401",
        409 => "409",
        413 => "413",
        500 => "500",
        503 => "503",
        _ => "other",
    }
}

/// Counts a webhook in flight until dropped.
#[must_use = "the webhook is in flight while this lives"]
pub struct InFlight(());

impl InFlight {
    pub fn start() -> Self {
        gauge!(WEBHOOKS_IN_FLIGHT).increment(1.0);
        Self(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!(WEBHOOKS_IN_FLIGHT).decrement(1.0);
    }
}

/// A webhook refused with 503 because too many were in flight.
pub fn webhook_overloaded() {
    counter!(WEBHOOKS_OVERLOADED).increment(1);
}

/// A signature refused, with its Standard Webhooks reason (`NO_MATCHING_SIGNATURE`, …).
pub fn signature_failed(reason: &'static str) {
    counter!(SIGNATURE_FAILURES, "reason" => reason).increment(1);
}

/// One attempt of an upstream call that began at `started`. `result`: for PortOne `2xx`, `4xx`,
/// `5xx`, `timeout`, `connect_error` or `invalid_response`; for storage `ok`, `rejected`,
/// `timeout`, `connect_error`, `unavailable` or `invalid_response`.
pub fn upstream_call(upstream: Upstream, operation: &'static str, result: &'static str, started: Instant) {
    histogram!(
        UPSTREAM_DURATION,
        "upstream" => upstream.label(),
        "operation" => operation,
        "result" => result
    )
    .record(started.elapsed().as_secs_f64());
    super::upstream_time::add(started.elapsed());
}

/// An upstream call about to be repeated after a transient failure.
pub fn upstream_retry(upstream: Upstream, operation: &'static str) {
    counter!(UPSTREAM_RETRIES, "upstream" => upstream.label(), "operation" => operation).increment(1);
}

/// A declined renewal's retry scheduled by the policy (counted once, when its failure is first
/// recorded).
pub fn dunning_retry_scheduled() {
    counter!(DUNNING_RETRIES).increment(1);
}

/// A renewal paid by a retry (counted once, when the month is first recorded).
pub fn dunning_recovered() {
    counter!(DUNNING_RECOVERED).increment(1);
}

/// A subscription lapsed: every retry failed, or none can succeed.
pub fn dunning_lapsed() {
    counter!(DUNNING_LAPSED).increment(1);
}

/// One delivery attempt of an event ended with `result` (a bounded label).
pub fn event_delivery(result: &'static str) {
    counter!(EVENT_DELIVERIES, "result" => result).increment(1);
}

/// How many events wait, and since when (seconds) the oldest.
pub fn events_pending(count: u64, oldest_age_seconds: f64) {
    gauge!(EVENTS_PENDING).set(count as f64);
    gauge!(OLDEST_PENDING_EVENT_AGE).set(oldest_age_seconds);
}

/// A charge-triggering call refused by the per-customer limit.
pub fn charge_calls_limited() {
    counter!(CHARGE_CALLS_LIMITED).increment(1);
}

/// A bearer token refused (the reason is logged, never the token).
pub fn token_refused() {
    counter!(TOKENS_REFUSED).increment(1);
}

/// A reconciliation pass ended: `result` is `succeeded`, `failed` or `skipped` (the lease was
/// held).
pub fn reconcile_pass(result: &'static str, took: Duration) {
    counter!(RECONCILE_PASSES, "result" => result).increment(1);
    histogram!(RECONCILE_DURATION).record(took.as_secs_f64());
}

/// One thing a pass found: `kind` `due_renewal`, `missing_schedule` or `orphan_schedule`;
/// `outcome` as the report's (`healed`, `waiting`, `failed`, …).
pub fn reconcile_item(kind: &'static str, outcome: &'static str) {
    counter!(RECONCILE_ITEMS, "kind" => kind, "outcome" => outcome).increment(1);
}
