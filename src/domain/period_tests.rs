use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Asia::Seoul;
use proptest::prelude::*;

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn period(start: &str, offset: u32) -> BillingPeriod {
    BillingPeriod::starting_at(utc(start), ScheduleOffset::from_seconds(offset))
}

#[test]
fn seed_example_holds() {
    let p = period("2024-01-01T00:00:00.000Z", 0);
    assert_eq!(p.start_at.to_iso(), "2024-01-01T00:00:00.000Z");
    assert_eq!(p.end_at.to_iso(), "2024-01-31T00:00:00.000Z");
    assert_eq!(p.end_grace_at.to_iso(), "2024-02-01T14:59:59.000Z");
    assert_eq!(p.next_schedule_at.to_iso(), "2024-02-01T01:00:00.000Z");
    let last = period("2024-01-01T00:00:00.000Z", 3599);
    assert_eq!(last.next_schedule_at.to_iso(), "2024-02-01T01:59:59.000Z");
}

#[test]
fn seed_example_with_the_readme_offset_of_thirty_minutes() {
    let p = period("2024-01-01T00:00:00.000Z", 1800);
    assert_eq!(p.next_schedule_at.to_iso(), "2024-02-01T01:30:00.000Z");
}

#[test]
fn end_after_kst_midnight_moves_grace_to_the_next_seoul_day() {
    // 2024-01-31T15:00:00Z is already 1 February 00:00 in Seoul.
    let p = period("2024-01-01T15:00:00.000Z", 0);
    assert_eq!(p.end_at.to_iso(), "2024-01-31T15:00:00.000Z");
    assert_eq!(p.end_grace_at.to_iso(), "2024-02-02T14:59:59.000Z");
    assert_eq!(p.next_schedule_at.to_iso(), "2024-02-02T01:00:00.000Z");
}

#[test]
fn one_millisecond_before_kst_midnight_stays_on_the_seoul_day() {
    let p = period("2024-01-01T14:59:59.999Z", 0);
    assert_eq!(p.end_at.to_iso(), "2024-01-31T14:59:59.999Z");
    assert_eq!(p.end_grace_at.to_iso(), "2024-02-01T14:59:59.000Z");
}

#[test]
fn crosses_month_and_year_ends() {
    let p = period("2024-12-10T03:00:00.000Z", 42);
    assert_eq!(p.end_at.to_iso(), "2025-01-09T03:00:00.000Z");
    assert_eq!(p.end_grace_at.to_iso(), "2025-01-10T14:59:59.000Z");
    assert_eq!(p.next_schedule_at.to_iso(), "2025-01-10T01:00:42.000Z");
    // Ends on 31 December in Seoul: grace is New Year's Day.
    let seoul_new_year = period("2024-12-01T05:00:00.000Z", 0);
    assert_eq!(seoul_new_year.end_at.to_iso(), "2024-12-31T05:00:00.000Z");
    assert_eq!(seoul_new_year.end_grace_at.to_iso(), "2025-01-01T14:59:59.000Z");
    // Ends at 00:30 on 1 January in Seoul (still 2024 in UTC): grace is 2 January.
    let past_seoul_midnight = period("2024-12-01T15:30:00.000Z", 0);
    assert_eq!(past_seoul_midnight.end_at.to_iso(), "2024-12-31T15:30:00.000Z");
    assert_eq!(
        past_seoul_midnight.end_grace_at.to_iso(),
        "2025-01-02T14:59:59.000Z"
    );
}

#[test]
fn handles_the_29th_of_february() {
    let p = period("2024-01-30T05:00:00.000Z", 0);
    assert_eq!(p.end_at.to_iso(), "2024-02-29T05:00:00.000Z");
    assert_eq!(p.end_grace_at.to_iso(), "2024-03-01T14:59:59.000Z");
    let leap_day_is_grace = period("2024-01-29T05:00:00.000Z", 3599);
    assert_eq!(
        leap_day_is_grace.end_grace_at.to_iso(),
        "2024-02-29T14:59:59.000Z"
    );
    assert_eq!(
        leap_day_is_grace.next_schedule_at.to_iso(),
        "2024-02-29T01:59:59.000Z"
    );
}

#[test]
fn truncates_the_start_to_milliseconds() {
    let p = period("2024-01-01T00:00:00.999999Z", 0);
    assert_eq!(p.start_at.to_iso(), "2024-01-01T00:00:00.999Z");
    assert_eq!(p.end_at.to_iso(), "2024-01-31T00:00:00.999Z");
}

#[test]
fn offsets_wrap_into_the_hour() {
    assert_eq!(ScheduleOffset::from_seconds(3600).seconds(), 0);
    assert_eq!(ScheduleOffset::from_seconds(u32::MAX).seconds(), u32::MAX % 3600);
}

proptest! {
    #[test]
    fn every_invariant_holds_for_any_instant(
        millis in 0i64..4_102_444_800_000, // 1970 .. 2100
        offset in any::<u32>(),
    ) {
        let start = DateTime::<Utc>::from_timestamp_millis(millis).unwrap();
        let p = BillingPeriod::starting_at(start, ScheduleOffset::from_seconds(offset));
        prop_assert_eq!(p.start_at.as_utc(), start);
        prop_assert_eq!(p.end_at.as_utc() - p.start_at.as_utc(), Duration::days(30));

        let end_day = p.end_at.as_utc().with_timezone(&Seoul).date_naive();
        let grace = p.end_grace_at.as_utc().with_timezone(&Seoul);
        prop_assert_eq!(grace.date_naive(), end_day.succ_opt().unwrap());
        prop_assert_eq!((grace.hour(), grace.minute(), grace.second()), (23, 59, 59));
        prop_assert_eq!(grace.timestamp_subsec_millis(), 0);

        let next = p.next_schedule_at.as_utc().with_timezone(&Seoul);
        prop_assert_eq!(next.date_naive(), grace.date_naive());
        prop_assert_eq!(next.hour(), 10);
        prop_assert_eq!(next.minute() * 60 + next.second(), offset % 3600);
        prop_assert_eq!(next.timestamp_subsec_millis(), 0);
        prop_assert!(p.next_schedule_at > p.end_at);
        prop_assert!(p.next_schedule_at < p.end_grace_at);
    }
}
