//! [`EventLedger`] in memory, and the events the other in-memory operations write with their
//! change, as the SQL functions of the events migrations (`20261209000000`, revised by `20261210000000`) do: one per change
//! (`dedupe_key`), `data` the read model at the change's time and what caused the change.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use super::{InMemoryLedger, Tables};
use crate::domain::event::{DeliveryAttempt, DeliveryStatus, EventType, SubscriptionEvent};
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::Subscription;
use crate::domain::timestamp::Timestamp;
use crate::ports::{AttemptOutcome, EventFilter, EventLedger, EventPage, LedgerError, PendingEvents};

/// The namespace of in-memory event ids: a UUID v5 of the deduplication key, so the same change
/// always has the same id (exact in tests).
const EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_2c0e_8a4b_5d3f_9e21_7c5a_b0e4_1d92);

/// One stored event and the key that makes it unique.
#[derive(Debug, Clone)]
pub(super) struct StoredEvent {
    event: SubscriptionEvent,
    pub(super) dedupe_key: String,
}

/// `{month}`: a month row as an event carries it (its columns; months hold no billing key).
pub(super) fn month_data(row: &PaymentRecord) -> Value {
    json!({ "month": row })
}

impl Tables {
    /// The read model of subscription `id` at `at`, with its card's summary (never the key).
    fn read_model(&self, id: &str, at: Timestamp) -> Value {
        let rows = self.rows_of(id);
        let Some(subscription) = Subscription::at(&rows.months, &rows.attempts, at) else {
            return Value::Null;
        };
        let mut model = serde_json::to_value(subscription).unwrap_or(Value::Null);
        if let Some(object) = model.as_object_mut() {
            let card = self.methods.get(id).map(|m| &m.card);
            object.insert(
                "payment_method".into(),
                card.map_or(Value::Null, |card| json!(card)),
            );
        }
        model
    }

    /// Writes event `kind` of subscription `id` at `at` unless `dedupe_key` was written before;
    /// `true` when it wrote it.
    pub(super) fn emit(
        &mut self,
        kind: EventType,
        id: &str,
        at: Timestamp,
        cause: Value,
        dedupe_key: String,
    ) -> bool {
        if self.events.iter().any(|e| e.dedupe_key == dedupe_key) {
            return false;
        }
        // A subscription's events happen in the order they are written, so an app that ignores
        // an event older than what it has never drops a correction (a renewal recorded after a
        // lapse, a trial warning written late): `emit_event`'s rule.
        let at = self
            .events
            .iter()
            .filter(|e| e.event.subscription_id == id)
            .map(|e| e.event.occurred_at)
            .max()
            .map_or(at, |latest| at.max(latest.plus_millis(1)));
        let subscription = self.read_model(id, at);
        let customer_id = subscription["customer_id"]
            .as_str()
            .or_else(|| cause["month"]["customer_id"].as_str())
            .map(str::to_owned);
        let mut data = json!({ "subscription": subscription });
        if let (Some(data), Some(cause)) = (data.as_object_mut(), cause.as_object()) {
            data.extend(cause.clone());
        }
        self.events.push(StoredEvent {
            event: SubscriptionEvent {
                id: Uuid::new_v5(&EVENT_NAMESPACE, dedupe_key.as_bytes()),
                event_type: kind.clone(),
                subscription_id: id.to_owned(),
                customer_id,
                occurred_at: at,
                data,
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: at,
                last_error: None,
                delivered_at: None,
                delivery_attempts: Vec::new(),
            },
            dedupe_key,
        });
        true
    }

    /// Writes `kind` for the month `row` at `at`, keyed by `<what>:<transaction_key><suffix>`.
    pub(super) fn emit_for(
        &mut self,
        kind: EventType,
        row: &PaymentRecord,
        at: Timestamp,
        cause: Value,
        suffix: &str,
    ) -> bool {
        let key = format!("{}:{}{suffix}", kind.dedupe_prefix(), row.transaction_key);
        self.emit(kind, row.subscription_key().as_str(), at, cause, key)
    }

    /// The key of the next change of a kind that can repeat (cancel, resume, plan change, card
    /// update): `<prefix>:<n>`, n counting the earlier ones of subscription `id`, as
    /// `next_change_key` answers it.
    pub(super) fn next_change_key(&self, id: &str, prefix: &str) -> String {
        let earlier = self
            .events
            .iter()
            .filter(|e| e.event.subscription_id == id)
            .filter(|e| {
                e.dedupe_key
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with(':'))
            })
            .count();
        format!("{prefix}:{}", earlier + 1)
    }

    /// Writes `kind`, a change that can repeat, for the month `row` at `at`.
    pub(super) fn emit_change(
        &mut self,
        kind: EventType,
        row: &PaymentRecord,
        at: Timestamp,
        cause: Value,
    ) -> bool {
        let id = row.subscription_key();
        let key = self.next_change_key(
            id.as_str(),
            &format!("{}:{}", kind.dedupe_prefix(), row.transaction_key),
        );
        self.emit(kind, id.as_str(), at, cause, key)
    }
}

fn matches(event: &SubscriptionEvent, filter: &EventFilter) -> bool {
    filter
        .subscription_id
        .as_ref()
        .is_none_or(|id| *id == event.subscription_id.as_str())
        && filter.status.is_none_or(|status| event.status == status)
}

impl InMemoryLedger {
    /// Every stored event, in the order written.
    pub fn all_events(&self) -> Vec<SubscriptionEvent> {
        self.lock().events.iter().map(|e| e.event.clone()).collect()
    }
}

impl EventLedger for InMemoryLedger {
    async fn claim_events(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        let mut tables = self.lock();
        let lease_end =
            Timestamp::from_utc(now.as_utc() + chrono::Duration::from_std(lease).unwrap_or_default());
        let mut due: Vec<&mut StoredEvent> = tables
            .events
            .iter_mut()
            .filter(|e| e.event.status == DeliveryStatus::Pending && e.event.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|e| (e.event.next_attempt_at, e.event.occurred_at));
        Ok(due
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|e| {
                e.event.next_attempt_at = lease_end;
                e.event.clone()
            })
            .collect())
    }

    async fn settle_event(
        &self,
        id: Uuid,
        outcome: &AttemptOutcome,
        next_attempt_at: Option<Timestamp>,
    ) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let mut tables = self.lock();
        let Some(stored) = tables.events.iter_mut().find(|e| e.event.id == id) else {
            return Ok(None);
        };
        let event = &mut stored.event;
        event.attempts += 1;
        if outcome.delivered() {
            event.status = DeliveryStatus::Delivered;
            event.delivered_at = Some(outcome.attempted_at);
        } else {
            event.last_error.clone_from(&outcome.error);
            match next_attempt_at {
                Some(at) => event.next_attempt_at = at,
                None => event.status = DeliveryStatus::Failed,
            }
        }
        event.delivery_attempts.push(DeliveryAttempt {
            attempt: event.attempts,
            attempted_at: outcome.attempted_at,
            result: outcome.result,
            http_status: outcome.http_status,
            error: outcome.error.clone(),
        });
        Ok(Some(event.clone()))
    }

    async fn redeliver_event(
        &self,
        id: Uuid,
        now: Timestamp,
    ) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let mut tables = self.lock();
        Ok(tables.events.iter_mut().find(|e| e.event.id == id).map(|stored| {
            stored.event.status = DeliveryStatus::Pending;
            stored.event.next_attempt_at = now;
            stored.event.clone()
        }))
    }

    async fn event(&self, id: Uuid) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let tables = self.lock();
        Ok(tables
            .events
            .iter()
            .map(|e| &e.event)
            .find(|e| e.id == id)
            .cloned())
    }

    async fn event_page(&self, page: &EventPage) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        let tables = self.lock();
        Ok(super::event_page::page(
            tables.events.iter().map(|e| &e.event),
            page,
        ))
    }

    async fn events(&self, filter: &EventFilter) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        let tables = self.lock();
        let mut found: Vec<SubscriptionEvent> = tables
            .events
            .iter()
            .rev()
            .map(|e| &e.event)
            .filter(|e| matches(e, filter))
            .cloned()
            .collect();
        found.sort_by_key(|e| std::cmp::Reverse(e.occurred_at));
        found.truncate(usize::try_from(filter.limit).unwrap_or(usize::MAX));
        Ok(found)
    }

    async fn emit_due_events(&self, now: Timestamp) -> Result<u64, LedgerError> {
        Ok(self.lock().emit_due(now))
    }

    async fn prune_events(&self, before: Timestamp) -> Result<u64, LedgerError> {
        let mut tables = self.lock();
        let count = tables.events.len();
        tables
            .events
            .retain(|e| !(e.event.status == DeliveryStatus::Delivered && e.event.occurred_at < before));
        Ok((count - tables.events.len()) as u64)
    }

    async fn pending_events(&self) -> Result<PendingEvents, LedgerError> {
        let tables = self.lock();
        let pending = tables
            .events
            .iter()
            .filter(|e| e.event.status == DeliveryStatus::Pending);
        Ok(PendingEvents {
            count: pending.clone().count() as u64,
            oldest: pending.map(|e| e.event.occurred_at).min(),
        })
    }
}
