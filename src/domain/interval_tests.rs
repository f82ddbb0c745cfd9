use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Asia::Seoul;
use proptest::prelude::*;

use super::{BillingInterval, IntervalError};
use crate::domain::timestamp::Timestamp;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
}

/// The ends of `renewals` periods from `anchor`, each starting where the last one ended.
fn ends(interval: BillingInterval, anchor: Timestamp, renewals: usize) -> Vec<Timestamp> {
    let mut start = anchor;
    let mut all = Vec::new();
    for _ in 0..renewals {
        let end = interval.end_of(start, anchor);
        all.push(end);
        start = end;
    }
    all
}

fn iso(all: &[Timestamp]) -> Vec<String> {
    all.iter().map(Timestamp::to_iso).collect()
}

#[test]
fn a_monthly_anchor_on_the_31st_clamps_and_comes_back() {
    // 31 January 2025 12:00 KST.
    let anchor = at("2025-01-31T03:00:00Z");
    let monthly = BillingInterval::new("month", 1).unwrap();
    assert_eq!(
        iso(&ends(monthly, anchor, 4)),
        [
            "2025-02-28T03:00:00.000Z",
            "2025-03-31T03:00:00.000Z",
            "2025-04-30T03:00:00.000Z",
            "2025-05-31T03:00:00.000Z",
        ]
    );
    // A leap year: 29 February.
    let leap = at("2024-01-31T03:00:00Z");
    assert_eq!(ends(monthly, leap, 1)[0].to_iso(), "2024-02-29T03:00:00.000Z");
}

#[test]
fn a_yearly_period_from_29_february_ends_on_28_february_and_29_again_in_a_leap_year() {
    let anchor = at("2024-02-29T01:00:00Z"); // 10:00 KST
    let yearly = BillingInterval::new("year", 1).unwrap();
    assert_eq!(
        iso(&ends(yearly, anchor, 4)),
        [
            "2025-02-28T01:00:00.000Z",
            "2026-02-28T01:00:00.000Z",
            "2027-02-28T01:00:00.000Z",
            "2028-02-29T01:00:00.000Z",
        ]
    );
}

#[test]
fn the_seoul_day_decides_not_the_utc_one() {
    // 1 March 00:30 KST is still 28 February in UTC: the anchor day is the 1st.
    let anchor = at("2025-02-28T15:30:00Z");
    let monthly = BillingInterval::new("month", 1).unwrap();
    assert_eq!(ends(monthly, anchor, 1)[0].to_iso(), "2025-03-31T15:30:00.000Z");
}

#[test]
fn day_and_week_intervals_count_24_hour_days_from_the_start() {
    let start = at("2024-01-01T00:00:00Z");
    let anchor = at("2020-06-15T00:00:00Z"); // ignored
    assert_eq!(
        BillingInterval::THIRTY_DAYS.end_of(start, anchor).to_iso(),
        "2024-01-31T00:00:00.000Z",
        "the route spec's 30 days"
    );
    let fortnight = BillingInterval::new("week", 2).unwrap();
    assert_eq!(
        fortnight.end_of(start, anchor).to_iso(),
        "2024-01-15T00:00:00.000Z"
    );
}

#[test]
fn intervals_outside_one_to_a_year_are_refused() {
    assert_eq!(BillingInterval::new("fortnight", 1), Err(IntervalError::Unit));
    for (unit, count) in [
        ("day", 0),
        ("day", 367),
        ("week", 53),
        ("month", 13),
        ("year", 2),
        ("month", -1),
    ] {
        assert_eq!(
            BillingInterval::new(unit, count),
            Err(IntervalError::Count),
            "{unit} {count}"
        );
    }
    for (unit, count) in [
        ("day", 366),
        ("week", 52),
        ("month", 12),
        ("year", 1),
        ("month", 3),
    ] {
        assert!(BillingInterval::new(unit, count).is_ok(), "{unit} {count}");
    }
}

fn last_day_of_month(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .unwrap()
        .pred_opt()
        .unwrap()
        .day()
}

proptest! {
    /// For any anchor and any number of renewals, periods tile without gaps or overlaps, and
    /// every end falls on the anchor's Seoul day (or the month's last day when it has fewer)
    /// at the anchor's Seoul time, `count` months apart.
    #[test]
    fn anchored_periods_tile_and_end_on_the_anchor_day(
        seconds in 946_684_800i64..4_102_444_800, // 2000-01-01 .. 2100-01-01
        unit in prop_oneof![Just("month"), Just("year")],
        count in 1i64..=12,
        renewals in 1usize..40,
    ) {
        let count = if unit == "year" { 1 } else { count };
        let interval = BillingInterval::new(unit, count).unwrap();
        let anchor = Timestamp::from_utc(DateTime::from_timestamp(seconds, 0).unwrap());
        let local_anchor = anchor.as_utc().with_timezone(&Seoul);
        let step = if unit == "year" { 12 } else { count as i32 };
        let mut start = anchor;
        for n in 1..=renewals {
            let end = interval.end_of(start, anchor);
            prop_assert!(end > start, "a period has a length");
            let local = end.as_utc().with_timezone(&Seoul);
            let months = (local.year() - local_anchor.year()) * 12 + local.month() as i32 - local_anchor.month() as i32;
            prop_assert_eq!(months, step * n as i32, "period {} ends {} months on", n, step * n as i32);
            let expected_day = local_anchor.day().min(last_day_of_month(local.year(), local.month()));
            prop_assert_eq!(local.day(), expected_day);
            prop_assert_eq!(local.time().num_seconds_from_midnight(), local_anchor.time().num_seconds_from_midnight());
            start = end; // the next period starts where this one ended: no gap, no overlap
        }
    }
}
