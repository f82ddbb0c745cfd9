//! Refunds against the fakes: a full refund ends the subscription and revokes its next charge; a
//! partial one records the refunded total and the subscription goes on; PortOne's refusals.

use crate::answers::body;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription::SubscriptionStatus;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::service::{RefundRequest, SubscriptionError};

use crate::fakes::{paid, Harness};

/// `pay_1` paid 10,000 KRW on 2024-03-01, its next month scheduled.
async fn subscribed() -> Harness {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-01T00:00:00Z")));
    assert!(app.send("pay_1", "Paid").await.checklist.succeeded());
    app
}

fn refund(amount: Option<i64>) -> RefundRequest {
    RefundRequest {
        reason: "고객 요청".into(),
        amount: amount.map(|a| Amount::new(a).unwrap()),
        payment_id: None,
    }
}

#[tokio::test]
async fn a_full_refund_ends_the_subscription_now_and_revokes_the_next_charge() {
    let app = subscribed().await;

    let refunded = app
        .services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(None))
        .await
        .unwrap();

    assert!(refunded.full);
    assert_eq!(
        (refunded.amount.value(), refunded.total.value()),
        (10_000, 10_000)
    );
    assert_eq!(refunded.change.subscription.status, SubscriptionStatus::Refunded);
    assert!(app.portone.live().is_empty(), "the next month is revoked");
    let sent = app.portone.cards.refunds();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].amount, sent[0].current_cancellable_amount.value()),
        (None, 10_000)
    );
    let row = &app.ledger.rows()[0];
    assert_eq!(row.refunded_amount.map(Amount::value), Some(10_000));

    // PortOne's Cancelled webhook, arriving afterwards, changes nothing.
    let outcome = app.send("pay_1", "Cancelled").await;
    assert!(outcome.checklist.succeeded(), "{:?}", outcome.checklist);
    assert!(app.portone.live().is_empty());

    // A second full refund: PortOne's 409, answered as such.
    let again = app
        .services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(None))
        .await;
    assert!(
        matches!(&again, Err(SubscriptionError::Refused(r)) if r.code == "PAYMENT_ALREADY_CANCELLED"),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_partial_refund_records_the_total_and_the_subscription_goes_on() {
    let app = subscribed().await;

    let first = app
        .services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(Some(3000)))
        .await
        .unwrap();
    let second = app
        .services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(Some(2000)))
        .await
        .unwrap();

    assert!(!first.full && !second.full);
    assert_eq!((second.amount.value(), second.total.value()), (2000, 5000));
    assert_eq!(second.change.subscription.status, SubscriptionStatus::Active);
    assert_eq!(
        second.change.subscription.refunded_amount.map(Amount::value),
        Some(5000)
    );
    assert_eq!(app.portone.live().len(), 1, "the next month stays scheduled");
    let sent = app.portone.cards.refunds();
    assert_eq!(
        sent[1].current_cancellable_amount.value(),
        7000,
        "the balance after the first"
    );

    // More than is left: PortOne refuses, and nothing changes.
    let over = app
        .services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(Some(6000)))
        .await;
    assert!(
        matches!(&over, Err(SubscriptionError::Refused(r)) if r.code == "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT"),
        "{over:?}"
    );

    // PortOne's PartialCancelled webhook records the same total, whenever it comes.
    let outcome = app.send("pay_1", "PartialCancelled").await;
    assert!(outcome.checklist.succeeded(), "{:?}", outcome.checklist);
    assert_eq!(outcome.checklist.items()[3].code, "record_refund");
    assert_eq!(
        app.ledger.rows()[0].refunded_amount.map(Amount::value),
        Some(5000)
    );
}

#[tokio::test]
async fn a_trial_has_nothing_to_refund() {
    use portone_subscriptions::domain::checkout::IdempotencyKey;
    use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
    use portone_subscriptions::service::checkout::StartRequest;

    let app = Harness::new(0);
    let plan = PlanTerms::new(
        PlanId::parse("trial").unwrap(),
        "체험",
        9900,
        "KRW",
        7,
        None,
        None,
    )
    .unwrap();
    app.services.plans.put(&plan).await.unwrap();
    app.portone.cards.issue("bk_1", "user-1");
    let started = app
        .services
        .checkout
        .start(&StartRequest {
            customer_id: CustomerId::parse("user-1").unwrap(),
            plan_id: plan.id.clone(),
            billing_key: BillingKey::parse("bk_1").unwrap(),
            quantity: Default::default(),
            promotion_code: None,
            idempotency_key: IdempotencyKey::parse("k").unwrap(),
        })
        .await;
    let id = SubscriptionId::parse(
        body(&started)["subscription"]["subscription_id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();

    let refused = app.services.subscriptions.refund(&id, &refund(None)).await;

    assert!(
        matches!(refused, Err(SubscriptionError::Conflict(_))),
        "{refused:?}"
    );
    assert!(app.portone.cards.refunds().is_empty());
}

/// The month's first Paid webhook was lost, then PortOne refunded part (or all) of the payment:
/// a late or replayed Paid webhook still records the month PortOne was paid for, with what was
/// refunded; the next month is scheduled unless the refund was whole.
#[tokio::test]
async fn a_paid_webhook_of_a_payment_refunded_since_records_the_month_with_its_refund() {
    use portone_subscriptions::domain::payment::PaymentStatus;
    use portone_subscriptions::service::Verdict;

    for (status, refunded, scheduled, expected) in [
        (
            PaymentStatus::PartialCancelled,
            3000,
            1,
            SubscriptionStatus::Active,
        ),
        (PaymentStatus::Cancelled, 10_000, 0, SubscriptionStatus::Refunded),
    ] {
        let app = Harness::new(0);
        let mut payment = paid("pay_1", Some("2024-03-01T00:00:00Z"));
        payment.status = status.clone();
        payment.cancelled_amount = Amount::new(refunded).unwrap();
        app.portone.add(payment);

        let outcome = app.send("pay_1", "Paid").await;

        assert_eq!(
            outcome.verdict,
            Verdict::Done,
            "{status:?}: {:?}",
            outcome.checklist
        );
        let rows = app.ledger.rows();
        assert_eq!(rows.len(), 1, "{status:?}: the month is recorded");
        assert_eq!(rows[0].refunded_amount.map(Amount::value), Some(refunded));
        assert_eq!(app.portone.live().len(), scheduled, "{status:?}");
        let subscription = app.read("pay_1").await;
        assert_eq!(subscription.status, expected, "{status:?}");
        // A replay changes nothing.
        assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
        assert_eq!(app.ledger.rows().len(), 1);
        assert_eq!(app.portone.live().len(), scheduled);
    }
}

#[tokio::test]
async fn a_payment_cancelled_before_it_was_ever_paid_records_nothing() {
    use portone_subscriptions::domain::payment::PaymentStatus;
    use portone_subscriptions::service::Verdict;

    let app = Harness::new(0);
    let mut payment = paid("pay_1", None);
    payment.status = PaymentStatus::Cancelled;
    app.portone.add(payment);

    let outcome = app.send("pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::PaymentStatusMismatch);
    assert!(app.ledger.rows().is_empty());
}
