use chrono::{DateTime, Utc};

use super::*;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::testing::paid_month;
use crate::domain::schedule_id::next_schedule_id;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
}

/// A month paid 2024-01-01T00:00:00Z: first renewal charge 2024-02-01 10:00 KST, grace that day.
fn month() -> PaymentRecord {
    paid_month("pay_1")
}

#[test]
fn the_first_failure_schedules_retry_one_of_three_with_its_own_payment_id() {
    let month = month();
    let after = DunningPolicy::default().after_failure(
        &month,
        0,
        ScheduleOffset::from_seconds(61),
        at("2024-02-01T01:00:05Z"),
    );
    let renewal = next_schedule_id(&PaymentId::parse("pay_1").unwrap());
    assert_eq!(
        after,
        AfterFailure::Retry {
            attempt: 1,
            limit: 3,
            payment_id: retry_payment_id(&renewal, 1),
            slot: RetrySlot {
                at: at("2024-02-02T01:01:01Z"),
                grace_until: at("2024-02-02T14:59:59Z"),
            },
        }
    );
}

#[test]
fn the_last_failure_lapses_at_the_grace_as_it_stands() {
    let mut month = month();
    month.end_grace_at = at("2024-02-08T14:59:59Z");
    let after = DunningPolicy::default().after_failure(
        &month,
        3,
        ScheduleOffset::from_seconds(0),
        at("2024-02-08T01:00:00Z"),
    );
    assert_eq!(
        after,
        AfterFailure::Lapse {
            limit: 3,
            at: at("2024-02-08T14:59:59Z")
        }
    );
    let no_retries = DunningPolicy::none().after_failure(
        &month,
        0,
        ScheduleOffset::from_seconds(0),
        at("2024-02-01T01:00:00Z"),
    );
    assert!(matches!(no_retries, AfterFailure::Lapse { limit: 0, .. }));
}

#[test]
fn a_retry_whose_slot_passed_is_charged_shortly_after_now_and_its_grace_covers_it() {
    let month = month();
    // Retry 1's slot was 2024-02-02 10:00 KST; the failure is only seen at 23:58 KST that day.
    let now = at("2024-02-02T14:58:00Z");
    let AfterFailure::Retry { slot, .. } =
        DunningPolicy::default().after_failure(&month, 0, ScheduleOffset::from_seconds(0), now)
    else {
        panic!("expected a retry");
    };
    assert_eq!(slot.at, at("2024-02-02T15:03:00Z"));
    // 00:03 KST on 3 February: access lasts until that day's end.
    assert_eq!(slot.grace_until, at("2024-02-03T14:59:59Z"));
}
