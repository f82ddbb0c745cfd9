//! One contract for coupons (`CouponLedger`), run against the in-memory ledger, the PostgreSQL
//! adapter on a real server, and the Supabase REST adapter against its PostgREST stand-in: terms
//! read back as written, codes matched in any case, redemptions counted once per key and never
//! past either limit, a release given back once, archives idempotent, a month's next discount set
//! and cleared.

use portone_subscriptions::adapters::ledger::{InMemoryLedger, SqlLedger};
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::coupon::{
    CouponDuration, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms,
};
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::discount::{Discount, Off};
use portone_subscriptions::domain::event::EventType;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::plan::PlanId;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{EventFilter, Ledger, Redeemed, Redemption};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;
use wiremock::MockServer;

use crate::helpers::{mount_postgrest_stand_in, postgres_settings, SERVICE_ROLE_KEY};
use crate::pg::shared;
use crate::proration_contract::month;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse().unwrap())
}

fn half_off(max: Option<u32>) -> CouponTerms {
    CouponTerms::new(
        CouponId::parse("LAUNCH50").unwrap(),
        "런칭 50%",
        Off::Percent { percent_off: 50 },
        CouponDuration::Repeating {
            duration_in_periods: 3,
        },
        max,
        Some(at("2025-12-31T14:59:59Z")),
        vec![PlanId::parse("team").unwrap()],
    )
    .unwrap()
}

fn code(text: &str, max: Option<u32>) -> PromotionCodeTerms {
    PromotionCodeTerms {
        code: PromotionCode::parse(text).unwrap(),
        coupon_id: CouponId::parse("LAUNCH50").unwrap(),
        max_redemptions: max,
        expires_at: Some(at("2025-06-30T14:59:59Z")),
        first_subscription_only: true,
    }
}

async fn contract(ledger: &impl Ledger) {
    let t0 = at("2025-01-01T00:00:00Z");
    let t1 = at("2025-01-02T00:00:00Z");
    let terms = half_off(Some(3));
    let (coupon, created) = ledger.upsert_coupon(&terms, t0).await.unwrap();
    assert!(created);
    assert_eq!(
        (coupon.terms.clone(), coupon.times_redeemed, coupon.created_at),
        (terms.clone(), 0, t0)
    );
    let (again, created) = ledger.upsert_coupon(&terms, t1).await.unwrap();
    assert!(!created);
    assert_eq!(again.updated_at, t0, "the same terms change nothing");
    let fixed = CouponTerms {
        id: CouponId::parse("PARTNER").unwrap(),
        off: Off::Amount {
            amount_off: Amount::new(5_000).unwrap(),
            currency: Currency::parse("KRW").unwrap(),
        },
        duration: CouponDuration::Forever,
        plan_ids: Vec::new(),
        redeem_by: None,
        max_redemptions: None,
        ..terms.clone()
    };
    ledger.upsert_coupon(&fixed, t1).await.unwrap();
    let read = ledger.coupon(&fixed.id).await.unwrap().unwrap();
    assert_eq!(read.terms, fixed);
    let ids: Vec<String> = ledger
        .coupons()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.terms.id.as_str().to_owned())
        .collect();
    assert_eq!(ids, ["LAUNCH50", "PARTNER"]);

    let (stored, created) = ledger
        .upsert_promotion_code(&code("SPRING50", Some(2)), t0)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(stored.terms, code("SPRING50", Some(2)));
    let (found, its_coupon) = ledger
        .promotion_code(&PromotionCode::parse("spring50").unwrap())
        .await
        .unwrap()
        .expect("matched in any case");
    assert_eq!(
        (found.terms.code.as_str(), its_coupon.terms.id.as_str()),
        ("SPRING50", "LAUNCH50")
    );
    assert!(ledger
        .promotion_code(&PromotionCode::parse("NOPE").unwrap())
        .await
        .unwrap()
        .is_none());
    ledger
        .upsert_promotion_code(&code("WINTER", None), t1)
        .await
        .unwrap();
    assert_eq!(ledger.promotion_codes().await.unwrap().len(), 2);

    let spring = &PromotionCode::parse("Spring50").unwrap();
    let winter = &PromotionCode::parse("WINTER").unwrap();
    let redeem = |key, code| Redemption {
        key,
        coupon_id: &terms.id,
        code,
        customer_id: Some("user-1"),
        at: t1,
    };
    assert_eq!(
        ledger.redeem(&redeem("k1", Some(spring))).await.unwrap(),
        Redeemed::Counted
    );
    assert_eq!(
        ledger.redeem(&redeem("k1", Some(spring))).await.unwrap(),
        Redeemed::Counted
    );
    assert_eq!(
        ledger.redeem(&redeem("k2", Some(spring))).await.unwrap(),
        Redeemed::Counted
    );
    // The code's limit of two.
    assert_eq!(
        ledger.redeem(&redeem("k3", Some(spring))).await.unwrap(),
        Redeemed::Exhausted
    );
    assert_eq!(counts(ledger).await, (2, 2));
    // A release gives back once.
    ledger.release_redemption("k1").await.unwrap();
    ledger.release_redemption("k1").await.unwrap();
    assert_eq!(counts(ledger).await, (1, 1));
    assert_eq!(
        ledger.redeem(&redeem("k3", Some(spring))).await.unwrap(),
        Redeemed::Counted
    );
    // The coupon's limit of three, whatever the code (or none: the admin's application).
    assert_eq!(
        ledger.redeem(&redeem("k4", Some(winter))).await.unwrap(),
        Redeemed::Counted
    );
    assert_eq!(
        ledger.redeem(&redeem("k5", None)).await.unwrap(),
        Redeemed::Exhausted
    );
    assert_eq!(ledger_coupon_count(ledger).await, 3);

    let archived = ledger.archive_coupon(&terms.id, t1).await.unwrap().unwrap();
    assert_eq!(archived.archived_at, Some(t1));
    let later = at("2025-02-01T00:00:00Z");
    let again = ledger.archive_coupon(&terms.id, later).await.unwrap().unwrap();
    assert_eq!(again.archived_at, Some(t1));
    assert!(ledger
        .archive_coupon(&CouponId::parse("NONE").unwrap(), t1)
        .await
        .unwrap()
        .is_none());

    let stored_month = ledger.record_paid(&month()).await.unwrap().record;
    let discount = terms.discount();
    let set = ledger
        .set_next_discount(&stored_month.transaction_key, Some(&discount))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(set.next_discount, Some(discount));
    assert_eq!(set.next_charge_terms().amount.value(), 4_950);
    let cleared = ledger
        .set_next_discount(&stored_month.transaction_key, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.next_discount, None);
    let announced = ledger
        .announce_discount(
            &stored_month.transaction_key,
            &EventType::DiscountApplied,
            "LAUNCH50",
            t1,
        )
        .await
        .unwrap();
    assert!(announced.is_some());
    let nobody = PaymentId::parse("pm_none").unwrap();
    let unknown = ledger
        .announce_discount(&nobody, &EventType::DiscountApplied, "LAUNCH50", t1)
        .await
        .unwrap();
    assert!(unknown.is_none());
    let filter = EventFilter {
        limit: 100,
        ..EventFilter::default()
    };
    let events = ledger.events(&filter).await.unwrap();
    let applied: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == EventType::DiscountApplied)
        .collect();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].data["coupon_id"], "LAUNCH50");
    discount_events(ledger, &terms).await;
}

/// A month paid at half price, the coupon's last but one period: `created` carries its history
/// line, and the event's read model prices the next charge with what is left; its renewal, the
/// coupon's last discounted period, writes `discount_ended`.
async fn discount_events(ledger: &impl Ledger, terms: &CouponTerms) {
    let mut discounted = month();
    discounted.transaction_key = PaymentId::parse("pm_2").unwrap();
    discounted.next_schedule_id = PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"pm_2"));
    discounted.subscription_id = Some("pm_2".to_owned());
    discounted.amount = Amount::new(4_950).unwrap();
    discounted.discount_amount = Amount::new(4_950).unwrap();
    discounted.discount = Some(Discount {
        periods_left: Some(2),
        ..terms.discount()
    });
    discounted.next_discount = Some(Discount {
        periods_left: Some(1),
        ..terms.discount()
    });
    discounted.next_terms.next_amount = Some(Amount::new(9_900).unwrap());
    ledger.record_paid(&discounted).await.unwrap();
    let mut last = discounted.clone();
    last.transaction_key = discounted.next_schedule_id.clone();
    last.next_schedule_id = PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"pm_3"));
    last.subscription_id = None;
    last.start_at = discounted.end_at;
    last.discount = discounted.next_discount.clone();
    last.next_discount = None;
    ledger.record_paid(&last).await.unwrap();

    let filter = EventFilter {
        limit: 100,
        ..EventFilter::default()
    };
    let events = ledger.events(&filter).await.unwrap();
    let of = |kind: EventType| {
        events
            .iter()
            .filter(|e| e.event_type == kind && e.subscription_id == "pm_2")
            .collect::<Vec<_>>()
    };
    let created = of(EventType::Created);
    assert_eq!(created.len(), 1);
    let line = &created[0].data["line"];
    assert_eq!(
        (
            &line["amount"],
            &line["list_amount"],
            &line["discount_amount"],
            &line["coupon_id"]
        ),
        (&json!(4_950), &json!(9_900), &json!(4_950), &json!("LAUNCH50"))
    );
    assert_eq!(
        (&line["supply_amount"], &line["vat"], &line["kind"]),
        (&json!(4_500), &json!(450), &json!("period"))
    );
    let next = &created[0].data["subscription"]["next_charge"];
    assert_eq!(
        (&next["amount"], &next["list_amount"]),
        (&json!(4_950), &json!(9_900))
    );
    assert_eq!(next["discount"]["periods_left"], 1);
    assert_eq!(of(EventType::Renewed)[0].data["line"]["discount_amount"], 4_950);
    let ended = of(EventType::DiscountEnded);
    assert_eq!(ended.len(), 1, "{events:#?}");
    assert_eq!(ended[0].data["coupon_id"], "LAUNCH50");
    assert_eq!(ended[0].data["subscription"]["next_charge"]["amount"], 9_900);
}

/// How often `SPRING50` and its coupon were redeemed.
async fn counts(ledger: &impl Ledger) -> (u32, u32) {
    (
        ledger_code_count(ledger, "SPRING50").await,
        ledger_coupon_count(ledger).await,
    )
}

async fn ledger_code_count(ledger: &impl Ledger, code: &str) -> u32 {
    let codes = ledger.promotion_codes().await.unwrap();
    codes
        .into_iter()
        .find(|c| c.terms.code.as_str() == code)
        .unwrap()
        .times_redeemed
}

async fn ledger_coupon_count(ledger: &impl Ledger) -> u32 {
    let id = CouponId::parse("LAUNCH50").unwrap();
    ledger.coupon(&id).await.unwrap().unwrap().times_redeemed
}

#[tokio::test]
async fn in_memory_coupons_honour_the_contract() {
    contract(&InMemoryLedger::new()).await;
}

#[tokio::test]
async fn postgres_coupons_honour_the_contract_on_a_real_server() {
    let url = shared().fresh_database().await;
    contract(&SqlLedger::postgres(&postgres_settings(&url)).unwrap()).await;
}

#[tokio::test]
async fn supabase_rest_coupons_honour_the_contract_against_postgrest() {
    let postgrest = MockServer::start().await;
    mount_postgrest_stand_in(&postgrest).await;
    let ledger = SqlLedger::supabase_rest(
        reqwest::Client::new(),
        &postgrest.uri(),
        &SecretString::from(SERVICE_ROLE_KEY),
    )
    .unwrap();
    contract(&ledger).await;
}
