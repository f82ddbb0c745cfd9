//! The subscription period a paid payment buys, in Korean time: the route spec's rule that periods
//! are computed in Asia/Seoul and stored as UTC ("시간대 변환 로직").

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

pub use super::seoul::ScheduleOffset;
use super::seoul::{charge_time, end_of_day, seoul_day};
use super::timestamp::Timestamp;

/// Length of one paid period: the route spec's `end_at = start_at + 30일`.
pub const PERIOD_DAYS: i64 = 30;

/// The four instants of one paid month, all UTC at millisecond precision.
///
/// - `start_at`: when the month starts (the payment's `paidAt`);
/// - `end_at`: `start_at` + 30 days;
/// - `end_grace_at`: the Seoul calendar day after `end_at`'s Seoul date, at 23:59:59 KST;
/// - `next_schedule_at`: that same Seoul day at 10:00:00 KST + [`ScheduleOffset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BillingPeriod {
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub end_grace_at: Timestamp,
    pub next_schedule_at: Timestamp,
}

impl BillingPeriod {
    /// The period that starts at `start` (truncated to milliseconds).
    ///
    /// The route spec's example: start `2024-01-01T00:00:00.000Z` → end `2024-01-31T00:00:00.000Z`, grace
    /// `2024-02-01T14:59:59.000Z`, next schedule in `2024-02-01T01:00:00Z`–`01:59:59Z`.
    pub fn starting_at(start: DateTime<Utc>, offset: ScheduleOffset) -> Self {
        Self::lasting(start, PERIOD_DAYS, offset)
    }

    /// The period of `days` × 24 hours that starts at `start`, with the same grace and next
    /// charge rule: a trial of `trial_days` is charged first as a month would renew.
    pub fn lasting(start: DateTime<Utc>, days: i64, offset: ScheduleOffset) -> Self {
        let start_at = Timestamp::from_utc(start);
        let end_at = Timestamp::from_utc(start_at.as_utc() + Duration::days(days));
        Self::between(start_at, end_at, offset)
    }

    /// The period from `start_at` to `end_at` (a plan interval's end, see
    /// [`super::interval::PeriodRule::end_of`]), with the route spec's grace and next-charge rule.
    pub fn between(start_at: Timestamp, end_at: Timestamp, offset: ScheduleOffset) -> Self {
        let grace_day = seoul_day(end_at) + Duration::days(1);
        let end_grace_at = end_of_day(grace_day);
        let next_schedule_at = charge_time(grace_day, offset);
        Self {
            start_at,
            end_at,
            end_grace_at,
            next_schedule_at,
        }
    }
}

#[cfg(test)]
#[path = "period_tests.rs"]
mod tests;
