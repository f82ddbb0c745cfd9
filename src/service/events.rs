//! Telling the app what happened: the delivery pass over the outbox of subscription events.
//!
//! Each pass claims due pending events (a lease, so replicas never send one event at the same
//! moment), sends each once through the [`EventSink`], and stores the outcome: delivered, or
//! failed with the next attempt's time from [`next_attempt_at`] (about 3 days of retries), after
//! which the event is `failed` and stays listed and replayable. Delivery is at least once and in
//! no promised order: an event whose answer was lost is sent again, and the app deduplicates on
//! its id.
//!
//! The events time causes (`ended`, `lapsed` when a grace runs out, `trial_will_end`) are
//! written by [`EventDelivery::emit_due`], which the same timer runs.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use uuid::Uuid;

use crate::domain::event::{next_attempt_at, SubscriptionEvent};
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    AttemptOutcome, Clock, Delivery, EventFilter, EventLedger, EventPage, EventSink, LedgerError, Ports,
};
use crate::telemetry::metrics;

/// How delivery passes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Events claimed at once.
    pub batch: u32,
    /// How long a claim holds an event: past the attempt's timeout, so a claimed event is never
    /// claimed again while its attempt can still be running.
    pub lease: Duration,
    /// Events sent at once.
    pub concurrency: usize,
    /// How long delivered events are kept (`EVENT_RETENTION_DAYS`); at least 31 days, past the
    /// time pass's 30-day look-back, so a deleted event is never written again.
    pub retention: Duration,
}

/// Default `EVENT_RETENTION_DAYS`.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(90 * 86_400);

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            batch: 50,
            lease: Duration::from_secs(30),
            concurrency: 8,
            retention: DEFAULT_RETENTION,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    pub claimed: u64,
    pub delivered: u64,
    /// Failed and due again later.
    pub retrying: u64,
    /// Failed for the last time: now `failed`.
    pub failed: u64,
}

/// Delivers the outbox's events to the app.
pub struct EventDelivery<P> {
    ports: Arc<P>,
    sink: Option<Arc<dyn EventSink>>,
    settings: DeliverySettings,
}

impl<P: Ports> EventDelivery<P> {
    /// Without a sink, events are stored (and listed) but not sent.
    pub fn new(ports: Arc<P>, sink: Option<Arc<dyn EventSink>>, settings: DeliverySettings) -> Self {
        Self {
            ports,
            sink,
            settings,
        }
    }

    /// `true` when events are sent somewhere.
    pub fn delivers(&self) -> bool {
        self.sink.is_some()
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports.clock().now())
    }

    /// Writes the events time has caused by now; how many.
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails.
    pub async fn emit_due(&self) -> Result<u64, LedgerError> {
        self.ports.ledger().emit_due_events(self.now()).await
    }

    /// Sends every event due now, batch after batch, until none is due. Nothing without a sink.
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails (what was settled before stays settled).
    pub async fn deliver_due(&self) -> Result<DeliveryPass, LedgerError> {
        let mut pass = DeliveryPass::default();
        let Some(sink) = &self.sink else {
            return Ok(pass);
        };
        // Bounded: an event claimed is not due again within the lease.
        for _ in 0..1000 {
            let claimed = self
                .ports
                .ledger()
                .claim_events(self.now(), self.settings.batch, self.settings.lease)
                .await?;
            if claimed.is_empty() {
                break;
            }
            pass.claimed += claimed.len() as u64;
            let settled: Vec<Result<Settled, LedgerError>> = stream::iter(claimed)
                .map(|event| self.attempt(sink.as_ref(), event))
                .buffer_unordered(self.settings.concurrency.max(1))
                .collect()
                .await;
            for outcome in settled {
                match outcome? {
                    Settled::Delivered => pass.delivered += 1,
                    Settled::Retrying => pass.retrying += 1,
                    Settled::Failed => pass.failed += 1,
                }
            }
        }
        Ok(pass)
    }

    async fn attempt(&self, sink: &dyn EventSink, event: SubscriptionEvent) -> Result<Settled, LedgerError> {
        let delivery = sink.deliver(&event).await;
        metrics::event_delivery(delivery.label());
        let attempted_at = self.now();
        let outcome = AttemptOutcome {
            attempted_at,
            result: delivery.result(),
            http_status: delivery.http_status(),
            error: match &delivery {
                Delivery::Delivered { .. } => None,
                Delivery::Refused { status } => Some(format!("the app answered {status}")),
                Delivery::Timeout => Some("no answer within 10 s".to_owned()),
                Delivery::Unreachable(why) => Some(why.clone()),
            },
        };
        let delivered = matches!(delivery, Delivery::Delivered { .. });
        let next = if delivered {
            None
        } else {
            next_attempt_at(event.id, event.attempts + 1, attempted_at)
        };
        self.ports.ledger().settle_event(event.id, &outcome, next).await?;
        let settled = match (delivered, next) {
            (true, _) => Settled::Delivered,
            (false, Some(_)) => Settled::Retrying,
            (false, None) => Settled::Failed,
        };
        if !delivered {
            tracing::warn!(
                event_id = %event.id,
                event_type = event.event_type.as_str(),
                attempt = event.attempts + 1,
                result = outcome.result.as_column(),
                "an event was not delivered"
            );
        }
        Ok(settled)
    }

    /// Sends event `id` again now, whatever its status, and runs a pass; the event as stored
    /// after it. `None` when no event has this id.
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails.
    pub async fn redeliver(&self, id: Uuid) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let ledger = self.ports.ledger();
        let Some(event) = ledger.redeliver_event(id, self.now()).await? else {
            return Ok(None);
        };
        self.deliver_due().await?;
        ledger.event(event.id).await
    }

    /// One page of events for `GET /api/events`, newest first.
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails.
    pub async fn page(&self, page: &EventPage) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        self.ports.ledger().event_page(page).await
    }

    /// Events as `filter` says, for operators (with delivery attempts).
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails.
    pub async fn list(&self, filter: &EventFilter) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        self.ports.ledger().events(filter).await
    }

    /// Deletes delivered events older than the retention; how many.
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails.
    pub async fn prune(&self) -> Result<u64, LedgerError> {
        // Bounded by configuration (at most ten years); were it not, keeping everything is the
        // safe answer to an unrepresentable retention, never deleting everything.
        let Some(before) = chrono::Duration::from_std(self.settings.retention)
            .ok()
            .and_then(|retention| self.now().as_utc().checked_sub_signed(retention))
        else {
            return Ok(0);
        };
        let before = Timestamp::from_utc(before);
        self.ports.ledger().prune_events(before).await
    }

    /// Sets the pending-events gauges from storage.
    ///
    /// # Errors
    /// [`LedgerError`] when storage fails.
    pub async fn observe(&self) -> Result<(), LedgerError> {
        let pending = self.ports.ledger().pending_events().await?;
        let age = pending.oldest.map_or(0.0, |oldest| {
            (self.now().as_utc() - oldest.as_utc()).num_milliseconds() as f64 / 1000.0
        });
        metrics::events_pending(pending.count, age.max(0.0));
        Ok(())
    }

    /// One timer tick: a delivery pass; with `minutely`, first the events time caused and after
    /// it the pending-events gauges (a scrape every 15–60 s needs no fresher); with `hourly`, the
    /// delivered events past their retention. Failures are logged; the next tick tries again.
    pub async fn tick(&self, minutely: bool, hourly: bool) {
        if hourly {
            match self.prune().await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "delivered events past their retention deleted"),
                Err(error) => tracing::warn!(%error, "old events could not be deleted"),
            }
        }
        if minutely {
            if let Err(error) = self.emit_due().await {
                tracing::error!(%error, "the time-caused events could not be written");
            }
        }
        if let Err(error) = self.deliver_due().await {
            tracing::error!(%error, "an event delivery pass failed");
        }
        if minutely {
            if let Err(error) = self.observe().await {
                tracing::warn!(%error, "the pending events could not be counted");
            }
        }
    }
}

/// How one attempt was settled.
enum Settled {
    Delivered,
    Retrying,
    Failed,
}
