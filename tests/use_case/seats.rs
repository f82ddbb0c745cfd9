//! Seats through the whole flow against the fakes: a start with a quantity is charged the plan's
//! amount times it, the month records it, and the renewal PortOne charges from the schedule
//! carries it on (in `customData`), so the next month records it too.

use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::quantity::Quantity;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::service::checkout::StartRequest;

use crate::answers::body;
use crate::fakes::{utc, Harness};

async fn shop(trial_days: i64) -> Harness {
    let app = Harness::new(0);
    app.clock.set(utc("2025-01-10T03:00:00Z"));
    let terms = PlanTerms::new(
        PlanId::parse("team").unwrap(),
        "팀",
        9900,
        "KRW",
        trial_days,
        None,
        None,
    )
    .unwrap();
    app.services.plans.put(&terms).await.unwrap();
    app.portone.cards.issue("bk_1", "user-1");
    app
}

async fn start(app: &Harness, seats: i64) -> serde_json::Value {
    let request = StartRequest {
        customer_id: CustomerId::parse("user-1").unwrap(),
        plan_id: PlanId::parse("team").unwrap(),
        billing_key: BillingKey::parse("bk_1").unwrap(),
        quantity: Quantity::new(seats).unwrap(),
        promotion_code: None,
        idempotency_key: IdempotencyKey::parse("k-1").unwrap(),
    };
    let started = body(&app.services.checkout.start(&request).await);
    assert_eq!(started["success"], true, "{started:#}");
    started["subscription"].clone()
}

#[tokio::test]
async fn three_seats_are_charged_three_times_the_plan_and_renew_as_three() {
    let app = shop(0).await;
    let started = start(&app, 3).await;
    assert_eq!(started["amount"], 29_700);
    assert_eq!(started["quantity"], 3);
    assert_eq!(started["next_charge"]["amount"], 29_700);
    assert_eq!(started["next_charge"]["quantity"], 3);
    let charged: Vec<i64> = app
        .portone
        .cards
        .charges()
        .iter()
        .map(|c| c.amount.value())
        .collect();
    assert_eq!(charged, [29_700]);

    // PortOne charges the schedule; its webhook records the next month with the same seats.
    let due = "2025-02-11T02:00:00Z";
    app.clock.set(utc(due));
    for (id, _) in app.portone.run_due(Timestamp::from_utc(utc(due))) {
        app.send(&id, "Paid").await;
    }
    let id = started["subscription_id"].as_str().unwrap();
    let renewed = app.read(id).await;
    assert_eq!(renewed.months, 2);
    assert_eq!((renewed.amount.value(), renewed.quantity.get()), (29_700, 3));
}

#[tokio::test]
async fn a_trial_with_seats_schedules_its_first_charge_for_every_seat() {
    let app = shop(14).await;
    let started = start(&app, 5).await;
    assert_eq!(started["status"], "trialing");
    assert_eq!(started["quantity"], 5);
    assert_eq!(started["next_charge"]["amount"], 49_500);
    assert_eq!(started["next_charge"]["quantity"], 5);
    assert!(app.portone.cards.charges().is_empty());
}
