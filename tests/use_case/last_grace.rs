//! A new card in the last grace: every retry failed, the subscription is `past_due` until its
//! grace ends, and a customer's card update must still rescue it: charged now, recorded once,
//! the next month scheduled on the new card; declined, the customer may try another card.

use portone_subscriptions::domain::answer::Ending;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::dunning::DunningPolicy;
use portone_subscriptions::domain::subscription::SubscriptionStatus;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::ports::GatewayError;
use portone_subscriptions::service::card_update::CardUpdateRequest;
use portone_subscriptions::service::{Caller, Verdict};

use crate::fakes::{paid, Harness};

/// `pay_1`'s renewal and its one retry declined: retries exhausted, the last grace running.
async fn exhausted() -> Harness {
    let app = Harness::with_dunning(0, DunningPolicy::new(vec![1]).unwrap());
    app.portone.add(paid("pay_1", Some("2024-03-10T12:00:00Z")));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    let failed = app.portone.charge(renewal, true);
    assert_eq!(app.send(&failed, "Failed").await.verdict, Verdict::Done);
    let retry = app.ledger.rows()[0].renewal.retry_payment_id.clone().unwrap();
    let failed = app.portone.charge(retry, true);
    assert_eq!(app.send(&failed, "Failed").await.verdict, Verdict::Done);
    let month = &app.ledger.rows()[0];
    assert!(month.pending_charge().is_none(), "every retry failed");
    app.clock
        .set(month.renewal.retry_at.unwrap().as_utc() + chrono::Duration::hours(2));
    assert_eq!(status(&app).await, SubscriptionStatus::PastDue);
    for (key, customer) in [("bk_good", "customer_1"), ("bk_bad", "customer_1")] {
        app.portone.cards.issue(key, customer);
    }
    app.portone.cards.decline_next("bk_bad", 1);
    app
}

async fn status(app: &Harness) -> SubscriptionStatus {
    app.read("pay_1").await.status
}

fn update(key: &str) -> CardUpdateRequest {
    CardUpdateRequest {
        subscription: SubscriptionId::parse("pay_1").unwrap(),
        billing_key: BillingKey::parse(key).unwrap(),
        caller: Caller::Customer(CustomerId::parse("customer_1").unwrap()),
    }
}

#[tokio::test]
async fn a_new_card_in_the_last_grace_recovers_the_subscription_at_once() {
    let app = exhausted().await;

    let answer = app.services.cards.update(&update("bk_good")).await;

    assert_eq!(
        (answer.ending, answer.code.as_str()),
        (Ending::Done, "RENEWAL_RECOVERED"),
        "{answer:?}"
    );
    assert_eq!(status(&app).await, SubscriptionStatus::Active);
    assert_eq!(app.ledger.rows().len(), 2, "the renewal is recorded");
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "the month after is scheduled");
    assert_eq!(live[0].request.billing_key, "bk_good");
}

#[tokio::test]
async fn a_declined_card_in_the_last_grace_changes_nothing_and_another_may_be_tried() {
    let app = exhausted().await;

    let declined = app.services.cards.update(&update("bk_bad")).await;

    assert_eq!(
        (declined.ending, declined.code.as_str()),
        (Ending::Declined, "PAYMENT_DECLINED")
    );
    assert_eq!(status(&app).await, SubscriptionStatus::PastDue);
    assert!(app.portone.live().is_empty(), "no retry is left to schedule");

    app.clock.advance(chrono::Duration::seconds(5));
    let recovered = app.services.cards.update(&update("bk_good")).await;
    assert_eq!(recovered.code, "RENEWAL_RECOVERED", "{recovered:?}");
    assert_eq!(status(&app).await, SubscriptionStatus::Active);
}

#[tokio::test]
async fn a_lost_answer_in_the_last_grace_then_the_same_update_records_the_charge_once() {
    let app = exhausted().await;
    app.portone.cards.lose_next_answer(GatewayError::Timeout);

    let lost = app.services.cards.update(&update("bk_good")).await;
    assert_eq!(lost.ending, Ending::UpstreamFailed, "{lost:?}");

    app.clock.advance(chrono::Duration::seconds(5));
    let again = app.services.cards.update(&update("bk_good")).await;

    assert_eq!(again.code, "RENEWAL_RECOVERED", "{again:?}");
    let charges = app.portone.cards.charges();
    assert_eq!(
        charges.len(),
        1,
        "charged once: the second update found the first charge paid"
    );
    assert_eq!(app.ledger.rows().len(), 2);
}

#[tokio::test]
async fn after_the_last_grace_a_new_card_comes_too_late() {
    let app = exhausted().await;
    let lapse = app.ledger.rows()[0].renewal.lapsed_at.unwrap();
    app.clock.set(lapse.as_utc());

    let answer = app.services.cards.update(&update("bk_good")).await;

    assert_eq!(
        (answer.ending, answer.code.as_str()),
        (Ending::Conflict, "SUBSCRIPTION_NOT_RENEWABLE")
    );
    assert!(app.portone.cards.charges().is_empty());
}
