//! The outbox of subscription events: what the delivery pass claims, settles and lists. Events
//! themselves are written by the other ledger operations, in the same call as their change.

use std::future::Future;
use std::time::Duration;

use uuid::Uuid;

use super::LedgerError;
use crate::domain::customer_id::CustomerId;
use crate::domain::event::{DeliveryResult, DeliveryStatus, SubscriptionEvent};
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;

/// How a delivery attempt ended, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// When the attempt was made (the service clock), UTC.
    pub attempted_at: Timestamp,
    pub result: DeliveryResult,
    pub http_status: Option<u16>,
    /// What went wrong, for people (never a secret).
    pub error: Option<String>,
}

impl AttemptOutcome {
    pub fn delivered(&self) -> bool {
        self.result == DeliveryResult::Delivered
    }
}

/// Which events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub subscription_id: Option<SubscriptionId>,
    pub status: Option<DeliveryStatus>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// A page of events for `GET /api/events`: of one subscription and/or customer, newest first,
/// strictly older than `before` (the last event of the previous page: its `occurred_at` and id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub subscription_id: Option<SubscriptionId>,
    pub customer_id: Option<CustomerId>,
    pub before: Option<(Timestamp, Uuid)>,
    /// At most this many.
    pub limit: u32,
}

impl EventPage {
    /// Whether `event` belongs on this page's listing (its position aside).
    pub fn admits(&self, event: &SubscriptionEvent) -> bool {
        self.subscription_id
            .as_ref()
            .is_none_or(|id| event.subscription_id == id.as_str())
            && self
                .customer_id
                .as_ref()
                .is_none_or(|id| event.customer_id.as_deref() == Some(id.as_str()))
            && self
                .before
                .is_none_or(|before| (event.occurred_at, event.id) < before)
    }
}

/// How many events wait for delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PendingEvents {
    pub count: u64,
    /// `occurred_at` of the oldest pending event.
    pub oldest: Option<Timestamp>,
}

/// The outbox. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures.
pub trait EventLedger: Clone + Send + Sync + 'static {
    /// Claims up to `limit` pending events due at `now`, oldest due first, for `lease`: no other
    /// caller claims them before the lease ends (then they are due again, so an event whose
    /// deliverer died is not lost).
    ///
    /// MUST never hand one event to two callers within a lease (`for update skip locked`).
    fn claim_events(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<SubscriptionEvent>, LedgerError>> + Send;

    /// Stores attempt `attempts + 1` of event `id`: delivered, or failed with the next attempt's
    /// time (`None`: none is left, the event is `failed`). `None` when no event has this id.
    fn settle_event(
        &self,
        id: Uuid,
        outcome: &AttemptOutcome,
        next_attempt_at: Option<Timestamp>,
    ) -> impl Future<Output = Result<Option<SubscriptionEvent>, LedgerError>> + Send;

    /// Event `id` with its delivery attempts; `None` when no event has this id.
    fn event(&self, id: Uuid) -> impl Future<Output = Result<Option<SubscriptionEvent>, LedgerError>> + Send;

    /// Makes event `id` pending and due at `now`, whatever its status. `None` when no event has
    /// this id.
    fn redeliver_event(
        &self,
        id: Uuid,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<SubscriptionEvent>, LedgerError>> + Send;

    /// One page of events, newest first (by `occurred_at`, then id), without their delivery
    /// attempts.
    fn event_page(
        &self,
        page: &EventPage,
    ) -> impl Future<Output = Result<Vec<SubscriptionEvent>, LedgerError>> + Send;

    /// Events as `filter` says, newest first, with their delivery attempts.
    fn events(
        &self,
        filter: &EventFilter,
    ) -> impl Future<Output = Result<Vec<SubscriptionEvent>, LedgerError>> + Send;

    /// Writes the events time causes up to `now` (`ended`, `lapsed` when a grace runs out,
    /// `trial_will_end`), each once; how many it wrote.
    fn emit_due_events(&self, now: Timestamp) -> impl Future<Output = Result<u64, LedgerError>> + Send;

    /// Deletes delivered events that happened before `before`, with their attempts (pending and
    /// failed ones stay); how many.
    fn prune_events(&self, before: Timestamp) -> impl Future<Output = Result<u64, LedgerError>> + Send;

    /// How many events are pending, and the oldest one's time.
    fn pending_events(&self) -> impl Future<Output = Result<PendingEvents, LedgerError>> + Send;
}
