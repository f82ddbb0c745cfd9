//! Retrying a declined renewal ("dunning"): which Seoul days the retries fall on, and how long the
//! customer keeps access meanwhile.
//!
//! The first charge of a renewal is the month's `next_schedule_at` (10:00–10:59 KST on the Seoul
//! day after `end_at`). Retry `n` falls `days[n-1]` Seoul days after that day, at a random second
//! of 10:00–10:59 KST. While a retry is pending the month's `end_grace_at` extends to the retry's
//! Seoul day at 23:59:59 KST. PortOne's own automatic retry for V2 is being discontinued and its
//! console guide tells merchants to retry with `createPaymentSchedule`
//! (<https://developers.portone.io/opi/ko/console/guide/billing-payments>).

use chrono::Duration;

use super::period::ScheduleOffset;
use super::seoul::{charge_time, end_of_day, seoul_day};
use super::timestamp::Timestamp;

/// `DUNNING_RETRY_DAYS`'s default: retries 1, 3 and 7 days after the first charge's Seoul day.
pub const DEFAULT_RETRY_DAYS: [u32; 3] = [1, 3, 7];

/// Longest retry delay accepted, in days: a year.
pub const MAX_RETRY_DAY: u32 = 366;

/// Which days after the first charge a declined renewal is retried. Strictly increasing, each
/// between 1 and [`MAX_RETRY_DAY`]; empty means no retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DunningPolicy {
    days: Vec<u32>,
}

/// Why a list of days is not a [`DunningPolicy`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("retry days must be between 1 and {MAX_RETRY_DAY}, got {0}")]
    OutOfRange(u32),
    #[error("retry days must strictly increase, got {0} after {1}")]
    NotIncreasing(u32, u32),
}

/// One scheduled retry: when it is charged, and until when the customer keeps access for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySlot {
    /// `timeToPay`, 10:00:00–10:59:59 KST on the retry's Seoul day.
    pub at: Timestamp,
    /// 23:59:59 KST on the retry's Seoul day.
    pub grace_until: Timestamp,
}

impl Default for DunningPolicy {
    fn default() -> Self {
        Self {
            days: DEFAULT_RETRY_DAYS.to_vec(),
        }
    }
}

impl DunningPolicy {
    /// # Errors
    /// [`PolicyError`] for a day out of range or not after the one before it.
    pub fn new(days: Vec<u32>) -> Result<Self, PolicyError> {
        let mut previous = 0;
        for &day in &days {
            if day == 0 || day > MAX_RETRY_DAY {
                return Err(PolicyError::OutOfRange(day));
            }
            if day <= previous {
                return Err(PolicyError::NotIncreasing(day, previous));
            }
            previous = day;
        }
        Ok(Self { days })
    }

    /// No retry at all: the first declined charge ends the subscription at its grace.
    pub fn none() -> Self {
        Self { days: Vec::new() }
    }

    /// `N`, the number of retries after the first charge.
    pub fn retries(&self) -> u32 {
        u32::try_from(self.days.len()).unwrap_or(u32::MAX)
    }

    /// The days, in order.
    pub fn days(&self) -> &[u32] {
        &self.days
    }

    /// Retry `attempt` (1 for the first retry, up to [`Self::retries`]) of a renewal first charged
    /// at `first_charge`, at 10:00 KST + `offset`; `None` past the last retry or for attempt 0.
    pub fn retry(&self, first_charge: Timestamp, attempt: u32, offset: ScheduleOffset) -> Option<RetrySlot> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        let days = self.days.get(index)?;
        let day = seoul_day(first_charge) + Duration::days(i64::from(*days));
        Some(RetrySlot {
            at: charge_time(day, offset),
            grace_until: end_of_day(day),
        })
    }
}

#[cfg(test)]
#[path = "dunning_tests.rs"]
mod tests;
