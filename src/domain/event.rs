//! Subscription events: what the app is told about each change, and when a failed delivery is
//! tried again. Stored as an outbox in the same call as the change (see the migration
//! `20261209000000_subscription_events.sql`, revised by `20261210000000`), delivered at least once and in no promised order.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

pub use super::delivery::{DeliveryAttempt, DeliveryResult, DeliveryStatus};
use super::timestamp::Timestamp;

/// The kinds of events, as the `type` field names them. Serializes as [`Self::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A subscription started: its first month charged, or its trial begun.
    Created,
    /// A month was paid, by a renewal or a retry.
    Renewed,
    /// A charge was declined: attempt n of N, the next retry's time, PortOne's reason.
    PaymentFailed,
    /// A retry or a card update paid a renewal in dunning.
    Recovered,
    /// Cancel at period end was requested.
    Canceled,
    /// A cancellation was taken back.
    Resumed,
    /// The next charge's terms changed.
    PlanChanged,
    /// The card changed.
    PaymentMethodUpdated,
    /// Every retry failed, or none could succeed, and the grace ran out.
    Lapsed,
    /// A canceling subscription reached `end_at`.
    Ended,
    /// A full or partial refund.
    Refunded,
    /// 3 days before a trial ends.
    TrialWillEnd,
    /// A coupon's last discounted period was paid, or the admin took the discount off: the next
    /// charge is at the list price.
    DiscountEnded,
    /// The admin applied a coupon to the subscription, from its next charge on.
    DiscountApplied,
    /// A type this build does not know (written by a newer replica during a rolling deploy),
    /// kept as written so it is still delivered and listed under its own name.
    Other(String),
}

impl EventType {
    pub const ALL: [Self; 14] = [
        Self::Created,
        Self::Renewed,
        Self::PaymentFailed,
        Self::Recovered,
        Self::Canceled,
        Self::Resumed,
        Self::PlanChanged,
        Self::PaymentMethodUpdated,
        Self::Lapsed,
        Self::Ended,
        Self::Refunded,
        Self::TrialWillEnd,
        Self::DiscountEnded,
        Self::DiscountApplied,
    ];

    /// The `type` on the wire, `subscription.<what>` (Stripe's and Lago's style).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "subscription.created",
            Self::Renewed => "subscription.renewed",
            Self::PaymentFailed => "subscription.payment_failed",
            Self::Recovered => "subscription.recovered",
            Self::Canceled => "subscription.canceled",
            Self::Resumed => "subscription.resumed",
            Self::PlanChanged => "subscription.plan_changed",
            Self::PaymentMethodUpdated => "subscription.payment_method_updated",
            Self::Lapsed => "subscription.lapsed",
            Self::Ended => "subscription.ended",
            Self::Refunded => "subscription.refunded",
            Self::TrialWillEnd => "subscription.trial_will_end",
            Self::DiscountEnded => "subscription.discount_ended",
            Self::DiscountApplied => "subscription.discount_applied",
            Self::Other(name) => name,
        }
    }

    /// The type `name` spells: one of [`Self::ALL`], or [`Self::Other`].
    pub fn parse(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }

    /// The `<what>:` prefix of the event's deduplication key (one event per change).
    pub fn dedupe_prefix(&self) -> &str {
        self.as_str().trim_start_matches("subscription.")
    }
}

impl PartialEq<str> for EventType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionEvent {
    /// The event's id: the `webhook-id` the app deduplicates on.
    pub id: Uuid,
    /// `subscription.<what>` (a type this build does not know is kept as written).
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub subscription_id: String,
    pub customer_id: Option<String>,
    /// When the change happened, UTC.
    pub occurred_at: Timestamp,
    /// `{subscription: <read model after the change>, …}` and what caused it (`month`,
    /// `attempt`, `refund`, `next_terms`, `payment_method`).
    pub data: Value,
    pub status: DeliveryStatus,
    /// Delivery attempts made.
    pub attempts: u32,
    /// When the next attempt may start, UTC.
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    /// Every attempt, oldest first, where the caller asked for them.
    pub delivery_attempts: Vec<DeliveryAttempt>,
}

/// Seconds to wait before attempt `n + 1` after `n` failed attempts (attempt 1 is sent at once):
/// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h, 24 h: about 3 days in all, as
/// Stripe retries undelivered events (<https://docs.stripe.com/webhooks/process-undelivered-events>).
pub const RETRY_DELAYS_SECONDS: [i64; 11] = [
    5, 30, 120, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 86_400,
];

/// Attempts an event gets in all: the first, then one per delay.
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS_SECONDS.len() as u32 + 1;

/// When attempt `failed + 1` of event `id` is due, after `failed` attempts failed, the last at
/// `at`; `None` when none is left (the event is then `failed`). Each wait grows by up to a tenth,
/// derived from the event id and attempt, so events that failed together are not all retried in
/// the same second, and the same event always gets the same time (exact in tests).
pub fn next_attempt_at(id: Uuid, failed: u32, at: Timestamp) -> Option<Timestamp> {
    let index = usize::try_from(failed.checked_sub(1)?).ok()?;
    let delay = *RETRY_DELAYS_SECONDS.get(index)?;
    let seed = id.as_u128() ^ u128::from(failed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let jitter_tenths = i64::try_from(seed % 1000).unwrap_or(0);
    let jitter = delay * jitter_tenths / 10_000;
    Some(Timestamp::from_utc(
        at.as_utc() + chrono::Duration::seconds(delay + jitter),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from_utc(text.parse().unwrap())
    }

    #[test]
    fn retries_wait_longer_each_time_for_about_three_days_then_stop() {
        let id = Uuid::from_u128(42);
        let start = at("2024-01-01T00:00:00Z");
        let mut total = 0;
        for failed in 1..MAX_ATTEMPTS {
            let next = next_attempt_at(id, failed, start).expect("an attempt is left");
            let waited = (next.as_utc() - start.as_utc()).num_seconds();
            let base = RETRY_DELAYS_SECONDS[(failed - 1) as usize];
            assert!(
                waited >= base && waited <= base + base / 10,
                "{failed}: {waited} vs {base}"
            );
            total += base;
        }
        assert_eq!(
            next_attempt_at(id, MAX_ATTEMPTS, start),
            None,
            "after the last attempt"
        );
        assert_eq!(next_attempt_at(id, 0, start), None, "nothing failed yet");
        assert!(
            (70 * 3600..=74 * 3600).contains(&total),
            "about 3 days: {total} s"
        );
        assert_eq!(MAX_ATTEMPTS, 12);
    }

    #[test]
    fn the_jitter_is_the_same_for_the_same_event_and_differs_between_events() {
        let start = at("2024-01-01T00:00:00Z");
        let a = next_attempt_at(Uuid::from_u128(1), 5, start);
        assert_eq!(a, next_attempt_at(Uuid::from_u128(1), 5, start));
        let spread: std::collections::HashSet<_> = (0..50)
            .map(|n| next_attempt_at(Uuid::from_u128(n * 7919), 5, start))
            .collect();
        assert!(spread.len() > 10, "events failed together are spread out");
    }

    #[test]
    fn every_type_names_itself_and_its_dedupe_prefix() {
        for kind in EventType::ALL {
            assert!(kind.as_str().starts_with("subscription."));
            assert_eq!(format!("subscription.{}", kind.dedupe_prefix()), kind.as_str());
        }
        assert_eq!(EventType::PaymentFailed.dedupe_prefix(), "payment_failed");
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), kind);
        }
        let newer = EventType::parse("subscription.paused");
        assert_eq!(newer, EventType::Other("subscription.paused".to_owned()));
        assert_eq!(newer.as_str(), "subscription.paused");
    }
}
