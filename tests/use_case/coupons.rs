//! Coupons through the whole flow against the fakes: a promotion code discounts the first charge
//! and as many renewals (and their dunning retries) as its duration says, counted by periods
//! paid; a charge a discount brings to 0 never reaches PortOne and is recorded at its time; a
//! refused code charges nothing.

use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::coupon::{
    CouponDuration, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms,
};
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::discount::Off;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::quantity::Quantity;
use portone_subscriptions::domain::record::PaymentRecord;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::service::checkout::StartRequest;
use portone_subscriptions::service::reconcile::PassOptions;
use portone_subscriptions::service::{ChangeTarget, SubscriptionError};
use serde_json::json;

use crate::answers::body;
use crate::fakes::{utc, Harness};

async fn shop(off: Off, duration: CouponDuration, max: Option<u32>, first_only: bool) -> Harness {
    let app = Harness::new(0);
    app.clock.set(utc("2025-01-10T03:00:00Z"));
    let plan = PlanTerms::new(PlanId::parse("pro").unwrap(), "프로", 9900, "KRW", 0, None, None).unwrap();
    app.services.plans.put(&plan).await.unwrap();
    let coupon = CouponId::parse("LAUNCH").unwrap();
    let terms = CouponTerms::new(coupon.clone(), "런칭 할인", off, duration, None, None, Vec::new()).unwrap();
    app.services.coupons.put_coupon(&terms).await.unwrap();
    let code = PromotionCodeTerms {
        code: PromotionCode::parse("SPRING50").unwrap(),
        coupon_id: coupon,
        max_redemptions: max,
        expires_at: None,
        first_subscription_only: first_only,
    };
    app.services.coupons.put_code(&code).await.unwrap();
    for n in 1..=3 {
        app.portone.cards.issue(&format!("bk_{n}"), &format!("user-{n}"));
    }
    app
}

fn percent(percent_off: u8) -> Off {
    Off::Percent { percent_off }
}

fn request(customer: u32, code: Option<&str>) -> StartRequest {
    StartRequest {
        customer_id: CustomerId::parse(format!("user-{customer}")).unwrap(),
        plan_id: PlanId::parse("pro").unwrap(),
        billing_key: BillingKey::parse(format!("bk_{customer}")).unwrap(),
        quantity: Default::default(),
        promotion_code: code.map(|code| PromotionCode::parse(code).unwrap()),
        idempotency_key: IdempotencyKey::parse(&format!("k-{customer}")).unwrap(),
    }
}

async fn start(app: &Harness, customer: u32, code: Option<&str>) -> serde_json::Value {
    body(&app.services.checkout.start(&request(customer, code)).await)
}

fn charged(app: &Harness) -> Vec<i64> {
    app.portone
        .cards
        .charges()
        .iter()
        .map(|c| c.amount.value())
        .collect()
}

/// The latest month of the subscription.
fn latest(app: &Harness) -> PaymentRecord {
    app.ledger.rows().into_iter().last().unwrap()
}

/// PortOne runs every schedule due by the latest month's charge time; its webhooks follow.
async fn renew(app: &Harness) {
    let due = latest(app).next_schedule_at.as_utc() + chrono::Duration::seconds(5);
    app.clock.set(due);
    settle(app, Timestamp::from_utc(due)).await;
}

/// PortOne runs every schedule due at `now` and sends each webhook.
async fn settle(app: &Harness, now: Timestamp) {
    for (id, kind) in app.portone.run_due(now) {
        let status = if kind.ends_with("Failed") {
            "Failed"
        } else {
            "Paid"
        };
        app.send(&id, status).await;
    }
}

#[tokio::test]
async fn half_off_for_three_periods_discounts_the_first_three_paid_periods_and_their_retries() {
    let app = shop(
        percent(50),
        CouponDuration::Repeating {
            duration_in_periods: 3,
        },
        None,
        false,
    )
    .await;
    // Any case of the code redeems it.
    let started = start(&app, 1, Some("spring50")).await;
    assert_eq!(started["success"], true, "{started:#}");
    assert_eq!(started["subscription"]["amount"], 4_950);
    assert_eq!(started["subscription"]["next_charge"]["amount"], 4_950);
    let first = latest(&app);
    assert_eq!(
        (first.amount.value(), first.discount_amount.value()),
        (4_950, 4_950)
    );
    assert_eq!(first.next_discount.as_ref().and_then(|d| d.periods_left), Some(2));

    // The second period's first charge is declined; its retry is still discounted.
    app.portone.cards.decline_next("bk_1", 1);
    renew(&app).await;
    let month = app
        .ledger
        .rows()
        .into_iter()
        .find(|row| row.transaction_key == first.transaction_key)
        .unwrap();
    let retry = month.pending_charge().expect("a retry");
    assert_eq!(retry.attempt, 1);
    let held = app.portone.schedules();
    let retry_schedule = held
        .iter()
        .find(|h| h.request.payment_id == retry.payment_id)
        .unwrap();
    assert_eq!(retry_schedule.request.amount.value(), 4_950);
    let retried = retry.at.as_utc() + chrono::Duration::seconds(5);
    app.clock.set(retried);
    settle(&app, Timestamp::from_utc(retried)).await;
    renew(&app).await;
    renew(&app).await;
    // Paid: 4,950 three times (the declined try is not a paid period), then the list price.
    let paid: Vec<i64> = app.ledger.rows().iter().map(|row| row.amount.value()).collect();
    assert_eq!(paid, [4_950, 4_950, 4_950, 9_900]);
    assert_eq!(latest(&app).discount, None);
    assert_eq!(latest(&app).next_discount, None);
    assert_eq!(charged(&app), [4_950]);
}

#[tokio::test]
async fn an_amount_off_once_discounts_only_the_first_period() {
    let krw = Currency::parse("KRW").unwrap();
    let off = Off::Amount {
        amount_off: Amount::new(5_000).unwrap(),
        currency: krw,
    };
    let app = shop(off, CouponDuration::Once, None, false).await;
    let started = start(&app, 1, Some("SPRING50")).await;
    assert_eq!(started["subscription"]["amount"], 4_900);
    assert_eq!(started["subscription"]["next_charge"]["amount"], 9_900);
    renew(&app).await;
    assert_eq!(latest(&app).amount.value(), 9_900);
    assert_eq!(latest(&app).discount_amount.value(), 0);
}

#[tokio::test]
async fn a_free_period_is_recorded_without_portone_and_renews_by_itself() {
    let app = shop(percent(100), CouponDuration::Forever, None, false).await;
    let started = start(&app, 1, Some("SPRING50")).await;
    assert_eq!(started["success"], true, "{started:#}");
    assert_eq!(started["subscription"]["status"], "active");
    assert_eq!(started["subscription"]["amount"], 0);
    assert!(charged(&app).is_empty(), "PortOne charges no 0 amount");
    assert!(app.portone.schedules().is_empty(), "nor schedules one");
    let first = latest(&app);
    assert_eq!(first.discount_amount.value(), 9_900);
    assert!(
        first.billing_number.is_some(),
        "a free period is a line of the history"
    );

    // The reconciliation pass after its charge time records the next period, at that time.
    let due = first.next_schedule_at;
    app.clock.set(due.as_utc() + chrono::Duration::minutes(11));
    app.services.reconciler.run(PassOptions::default()).await;
    let second = latest(&app);
    assert_eq!(second.transaction_key, first.next_schedule_id);
    assert_eq!((second.amount.value(), second.start_at), (0, due));
    assert!(charged(&app).is_empty() && app.portone.schedules().is_empty());
    // A second pass records nothing more.
    app.services.reconciler.run(PassOptions::default()).await;
    assert_eq!(app.ledger.rows().len(), 2);
}

#[tokio::test]
async fn refused_codes_charge_nothing_and_a_declined_start_gives_its_redemption_back() {
    let app = shop(percent(50), CouponDuration::Once, Some(1), true).await;
    let unknown = start(&app, 1, Some("NOPE")).await;
    assert_eq!(unknown["success"], false);
    assert_eq!(unknown["code"], "PROMOTION_CODE_NOT_FOUND", "{unknown:#}");

    // A declined first charge gives the only redemption back ...
    app.portone.cards.decline_next("bk_1", 1);
    let declined = start(&app, 1, Some("SPRING50")).await;
    assert_eq!(declined["success"], false, "{declined:#}");
    let codes = app.services.coupons.codes().await.unwrap();
    assert_eq!(codes[0].times_redeemed, 0);
    // ... so another customer can still redeem it, and then nobody else.
    assert_eq!(
        start(&app, 2, Some("SPRING50")).await["subscription"]["amount"],
        4_950
    );
    let exhausted = start(&app, 3, Some("SPRING50")).await;
    assert_eq!(exhausted["code"], "PROMOTION_CODE_EXHAUSTED", "{exhausted:#}");
    assert_eq!(
        charged(&app).iter().filter(|a| **a > 0).count(),
        2,
        "{:?}",
        charged(&app)
    );
}

fn events_of(app: &Harness, kind: &str) -> Vec<serde_json::Value> {
    app.ledger
        .all_events()
        .into_iter()
        .filter(|e| e.event_type == kind)
        .map(|e| e.data)
        .collect()
}

/// The amount of the schedule PortOne holds live.
fn live_amount(app: &Harness) -> i64 {
    let live = app.portone.live();
    assert_eq!(live.len(), 1, "one live schedule");
    live[0].request.amount.value()
}

#[tokio::test]
async fn the_admin_applies_a_coupon_from_the_next_charge_and_its_last_period_ends_it() {
    let app = shop(percent(50), CouponDuration::Once, None, false).await;
    let started = start(&app, 1, None).await;
    assert_eq!(started["subscription"]["amount"], 9_900);
    let id = SubscriptionId::parse(started["subscription"]["subscription_id"].as_str().unwrap()).unwrap();
    assert_eq!(live_amount(&app), 9_900);

    let coupon = CouponId::parse("LAUNCH").unwrap();
    let applied = app
        .services
        .subscriptions
        .apply_coupon(&id, &coupon)
        .await
        .unwrap();
    assert_eq!(applied.code, "DISCOUNT_APPLIED");
    let next = applied.subscription.next_charge.clone().unwrap();
    assert_eq!(
        (next.amount.value(), next.list_amount.map(Amount::value)),
        (4_950, Some(9_900))
    );
    assert_eq!(
        live_amount(&app),
        4_950,
        "the pending charge moved to the discounted amount"
    );
    let again = app
        .services
        .subscriptions
        .apply_coupon(&id, &coupon)
        .await
        .unwrap();
    assert_eq!(again.code, "DISCOUNT_UNCHANGED");
    let applied_events = events_of(&app, "subscription.discount_applied");
    assert_eq!(applied_events.len(), 1, "one change, one event");
    assert_eq!(applied_events[0]["coupon_id"], "LAUNCH");
    assert_eq!(app.services.coupons.coupons().await.unwrap()[0].times_redeemed, 1);

    // The once-coupon's period is paid: the renewal carries its history line, and the coupon
    // ends with it.
    renew(&app).await;
    let renewed = events_of(&app, "subscription.renewed");
    assert_eq!(renewed.len(), 1);
    let line = &renewed[0]["line"];
    assert_eq!(
        (&line["amount"], &line["list_amount"], &line["coupon_id"]),
        (&json!(4_950), &json!(9_900), &json!("LAUNCH"))
    );
    assert_eq!(
        (&line["supply_amount"], &line["vat"]),
        (&json!(4_500), &json!(450))
    );
    let ended = events_of(&app, "subscription.discount_ended");
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["coupon_id"], "LAUNCH");
    assert_eq!(live_amount(&app), 9_900);
    renew(&app).await;
    assert_eq!(
        events_of(&app, "subscription.discount_ended").len(),
        1,
        "ended once"
    );
}

#[tokio::test]
async fn a_removed_discount_puts_the_list_price_back_on_the_pending_charge() {
    let app = shop(percent(100), CouponDuration::Forever, None, false).await;
    let started = start(&app, 1, None).await;
    let id = SubscriptionId::parse(started["subscription"]["subscription_id"].as_str().unwrap()).unwrap();
    let coupon = CouponId::parse("LAUNCH").unwrap();
    app.services
        .subscriptions
        .apply_coupon(&id, &coupon)
        .await
        .unwrap();
    assert!(app.portone.live().is_empty(), "a free charge is not PortOne's");
    let removed = app.services.subscriptions.remove_discount(&id).await.unwrap();
    assert_eq!(removed.code, "DISCOUNT_REMOVED");
    let ended = events_of(&app, "subscription.discount_ended");
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["coupon_id"], "LAUNCH");
    assert_eq!(live_amount(&app), 9_900);
    let nothing = app.services.subscriptions.remove_discount(&id).await.unwrap();
    assert_eq!(nothing.code, "DISCOUNT_UNCHANGED");
    let unknown = app
        .services
        .subscriptions
        .apply_coupon(&id, &CouponId::parse("NOPE").unwrap())
        .await;
    assert!(
        matches!(unknown, Err(SubscriptionError::CouponNotFound)),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn an_upgrade_is_charged_the_discounted_difference_and_renews_discounted() {
    let app = shop(percent(50), CouponDuration::Forever, None, false).await;
    app.clock.set(utc("2025-01-01T00:00:00Z"));
    start(&app, 1, Some("SPRING50")).await;
    let id = SubscriptionId::parse(latest(&app).transaction_key.as_str()).unwrap();
    // Ten of thirty days gone, two more seats: 19,800 more a period at list, 9,900 discounted;
    // floor(9,900 × 20 ÷ 30) = 6,600.
    app.clock.set(utc("2025-01-11T00:00:00Z"));
    let target = ChangeTarget {
        plan_id: None,
        quantity: Some(Quantity::new(3).unwrap()),
    };
    let changed = app
        .services
        .subscriptions
        .change_to(&id, &target, Some(&IdempotencyKey::parse("seats-3").unwrap()))
        .await
        .unwrap();
    assert_eq!(changed.code, "PLAN_CHANGED_NOW");
    assert_eq!(changed.proration.as_ref().map(|p| p.amount.value()), Some(6_600));
    // The renewal: three seats at list 29,700, half off.
    assert_eq!(live_amount(&app), 14_850);
    renew(&app).await;
    assert_eq!(
        (latest(&app).amount.value(), latest(&app).discount_amount.value()),
        (14_850, 14_850)
    );
}

#[tokio::test]
async fn after_a_trial_the_first_paid_period_is_the_first_discounted() {
    let app = shop(percent(50), CouponDuration::Once, None, false).await;
    let trial = PlanTerms::new(PlanId::parse("pro").unwrap(), "프로", 9900, "KRW", 14, None, None).unwrap();
    app.services.plans.put(&trial).await.unwrap();
    let started = start(&app, 1, Some("SPRING50")).await;
    assert_eq!(started["subscription"]["status"], "trialing", "{started:#}");
    assert!(charged(&app).is_empty());
    assert_eq!(started["subscription"]["next_charge"]["amount"], 4_950);
    assert_eq!(live_amount(&app), 4_950);
    renew(&app).await;
    assert_eq!(latest(&app).amount.value(), 4_950, "the first paid period");
    assert_eq!(live_amount(&app), 9_900, "the once-coupon is used up");
}

#[tokio::test]
async fn the_minute_pass_records_free_periods_at_their_time_even_several_at_once() {
    let app = shop(percent(100), CouponDuration::Forever, None, false).await;
    start(&app, 1, Some("SPRING50")).await;
    let first = latest(&app);
    // One second past its charge time, no margin: the minute pass records it.
    app.clock
        .set(first.next_schedule_at.as_utc() + chrono::Duration::seconds(1));
    let recorded = app.services.reconciler.record_free_periods().await.unwrap();
    assert_eq!(recorded, 1);
    assert_eq!(latest(&app).start_at, first.next_schedule_at);
    assert_eq!(
        app.services.reconciler.record_free_periods().await.unwrap(),
        0,
        "once"
    );
    // A service down for 100 days records each missed period at its own time.
    app.clock
        .set(first.next_schedule_at.as_utc() + chrono::Duration::days(100));
    let recorded = app.services.reconciler.record_free_periods().await.unwrap();
    assert_eq!(
        recorded,
        3,
        "{:?}",
        app.ledger.rows().iter().map(|r| r.start_at).collect::<Vec<_>>()
    );
    let starts: Vec<_> = app.ledger.rows().iter().map(|row| row.start_at).collect();
    assert!(starts.windows(2).all(|w| w[1] > w[0]), "{starts:?}");
    assert!(charged(&app).is_empty() && app.portone.schedules().is_empty());
}

#[tokio::test]
async fn a_switch_to_a_yearly_plan_keeps_the_discount() {
    let app = shop(percent(50), CouponDuration::Forever, None, false).await;
    let yearly = PlanTerms::new(
        PlanId::parse("pro_yearly").unwrap(),
        "프로 연간",
        99_000,
        "KRW",
        0,
        None,
        None,
    )
    .unwrap()
    .with_interval(portone_subscriptions::domain::interval::BillingInterval::new("year", 1).ok());
    app.services.plans.put(&yearly).await.unwrap();
    start(&app, 1, Some("SPRING50")).await;
    let id = SubscriptionId::parse(latest(&app).transaction_key.as_str()).unwrap();
    // Ten of thirty days gone: the unused part of the discounted month is floor(4,950 × 20 ÷ 30)
    // = 3,300; the year at half price, 49,500, less it: 46,200.
    app.clock.set(utc("2025-01-20T03:00:00Z"));
    let target = ChangeTarget {
        plan_id: Some(PlanId::parse("pro_yearly").unwrap()),
        quantity: None,
    };
    let changed = app
        .services
        .subscriptions
        .change_to(&id, &target, Some(&IdempotencyKey::parse("to-yearly").unwrap()))
        .await
        .unwrap();
    assert_eq!(changed.code, "PLAN_CHANGED_NOW");
    assert_eq!(charged(&app), [4_950, 46_200]);
    let year = latest(&app);
    assert_eq!(
        (year.amount.value(), year.discount_amount.value()),
        (46_200, 49_500),
        "the credit is not counted as discount"
    );
    assert_eq!(live_amount(&app), 49_500, "the next year is half price too");
}
