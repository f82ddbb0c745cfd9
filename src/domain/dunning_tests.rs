use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Asia::Seoul;
use proptest::prelude::*;

use super::*;
use crate::domain::period::BillingPeriod;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
}

#[test]
fn the_default_retries_one_three_and_seven_days_after_the_first_charge() {
    let policy = DunningPolicy::default();
    // First charge 2024-02-01 10:30 KST.
    let first = at("2024-02-01T01:30:00Z");
    let offset = ScheduleOffset::from_seconds(0);
    let slots: Vec<_> = (1..=3).map(|n| policy.retry(first, n, offset).unwrap()).collect();
    let times: Vec<_> = slots.iter().map(|s| s.at.to_iso()).collect();
    assert_eq!(
        times,
        [
            "2024-02-02T01:00:00.000Z",
            "2024-02-04T01:00:00.000Z",
            "2024-02-08T01:00:00.000Z"
        ]
    );
    assert_eq!(slots[2].grace_until.to_iso(), "2024-02-08T14:59:59.000Z");
    assert_eq!(policy.retry(first, 0, offset), None);
    assert_eq!(policy.retry(first, 4, offset), None);
    assert_eq!(policy.retries(), 3);
}

#[test]
fn days_count_in_seoul_across_month_and_year_ends() {
    let policy = DunningPolicy::new(vec![1]).unwrap();
    // 10:59:59 KST on 31 December in Seoul is still 01:59:59Z that day.
    let first = at("2024-12-31T01:59:59Z");
    let slot = policy
        .retry(first, 1, ScheduleOffset::from_seconds(3599))
        .unwrap();
    assert_eq!(slot.at.to_iso(), "2025-01-01T01:59:59.000Z");
    assert_eq!(slot.grace_until.to_iso(), "2025-01-01T14:59:59.000Z");
}

#[test]
fn policies_are_checked() {
    assert_eq!(DunningPolicy::new(vec![]).unwrap().retries(), 0);
    assert_eq!(DunningPolicy::none().retries(), 0);
    assert_eq!(DunningPolicy::new(vec![0]), Err(PolicyError::OutOfRange(0)));
    assert_eq!(DunningPolicy::new(vec![367]), Err(PolicyError::OutOfRange(367)));
    assert_eq!(
        DunningPolicy::new(vec![3, 3]),
        Err(PolicyError::NotIncreasing(3, 3))
    );
    assert_eq!(
        DunningPolicy::new(vec![5, 2]),
        Err(PolicyError::NotIncreasing(2, 5))
    );
    assert_eq!(DunningPolicy::new(vec![1, 2, 366]).unwrap().days(), [1, 2, 366]);
}

fn policy_strategy() -> impl Strategy<Value = DunningPolicy> {
    proptest::collection::btree_set(1u32..=MAX_RETRY_DAY, 0..8)
        .prop_map(|days| DunningPolicy::new(days.into_iter().collect()).unwrap())
}

proptest! {
    /// For any month and any policy: every retry is at 10:00–10:59 KST, retries strictly
    /// increase, all fall after the first charge, and the grace of a pending retry covers it
    /// (and ends on its Seoul day).
    #[test]
    fn retry_times_hold_their_invariants(
        millis in 0i64..4_102_444_800_000,
        first_offset in any::<u32>(),
        offsets in proptest::collection::vec(any::<u32>(), 8),
        policy in policy_strategy(),
    ) {
        let start = DateTime::<Utc>::from_timestamp_millis(millis).unwrap();
        let month = BillingPeriod::starting_at(start, ScheduleOffset::from_seconds(first_offset));
        let first = month.next_schedule_at;
        let mut previous = first;
        for attempt in 1..=policy.retries() {
            let offset = ScheduleOffset::from_seconds(offsets[attempt as usize - 1]);
            let slot = policy.retry(first, attempt, offset).unwrap();
            let local = slot.at.as_utc().with_timezone(&Seoul);
            prop_assert_eq!(local.hour(), 10);
            prop_assert_eq!(local.minute() * 60 + local.second(), offset.seconds());
            prop_assert!(slot.at > previous, "retry {} not after the one before", attempt);
            prop_assert!(slot.grace_until > slot.at);
            prop_assert!(slot.grace_until > month.end_grace_at);
            let grace = slot.grace_until.as_utc().with_timezone(&Seoul);
            prop_assert_eq!(grace.date_naive(), local.date_naive());
            prop_assert_eq!((grace.hour(), grace.minute(), grace.second()), (23, 59, 59));
            previous = slot.at;
        }
        prop_assert_eq!(policy.retry(first, policy.retries() + 1, ScheduleOffset::from_seconds(0)), None);
    }
}
