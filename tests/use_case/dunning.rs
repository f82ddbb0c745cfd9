//! Declined renewals against the fakes: attempts, retries at the policy's times, recovery,
//! lapse, and the webhooks that come twice or late.

use portone_subscriptions::domain::subscription_id::SubscriptionId;
use std::sync::Arc;

use portone_subscriptions::domain::checklist::StepStatus;
use portone_subscriptions::domain::dunning::DunningPolicy;
use portone_subscriptions::domain::record::PaymentRecord;
use portone_subscriptions::domain::rejection::RejectionKind;
use portone_subscriptions::domain::schedule_id::retry_payment_id;
use portone_subscriptions::domain::subscription::SubscriptionStatus;
use portone_subscriptions::service::{SubscriptionError, Verdict, WebhookOutcome};

use crate::fakes::{paid, utc, Harness};

/// A month paid 2024-01-01T00:00:00Z whose renewal is scheduled for 2024-02-01 10:00:00 KST
/// (grace that day), and the harness with every retry at 10:00:00 KST.
async fn subscribed() -> Harness {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-01-01T00:00:00Z")));
    app.clock.set(utc("2024-01-01T00:00:05Z"));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    app
}

fn month(app: &Harness) -> PaymentRecord {
    app.ledger
        .rows()
        .into_iter()
        .find(|row| row.transaction_key == "pay_1")
        .unwrap()
}

/// PortOne charges the month's pending charge at its time and sends its webhook 5 s later.
async fn charge(app: &Harness, declined: bool) -> (String, WebhookOutcome) {
    let pending = month(app).pending_charge().expect("a pending charge");
    app.clock.set(pending.at.as_utc() + chrono::Duration::seconds(5));
    let payment_id = app.portone.charge(pending.payment_id, declined);
    let status = if declined { "Failed" } else { "Paid" };
    let outcome = app.send(&payment_id, status).await;
    (payment_id, outcome)
}

fn statuses(outcome: &WebhookOutcome) -> Vec<(&'static str, StepStatus)> {
    outcome
        .checklist
        .items()
        .iter()
        .map(|item| (item.code, item.status))
        .collect()
}

#[tokio::test]
async fn a_declined_renewal_is_recorded_and_retried_the_next_seoul_day_with_access_kept() {
    let app = subscribed().await;
    let first = month(&app);

    let (payment_id, outcome) = charge(&app, true).await;

    assert_eq!(outcome.verdict, Verdict::Done);
    assert_eq!(payment_id, first.next_schedule_id.to_string());
    assert_eq!(
        statuses(&outcome)[3..],
        [
            ("record_failed_attempt", StepStatus::Success),
            ("schedule_retry", StepStatus::Success)
        ]
    );
    let attempts = app.ledger.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        (attempts[0].attempt, attempts[0].payment_id.as_str()),
        (0, payment_id.as_str())
    );
    assert_eq!(attempts[0].failure.pg_code.as_deref(), Some("INSUFFICIENT_FUNDS"));
    assert_eq!(attempts[0].failed_at.to_iso(), "2024-02-01T01:00:00.000Z");

    let month = month(&app);
    let retry = retry_payment_id(&first.next_schedule_id, 1);
    assert_eq!(month.renewal.renewal_attempts, 1);
    assert_eq!(month.renewal.retry_limit, Some(3));
    assert_eq!(month.renewal.retry_payment_id, Some(retry.clone()));
    assert_eq!(
        month.renewal.retry_at.unwrap().to_iso(),
        "2024-02-02T01:00:00.000Z"
    );
    assert_eq!(month.end_grace_at.to_iso(), "2024-02-02T14:59:59.000Z");
    assert_eq!(
        month.renewal.last_failure_reason.as_deref(),
        Some("카드 잔액이 부족합니다.")
    );
    assert!(month.in_dunning());

    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    let request = &live[0].request;
    assert_eq!(request.payment_id, retry);
    assert_eq!(request.idempotency_key, format!("retry-{retry}"));
    assert_eq!(request.time_to_pay, month.renewal.retry_at.unwrap());
    assert_eq!(
        (request.amount.value(), request.billing_key.expose()),
        (10_000, "billing_key_123")
    );
}

#[tokio::test]
async fn every_try_declined_ends_lapsed_at_the_last_retry_s_grace() {
    let app = subscribed().await;
    let mut last = None;
    for _ in 0..4 {
        last = Some(charge(&app, true).await.1);
    }
    let last = last.unwrap();

    assert_eq!(last.verdict, Verdict::Done);
    let step = &last.checklist.items()[4];
    assert_eq!(step.status, StepStatus::Skipped);
    assert!(
        step.message.contains("재결제 3회가 모두 실패"),
        "{}",
        step.message
    );
    let month = month(&app);
    assert_eq!(month.renewal.renewal_attempts, 4);
    assert_eq!(
        month.renewal.lapsed_at.unwrap().to_iso(),
        "2024-02-08T14:59:59.000Z"
    );
    assert_eq!(month.end_grace_at.to_iso(), "2024-02-08T14:59:59.000Z");
    assert_eq!(month.pending_charge(), None);
    assert!(
        app.portone.live().is_empty(),
        "nothing is scheduled after the last retry"
    );
    let days: Vec<_> = app
        .portone
        .schedules()
        .iter()
        .map(|s| s.request.time_to_pay.to_iso())
        .collect();
    assert_eq!(
        days,
        [
            "2024-02-01T01:00:00.000Z",
            "2024-02-02T01:00:00.000Z",
            "2024-02-04T01:00:00.000Z",
            "2024-02-08T01:00:00.000Z"
        ]
    );
}

#[tokio::test]
async fn a_retry_that_succeeds_records_the_new_month_once_and_the_chain_goes_on() {
    let app = subscribed().await;
    charge(&app, true).await;
    charge(&app, true).await;

    let (retry, outcome) = charge(&app, false).await;
    let replay = app.send(&retry, "Paid").await;

    assert_eq!((outcome.verdict, replay.verdict), (Verdict::Done, Verdict::Done));
    assert!(outcome.checklist.items()[3].message.contains("복구"));
    let rows = app.ledger.rows();
    assert_eq!(rows.len(), 2, "the recovered month is recorded once");
    let new = rows.iter().find(|r| r.transaction_key == retry).unwrap();
    assert_eq!(new.start_at.to_iso(), "2024-02-04T01:00:00.000Z");
    let old = month(&app);
    assert_eq!(
        old.renewal.renewed_by.as_ref().map(|k| k.as_str()),
        Some(retry.as_str())
    );
    assert!(!old.in_dunning());
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].request.payment_id, new.next_schedule_id);
}

#[tokio::test]
async fn fifty_concurrent_failed_deliveries_record_one_attempt_and_one_retry() {
    let app = Arc::new(subscribed().await);
    let pending = month(&app).pending_charge().unwrap();
    app.clock.set(pending.at.as_utc());
    let payment_id = app.portone.charge(pending.payment_id, true);

    let runs: Vec<_> = (0..50)
        .map(|_| {
            let (app, id) = (app.clone(), payment_id.clone());
            tokio::spawn(async move { app.send(&id, "Failed").await })
        })
        .collect();
    for run in runs {
        assert_eq!(run.await.unwrap().verdict, Verdict::Done);
    }

    assert_eq!(app.ledger.attempts().len(), 1);
    assert_eq!(app.portone.live().len(), 1);
    assert_eq!(month(&app).renewal.renewal_attempts, 1);
}

#[tokio::test]
async fn a_late_failed_webhook_of_an_older_attempt_changes_nothing() {
    let app = subscribed().await;
    let (first_charge, _) = charge(&app, true).await;
    charge(&app, true).await;
    let before = (month(&app), app.portone.schedules().len());

    let late = app.send(&first_charge, "Failed").await;

    assert_eq!(late.verdict, Verdict::Done);
    let items = late.checklist.items();
    assert!(items[3].message.contains("이미 기록된"), "{}", items[3].message);
    assert_eq!(items[4].status, StepStatus::Skipped);
    assert_eq!((month(&app), app.portone.schedules().len()), before);
    assert_eq!(app.ledger.attempts().len(), 2);
}

#[tokio::test]
async fn a_deleted_billing_key_lapses_the_subscription_at_once_and_answers_200() {
    let app = subscribed().await;
    app.portone
        .refuse_schedules_with(RejectionKind::BillingKeyDeleted);

    let (_, outcome) = charge(&app, true).await;

    assert_eq!(outcome.verdict, Verdict::Done);
    let step = &outcome.checklist.items()[4];
    assert_eq!(step.status, StepStatus::Skipped);
    assert!(step.message.contains("빌링키"), "{}", step.message);
    let month = month(&app);
    assert_eq!(
        month.renewal.lapsed_at.unwrap().to_iso(),
        "2024-02-01T01:00:05.000Z"
    );
    assert_eq!(month.pending_charge(), None);
}

#[tokio::test]
async fn a_declined_first_checkout_is_not_a_renewal() {
    let app = Harness::new(0);
    let mut checkout = paid("pay_checkout", None);
    checkout.status = portone_subscriptions::domain::payment::PaymentStatus::Failed;
    app.portone.add(checkout);

    let outcome = app.send("pay_checkout", "Failed").await;

    assert_eq!(outcome.verdict, Verdict::Done);
    let items = outcome.checklist.items();
    assert_eq!(items[2].status, StepStatus::Success);
    assert!(items[3..].iter().all(|item| item.status == StepStatus::Skipped));
    assert!(items[3].message.contains("구독 갱신 결제가 아닙니다"));
    assert!(app.ledger.attempts().is_empty());
}

#[tokio::test]
async fn cancelling_during_dunning_revokes_the_retry_and_ends_the_subscription_for_good() {
    let app = subscribed().await;
    charge(&app, true).await;
    let subscriptions = &app.services.subscriptions;

    let cancelled = subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    assert!(cancelled.changed);
    assert!(app.portone.live().is_empty(), "the pending retry is revoked");
    // Past `end_at`, a cancelled subscription is `ended`: over, like a refunded or lapsed one.
    assert_eq!(cancelled.subscription.status, SubscriptionStatus::Ended);

    let resumed = subscriptions
        .resume(&SubscriptionId::parse("pay_1").unwrap())
        .await;
    assert_eq!(
        resumed.unwrap_err(),
        SubscriptionError::Terminal(SubscriptionStatus::Ended)
    );
    assert!(
        app.portone.live().is_empty(),
        "nothing is scheduled for an ended subscription"
    );
}

#[tokio::test]
async fn a_paid_webhook_after_the_lapse_is_recorded_but_nothing_is_scheduled() {
    let app = subscribed().await;
    app.portone
        .refuse_schedules_with(RejectionKind::BillingKeyNotFound);
    charge(&app, true).await;
    // PortOne charged the retry anyway (say, a schedule created before the key vanished).
    let retry = retry_payment_id(&month(&app).next_schedule_id, 1);
    app.portone
        .add(paid(retry.as_str(), Some("2024-02-02T01:00:00Z")));

    let outcome = app.send(retry.as_str(), "Paid").await;

    assert_eq!(outcome.verdict, Verdict::Done);
    let items = outcome.checklist.items();
    assert_eq!(items[3].status, StepStatus::Success);
    assert_eq!(items[4].status, StepStatus::Skipped);
    assert!(
        items[4].message.contains("만료(lapsed)된 뒤"),
        "{}",
        items[4].message
    );
    let new = app
        .ledger
        .rows()
        .into_iter()
        .find(|r| r.transaction_key == retry)
        .unwrap();
    assert_eq!(new.renewal.lapsed_at, Some(new.end_grace_at));
    assert!(app.portone.live().is_empty());
}

#[tokio::test]
async fn with_no_retry_days_the_first_declined_charge_lapses_at_its_grace() {
    let app = Harness::with_dunning(0, DunningPolicy::none());
    app.portone.add(paid("pay_1", Some("2024-01-01T00:00:00Z")));
    app.send("pay_1", "Paid").await;

    let (_, outcome) = charge(&app, true).await;

    assert_eq!(outcome.verdict, Verdict::Done);
    assert_eq!(outcome.checklist.items()[4].status, StepStatus::Skipped);
    let month = month(&app);
    assert_eq!(month.renewal.retry_limit, Some(0));
    assert_eq!(
        month.renewal.lapsed_at.unwrap().to_iso(),
        "2024-02-01T14:59:59.000Z"
    );
    assert!(app.portone.live().is_empty());
}
