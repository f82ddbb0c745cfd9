use chrono::{DateTime, Utc};

use super::*;
use crate::domain::record::testing::paid_month;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
}

/// Paid 2024-01-01T00:00:00Z: `end_at` 2024-01-31T00:00:00Z, first renewal charge
/// 2024-02-01T01:00:00Z, `end_grace_at` 2024-02-01T14:59:59Z.
fn month() -> PaymentRecord {
    let mut month = paid_month("pay_1");
    month.customer_id = Some("user-1".into());
    month
}

fn cancelled(at_: &str) -> PaymentRecord {
    let mut m = month();
    m.canceled_at = Some(at(at_));
    m
}

/// The first charge failed; retry 1 pending at 2024-02-02T01:00:00Z, grace extended.
fn retrying() -> PaymentRecord {
    let mut m = month();
    m.renewal.renewal_attempts = 1;
    m.renewal.retry_limit = Some(3);
    m.renewal.retry_payment_id = Some(PaymentId::from_uuid(uuid::Uuid::nil()));
    m.renewal.retry_at = Some(at("2024-02-02T01:00:00Z"));
    m.end_grace_at = at("2024-02-02T14:59:59Z");
    m
}

/// Every retry failed; lapses at the last grace.
fn exhausted() -> PaymentRecord {
    let mut m = retrying();
    m.renewal.renewal_attempts = 4;
    m.end_grace_at = at("2024-02-08T14:59:59Z");
    m.renewal.lapsed_at = Some(m.end_grace_at);
    m
}

fn refunded(mut m: PaymentRecord) -> PaymentRecord {
    m.status = crate::domain::record::MonthStatus::Cancelled;
    m
}

#[test]
fn every_status_is_decided_against_the_clock() {
    use SubscriptionStatus::*;
    let cases: Vec<(&str, PaymentRecord, &str, SubscriptionStatus)> = vec![
        ("inside the period", month(), "2024-01-15T00:00:00Z", Active),
        (
            "renewal due, grace running",
            month(),
            "2024-02-01T14:59:59Z",
            Active,
        ),
        (
            "grace over, nothing renewed, not confirmed yet",
            month(),
            "2024-02-01T15:00:00Z",
            PastDue,
        ),
        (
            "grace over, PortOne confirmed nothing was paid",
            {
                let mut m = month();
                m.renewal.lapsed_at = Some(at("2024-02-01T15:00:00Z"));
                m
            },
            "2024-02-01T15:00:00Z",
            Lapsed,
        ),
        (
            "cancelled, at end_at",
            cancelled("2024-01-10T00:00:00Z"),
            "2024-01-31T00:00:00Z",
            Canceling,
        ),
        (
            "cancelled, after end_at",
            cancelled("2024-01-10T00:00:00Z"),
            "2024-01-31T00:00:00.001Z",
            Ended,
        ),
        ("retry pending", retrying(), "2024-02-01T02:00:00Z", PastDue),
        (
            "retry pending, extended grace",
            retrying(),
            "2024-02-02T14:59:59Z",
            PastDue,
        ),
        (
            "retry pending, extended grace over, not confirmed yet",
            retrying(),
            "2024-02-02T15:00:00Z",
            PastDue,
        ),
        (
            "retries exhausted, last grace running",
            exhausted(),
            "2024-02-08T14:59:58Z",
            PastDue,
        ),
        (
            "retries exhausted, at lapsed_at",
            exhausted(),
            "2024-02-08T14:59:59Z",
            Lapsed,
        ),
        ("refunded", refunded(month()), "2024-01-15T00:00:00Z", Refunded),
        (
            "refunded beats cancelled",
            refunded(cancelled("2024-01-10T00:00:00Z")),
            "2024-01-15T00:00:00Z",
            Refunded,
        ),
        (
            "cancelled beats dunning",
            {
                let mut m = retrying();
                m.canceled_at = Some(at("2024-02-01T03:00:00Z"));
                m
            },
            "2024-02-01T04:00:00Z",
            Ended,
        ),
    ];
    for (name, latest, now, expected) in cases {
        assert_eq!(SubscriptionStatus::of(&latest, at(now)), expected, "{name}");
    }
}

#[test]
fn the_read_model_names_the_next_charge_or_why_there_is_none() {
    let now = at("2024-01-15T00:00:00Z");
    let mut active = month();
    active.subscription_id = Some("pay_1".into());
    let model = Subscription::at(std::slice::from_ref(&active), &[], now).unwrap();
    let next = model.next_charge.clone().unwrap();
    assert_eq!(next.at, active.next_schedule_at);
    assert_eq!(
        (next.amount.value(), next.payment_id),
        (9900, active.next_schedule_id.clone())
    );
    assert_eq!(model.no_charge_reason, None);

    // A plan change shows in the next charge, not in the current month.
    active.next_terms.next_amount = Some(Amount::new(19_900).unwrap());
    active.next_terms.next_order_name = Some("연간".into());
    let changed = Subscription::at(std::slice::from_ref(&active), &[], now).unwrap();
    let next = changed.next_charge.unwrap();
    assert_eq!(
        (next.amount.value(), next.order_name.as_deref()),
        (19_900, Some("연간"))
    );
    assert_eq!(changed.amount.value(), 9900);

    let retry = Subscription::at(&[retrying()], &[], at("2024-02-01T02:00:00Z")).unwrap();
    assert_eq!(retry.next_charge.unwrap().at, at("2024-02-02T01:00:00Z"));
    let spent = Subscription::at(&[exhausted()], &[], at("2024-02-08T02:00:00Z")).unwrap();
    assert_eq!(
        (spent.status, spent.no_charge_reason),
        (
            SubscriptionStatus::PastDue,
            Some(NoChargeReason::RetriesExhausted)
        )
    );
    let gone = Subscription::at(&[cancelled("2024-01-10T00:00:00Z")], &[], now).unwrap();
    assert_eq!(gone.no_charge_reason, Some(NoChargeReason::Cancelled));
    assert!(Subscription::at(&[], &[], now).is_none());
}
