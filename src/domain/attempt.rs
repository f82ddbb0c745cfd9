//! A declined renewal charge, and what follows it.

use chrono::Duration;
use serde::Serialize;

use super::dunning::{DunningPolicy, RetrySlot};
use super::payment::PaymentFailure;
use super::payment_id::PaymentId;
use super::period::ScheduleOffset;
use super::record::PaymentRecord;
use super::schedule_id::retry_payment_id;
use super::seoul::{end_of_day, seoul_day};
use super::timestamp::Timestamp;

/// A charge whose time has already passed when it is scheduled (a retry whose `Failed` webhook
/// came late, a late resume or plan change) is charged this long after now instead.
pub const LATE_CHARGE_DELAY_MINUTES: i64 = 5;

/// `at`, or [`LATE_CHARGE_DELAY_MINUTES`] after `now` when `at` is not in the future: PortOne
/// must be given a `timeToPay` ahead of it.
pub fn charge_time(at: Timestamp, now: Timestamp) -> Timestamp {
    if at > now {
        at
    } else {
        Timestamp::from_utc(now.as_utc() + Duration::minutes(LATE_CHARGE_DELAY_MINUTES))
    }
}

/// One failed charge of a renewal: a `renewal_attempt` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedAttempt {
    /// `transaction_key` of the month the charge was meant to renew.
    pub renewed_key: PaymentId,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
    /// PortOne `paymentId` of the failed charge.
    pub payment_id: PaymentId,
    #[serde(flatten)]
    pub failure: PaymentFailure,
    // (Flattened: attempts are serialized only in subscription reads, never per webhook.)
    /// PortOne's `failedAt`, UTC.
    pub failed_at: Timestamp,
}

/// What a failed attempt leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    /// Retry `attempt` of `limit` is charged as `payment_id` in `slot`; access lasts until the
    /// slot's grace.
    Retry {
        attempt: u32,
        limit: u32,
        payment_id: PaymentId,
        slot: RetrySlot,
    },
    /// No retry is left: the subscription lapses at `at` (the month's grace as it stands).
    Lapse { limit: u32, at: Timestamp },
}

impl DunningPolicy {
    /// What follows the failure of `attempt` of `month`'s renewal, seen at `now`; the next retry
    /// is at 10:00 KST + `offset` on its day, or [`LATE_CHARGE_DELAY_MINUTES`] after `now` when
    /// that has already passed.
    pub fn after_failure(
        &self,
        month: &PaymentRecord,
        attempt: u32,
        offset: ScheduleOffset,
        now: Timestamp,
    ) -> AfterFailure {
        let limit = self.retries();
        let next = attempt.saturating_add(1);
        let Some(slot) = self.retry(month.next_schedule_at, next, offset) else {
            return AfterFailure::Lapse {
                limit,
                at: month.end_grace_at,
            };
        };
        let at = charge_time(slot.at, now);
        let slot = RetrySlot {
            at,
            grace_until: slot.grace_until.max(end_of_day(seoul_day(at))),
        };
        AfterFailure::Retry {
            attempt: next,
            limit,
            payment_id: retry_payment_id(&month.next_schedule_id, next),
            slot,
        }
    }
}

#[cfg(test)]
#[path = "attempt_tests.rs"]
mod tests;
