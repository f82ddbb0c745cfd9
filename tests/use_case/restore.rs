//! A change that revokes a schedule ends with a live one: when PortOne fails to create the
//! replacement, the old schedule (and what was stored for it) is put back, and the answer is an
//! upstream failure to send again. During dunning, a charge whose answer is lost puts the retry
//! back on the schedule.

use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::answer::Ending;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::record::NextTerms;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::ports::{GatewayError, SubscriptionLedger};
use portone_subscriptions::service::card_update::CardUpdateRequest;
use portone_subscriptions::service::{Caller, PlanChange, SubscriptionError, Verdict};

use crate::fakes::{paid, Harness};

/// `pay_1` of `customer_1` (paid with `billing_key_123`), its renewal scheduled; a new card
/// issued to the same customer.
async fn subscribed() -> Harness {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-10T12:00:00Z")));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    app.portone.cards.issue("bk_new", "customer_1");
    app
}

fn new_card() -> CardUpdateRequest {
    CardUpdateRequest {
        subscription: SubscriptionId::parse("pay_1").unwrap(),
        billing_key: BillingKey::parse("bk_new").unwrap(),
        caller: Caller::Customer(CustomerId::parse("customer_1").unwrap()),
    }
}

#[tokio::test]
async fn a_new_card_portone_cannot_schedule_leaves_the_old_card_and_its_schedule_in_place() {
    let app = subscribed().await;
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    app.portone.fail_next_schedules(1);

    let answer = app.services.cards.update(&new_card()).await;

    assert_eq!(answer.ending, Ending::UpstreamFailed, "{answer:?}");
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "a live schedule again: {live:?}");
    assert_eq!(live[0].request.payment_id, renewal);
    assert_eq!(live[0].request.billing_key, "billing_key_123");
    let stored = app
        .ledger
        .payment_method(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.billing_key, "billing_key_123",
        "the old card is stored again"
    );

    // Sent again, the update goes through.
    app.clock.advance(chrono::Duration::seconds(1));
    let again = app.services.cards.update(&new_card()).await;
    assert_eq!(again.ending, Ending::Done, "{again:?}");
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].request.billing_key, "bk_new");
}

#[tokio::test]
async fn a_plan_change_portone_cannot_schedule_leaves_the_old_terms_and_their_schedule_in_place() {
    let app = subscribed().await;
    app.portone.fail_next_schedules(1);
    let terms = PlanChange::new(20_000, "프로", None).unwrap();

    let changed = app
        .services
        .subscriptions
        .change(&SubscriptionId::parse("pay_1").unwrap(), &terms)
        .await;

    assert!(
        matches!(changed, Err(SubscriptionError::Upstream(_))),
        "{changed:?}"
    );
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "a live schedule again: {live:?}");
    assert_eq!(live[0].request.amount, Amount::new(10_000).unwrap());
    assert_eq!(
        app.ledger.rows()[0].next_terms,
        NextTerms::default(),
        "the old terms are stored again"
    );

    app.clock.advance(chrono::Duration::seconds(1));
    let again = app
        .services
        .subscriptions
        .change(&SubscriptionId::parse("pay_1").unwrap(), &terms)
        .await
        .unwrap();
    assert!(again.changed);
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].request.amount, Amount::new(20_000).unwrap());
}

#[tokio::test]
async fn a_dunning_charge_whose_answer_is_lost_puts_the_retry_back_on_the_new_card() {
    let app = subscribed().await;
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    let failed = app.portone.charge(renewal, true);
    assert_eq!(app.send(&failed, "Failed").await.verdict, Verdict::Done);
    let retry = app.ledger.rows()[0].renewal.retry_payment_id.clone().unwrap();
    app.portone.cards.lose_next_answer(GatewayError::Timeout);

    let answer = app.services.cards.update(&new_card()).await;

    assert_eq!(answer.ending, Ending::UpstreamFailed, "{answer:?}");
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "the retry is on the schedule again: {live:?}");
    assert_eq!(live[0].request.payment_id, retry);
    assert_eq!(live[0].request.billing_key, "bk_new");
}
