//! How long a plan's period is, and where each period ends (issue: monthly and yearly plans).
//!
//! - Without an interval a plan keeps the route spec's period: `end_at = start_at + 30일`.
//! - **Day and week** intervals follow the route spec's rule with another length: a period starts
//!   when it is paid and lasts `count × unit` of 24-hour days.
//! - **Month and year** intervals are anchored, as Stripe's billing cycle anchor
//!   (<https://docs.stripe.com/billing/subscriptions/billing-cycle>) and the Korean "매달 같은 날"
//!   norm: the first period's start, in Seoul local time, is the anchor, and every period ends on
//!   the anchor's day and time `count` months (or years) after the previous end, the day clamped
//!   to the month's last day and restored afterwards (31 Jan → 28/29 Feb → 31 Mar → 30 Apr). A
//!   period always starts where the last one ended, so a renewal paid late or recovered by a
//!   dunning retry never shifts the anchor.
//!
//! Seoul keeps UTC+9 all year, so the local arithmetic is exact; the result is a UTC
//! [`Timestamp`].

use chrono::{Datelike, Duration, Months};
use chrono_tz::Asia::Seoul;

use super::seoul::seoul_instant;
use super::timestamp::Timestamp;

/// The unit of an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntervalUnit {
    Day,
    Week,
    Month,
    Year,
}

impl IntervalUnit {
    /// `day`, `week`, `month` or `year`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            "year" => Some(Self::Year),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// The most of this unit one interval may hold: one year in total.
    fn max_count(self) -> u32 {
        match self {
            Self::Day => 366,
            Self::Week => 52,
            Self::Month => 12,
            Self::Year => 1,
        }
    }
}

/// A validated interval: `count` ≥ 1 of `unit`, one year at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BillingInterval {
    unit: IntervalUnit,
    count: u32,
}

/// Why an interval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("interval must be day, week, month or year")]
    Unit,
    #[error("interval_count must be at least 1 and the interval at most one year")]
    Count,
}

impl BillingInterval {
    /// The route spec's period, for plans written without an interval: 30 days.
    pub const THIRTY_DAYS: Self = Self {
        unit: IntervalUnit::Day,
        count: 30,
    };

    /// # Errors
    /// [`IntervalError::Unit`] for an unknown unit, [`IntervalError::Count`] for a count below 1
    /// or an interval longer than a year (366 days, 52 weeks, 12 months, 1 year).
    pub fn new(unit: &str, count: i64) -> Result<Self, IntervalError> {
        let unit = IntervalUnit::parse(unit).ok_or(IntervalError::Unit)?;
        let count = u32::try_from(count).map_err(|_| IntervalError::Count)?;
        if count == 0 || count > unit.max_count() {
            return Err(IntervalError::Count);
        }
        Ok(Self { unit, count })
    }

    pub fn unit(self) -> IntervalUnit {
        self.unit
    }

    pub fn count(self) -> u32 {
        self.count
    }

    /// `true` for month and year intervals, whose periods keep an anchor.
    pub fn is_anchored(self) -> bool {
        matches!(self.unit, IntervalUnit::Month | IntervalUnit::Year)
    }

    /// The period's nominal length in hours, to tell a longer interval from a shorter one: a
    /// month is 730.5 hours (a Gregorian year's twelfth), a year 8,766 (365.25 days).
    pub fn nominal_hours(self) -> f64 {
        match self.unit {
            IntervalUnit::Day | IntervalUnit::Week => 24.0 * self.days() as f64,
            IntervalUnit::Month => 730.5 * f64::from(self.count),
            IntervalUnit::Year => 8_766.0 * f64::from(self.count),
        }
    }

    fn months(self) -> u32 {
        match self.unit {
            IntervalUnit::Month => self.count,
            IntervalUnit::Year => self.count * 12,
            IntervalUnit::Day | IntervalUnit::Week => 0,
        }
    }

    fn days(self) -> i64 {
        match self.unit {
            IntervalUnit::Day => i64::from(self.count),
            IntervalUnit::Week => 7 * i64::from(self.count),
            IntervalUnit::Month | IntervalUnit::Year => 0,
        }
    }

    /// Where the period that starts at `start` ends. `anchor` is the subscription's anchor (the
    /// first period's start; ignored for day and week intervals): a month or year period ends
    /// on the anchor's Seoul day and time, the first such instant `count` months (years) after
    /// the month `start` falls in, the day clamped to the month's end.
    pub fn end_of(self, start: Timestamp, anchor: Timestamp) -> Timestamp {
        if !self.is_anchored() {
            return Timestamp::from_utc(start.as_utc() + Duration::days(self.days()));
        }
        let anchor_local = anchor.as_utc().with_timezone(&Seoul).naive_local();
        let start_local = start.as_utc().with_timezone(&Seoul).naive_local();
        // Whole months from the anchor's month to the start's: the periods already behind.
        let behind = (start_local.year() - anchor_local.year()) * 12 + start_local.month() as i32
            - anchor_local.month() as i32;
        let months = u32::try_from(behind.max(0)).unwrap_or(0) + self.months();
        let day = anchor_local
            .date()
            .checked_add_months(Months::new(months))
            .unwrap_or(anchor_local.date());
        seoul_instant(day, anchor_local.time())
    }
}

/// How a subscription's periods are cut, kept on each of its months so a plan edited later never
/// moves a running subscription: the interval and, for month and year intervals, the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodRule {
    pub interval: BillingInterval,
    /// The first period's start (a trial's end for a subscription that began with one), UTC.
    pub anchor_at: Timestamp,
}

impl PeriodRule {
    /// The rule read back from storage: `None` when any part is missing or no longer valid (the
    /// month then keeps the route spec's 30 days).
    pub fn from_columns(
        unit: Option<&str>,
        count: Option<i64>,
        anchor_at: Option<Timestamp>,
    ) -> Option<Self> {
        let interval = BillingInterval::new(unit?, count?).ok()?;
        Some(Self {
            interval,
            anchor_at: anchor_at?,
        })
    }

    /// Where the period that starts at `start` ends.
    pub fn end_of(&self, start: Timestamp) -> Timestamp {
        self.interval.end_of(start, self.anchor_at)
    }
}

#[cfg(test)]
#[path = "interval_tests.rs"]
mod tests;
