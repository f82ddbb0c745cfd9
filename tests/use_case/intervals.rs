//! Plan intervals through the whole flow against the fakes: a monthly plan started on the 31st
//! renews on 28/29 February, 31 March, 30 April (Seoul day and time of the anchor), a renewal paid
//! late keeps the anchor, a yearly plan's period ends a year on, and a trial anchors at its end.

use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::interval::BillingInterval;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::service::checkout::StartRequest;

use crate::answers::body;
use crate::fakes::{utc, Harness};

async fn shop(at: &str, unit: &str, trial_days: i64) -> Harness {
    let app = Harness::new(0);
    app.clock.set(utc(at));
    let terms = PlanTerms::new(
        PlanId::parse("plan").unwrap(),
        "요금제",
        9900,
        "KRW",
        trial_days,
        None,
        None,
    )
    .unwrap()
    .with_interval(BillingInterval::new(unit, 1).ok());
    app.services.plans.put(&terms).await.unwrap();
    app.portone.cards.issue("bk_1", "user-1");
    app
}

/// Starts a subscription on `plan`; its id.
async fn start(app: &Harness) -> String {
    let request = StartRequest {
        customer_id: CustomerId::parse("user-1").unwrap(),
        plan_id: PlanId::parse("plan").unwrap(),
        billing_key: BillingKey::parse("bk_1").unwrap(),
        quantity: Default::default(),
        promotion_code: None,
        idempotency_key: IdempotencyKey::parse("k-1").unwrap(),
    };
    let answer = app.services.checkout.start(&request).await;
    let started = body(&answer);
    assert_eq!(started["success"], true, "{started:#}");
    started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Moves the clock to `at`, lets PortOne charge what is due, and delivers each webhook.
async fn charge_due(app: &Harness, at: &str) {
    app.clock.set(utc(at));
    for (id, kind) in app.portone.run_due(Timestamp::from_utc(utc(at))) {
        let status = if kind == "Transaction.Paid" {
            "Paid"
        } else {
            "Failed"
        };
        app.send(&id, status).await;
    }
}

async fn period(app: &Harness, id: &str) -> (String, String) {
    let subscription = app.read(id).await;
    (subscription.start_at.to_iso(), subscription.end_at.to_iso())
}

#[tokio::test]
async fn a_monthly_plan_started_on_the_31st_renews_on_each_month_s_last_day_and_back() {
    // 31 January 2025, 12:00 KST.
    let app = shop("2025-01-31T03:00:00Z", "month", 0).await;
    let id = start(&app).await;
    let first = app.read(&id).await;
    assert_eq!((first.interval, first.interval_count), (Some("month"), Some(1)));
    assert_eq!(
        first.anchor_at.map(|at| at.to_iso()).as_deref(),
        Some("2025-01-31T03:00:00.000Z")
    );
    assert_eq!(period(&app, &id).await.1, "2025-02-28T03:00:00.000Z");

    // Each renewal is charged the day after end_at at 10:xx KST and starts where the last ended.
    let mut ends = Vec::new();
    for day in [
        "2025-03-01T02:00:00Z",
        "2025-04-01T02:00:00Z",
        "2025-05-01T02:00:00Z",
    ] {
        charge_due(&app, day).await;
        ends.push(period(&app, &id).await);
    }
    assert_eq!(
        ends,
        [
            (
                "2025-02-28T03:00:00.000Z".to_owned(),
                "2025-03-31T03:00:00.000Z".to_owned()
            ),
            (
                "2025-03-31T03:00:00.000Z".to_owned(),
                "2025-04-30T03:00:00.000Z".to_owned()
            ),
            (
                "2025-04-30T03:00:00.000Z".to_owned(),
                "2025-05-31T03:00:00.000Z".to_owned()
            ),
        ]
    );
    assert_eq!(app.read(&id).await.months, 4);
}

#[tokio::test]
async fn a_renewal_paid_late_keeps_the_anchor() {
    let app = shop("2025-01-15T03:00:00Z", "month", 0).await;
    let id = start(&app).await;
    // The renewal was due 16 February 10:xx KST; it is charged (and its webhook arrives) a
    // week late: the period still starts at 15 February and ends 15 March.
    charge_due(&app, "2025-02-23T05:00:00Z").await;
    assert_eq!(
        period(&app, &id).await,
        (
            "2025-02-15T03:00:00.000Z".to_owned(),
            "2025-03-15T03:00:00.000Z".to_owned()
        )
    );
}

#[tokio::test]
async fn a_yearly_plan_s_period_ends_on_the_same_day_next_year() {
    let app = shop("2024-02-29T01:00:00Z", "year", 0).await;
    let id = start(&app).await;
    assert_eq!(period(&app, &id).await.1, "2025-02-28T01:00:00.000Z");
    charge_due(&app, "2025-03-01T02:00:00Z").await;
    assert_eq!(
        period(&app, &id).await,
        (
            "2025-02-28T01:00:00.000Z".to_owned(),
            "2026-02-28T01:00:00.000Z".to_owned()
        )
    );
}

#[tokio::test]
async fn a_trial_anchors_at_its_end_even_on_the_31st() {
    // A 14-day trial from 17 January 12:00 KST ends 31 January 12:00 KST: the anchor.
    let app = shop("2025-01-17T03:00:00Z", "month", 14).await;
    let id = start(&app).await;
    let trial = app.read(&id).await;
    assert_eq!(
        trial.anchor_at.map(|at| at.to_iso()).as_deref(),
        Some("2025-01-31T03:00:00.000Z")
    );
    charge_due(&app, "2025-02-01T02:00:00Z").await;
    assert_eq!(
        period(&app, &id).await,
        (
            "2025-01-31T03:00:00.000Z".to_owned(),
            "2025-02-28T03:00:00.000Z".to_owned()
        )
    );
}

#[tokio::test]
async fn a_renewal_recovered_by_a_dunning_retry_keeps_the_anchor() {
    let app = shop("2025-01-15T03:00:00Z", "month", 0).await;
    let id = start(&app).await;
    app.portone.cards.decline_next("bk_1", 1);
    // The renewal (16 February 10:xx KST) is declined; the retry a day later is paid.
    charge_due(&app, "2025-02-16T02:00:00Z").await;
    assert_eq!(
        app.read(&id).await.status,
        portone_subscriptions::domain::subscription::SubscriptionStatus::PastDue
    );
    charge_due(&app, "2025-02-17T02:00:00Z").await;
    let recovered = app.read(&id).await;
    assert_eq!(recovered.months, 2, "the retry recovered the renewal");
    assert_eq!(
        (recovered.start_at.to_iso(), recovered.end_at.to_iso()),
        (
            "2025-02-15T03:00:00.000Z".to_owned(),
            "2025-03-15T03:00:00.000Z".to_owned()
        )
    );
}

async fn add_plan(app: &Harness, id: &str, amount: i64, unit: Option<&str>) {
    let terms = PlanTerms::new(PlanId::parse(id).unwrap(), id, amount, "KRW", 0, None, None)
        .unwrap()
        .with_interval(unit.and_then(|unit| BillingInterval::new(unit, 1).ok()));
    app.services.plans.put(&terms).await.unwrap();
}

async fn change_to(app: &Harness, id: &str, plan: &str) {
    let subscription = portone_subscriptions::domain::subscription_id::SubscriptionId::parse(id).unwrap();
    let changed = app
        .services
        .subscriptions
        .change_plan(&subscription, &PlanId::parse(plan).unwrap())
        .await
        .unwrap();
    assert_eq!(changed.code, "PLAN_CHANGED");
}

/// A change to a longer interval takes effect now, as a new period anchored now, charged the new
/// price less the unused part of the current period; the renewal after it is the full price. A
/// change to a shorter interval waits for the period's end: yearly → a 30-day plan gets 30 days
/// from its payment.
#[tokio::test]
async fn a_longer_interval_starts_now_and_a_shorter_one_at_the_period_end() {
    let app = shop("2025-01-15T03:00:00Z", "month", 0).await;
    add_plan(&app, "yearly", 99_000, Some("year")).await;
    add_plan(&app, "thirty", 9_000, None).await;
    let id = start(&app).await;
    let subscription = portone_subscriptions::domain::subscription_id::SubscriptionId::parse(&id).unwrap();
    let yearly_target = target(&PlanId::parse("yearly").unwrap());

    // 10 of the period's 31 days gone (15 January to 15 February, 12:00 KST): the unused part
    // is floor(9,900 × 21 ÷ 31) = 6,706, so 99,000 − 6,706 = 92,294 is due now.
    app.clock.set(utc("2025-01-25T03:00:00Z"));
    let preview = app
        .services
        .subscriptions
        .preview_change(&subscription, &yearly_target)
        .await
        .unwrap();
    assert_eq!((preview.immediate, preview.due_now.value()), (true, 92_294));
    let keyless = app
        .services
        .subscriptions
        .change_to(&subscription, &yearly_target, None)
        .await;
    assert!(matches!(
        keyless,
        Err(portone_subscriptions::service::SubscriptionError::IdempotencyKeyRequired)
    ));
    let key = portone_subscriptions::domain::checkout::IdempotencyKey::parse("to-yearly").unwrap();
    let changed = app
        .services
        .subscriptions
        .change_to(&subscription, &yearly_target, Some(&key))
        .await
        .unwrap();
    assert_eq!(changed.code, "PLAN_CHANGED_NOW");
    let yearly = changed.subscription;
    assert_eq!(
        (yearly.interval, yearly.amount.value(), yearly.months),
        (Some("year"), 92_294, 2)
    );
    assert_eq!(
        (yearly.start_at.to_iso(), yearly.end_at.to_iso()),
        (
            "2025-01-25T03:00:00.000Z".to_owned(),
            "2026-01-25T03:00:00.000Z".to_owned()
        )
    );
    assert_eq!(yearly.anchor_at, Some(yearly.start_at));
    let next = yearly.next_charge.expect("the next year scheduled");
    assert_eq!(
        next.amount.value(),
        99_000,
        "the full price from the next period on"
    );
    let charged: Vec<i64> = app
        .portone
        .cards
        .charges()
        .iter()
        .map(|c| c.amount.value())
        .collect();
    assert_eq!(charged, [9_900, 92_294]);
    assert_eq!(
        app.portone.live().len(),
        1,
        "the month's renewal was replaced, not doubled"
    );
    // Sent again, it changes nothing and charges nothing.
    let again = app
        .services
        .subscriptions
        .change_to(&subscription, &yearly_target, Some(&key))
        .await
        .unwrap();
    assert_eq!((again.code, again.changed), ("PLAN_UNCHANGED", false));
    assert_eq!(app.portone.cards.charges().len(), 2);

    change_to(&app, &id, "thirty").await;
    charge_due(&app, "2026-01-26T02:00:00Z").await;
    let thirty = app.read(&id).await;
    assert_eq!((thirty.interval, thirty.amount.value()), (None, 9_000));
    assert_eq!(
        thirty.end_at.as_utc() - thirty.start_at.as_utc(),
        chrono::Duration::days(30),
        "the route spec's 30 days from the payment"
    );
}

/// The preview of a downgrade answers the numbers the change then acts on: nothing due now, the
/// new terms from the period's end, the next charge at the same time and at the new plan's
/// amount.
#[tokio::test]
async fn a_change_preview_equals_what_the_change_does() {
    let app = shop("2025-01-15T03:00:00Z", "month", 0).await;
    add_plan(&app, "lite", 4_900, Some("month")).await;
    let id = start(&app).await;
    let subscription = portone_subscriptions::domain::subscription_id::SubscriptionId::parse(&id).unwrap();
    let lite = PlanId::parse("lite").unwrap();

    let preview = app
        .services
        .subscriptions
        .preview_change(&subscription, &target(&lite))
        .await
        .unwrap();
    let before = app.read(&id).await;
    assert_eq!((preview.immediate, preview.due_now.value()), (false, 0));
    assert_eq!(preview.effective_at, before.end_at);
    change_to(&app, &id, "lite").await;
    let after = app.read(&id).await;
    let next = after.next_charge.expect("a pending charge");
    assert_eq!(Some(next.at), preview.next_charge_at);
    assert_eq!(next.amount, preview.next_charge_amount);
    assert_eq!(next.amount.value(), 4_900);
    assert_eq!(
        app.portone.cards.charges().len(),
        1,
        "previewing and changing charged nothing now"
    );

    let missing = app
        .services
        .subscriptions
        .preview_change(&subscription, &target(&PlanId::parse("nope").unwrap()))
        .await;
    assert!(matches!(
        missing,
        Err(portone_subscriptions::service::SubscriptionError::PlanNotFound)
    ));
}

fn target(plan_id: &PlanId) -> portone_subscriptions::service::ChangeTarget {
    portone_subscriptions::service::ChangeTarget {
        plan_id: Some(plan_id.clone()),
        quantity: None,
    }
}
