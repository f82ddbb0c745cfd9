//! The use cases alone, with in-memory fakes of every port: exact timestamps, no HTTP.

mod answers;
mod cards;
mod checkout;
mod coupons;
mod dunning;
mod events;
mod example;
mod fake_charges;
mod fakes;
mod graces;
mod intervals;
mod last_grace;
mod limits;
mod model;
mod model_checks;
mod model_world;
#[allow(dead_code)]
#[path = "../api/pg.rs"]
mod pg;
mod prorations;
mod reconcile;
mod refunds;
mod restore;
mod seats;
mod subscription;
mod terminal;

use std::sync::Arc;

use chrono::Duration;
use portone_subscriptions::domain::checklist::StepStatus;
use portone_subscriptions::domain::payment::PaymentStatus;
use portone_subscriptions::service::Verdict;

use fakes::{paid, Harness};

#[tokio::test]
async fn paid_webhook_stores_the_exact_period_and_schedules_it() {
    let app = Harness::new(1800);
    app.portone.add(paid("pay_1", Some("2024-01-01T00:00:00Z")));

    let outcome = app.send("pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::Done);
    let rows = app.ledger.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].start_at.to_iso(), "2024-01-01T00:00:00.000Z");
    assert_eq!(rows[0].end_at.to_iso(), "2024-01-31T00:00:00.000Z");
    assert_eq!(rows[0].end_grace_at.to_iso(), "2024-02-01T14:59:59.000Z");
    assert_eq!(rows[0].next_schedule_at.to_iso(), "2024-02-01T01:30:00.000Z");
    let schedules = app.portone.schedules();
    assert_eq!(schedules.len(), 1);
    let request = &schedules[0].request;
    assert_eq!(request.payment_id, rows[0].next_schedule_id);
    assert_eq!(request.time_to_pay, rows[0].next_schedule_at);
    assert_eq!(request.amount.value(), 10_000);
    assert_eq!(
        request.idempotency_key,
        format!("schedule-{}", rows[0].next_schedule_id)
    );
}

#[tokio::test]
async fn retry_hours_later_keeps_the_first_period_because_it_starts_at_paid_at() {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-10T11:59:00Z")));
    app.send("pay_1", "Paid").await;
    app.clock.advance(Duration::hours(5));

    let outcome = app.send("pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::Done);
    assert_eq!(app.ledger.rows().len(), 1);
    assert_eq!(app.ledger.rows()[0].start_at.to_iso(), "2024-03-10T11:59:00.000Z");
    assert_eq!(app.portone.schedules().len(), 1);
}

#[tokio::test]
async fn missing_paid_at_falls_back_to_the_clock() {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", None));

    app.send("pay_1", "Paid").await;

    assert_eq!(app.ledger.rows()[0].start_at.to_iso(), "2024-03-10T12:00:00.000Z");
}

#[tokio::test]
async fn fifty_concurrent_duplicates_record_once_and_schedule_once() {
    let app = Arc::new(Harness::new(0));
    app.portone.add(paid("pay_1", Some("2024-01-01T00:00:00Z")));

    let runs: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.send("pay_1", "Paid").await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for run in runs {
        outcomes.push(run.await.unwrap());
    }

    assert!(outcomes.iter().all(|o| o.verdict == Verdict::Done));
    assert_eq!(app.ledger.rows().len(), 1);
    assert_eq!(app.portone.schedules().len(), 1);
}

#[tokio::test]
async fn unpaid_payment_stops_at_step_three() {
    let app = Harness::new(0);
    let mut payment = paid("pay_1", None);
    payment.status = PaymentStatus::Other("SOMETHING_NEW".into());
    app.portone.add(payment);

    let outcome = app.send("pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::PaymentStatusMismatch);
    let items = outcome.checklist.items();
    assert_eq!(items[2].status, StepStatus::Failed);
    assert!(items[2].message.contains("SOMETHING_NEW"));
    assert!(items[3..].iter().all(|item| item.status == StepStatus::Skipped));
    assert!(app.ledger.rows().is_empty());
}
