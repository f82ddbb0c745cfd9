//! Upgrades that take effect now, against the fakes: exact prorated amounts at a known fraction of
//! the period (the test clock), a storm of identical requests that charges once, a declined
//! upgrade that changes nothing, a lost answer finished once (by the same request again, or by
//! the charge's webhook), the preview equal to the charge, and a downgrade that waits.

use std::sync::Arc;

use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::charge_kind::ChargeKind;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::event::EventType;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::quantity::Quantity;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::ports::{GatewayError, ProrationLedger};
use portone_subscriptions::service::checkout::StartRequest;
use portone_subscriptions::service::{ChangeTarget, SubscriptionError};

use crate::answers::body;
use crate::fakes::{utc, Harness};

/// `team` (9,900 per seat) and `business` (29,900), 30-day periods; one seat of `team` started
/// 2025-01-01T00:00:00Z, so the period ends 2025-01-31T00:00:00Z.
async fn subscribed() -> (Harness, SubscriptionId) {
    let app = Harness::new(0);
    app.clock.set(utc("2025-01-01T00:00:00Z"));
    for (id, amount) in [("team", 9_900), ("business", 29_900)] {
        let terms = PlanTerms::new(PlanId::parse(id).unwrap(), id, amount, "KRW", 0, None, None).unwrap();
        app.services.plans.put(&terms).await.unwrap();
    }
    app.portone.cards.issue("bk_1", "user-1");
    let request = StartRequest {
        customer_id: CustomerId::parse("user-1").unwrap(),
        plan_id: PlanId::parse("team").unwrap(),
        billing_key: BillingKey::parse("bk_1").unwrap(),
        quantity: Quantity::ONE,
        promotion_code: None,
        idempotency_key: IdempotencyKey::parse("start-1").unwrap(),
    };
    let started = body(&app.services.checkout.start(&request).await);
    let id = started["subscription"]["subscription_id"].as_str().unwrap();
    (app, SubscriptionId::parse(id).unwrap())
}

fn seats(n: i64) -> ChangeTarget {
    ChangeTarget {
        plan_id: None,
        quantity: Some(Quantity::new(n).unwrap()),
    }
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::parse(text).unwrap()
}

/// The proration charges PortOne was asked for: (paymentId, amount).
fn proration_charges(app: &Harness) -> Vec<(String, i64)> {
    app.portone
        .cards
        .charges()
        .iter()
        .filter(|c| c.kind == ChargeKind::Proration)
        .map(|c| (c.payment_id.to_string(), c.amount.value()))
        .collect()
}

/// Every live schedule's amount.
fn scheduled_amounts(app: &Harness) -> Vec<i64> {
    app.portone
        .live()
        .iter()
        .map(|h| h.request.amount.value())
        .collect()
}

#[tokio::test]
async fn two_more_seats_ten_days_in_are_charged_two_thirds_of_their_price_and_renew_at_three() {
    let (app, id) = subscribed().await;
    // 10 of 30 days gone: floor(19,800 × 20 ÷ 30) = 13,200.
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    let preview = app
        .services
        .subscriptions
        .preview_change(&id, &seats(3))
        .await
        .unwrap();
    assert!(preview.immediate);
    assert_eq!(preview.due_now.value(), 13_200);

    let changed = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("seats-3")))
        .await
        .unwrap();
    assert_eq!(changed.code, "PLAN_CHANGED_NOW");
    let proration = changed.proration.expect("the proration");
    assert_eq!(proration.amount.value(), preview.due_now.value());
    assert_eq!(
        proration_charges(&app),
        [(proration.payment_id.to_string(), 13_200)]
    );

    let now = &changed.subscription;
    assert_eq!(now.quantity.get(), 3);
    assert_eq!(
        now.amount.value(),
        9_900,
        "the month keeps what its payment charged"
    );
    let next = now.next_charge.as_ref().unwrap();
    assert_eq!((next.amount.value(), next.quantity.get()), (29_700, 3));
    assert_eq!(preview.next_charge_amount.value(), 29_700);
    assert_eq!(Some(next.at), preview.next_charge_at);
    assert_eq!(
        scheduled_amounts(&app),
        [29_700],
        "the schedule moved to the new amount"
    );
    assert!(now.pending_change.is_none());

    // The charge's webhook changes nothing more.
    app.send(proration.payment_id.as_str(), "Paid").await;
    assert_eq!(scheduled_amounts(&app), [29_700]);
    let changes: Vec<_> = app
        .ledger
        .all_events()
        .into_iter()
        .filter(|e| e.event_type == EventType::PlanChanged)
        .collect();
    assert_eq!(changes.len(), 1);
    let change = &changes[0].data["change"];
    assert_eq!(
        (change["from_quantity"].as_u64(), change["to_quantity"].as_u64()),
        (Some(1), Some(3))
    );
    assert_eq!(change["amount_due_now"], 13_200);

    // The renewal is charged 29,700 for three seats, and recorded so.
    let live = app.portone.live();
    app.clock.set(live[0].request.time_to_pay.as_utc());
    let renewal = app.portone.charge(live[0].request.payment_id.clone(), false);
    app.send(&renewal, "Paid").await;
    let renewed = app.read(id.as_str()).await;
    assert_eq!(
        (renewed.amount.value(), renewed.quantity.get(), renewed.months),
        (29_700, 3, 2)
    );
    // The billing history lists the proration beside the months.
    let detail = app.services.subscriptions.get(&id).await.unwrap();
    assert_eq!(detail.prorations.len(), 1);
}

#[tokio::test]
async fn a_plan_upgrade_half_way_charges_half_the_difference() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-16T00:00:00Z"));
    let target = ChangeTarget {
        plan_id: Some(PlanId::parse("business").unwrap()),
        quantity: None,
    };
    let changed = app
        .services
        .subscriptions
        .change_to(&id, &target, Some(&key("up")))
        .await
        .unwrap();
    // floor(20,000 × 15 ÷ 30) = 10,000.
    assert_eq!(changed.proration.unwrap().amount.value(), 10_000);
    assert_eq!(
        changed.subscription.plan_id.as_ref().map(PlanId::as_str),
        Some("business")
    );
    assert_eq!(scheduled_amounts(&app), [29_900]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_identical_upgrades_at_once_charge_once() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let app = Arc::clone(&app);
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            app.services
                .subscriptions
                .change_to(&id, &seats(3), Some(&key("storm")))
                .await
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            Ok(change) => assert_eq!(change.code, "PLAN_CHANGED_NOW"),
            Err(SubscriptionError::ChangeInProgress) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let charged: std::collections::BTreeSet<_> = proration_charges(&app).into_iter().collect();
    assert_eq!(charged.len(), 1, "one payment id, charged once at PortOne");
    assert_eq!(scheduled_amounts(&app), [29_700]);
    let prorations = app.ledger.prorations(id.as_str()).await.unwrap();
    assert_eq!(prorations.len(), 1);
    // Sent again later, it answers what it did and asks PortOne for nothing.
    let calls = proration_charges(&app).len();
    let again = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("storm")))
        .await
        .unwrap();
    assert_eq!(again.proration.unwrap().payment_id, prorations[0].payment_id);
    assert_eq!(proration_charges(&app).len(), calls);
}

#[tokio::test]
async fn a_declined_upgrade_changes_nothing_and_answers_the_decline_again() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    app.portone.cards.decline_next("bk_1", 1);
    let declined = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("declined")))
        .await;
    assert!(
        matches!(declined, Err(SubscriptionError::Declined { .. })),
        "{declined:?}"
    );
    let after = app.read(id.as_str()).await;
    assert_eq!(after.quantity.get(), 1);
    assert_eq!(after.next_charge.unwrap().amount.value(), 9_900);
    assert_eq!(scheduled_amounts(&app), [9_900]);
    // The same request again is the same decline, without another charge.
    let again = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("declined")))
        .await;
    assert!(matches!(again, Err(SubscriptionError::Declined { .. })));
    assert_eq!(proration_charges(&app).len(), 1);
    // A new key may try again (another card, or funds now).
    let retried = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("declined-2")))
        .await
        .unwrap();
    assert_eq!(retried.subscription.quantity.get(), 3);
}

#[tokio::test]
async fn a_lost_answer_is_finished_once_by_the_same_request_again() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    app.portone.cards.lose_next_answer(GatewayError::Timeout);
    let lost = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("lost")))
        .await;
    assert!(matches!(lost, Err(SubscriptionError::Upstream(_))), "{lost:?}");
    assert_eq!(app.read(id.as_str()).await.quantity.get(), 1, "not applied yet");

    let finished = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("lost")))
        .await
        .unwrap();
    assert_eq!(finished.subscription.quantity.get(), 3);
    assert_eq!(scheduled_amounts(&app), [29_700]);
    // Two calls for one payment id; PortOne answered the second ALREADY_PAID.
    let ids: std::collections::BTreeSet<_> = proration_charges(&app).into_iter().map(|c| c.0).collect();
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_finished_by_the_charge_s_webhook() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    app.portone.cards.lose_next_answer(GatewayError::Timeout);
    let lost = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("lost")))
        .await;
    assert!(lost.is_err());
    let (payment_id, _) = proration_charges(&app).remove(0);
    let outcome = app.send(&payment_id, "Paid").await;
    assert!(outcome.checklist.succeeded(), "{outcome:?}");
    let after = app.read(id.as_str()).await;
    assert_eq!(
        (after.quantity.get(), after.months),
        (3, 1),
        "settled, and no month recorded"
    );
    assert_eq!(scheduled_amounts(&app), [29_700]);
    // The same request again answers the change, charging nothing more.
    let again = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("lost")))
        .await
        .unwrap();
    assert_eq!(again.code, "PLAN_CHANGED_NOW");
    assert_eq!(proration_charges(&app).len(), 1);
}

#[tokio::test]
async fn fewer_seats_wait_for_the_period_s_end_without_a_charge_or_a_key() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-05T00:00:00Z"));
    app.services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("up")))
        .await
        .unwrap();
    let down = app
        .services
        .subscriptions
        .change_to(&id, &seats(2), None)
        .await
        .unwrap();
    assert_eq!(down.code, "PLAN_CHANGED");
    assert!(down.proration.is_none());
    let s = &down.subscription;
    assert_eq!(s.quantity.get(), 3, "three seats until the period ends");
    let pending = s.pending_change.as_ref().expect("a pending change");
    assert_eq!((pending.quantity.get(), pending.amount.value()), (2, 19_800));
    assert_eq!(pending.effective_at, s.end_at);
    assert_eq!(scheduled_amounts(&app), [19_800]);
    assert_eq!(proration_charges(&app).len(), 1, "only the upgrade charged");
}

#[tokio::test]
async fn an_upgrade_needs_a_key_and_a_key_names_one_change() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    let keyless = app.services.subscriptions.change_to(&id, &seats(3), None).await;
    assert!(matches!(keyless, Err(SubscriptionError::IdempotencyKeyRequired)));
    app.services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("k")))
        .await
        .unwrap();
    let reused = app
        .services
        .subscriptions
        .change_to(&id, &seats(4), Some(&key("k")))
        .await;
    assert!(matches!(reused, Err(SubscriptionError::KeyReused)));
    assert!(proration_charges(&app).len() == 1 && scheduled_amounts(&app) == [29_700]);
}

#[tokio::test]
async fn a_difference_below_the_minimum_takes_effect_without_a_charge() {
    let (app, id) = subscribed().await;
    // Six hours before the end: floor(19,800 × 21,600 ÷ 2,592,000) = 165; one seat more of a
    // cheaper price would be below 100. Use the minimum of 1,000 set by the operator.
    let services = portone_subscriptions::service::SubscriptionService::new(Arc::clone(
        app.services.webhooks.flows().ports(),
    ))
    .with_min_proration(portone_subscriptions::domain::amount::Amount::new(1_000).unwrap());
    app.clock.set(utc("2025-01-30T18:00:00Z"));
    let preview = services.preview_change(&id, &seats(3)).await.unwrap();
    assert_eq!((preview.immediate, preview.due_now.value()), (true, 0));
    let changed = services
        .change_to(&id, &seats(3), Some(&key("small")))
        .await
        .unwrap();
    assert_eq!(changed.proration.unwrap().amount.value(), 0);
    assert!(proration_charges(&app).is_empty(), "no PortOne call");
    assert_eq!(changed.subscription.quantity.get(), 3);
    assert_eq!(scheduled_amounts(&app), [29_700]);
}

#[tokio::test]
async fn a_proration_is_refundable_and_the_change_stays_in_effect() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    let changed = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("up")))
        .await
        .unwrap();
    let payment_id = changed.proration.unwrap().payment_id;
    let refund =
        |amount: Option<i64>, payment_id: Option<&str>| portone_subscriptions::service::RefundRequest {
            reason: "goodwill".into(),
            amount: amount.map(|a| portone_subscriptions::domain::amount::Amount::new(a).unwrap()),
            payment_id: payment_id
                .map(|id| portone_subscriptions::domain::payment_id::PaymentId::parse(id).unwrap()),
        };
    let part = app
        .services
        .subscriptions
        .refund(&id, &refund(Some(3_200), Some(payment_id.as_str())))
        .await
        .unwrap();
    assert_eq!(
        (part.amount.value(), part.total.value(), part.full),
        (3_200, 3_200, false)
    );
    let rest = app
        .services
        .subscriptions
        .refund(&id, &refund(None, Some(payment_id.as_str())))
        .await
        .unwrap();
    assert_eq!(
        (rest.amount.value(), rest.total.value(), rest.full),
        (10_000, 13_200, true)
    );
    let after = rest.change.subscription;
    assert_eq!(
        (after.status.as_str(), after.quantity.get()),
        ("active", 3),
        "the change stays"
    );
    assert_eq!(after.next_charge.unwrap().amount.value(), 29_700);
    let stored = app.ledger.prorations(id.as_str()).await.unwrap();
    assert_eq!(stored[0].refunded_amount.map(|a| a.value()), Some(13_200));
    // A payment that is not this subscription's is refused; PortOne is not asked.
    let refunds = app.portone.cards.refunds().len();
    let stranger = app
        .services
        .subscriptions
        .refund(&id, &refund(None, Some("proration-someone-else")))
        .await;
    assert!(
        matches!(stranger, Err(SubscriptionError::PaymentNotFound)),
        "{stranger:?}"
    );
    assert_eq!(app.portone.cards.refunds().len(), refunds);
}

#[tokio::test]
async fn a_change_abandoned_after_its_charge_is_settled_by_the_next_change() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    app.portone.cards.lose_next_answer(GatewayError::Timeout);
    let lost = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("gone")))
        .await;
    assert!(lost.is_err());
    // The client gives up; no webhook comes. Another change, within the first's deadline, waits.
    app.clock.set(utc("2025-01-11T00:01:00Z"));
    let early = app
        .services
        .subscriptions
        .change_to(&id, &seats(4), Some(&key("next")))
        .await;
    assert!(
        matches!(early, Err(SubscriptionError::ChangeInProgress)),
        "{early:?}"
    );
    assert_eq!(app.read(id.as_str()).await.quantity.get(), 1);
    // Past it, the next change asks PortOne: charged, so it is settled (three seats) ...
    app.clock.set(utc("2025-01-11T00:03:00Z"));
    let healed = app
        .services
        .subscriptions
        .change_to(&id, &seats(4), Some(&key("next")))
        .await;
    assert!(
        matches!(healed, Err(SubscriptionError::ChangeInProgress)),
        "{healed:?}"
    );
    assert_eq!(app.read(id.as_str()).await.quantity.get(), 3);
    assert_eq!(scheduled_amounts(&app), [29_700]);
    // ... and sent again, the next change is computed on three seats.
    let fourth = app
        .services
        .subscriptions
        .change_to(&id, &seats(4), Some(&key("next")))
        .await
        .unwrap();
    let proration = fourth.proration.unwrap();
    assert_eq!(proration.from.quantity.get(), 3);
    assert_eq!(fourth.subscription.quantity.get(), 4);
}

#[tokio::test]
async fn a_change_that_died_before_its_charge_is_failed_by_the_next_change() {
    let (app, id) = subscribed().await;
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    // A process wrote the proration, then died before asking PortOne.
    let month = app.read(id.as_str()).await;
    let dead = portone_subscriptions::domain::proration_record::Proration {
        payment_id: portone_subscriptions::domain::payment_id::PaymentId::parse("proration-dead").unwrap(),
        subscription_id: id.to_string(),
        month_key: month.transaction_key.clone(),
        customer_id: month.customer_id.clone(),
        from: portone_subscriptions::domain::proration_record::InEffect {
            plan_id: Some(PlanId::parse("team").unwrap()),
            quantity: Quantity::ONE,
            amount: month.amount,
        },
        to: portone_subscriptions::domain::proration_record::InEffect {
            plan_id: Some(PlanId::parse("team").unwrap()),
            quantity: Quantity::new(2).unwrap(),
            amount: portone_subscriptions::domain::amount::Amount::new(19_800).unwrap(),
        },
        order_name: "team".into(),
        currency: portone_subscriptions::domain::currency::Currency::reported("KRW"),
        amount: portone_subscriptions::domain::amount::Amount::new(6_600).unwrap(),
        period_start: month.start_at,
        period_end: month.end_at,
        request_hash: "dead".into(),
        status: portone_subscriptions::domain::proration_record::ProrationStatus::Pending,
        failure_reason: None,
        paid_at: None,
        rescheduled_at: None,
        refunded_amount: None,
        created_at: portone_subscriptions::domain::timestamp::Timestamp::from_utc(utc(
            "2025-01-11T00:00:00Z",
        )),
        billing_number: None,
    };
    app.ledger.begin_proration(&dead).await.unwrap();
    app.clock.set(utc("2025-01-11T00:05:00Z"));
    let first = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("k")))
        .await;
    assert!(
        matches!(first, Err(SubscriptionError::ChangeInProgress)),
        "{first:?}"
    );
    let stored = app.ledger.prorations(id.as_str()).await.unwrap();
    assert_eq!(
        stored[0].status,
        portone_subscriptions::domain::proration_record::ProrationStatus::Failed,
        "PortOne never charged it"
    );
    let again = app
        .services
        .subscriptions
        .change_to(&id, &seats(3), Some(&key("k")))
        .await
        .unwrap();
    assert_eq!(again.subscription.quantity.get(), 3);
    assert_eq!(
        proration_charges(&app).len(),
        1,
        "only the new change was charged"
    );
}
