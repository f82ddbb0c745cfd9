//! Cancel and resume against the fakes: what PortOne is asked to do, exactly.

use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::service::SubscriptionError;

use crate::fakes::{paid, Harness};

#[tokio::test]
async fn cancelling_revokes_the_stored_schedule_and_resuming_schedules_it_again() {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-01T00:00:00Z")));
    app.send("pay_1", "Paid").await;
    let subscriptions = &app.services.subscriptions;

    let cancelled = subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    let again = subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    let after_cancel = app.portone.schedules();
    let resumed = subscriptions
        .resume(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();

    assert!(cancelled.changed && !again.changed && resumed.changed);
    assert_eq!(
        cancelled.record.canceled_at.unwrap().to_iso(),
        "2024-03-10T12:00:00.000Z"
    );
    assert_eq!(after_cancel.len(), 1);
    assert_eq!(after_cancel[0].status, "REVOKED");
    assert_eq!(resumed.record.canceled_at, None);
    assert_eq!(
        app.ledger.rows()[0].resumed_at.unwrap().to_iso(),
        "2024-03-10T12:00:00.000Z"
    );

    // Resuming asked PortOne for a new schedule of the same payment, under a new key.
    let schedules = app.portone.schedules();
    assert_eq!(schedules.len(), 2, "resume created a second schedule");
    let (first, second) = (&schedules[0], &schedules[1]);
    assert_eq!(second.status, "SCHEDULED");
    assert_eq!(second.request.payment_id, first.request.payment_id);
    assert_eq!(second.request.time_to_pay, first.request.time_to_pay);
    assert!(first.request.idempotency_key.starts_with("schedule-"));
    assert!(second.request.idempotency_key.starts_with("resume-"));
    assert_ne!(first.request.idempotency_key, second.request.idempotency_key);
}

#[tokio::test]
async fn resuming_a_subscription_that_was_never_cancelled_is_a_conflict_and_calls_nobody() {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-01T00:00:00Z")));
    app.send("pay_1", "Paid").await;

    let result = app
        .services
        .subscriptions
        .resume(&SubscriptionId::parse("pay_1").unwrap())
        .await;

    assert!(matches!(result, Err(SubscriptionError::Conflict(_))));
    assert_eq!(app.portone.schedules().len(), 1);
    assert!(matches!(
        app.services
            .subscriptions
            .cancel(&SubscriptionId::parse("pay_unknown").unwrap())
            .await,
        Err(SubscriptionError::NotFound)
    ));
}
