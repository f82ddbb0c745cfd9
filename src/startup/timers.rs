//! The timers a process runs beside its routes: the time pass (event deliveries every second;
//! every minute the grace pass, the free periods due, the events time caused and the gauges;
//! every hour the retention), and the reconciliation pass every `RECONCILE_INTERVAL`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::ports::Ports;
use crate::service::events::EventDelivery;
use crate::service::reconcile::{PassOptions, Reconciler};

/// How often the event timer delivers due events, and after how many ticks it writes the events
/// time caused (`ended`, `lapsed`, `trial_will_end`).
const EVENT_TICK: Duration = Duration::from_secs(1);
const EMIT_DUE_EVERY_TICKS: u32 = 60;
/// After how many ticks delivered events past their retention are deleted (hourly).
const PRUNE_EVERY_TICKS: u32 = 3600;

/// Runs the time pass: every second a delivery pass (a claim that finds nothing due is one
/// indexed query; none without `APP_WEBHOOK_URL`); every minute first the grace pass (a month
/// whose grace ran out lapses only once PortOne confirms nothing was paid), then the time-caused
/// events and the gauges; every hour the retention. With `wakes` (direct PostgreSQL's `LISTEN`),
/// a delivery pass also runs as soon as a new event commits; the poll stays as the fallback.
pub fn spawn_time_timer<P: Ports>(
    events: Arc<EventDelivery<P>>,
    reconciler: Arc<Reconciler<P>>,
    wakes: Option<Arc<Notify>>,
) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVENT_TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut count: u32 = 0;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = woken(wakes.as_deref()) => {
                    events.tick(false, false).await;
                    continue;
                }
            }
            let minutely = count % EMIT_DUE_EVERY_TICKS == 0;
            if minutely {
                reconciler.settle_graces_logged().await;
                reconciler.record_free_periods_logged().await;
            }
            events.tick(minutely, count % PRUNE_EVERY_TICKS == 0).await;
            count = count.wrapping_add(1);
        }
    });
}

/// Resolves when `wakes` is notified; never without it.
async fn woken(wakes: Option<&Notify>) {
    match wakes {
        Some(wakes) => wakes.notified().await,
        None => std::future::pending().await,
    }
}

/// Runs a reconciliation pass every `interval` (the first one `interval` after start), for as
/// long as the process runs. Replicas share the lease: one pass at a time across all of them.
pub fn spawn_reconcile_timer<P: Ports>(reconciler: Arc<Reconciler<P>>, interval: Duration) {
    tracing::info!(interval_seconds = interval.as_secs(), "reconcile timer on");
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let report = reconciler.run(PassOptions::default()).await;
            if !report.succeeded() {
                tracing::warn!(
                    failed = report.failed,
                    "reconcile pass left failures; see its actions"
                );
            }
        }
    });
}
