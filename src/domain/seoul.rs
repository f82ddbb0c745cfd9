//! Seoul wall-clock days and times, as UTC instants.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Seoul;
use serde::Serialize;

use super::timestamp::Timestamp;

/// Seconds after 10:00:00 KST at which the next payment is scheduled, in `0..=3599`.
///
/// The route spec asks for "오전 10시~11시 사이 임의 시각": a uniformly random whole second of that hour, so
/// the first-of-month renewals of many customers do not hit PortOne in the same second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduleOffset(u16);

impl ScheduleOffset {
    /// Number of distinct offsets: one per second of the hour.
    pub const SECONDS_IN_WINDOW: u32 = 3600;

    /// Wraps any `u32` into the window (`seconds % 3600`), so a random source cannot break it.
    pub fn from_seconds(seconds: u32) -> Self {
        // The remainder is below 3600, so it fits a u16.
        Self((seconds % Self::SECONDS_IN_WINDOW) as u16)
    }

    /// Seconds after 10:00:00 KST.
    pub fn seconds(self) -> u32 {
        u32::from(self.0)
    }
}

/// The Seoul calendar date of `at`.
pub fn seoul_day(at: Timestamp) -> NaiveDate {
    at.as_utc().with_timezone(&Seoul).date_naive()
}

/// The UTC instant of a Seoul wall-clock time.
///
/// Seoul has kept UTC+9 without daylight saving since 1988, so the local time is never ambiguous
/// or skipped for dates this service meets; `earliest()` still picks a defined answer if it were.
pub fn seoul_instant(day: NaiveDate, time: NaiveTime) -> Timestamp {
    let local = day.and_time(time);
    let instant = Seoul
        .from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&(local - Duration::hours(9))));
    Timestamp::from_utc(instant)
}

/// 23:59:59 KST on `day`: the last second of access a grace day gives.
pub fn end_of_day(day: NaiveDate) -> Timestamp {
    seoul_instant(day, NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

/// 10:00:00 KST + `offset` on `day`: when a charge of that day is scheduled.
pub fn charge_time(day: NaiveDate, offset: ScheduleOffset) -> Timestamp {
    let ten = seoul_instant(day, NaiveTime::from_hms_opt(10, 0, 0).unwrap_or(NaiveTime::MIN));
    Timestamp::from_utc(ten.as_utc() + Duration::seconds(i64::from(offset.seconds())))
}
