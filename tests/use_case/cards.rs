//! Card updates against the fakes, where exactness and races matter: ten updates at once during
//! dunning charge the retry once and record one month; a lost answer, then the same update again,
//! records the charge once; a charge already under way on the old card keeps it, and the month
//! after goes to the new card.

use portone_subscriptions::domain::answer::Ending;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use std::sync::Arc;

use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::payment::PaymentStatus;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::ports::{GatewayError, SubscriptionLedger};
use portone_subscriptions::service::card_update::{CardAnswer, CardUpdateRequest};
use portone_subscriptions::service::{Caller, Verdict};

use crate::fakes::{paid, Harness};

const NEW_KEY: &str = "bk_new";

/// `pay_1` of `customer_1` recorded, paid at 2024-03-10T12:00:00Z; its renewal scheduled; the
/// new card issued to the same customer.
async fn subscribed() -> (Harness, PaymentId) {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-10T12:00:00Z")));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    app.portone.cards.issue(NEW_KEY, "customer_1");
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    (app, renewal)
}

/// The renewal declined: `past_due`, retry 1 pending.
async fn past_due() -> (Harness, PaymentId) {
    let (app, renewal) = subscribed().await;
    let failed = app.portone.charge(&renewal, true);
    assert_eq!(app.send(&failed, "Failed").await.verdict, Verdict::Done);
    let retry = app.ledger.rows()[0]
        .renewal
        .retry_payment_id
        .clone()
        .expect("retry 1 pending");
    (app, retry)
}

fn request() -> CardUpdateRequest {
    CardUpdateRequest {
        subscription: SubscriptionId::parse("pay_1").unwrap(),
        billing_key: BillingKey::parse(NEW_KEY).unwrap(),
        caller: Caller::Customer(CustomerId::parse("customer_1").unwrap()),
    }
}

async fn update(app: &Harness) -> CardAnswer {
    app.services.cards.update(&request()).await
}

#[tokio::test]
async fn ten_updates_at_once_during_dunning_charge_the_retry_once_and_record_one_month() {
    let (app, retry) = past_due().await;
    let app = Arc::new(app);

    let answers = futures::future::join_all((0..10).map(|_| {
        let app = app.clone();
        async move { update(&app).await }
    }))
    .await;

    for answer in &answers {
        assert_ne!(answer.ending, Ending::Declined, "{answer:?}");
    }
    assert!(answers.iter().any(|a| a.code == "RENEWAL_RECOVERED"));
    let paid: Vec<_> = app
        .portone
        .cards
        .charges()
        .into_iter()
        .filter(|c| c.payment_id == retry)
        .collect();
    assert!(!paid.is_empty());
    assert!(paid.iter().all(|c| c.billing_key == NEW_KEY && c.skip_webhook));
    assert_eq!(
        app.portone.payment(retry.as_str()).map(|p| p.status),
        Some(PaymentStatus::Paid),
        "the retry's paymentId is paid once: every other try was ALREADY_PAID"
    );
    let rows = app.ledger.rows();
    assert_eq!(rows.len(), 2, "one new month");
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "one next month scheduled: {live:?}");
    assert_eq!(live[0].request.billing_key, NEW_KEY);
}

#[tokio::test]
async fn a_lost_answer_then_the_same_update_again_records_the_charge_once() {
    let (app, retry) = past_due().await;
    app.portone.cards.lose_next_answer(GatewayError::Timeout);

    let lost = update(&app).await;
    assert_eq!(lost.ending, Ending::UpstreamFailed, "{lost:?}");
    assert_eq!(app.ledger.rows().len(), 1, "nothing recorded without an answer");

    app.clock.advance(chrono::Duration::seconds(3));
    let again = update(&app).await;
    assert_eq!(
        (again.ending, again.code.as_str()),
        (Ending::Done, "RENEWAL_RECOVERED")
    );
    let charges = app.portone.cards.charges();
    assert_eq!(charges.len(), 2);
    assert_ne!(
        charges[0].idempotency_key, charges[1].idempotency_key,
        "each update asks anew; the paymentId keeps it to one charge"
    );
    assert_eq!(app.ledger.rows().len(), 2);
    assert_eq!(
        app.portone.payment(retry.as_str()).map(|p| p.status),
        Some(PaymentStatus::Paid)
    );
}

#[tokio::test]
async fn a_charge_already_under_way_stays_on_the_old_card_and_the_month_after_moves() {
    let (app, renewal) = subscribed().await;
    // PortOne ran the schedule on the old card; its webhook has not arrived yet.
    let charged = app.portone.charge(renewal, false);

    let answer = update(&app).await;

    assert_eq!(
        (answer.ending, answer.code.as_str()),
        (Ending::Done, "CARD_UPDATED")
    );
    assert!(
        answer.checklist[4].message.contains("이미 진행"),
        "{:?}",
        answer.checklist[4]
    );
    assert!(app.portone.live().is_empty(), "nothing scheduled twice");
    assert!(app.portone.cards.charges().is_empty());

    // The charge's webhook: recorded, and the month after goes to the new card.
    assert_eq!(app.send(&charged, "Paid").await.verdict, Verdict::Done);
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].request.billing_key, NEW_KEY);
}

#[tokio::test]
async fn a_customer_s_card_on_another_customer_s_subscription_is_not_found() {
    let (app, _) = subscribed().await;
    let answer = app
        .services
        .cards
        .update(&CardUpdateRequest {
            caller: Caller::Customer(CustomerId::parse("someone-else").unwrap()),
            ..request()
        })
        .await;
    assert_eq!(
        (answer.ending, answer.code.as_str()),
        (Ending::NotFound, "NOT_FOUND")
    );
    assert!(answer.subscription.is_none() && answer.card.is_none());
    assert_eq!(app.portone.schedules().len(), 1, "nothing touched");
}

#[tokio::test]
async fn two_updates_at_once_with_different_cards_leave_the_stored_card_and_the_schedule_on_one() {
    let (app, _) = subscribed().await;
    app.portone.cards.issue("bk_other", "customer_1");
    let app = Arc::new(app);
    let other = CardUpdateRequest {
        billing_key: BillingKey::parse("bk_other").unwrap(),
        ..request()
    };

    let (first, second) = futures::join!(
        {
            let app = app.clone();
            async move { update(&app).await }
        },
        {
            let app = app.clone();
            async move { app.services.cards.update(&other).await }
        }
    );

    let codes = [first.code.as_str(), second.code.as_str()];
    assert!(codes.contains(&"CARD_UPDATED"), "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| ["CARD_UPDATED", "CARD_UPDATE_IN_PROGRESS"].contains(c)),
        "{codes:?}"
    );
    let stored = app
        .ledger
        .payment_method(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap()
        .expect("a card is stored");
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(
        live[0].request.billing_key, stored.billing_key,
        "the schedule is on the stored card"
    );
}
