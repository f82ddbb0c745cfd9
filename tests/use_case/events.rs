//! Subscription events against the fakes: every type written by its flow, each once however often
//! the flow runs; and their delivery through a scripted sink, retried on the schedule to the
//! second.

use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures_util::future::BoxFuture;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::event::{DeliveryResult, DeliveryStatus, EventType, SubscriptionEvent};
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::ports::{Clock, Delivery, EventSink};
use portone_subscriptions::service::card_update::CardUpdateRequest;
use portone_subscriptions::service::checkout::StartRequest;
use portone_subscriptions::service::events::{DeliverySettings, EventDelivery};
use portone_subscriptions::service::{Caller, PlanChange, RefundRequest, Verdict};
use serde_json::Value;

use crate::fakes::{paid, Harness};

fn types(app: &Harness, subscription: &str) -> Vec<String> {
    app.ledger
        .all_events()
        .into_iter()
        .filter(|e| e.subscription_id == subscription)
        .map(|e| e.event_type.as_str().to_owned())
        .collect()
}

fn only(app: &Harness, kind: EventType) -> SubscriptionEvent {
    let found: Vec<_> = app
        .ledger
        .all_events()
        .into_iter()
        .filter(|e| e.event_type == kind.as_str())
        .collect();
    assert_eq!(found.len(), 1, "one {}: {found:#?}", kind.as_str());
    found.into_iter().next().unwrap()
}

/// `pay_1` of `customer_1` recorded at 2024-03-10T12:00:00Z.
async fn subscribed() -> Harness {
    let app = Harness::new(0);
    app.portone.add(paid("pay_1", Some("2024-03-10T12:00:00Z")));
    assert_eq!(app.send("pay_1", "Paid").await.verdict, Verdict::Done);
    app
}

#[tokio::test]
async fn a_paid_month_declines_retries_cancel_resume_change_and_refunds_each_write_one_event() {
    let app = subscribed().await;
    // Replayed: still one `created`.
    app.send("pay_1", "Paid").await;
    let created = only(&app, EventType::Created);
    assert_eq!(created.subscription_id, "pay_1");
    assert_eq!(created.customer_id.as_deref(), Some("customer_1"));
    assert_eq!(created.occurred_at.to_iso(), "2024-03-10T12:00:00.000Z");
    assert_eq!(created.data["subscription"]["status"], "active");
    assert_eq!(created.data["month"]["transaction_key"], "pay_1");
    assert_eq!(created.status, DeliveryStatus::Pending);

    // The renewal declined, twice (a replay), then paid by retry 1.
    let renewal = app.ledger.rows()[0].next_schedule_id.clone();
    let failed = app.portone.charge(renewal, true);
    app.send(&failed, "Failed").await;
    app.send(&failed, "Failed").await;
    let declined = only(&app, EventType::PaymentFailed);
    assert_eq!(declined.data["attempt"]["attempt"], 0);
    assert_eq!(declined.data["attempt"]["retry_limit"], 3);
    assert_eq!(declined.data["attempt"]["pg_code"], "INSUFFICIENT_FUNDS");
    assert!(
        declined.data["attempt"]["next_retry_at"].is_string(),
        "{declined:#?}"
    );
    assert_eq!(declined.data["subscription"]["status"], "past_due");
    let retry = app.ledger.rows()[0].renewal.retry_payment_id.clone().unwrap();
    let paid_retry = app.portone.charge(retry, false);
    app.send(&paid_retry, "Paid").await;
    let recovered = only(&app, EventType::Recovered);
    assert_eq!(recovered.data["failed_attempts"], 1);
    assert_eq!(recovered.data["subscription"]["status"], "active");
    assert_eq!(only(&app, EventType::Renewed).data["renewed_key"], "pay_1");

    // Cancel, cancel again, resume, resume again, change.
    let subscriptions = &app.services.subscriptions;
    subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    assert_eq!(
        only(&app, EventType::Canceled).data["subscription"]["status"],
        "canceling"
    );
    subscriptions
        .resume(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    subscriptions
        .resume(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    assert_eq!(
        only(&app, EventType::Resumed).data["subscription"]["status"],
        "active"
    );
    let change = PlanChange::new(19_900, "프리미엄", None).unwrap();
    subscriptions
        .change(&SubscriptionId::parse("pay_1").unwrap(), &change)
        .await
        .unwrap();
    let changed = only(&app, EventType::PlanChanged);
    assert_eq!(changed.data["next_terms"]["next_amount"], 19_900);
    assert_eq!(changed.data["subscription"]["next_charge"]["amount"], 19_900);

    // A partial refund, then the rest.
    let refund = |amount: Option<i64>| RefundRequest {
        reason: "test".into(),
        amount: amount.map(|a| Amount::new(a).unwrap()),
        payment_id: None,
    };
    subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(Some(1000)))
        .await
        .unwrap();
    subscriptions
        .refund(&SubscriptionId::parse("pay_1").unwrap(), &refund(None))
        .await
        .unwrap();
    let refunds: Vec<Value> = app
        .ledger
        .all_events()
        .into_iter()
        .filter(|e| e.event_type == EventType::Refunded.as_str())
        .map(|e| e.data["refund"].clone())
        .collect();
    assert_eq!(refunds.len(), 2, "{refunds:#?}");
    assert_eq!(
        (refunds[0]["full"].as_bool(), refunds[0]["amount"].as_i64()),
        (Some(false), Some(1000))
    );
    assert_eq!(refunds[1]["full"], true);

    assert_eq!(
        types(&app, "pay_1"),
        [
            "subscription.created",
            "subscription.payment_failed",
            "subscription.renewed",
            "subscription.recovered",
            "subscription.canceled",
            "subscription.resumed",
            "subscription.plan_changed",
            "subscription.refunded",
            "subscription.refunded",
        ]
    );
}

#[tokio::test]
async fn time_writes_ended_and_lapsed_once_each_and_a_card_update_writes_its_own() {
    let app = subscribed().await;
    app.portone.cards.issue("bk_new", "customer_1");
    let update = CardUpdateRequest {
        subscription: SubscriptionId::parse("pay_1").unwrap(),
        billing_key: BillingKey::parse("bk_new").unwrap(),
        caller: Caller::Admin,
    };
    // The first stored card is the subscription's own; replacing it is the change.
    app.services.cards.update(&update).await;
    assert!(app
        .ledger
        .all_events()
        .iter()
        .all(|e| e.event_type != EventType::PaymentMethodUpdated.as_str()));
    app.portone.cards.issue("bk_newer", "customer_1");
    let newer = CardUpdateRequest {
        billing_key: BillingKey::parse("bk_newer").unwrap(),
        ..update
    };
    app.clock.advance(Duration::seconds(1));
    app.services.cards.update(&newer).await;
    let updated = only(&app, EventType::PaymentMethodUpdated);
    assert_eq!(updated.data["payment_method"]["number"], "4330-12**-****-1234");
    assert!(
        !updated.data.to_string().contains("bk_newer"),
        "no billing key in an event"
    );

    app.services
        .subscriptions
        .cancel(&SubscriptionId::parse("pay_1").unwrap())
        .await
        .unwrap();
    let events = &app.services.events;
    assert_eq!(events.emit_due().await.unwrap(), 0, "still canceling");
    app.clock.set("2024-04-09T12:00:01Z".parse().unwrap());
    assert_eq!(events.emit_due().await.unwrap(), 1);
    assert_eq!(events.emit_due().await.unwrap(), 0, "once");
    let ended = only(&app, EventType::Ended);
    assert_eq!(
        ended.occurred_at.to_iso(),
        "2024-04-09T12:00:00.001Z",
        "just after end_at"
    );
    assert_eq!(ended.data["subscription"]["status"], "ended");

    // Another subscription whose renewal is never paid (its schedule could not be created) lapses
    // once its grace ran out and PortOne confirms nothing was paid: not by time alone.
    app.portone.add(paid("pay_2", Some("2024-04-09T12:00:01Z")));
    app.portone.fail_next_schedules(1);
    app.send("pay_2", "Paid").await;
    app.clock.set("2024-05-11T15:00:00Z".parse().unwrap());
    assert_eq!(
        events.emit_due().await.unwrap(),
        0,
        "a grace that ran out is not a lapse"
    );
    let graces = app.services.reconciler.settle_graces().await.unwrap();
    assert_eq!((graces.checked, graces.lapsed), (1, 1));
    assert_eq!(
        events.emit_due().await.unwrap(),
        0,
        "the lapse wrote its own event"
    );
    let lapsed = only(&app, EventType::Lapsed);
    assert_eq!(lapsed.subscription_id, "pay_2");
    assert_eq!(
        lapsed.occurred_at.to_iso(),
        "2024-05-10T14:59:59.001Z",
        "just after end_grace_at"
    );
    assert_eq!(lapsed.data["subscription"]["status"], "lapsed");
}

#[tokio::test]
async fn a_trial_writes_created_then_trial_will_end_three_days_before_it_ends() {
    let app = Harness::new(0);
    let terms = PlanTerms::new(
        PlanId::parse("pro").unwrap(),
        "프로",
        19_900,
        "KRW",
        14,
        None,
        None,
    )
    .unwrap();
    app.services.plans.put(&terms).await.unwrap();
    app.portone.cards.issue("bk_1", "user-1");
    let start = StartRequest {
        customer_id: CustomerId::parse("user-1").unwrap(),
        plan_id: PlanId::parse("pro").unwrap(),
        billing_key: BillingKey::parse("bk_1").unwrap(),
        quantity: Default::default(),
        promotion_code: None,
        idempotency_key: IdempotencyKey::parse("start-1").unwrap(),
    };
    app.services.checkout.start(&start).await;
    let created = only(&app, EventType::Created);
    assert_eq!(created.data["subscription"]["status"], "trialing");
    assert_eq!(created.customer_id.as_deref(), Some("user-1"));

    app.clock.advance(Duration::days(10));
    assert_eq!(app.services.events.emit_due().await.unwrap(), 0);
    app.clock.advance(Duration::days(1));
    assert_eq!(app.services.events.emit_due().await.unwrap(), 1);
    let warning = only(&app, EventType::TrialWillEnd);
    assert_eq!(warning.occurred_at.to_iso(), "2024-03-21T12:00:00.000Z");
    assert_eq!(
        warning.data["subscription"]["trial_end_at"],
        "2024-03-24T12:00:00.000Z"
    );
}

/// A sink that answers as scripted, then 200; it records what it was sent.
#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Delivery>>,
    sent: Mutex<Vec<uuid::Uuid>>,
}

impl EventSink for Scripted {
    fn deliver<'a>(&'a self, event: &'a SubscriptionEvent) -> BoxFuture<'a, Delivery> {
        self.sent.lock().unwrap().push(event.id);
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Delivery::Delivered { status: 200 });
        Box::pin(async move { answer })
    }
}

#[tokio::test]
async fn a_failed_delivery_is_retried_on_the_schedule_and_delivered_once_the_app_answers() {
    let app = subscribed().await;
    let sink = Arc::new(Scripted::default());
    sink.answers.lock().unwrap().extend([
        Delivery::Refused { status: 500 },
        Delivery::Timeout,
        Delivery::Unreachable("connection refused".into()),
    ]);
    let ports = app.services.webhooks.ports().clone();
    let delivery = EventDelivery::new(ports, Some(sink.clone()), DeliverySettings::default());

    let pass = delivery.deliver_due().await.unwrap();
    assert_eq!((pass.claimed, pass.retrying), (1, 1));
    let event = only(&app, EventType::Created);
    assert_eq!(event.attempts, 1);
    assert_eq!(event.delivery_attempts[0].result, DeliveryResult::Http(500));
    let wait = (event.next_attempt_at.as_utc() - app.clock.now()).num_milliseconds();
    assert!(
        (5_000..=5_500).contains(&wait),
        "5 s and a little jitter: {wait} ms"
    );

    // Not yet due: nothing is sent.
    assert_eq!(delivery.deliver_due().await.unwrap().claimed, 0);
    app.clock.set(event.next_attempt_at.as_utc());
    assert_eq!(delivery.deliver_due().await.unwrap().retrying, 1, "a timeout");
    let event = only(&app, EventType::Created);
    let wait = (event.next_attempt_at.as_utc() - app.clock.now()).num_milliseconds();
    assert!((30_000..=33_000).contains(&wait), "30 s: {wait} ms");
    app.clock.set(event.next_attempt_at.as_utc());
    delivery.deliver_due().await.unwrap();
    app.clock
        .set(only(&app, EventType::Created).next_attempt_at.as_utc());
    let pass = delivery.deliver_due().await.unwrap();
    assert_eq!(pass.delivered, 1);

    let event = only(&app, EventType::Created);
    assert_eq!(event.status, DeliveryStatus::Delivered);
    let results: Vec<_> = event.delivery_attempts.iter().map(|a| a.result).collect();
    assert_eq!(
        results,
        [
            DeliveryResult::Http(500),
            DeliveryResult::Timeout,
            DeliveryResult::ConnectError,
            DeliveryResult::Delivered
        ]
    );
    assert_eq!(sink.sent.lock().unwrap().len(), 4);
    assert_eq!(
        delivery.deliver_due().await.unwrap().claimed,
        0,
        "delivered is done"
    );
}

#[tokio::test]
async fn after_the_last_attempt_the_event_is_failed_and_can_be_sent_again() {
    let app = subscribed().await;
    let sink = Arc::new(Scripted::default());
    sink.answers
        .lock()
        .unwrap()
        .extend((0..12).map(|_| Delivery::Refused { status: 503 }));
    let ports = app.services.webhooks.ports().clone();
    let delivery = EventDelivery::new(ports, Some(sink.clone()), DeliverySettings::default());
    let first_try = app.clock.now();
    for _ in 0..12 {
        delivery.deliver_due().await.unwrap();
        let event = only(&app, EventType::Created);
        app.clock.set(event.next_attempt_at.as_utc());
    }
    let event = only(&app, EventType::Created);
    assert_eq!((event.status, event.attempts), (DeliveryStatus::Failed, 12));
    let took = event.delivery_attempts.last().unwrap().attempted_at.as_utc() - first_try;
    assert!(
        took >= Duration::hours(70) && took <= Duration::hours(78),
        "about 3 days: {took}"
    );

    let again = delivery.redeliver(event.id).await.unwrap().unwrap();
    assert_eq!((again.status, again.attempts), (DeliveryStatus::Delivered, 13));
    let sent: BTreeSet<_> = sink.sent.lock().unwrap().iter().copied().collect();
    assert_eq!(sent.len(), 1, "one event, sent 13 times");
}
