//! A subscription that is over (`refunded`, `ended`, `lapsed`) stays over: every change refuses
//! it with `Terminal`, and nothing is ever scheduled for it again, by any path (cancel, resume,
//! plan change, card update, a stale schedule's webhook).

use chrono::Duration;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::answer::Ending;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::payment_schedule_id::ScheduleId;
use portone_subscriptions::domain::plan::PlanId;
use portone_subscriptions::domain::subscription::SubscriptionStatus;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::ports::Clock;
use portone_subscriptions::ports::Schedules;
use portone_subscriptions::service::card_update::CardUpdateRequest;
use portone_subscriptions::service::{Caller, PlanChange, RefundRequest, SubscriptionError, Verdict};

use crate::fakes::{paid, Harness};

/// `pay_1` of `customer_1` paid 2024-03-10T12:00:00Z, its renewal scheduled.
async fn subscribed() -> Harness {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-10T12:00:00Z")));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    app.portone.cards.issue("bk_new", "customer_1");
    app
}

async fn fully_refunded() -> Harness {
    let app = subscribed().await;
    let full = RefundRequest {
        reason: "고객 요청".into(),
        amount: None,
        payment_id: None,
    };
    let refunded = app
        .services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &full)
        .await
        .unwrap();
    assert_eq!(refunded.change.subscription.status, SubscriptionStatus::Refunded);
    assert!(app.portone.live().is_empty());
    app
}

/// Every change a customer or the admin can ask for refuses the subscription `Terminal(status)`
/// and schedules nothing.
async fn every_change_is_refused(app: &Harness, status: SubscriptionStatus) {
    let subscriptions = &app.services.subscriptions;
    let terminal = Err(SubscriptionError::Terminal(status));
    assert_eq!(
        subscriptions
            .cancel(&SubscriptionId::parse("pay_1").unwrap())
            .await
            .map(|c| c.changed),
        terminal
    );
    assert_eq!(
        subscriptions
            .resume(&SubscriptionId::parse("pay_1").unwrap())
            .await
            .map(|c| c.changed),
        terminal
    );
    let terms = PlanChange::new(1, "x", None).unwrap();
    assert_eq!(
        subscriptions
            .change(&SubscriptionId::parse("pay_1").unwrap(), &terms)
            .await
            .map(|c| c.changed),
        terminal
    );
    let plan = PlanId::parse("basic").unwrap();
    assert_eq!(
        subscriptions
            .change_plan(&SubscriptionId::parse("pay_1").unwrap(), &plan)
            .await
            .map(|c| c.changed),
        Err(SubscriptionError::PlanNotFound),
        "an unknown plan is refused first"
    );
    let card = CardUpdateRequest {
        subscription: SubscriptionId::parse("pay_1").unwrap(),
        billing_key: BillingKey::parse("bk_new").unwrap(),
        caller: Caller::Customer(CustomerId::parse("customer_1").unwrap()),
    };
    let answer = app.services.cards.update(&card).await;
    assert_eq!(answer.ending, Ending::Conflict);
    assert_eq!(answer.code, "SUBSCRIPTION_NOT_RENEWABLE");
    assert!(
        app.portone.live().is_empty(),
        "nothing is scheduled for a subscription that is over"
    );
    assert!(app.portone.cards.charges().is_empty(), "nothing is charged");
}

#[tokio::test]
async fn a_fully_refunded_subscription_refuses_every_change() {
    let app = fully_refunded().await;
    every_change_is_refused(&app, SubscriptionStatus::Refunded).await;
}

#[tokio::test]
async fn an_ended_subscription_refuses_every_change_even_on_its_last_grace_day() {
    let app = subscribed().await;
    app.services
        .subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    let month = app.ledger.rows()[0].clone();
    // After `end_at`, before `end_grace_at`: the renewal's day, when a resume used to schedule it.
    app.clock.set(month.end_at.as_utc() + Duration::hours(1));
    assert!(app.clock.now() < month.end_grace_at.as_utc());
    every_change_is_refused(&app, SubscriptionStatus::Ended).await;
}

#[tokio::test]
async fn a_lapsed_subscription_refuses_every_change() {
    let app = subscribed().await;
    let month = app.ledger.rows()[0].clone();
    // The schedule ran and found nothing to charge (PortOne revoked it on its own, say): nothing
    // was paid, and PortOne confirms it once the grace ran out.
    let schedule = app.portone.live()[0].id.clone();
    app.portone
        .revoke_schedule(&ScheduleId::parse(schedule).unwrap())
        .await
        .unwrap();
    app.clock.set(month.end_grace_at.as_utc() + Duration::seconds(1));
    let graces = app.services.reconciler.settle_graces().await.unwrap();
    assert_eq!(graces.lapsed, 1, "{graces:?}");
    every_change_is_refused(&app, SubscriptionStatus::Lapsed).await;
}

#[tokio::test]
async fn a_stale_schedule_charged_after_a_full_refund_is_recorded_but_renews_nothing() {
    let app = subscribed().await;
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    // The refund's revoke raced PortOne running the schedule: it was charged anyway.
    let charged = app.portone.charge(renewal, false);
    let full = RefundRequest {
        reason: "고객 요청".into(),
        amount: None,
        payment_id: None,
    };
    app.services
        .subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &full)
        .await
        .unwrap();

    let outcome = app.send(&charged, "Paid").await;

    assert_eq!(outcome.verdict, Verdict::Done, "{:?}", outcome.checklist);
    let rows = app.ledger.rows();
    let renewed = rows
        .iter()
        .find(|m| m.transaction_key == charged.as_str())
        .unwrap();
    assert_eq!(
        renewed.amount,
        Amount::new(10_000).unwrap(),
        "the money taken is recorded"
    );
    assert_eq!(
        renewed.canceled_at,
        Some(renewed.start_at),
        "it inherits the refund's stop"
    );
    assert!(app.portone.live().is_empty(), "the month after is not scheduled");
    let subscription = app.read("pay_1").await;
    assert_eq!(subscription.status, SubscriptionStatus::Canceling);
    assert!(subscription.next_charge.is_none());
    // The customer cannot bring it back: a subscription refunded in full stays stopped.
    assert_eq!(
        app.services
            .subscriptions
            .resume(&SubscriptionId::parse("pay_1").unwrap())
            .await
            .map(|c| c.changed),
        Err(SubscriptionError::Terminal(SubscriptionStatus::Refunded)),
    );
    assert!(app.portone.live().is_empty());
}
