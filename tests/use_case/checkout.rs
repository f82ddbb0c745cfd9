//! Starting subscriptions against the fakes: the checks, the first charge exactly once, repeats,
//! declines, a lost answer, and trials through their first charge, cancel and resume.

use crate::answers::body;
use portone_subscriptions::domain::answer::Ending;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use std::sync::Arc;

use chrono::Duration;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::subscription::SubscriptionStatus;
use portone_subscriptions::ports::GatewayError;
use portone_subscriptions::service::checkout::{StartAnswer, StartRequest};

use crate::fakes::{utc, Harness};

/// A harness with plans `pro` (9,900 KRW) and `trial` (14-day trial, 19,900 KRW), and billing
/// key `bk_1` issued for `user-1`. Clock 2024-03-10T12:00:00Z (21:00 KST); charges at 10:00 KST.
async fn shop() -> Harness {
    let app = Harness::new(0);
    for (id, amount, trial_days) in [("pro", 9900, 0), ("trial", 19_900, 14)] {
        let terms = PlanTerms::new(
            PlanId::parse(id).unwrap(),
            "프로 요금제",
            amount,
            "KRW",
            trial_days,
            None,
            None,
        )
        .unwrap();
        app.services.plans.put(&terms).await.unwrap();
    }
    app.portone.cards.issue("bk_1", "user-1");
    app
}

fn request(plan: &str, key: &str) -> StartRequest {
    StartRequest {
        customer_id: CustomerId::parse("user-1").unwrap(),
        plan_id: PlanId::parse(plan).unwrap(),
        billing_key: BillingKey::parse("bk_1").unwrap(),
        quantity: Default::default(),
        promotion_code: None,
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
    }
}

async fn start(app: &Harness, plan: &str, key: &str) -> StartAnswer {
    app.services.checkout.start(&request(plan, key)).await
}

fn steps(answer: &StartAnswer) -> Vec<(String, String)> {
    body(answer)["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            (
                step["code"].as_str().unwrap().to_owned(),
                step["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_paid_start_charges_once_records_the_month_on_its_plan_and_schedules_the_next() {
    let app = shop().await;

    let answer = start(&app, "pro", "order-1").await;

    assert_eq!(answer.ending, Ending::Done, "{:#}", body(&answer));
    assert_eq!(body(&answer)["code"], "SUBSCRIPTION_STARTED");
    assert!(
        steps(&answer).iter().all(|(_, status)| status == "success"),
        "{:?}",
        steps(&answer)
    );
    let charges = app.portone.cards.charges();
    assert_eq!(charges.len(), 1);
    let charge = &charges[0];
    assert_eq!(
        (charge.amount.value(), charge.customer_id.as_str()),
        (9900, "user-1")
    );
    assert_eq!(charge.plan_id.as_ref().map(PlanId::as_str), Some("pro"));
    assert_eq!(charge.idempotency_key, format!("checkout-{}", charge.payment_id));
    let rows = app.ledger.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].transaction_key, charge.payment_id);
    assert_eq!(rows[0].plan_id.as_ref().map(PlanId::as_str), Some("pro"));
    assert_eq!(rows[0].start_at.to_iso(), "2024-03-10T12:00:00.000Z");
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "the next month is scheduled");
    assert_eq!(live[0].request.payment_id, rows[0].next_schedule_id);
    assert_eq!(live[0].request.plan_id.as_ref().map(PlanId::as_str), Some("pro"));
    let subscription = &body(&answer)["subscription"];
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["plan_id"], "pro");
    assert_eq!(subscription["subscription_id"], charge.payment_id.as_str());
}

#[tokio::test]
async fn a_repeat_answers_the_first_answer_and_another_body_under_the_key_is_refused() {
    let app = shop().await;
    let first = start(&app, "pro", "order-1").await;

    let again = start(&app, "pro", "order-1").await;
    let other = start(&app, "trial", "order-1").await;

    assert_eq!((again.ending, again.replayed), (Ending::Done, true));
    assert_eq!(body(&again), body(&first));
    assert_eq!(other.ending, Ending::KeyReused);
    assert_eq!(body(&other)["code"], "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(app.portone.cards.charges().len(), 1, "never charged twice");
}

#[tokio::test]
async fn twenty_identical_starts_at_once_give_one_charge_and_one_subscription() {
    let app = Arc::new(shop().await);
    let runs: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { start(&app, "pro", "order-1").await })
        })
        .collect();
    let mut answers = Vec::new();
    for run in runs {
        answers.push(run.await.unwrap());
    }

    assert_eq!(app.portone.cards.charges().len(), 1);
    assert_eq!(app.ledger.rows().len(), 1);
    assert_eq!(app.portone.live().len(), 1);
    for answer in &answers {
        assert!(
            matches!(answer.ending, Ending::Done | Ending::Conflict),
            "{:?} {:#}",
            answer.ending,
            body(answer)
        );
    }
    assert!(answers.iter().any(|a| a.ending == Ending::Done && !a.replayed));
}

#[tokio::test]
async fn a_declined_first_charge_answers_402_with_portones_reason_and_records_nothing() {
    let app = shop().await;
    app.portone.cards.decline_next("bk_1", 1);

    let answer = start(&app, "pro", "order-1").await;
    let again = start(&app, "pro", "order-1").await;

    assert_eq!(answer.ending, Ending::Declined);
    assert_eq!(body(&answer)["code"], "PAYMENT_DECLINED");
    let charge = &body(&answer)["checklist"][3];
    assert_eq!(
        (charge["code"].as_str(), charge["status"].as_str()),
        (Some("charge_first_payment"), Some("failed"))
    );
    assert_eq!(charge["data"]["type"], "PG_PROVIDER");
    assert_eq!(charge["data"]["pgCode"], "INSUFFICIENT_FUNDS");
    assert!(app.ledger.rows().is_empty());
    assert!(app.portone.live().is_empty());
    assert_eq!((again.ending, again.replayed), (Ending::Declined, true));
    assert_eq!(
        app.portone.cards.charges().len(),
        1,
        "a repeat does not ask the card company again"
    );

    // The app tries again with a new key: a new payment, charged.
    let retried = start(&app, "pro", "order-2").await;
    assert_eq!(retried.ending, Ending::Done);
}

#[tokio::test]
async fn an_answer_lost_after_portone_charged_is_recorded_once_when_the_request_is_sent_again() {
    let app = shop().await;
    app.portone.cards.lose_next_answer(GatewayError::Timeout);

    let lost = start(&app, "pro", "order-1").await;
    assert_eq!(lost.ending, Ending::UpstreamFailed);
    assert!(
        app.ledger.rows().is_empty(),
        "nothing is recorded while the outcome is unknown"
    );

    let again = start(&app, "pro", "order-1").await;

    assert_eq!(
        (again.ending, again.replayed),
        (Ending::Done, false),
        "{:#}",
        body(&again)
    );
    assert_eq!(
        body(&again)["checklist"][3]["message"],
        "이 요청의 첫 결제가 이미 완료되어 있어 결제한 내역을 이어서 기록합니다."
    );
    let charges = app.portone.cards.charges();
    assert_eq!(charges.len(), 2, "asked twice");
    assert_eq!(
        charges[0].payment_id, charges[1].payment_id,
        "for the same payment"
    );
    assert_eq!(app.ledger.rows().len(), 1);
    assert_eq!(app.portone.live().len(), 1);
}

#[tokio::test]
async fn every_check_refuses_before_anything_is_charged() {
    let app = shop().await;
    app.portone.cards.issue("bk_other", "user-2");
    app.portone.cards.issue("bk_deleted", "user-1");
    app.portone.cards.delete("bk_deleted");
    let archived = PlanId::parse("old").unwrap();
    let terms = PlanTerms::new(archived.clone(), "옛 요금제", 5000, "KRW", 0, None, None).unwrap();
    app.services.plans.put(&terms).await.unwrap();
    app.services.plans.archive(&archived).await.unwrap();

    let with_key = |key: &str| StartRequest {
        billing_key: BillingKey::parse(key).unwrap(),
        ..request("pro", key)
    };
    let cases = [
        (request("nope", "k1"), Ending::NotFound, "PLAN_NOT_FOUND"),
        (request("old", "k2"), Ending::Conflict, "PLAN_ARCHIVED"),
        (with_key("bk_unknown"), Ending::NotFound, "BILLING_KEY_NOT_FOUND"),
        (
            with_key("bk_deleted"),
            Ending::Conflict,
            "BILLING_KEY_ALREADY_DELETED",
        ),
        (
            with_key("bk_other"),
            Ending::NotOwned,
            "BILLING_KEY_CUSTOMER_MISMATCH",
        ),
    ];
    for (request, status, code) in cases {
        let answer = app.services.checkout.start(&request).await;
        assert_eq!(
            (answer.ending, body(&answer)["code"].as_str()),
            (status, Some(code)),
            "{:#}",
            body(&answer)
        );
    }
    assert!(app.portone.cards.charges().is_empty());
    assert!(app.ledger.rows().is_empty());

    // A live subscription: a second one is refused, naming the first.
    let first = start(&app, "pro", "k-first").await;
    let second = start(&app, "pro", "k-second").await;
    assert_eq!(second.ending, Ending::Conflict);
    assert_eq!(body(&second)["code"], "LIVE_SUBSCRIPTION_EXISTS");
    assert_eq!(
        body(&second)["checklist"][2]["data"]["subscription_id"],
        body(&first)["subscription"]["subscription_id"]
    );
    assert_eq!(app.portone.cards.charges().len(), 1);
}

#[tokio::test]
async fn a_trial_charges_nothing_then_its_first_charge_starts_the_paid_chain() {
    let app = shop().await;

    let answer = start(&app, "trial", "order-1").await;

    assert_eq!(answer.ending, Ending::Done, "{:#}", body(&answer));
    assert_eq!(body(&answer)["code"], "TRIAL_STARTED");
    let codes: Vec<_> = steps(&answer).into_iter().map(|(code, _)| code).collect();
    assert_eq!(
        codes,
        [
            "check_plan",
            "check_billing_key",
            "check_customer",
            "save_trial",
            "schedule_first_charge"
        ]
    );
    assert!(app.portone.cards.charges().is_empty(), "nothing charged now");
    let subscription = &body(&answer)["subscription"];
    assert_eq!(subscription["status"], "trialing");
    assert_eq!(subscription["amount"], 0);
    // 14 × 24 hours after 2024-03-10T12:00:00Z; charged 10:00 KST the Seoul day after.
    assert_eq!(subscription["trial_end_at"], "2024-03-24T12:00:00.000Z");
    assert_eq!(subscription["end_at"], "2024-03-24T12:00:00.000Z");
    assert_eq!(subscription["next_charge"]["at"], "2024-03-25T01:00:00.000Z");
    assert_eq!(subscription["next_charge"]["amount"], 19_900);
    assert_eq!(subscription["next_charge"]["plan_id"], "trial");
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(
        (
            live[0].request.amount.value(),
            live[0].request.billing_key.expose()
        ),
        (19_900, "bk_1")
    );
    assert_eq!(live[0].request.time_to_pay.to_iso(), "2024-03-25T01:00:00.000Z");

    // PortOne charges the first charge; its webhook records the first paid month.
    app.clock.set(utc("2024-03-25T01:00:05Z"));
    let first_charge = app.portone.charge(live[0].request.payment_id.clone(), false);
    assert!(app.send(&first_charge, "Paid").await.checklist.succeeded());

    let subscription_id =
        SubscriptionId::parse(body(&answer)["subscription"]["subscription_id"].as_str().unwrap()).unwrap();
    let now = app
        .services
        .subscriptions
        .get(&subscription_id)
        .await
        .unwrap()
        .subscription;
    assert_eq!(now.status, SubscriptionStatus::Active);
    assert_eq!(now.months, 1);
    assert_eq!(now.plan_id.as_ref().map(PlanId::as_str), Some("trial"));
    assert_eq!(
        now.trial_end_at.map(|t| t.to_iso()).as_deref(),
        Some("2024-03-24T12:00:00.000Z")
    );
    assert_eq!(now.amount.value(), 19_900);
    assert_eq!(app.portone.live().len(), 1, "the month after is scheduled");
}

#[tokio::test]
async fn a_declined_first_charge_after_a_trial_goes_past_due_and_is_retried() {
    let app = shop().await;
    let answer = start(&app, "trial", "order-1").await;
    let first = app.portone.live()[0].request.payment_id.clone();

    app.clock.set(utc("2024-03-25T01:00:05Z"));
    let declined = app.portone.charge(first, true);
    let outcome = app.send(&declined, "Failed").await;

    assert!(outcome.checklist.succeeded(), "{:?}", outcome.checklist);
    let id =
        SubscriptionId::parse(body(&answer)["subscription"]["subscription_id"].as_str().unwrap()).unwrap();
    let now = app.services.subscriptions.get(&id).await.unwrap().subscription;
    assert_eq!(now.status, SubscriptionStatus::PastDue);
    let retry = app.portone.live();
    assert_eq!(retry.len(), 1, "retry 1 scheduled");
    assert_eq!(
        (
            retry[0].request.amount.value(),
            retry[0].request.billing_key.expose()
        ),
        (19_900, "bk_1")
    );
}

#[tokio::test]
async fn cancelling_a_trial_revokes_its_first_charge_and_resuming_before_its_end_schedules_it_again() {
    let app = shop().await;
    let answer = start(&app, "trial", "order-1").await;
    let id =
        SubscriptionId::parse(body(&answer)["subscription"]["subscription_id"].as_str().unwrap()).unwrap();

    let cancelled = app.services.subscriptions.cancel(&id).await.unwrap();
    assert_eq!(cancelled.subscription.status, SubscriptionStatus::Canceling);
    assert!(
        app.portone.live().is_empty(),
        "the customer will never be charged"
    );

    let resumed = app.services.subscriptions.resume(&id).await.unwrap();
    assert_eq!(resumed.subscription.status, SubscriptionStatus::Trialing);
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].request.time_to_pay.to_iso(), "2024-03-25T01:00:00.000Z");

    app.services.subscriptions.cancel(&id).await.unwrap();
    app.clock.advance(Duration::days(15));
    let ended = app.services.subscriptions.get(&id).await.unwrap().subscription;
    assert_eq!(ended.status, SubscriptionStatus::Ended);
    assert!(app.portone.live().is_empty());
}

#[tokio::test]
async fn only_a_customers_first_subscription_gets_a_trial() {
    let app = shop().await;
    let trial = start(&app, "trial", "order-1").await;
    let id =
        SubscriptionId::parse(body(&trial)["subscription"]["subscription_id"].as_str().unwrap()).unwrap();
    app.services.subscriptions.cancel(&id).await.unwrap();
    app.clock.advance(Duration::days(15));

    let second = start(&app, "trial", "order-2").await;

    assert_eq!(second.ending, Ending::Done, "{:#}", body(&second));
    assert_eq!(body(&second)["code"], "SUBSCRIPTION_STARTED");
    assert_eq!(
        body(&second)["checklist"][2]["message"],
        "이전에 구독한 적이 있는 고객이라 무료 체험 없이 바로 결제합니다."
    );
    assert_eq!(app.portone.cards.charges().len(), 1, "charged now");
    assert_eq!(body(&second)["subscription"]["status"], "active");
    assert!(body(&second)["subscription"]["trial_end_at"].is_null());
}

#[tokio::test]
async fn a_plan_change_by_plan_id_moves_the_next_charge_to_the_plan_and_its_month_records_it() {
    let app = shop().await;
    let answer = start(&app, "pro", "order-1").await;
    let id =
        SubscriptionId::parse(body(&answer)["subscription"]["subscription_id"].as_str().unwrap()).unwrap();

    // 9,900 to 19,900 at the period's start: an upgrade, in effect now, charged the whole
    // difference for the period.
    let target = portone_subscriptions::service::ChangeTarget {
        plan_id: Some(PlanId::parse("trial").unwrap()),
        quantity: None,
    };
    let key = portone_subscriptions::domain::checkout::IdempotencyKey::parse("up-1").unwrap();
    let changed = app
        .services
        .subscriptions
        .change_to(&id, &target, Some(&key))
        .await
        .unwrap();
    assert_eq!(changed.code, "PLAN_CHANGED_NOW");
    assert_eq!(changed.proration.as_ref().map(|p| p.amount.value()), Some(10_000));

    let next = changed.subscription.next_charge.unwrap();
    assert_eq!(
        (next.amount.value(), next.plan_id.unwrap().as_str()),
        (19_900, "trial")
    );
    let live = app.portone.live();
    assert_eq!(live.len(), 1);
    assert_eq!(
        live[0].request.plan_id.as_ref().map(PlanId::as_str),
        Some("trial")
    );
    app.clock.set(live[0].request.time_to_pay.as_utc());
    let renewal = app.portone.charge(live[0].request.payment_id.clone(), false);
    app.send(&renewal, "Paid").await;
    let now = app.services.subscriptions.get(&id).await.unwrap().subscription;
    assert_eq!(
        (now.amount.value(), now.plan_id.unwrap().as_str()),
        (19_900, "trial")
    );

    let archived = PlanId::parse("pro").unwrap();
    app.services.plans.archive(&archived).await.unwrap();
    let refused = app.services.subscriptions.change_plan(&id, &archived).await;
    assert!(matches!(
        refused,
        Err(portone_subscriptions::service::SubscriptionError::PlanArchived)
    ));
}
