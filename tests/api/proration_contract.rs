//! One contract for prorations (`ProrationLedger`), run against the in-memory ledger, the
//! PostgreSQL adapter on a real server, and the Supabase REST adapter against its PostgREST
//! stand-in: written once, a busy period refused, stale terms refused, settled once (the terms in
//! effect, the next-charge terms and one `subscription.plan_changed`), a decline final.

use portone_subscriptions::adapters::ledger::{InMemoryLedger, SqlLedger};
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::event::EventType;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::plan::PlanId;
use portone_subscriptions::domain::proration_record::{InEffect, Proration, ProrationStatus};
use portone_subscriptions::domain::quantity::Quantity;
use portone_subscriptions::domain::record::{MonthStatus, NextTerms, PaymentRecord, Renewal};
use portone_subscriptions::domain::subscription::Subscription;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{EventFilter, Ledger, ProrationBegun};
use secrecy::SecretString;
use uuid::Uuid;
use wiremock::MockServer;

use crate::helpers::{mount_postgrest_stand_in, postgres_settings, SERVICE_ROLE_KEY};
use crate::pg::shared;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse().unwrap())
}

fn terms(plan: &str, seats: i64, amount: i64) -> InEffect {
    InEffect {
        plan_id: Some(PlanId::parse(plan).unwrap()),
        quantity: Quantity::new(seats).unwrap(),
        amount: Amount::new(amount).unwrap(),
    }
}

/// One seat of `team` (9,900 KRW), paid 2025-01-01, for 30 days.
pub(crate) fn month() -> PaymentRecord {
    PaymentRecord {
        transaction_key: PaymentId::parse("pm_1").unwrap(),
        amount: Amount::new(9_900).unwrap(),
        status: MonthStatus::Paid,
        start_at: at("2025-01-01T00:00:00Z"),
        end_at: at("2025-01-31T00:00:00Z"),
        end_grace_at: at("2025-02-01T14:59:59Z"),
        next_schedule_at: at("2025-02-01T01:00:00Z"),
        next_schedule_id: PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"pm_1")),
        canceled_at: None,
        resumed_at: None,
        customer_id: Some("user-1".to_owned()),
        order_name: Some("team".to_owned()),
        currency: Some(Currency::reported("KRW")),
        subscription_id: Some("pm_1".to_owned()),
        plan_id: Some(PlanId::parse("team").unwrap()),
        quantity: Quantity::ONE,
        in_effect: None,
        refunded_amount: None,
        renewal: Renewal::default(),
        next_terms: NextTerms::default(),
        period_rule: None,
        receipt_url: None,
        billing_number: None,
        discount: None,
        discount_amount: Default::default(),
        next_discount: None,
    }
}

fn proration(id: &str, from: InEffect, to: InEffect, amount: i64) -> Proration {
    Proration {
        payment_id: PaymentId::parse(id).unwrap(),
        subscription_id: "pm_1".to_owned(),
        month_key: PaymentId::parse("pm_1").unwrap(),
        customer_id: Some("user-1".to_owned()),
        from,
        to,
        order_name: "team".to_owned(),
        currency: Currency::reported("KRW"),
        amount: Amount::new(amount).unwrap(),
        period_start: at("2025-01-01T00:00:00Z"),
        period_end: at("2025-01-31T00:00:00Z"),
        request_hash: format!("hash-of-{id}"),
        status: ProrationStatus::Pending,
        failure_reason: None,
        paid_at: None,
        rescheduled_at: None,
        refunded_amount: None,
        created_at: at("2025-01-11T00:00:00Z"),
        billing_number: None,
    }
}

fn stored(begun: ProrationBegun) -> Proration {
    match begun {
        ProrationBegun::Stored(row) => *row,
        other => panic!("expected a stored row, got {other:?}"),
    }
}

async fn contract(ledger: &impl Ledger) {
    ledger.record_paid(&month()).await.unwrap();
    let one = terms("team", 1, 9_900);
    let three = terms("team", 3, 29_700);
    let first = proration("proration-1", one.clone(), three.clone(), 13_200);

    // Written once; the same id again finds it; another change of the period is busy.
    assert_eq!(stored(ledger.begin_proration(&first).await.unwrap()), first);
    assert_eq!(stored(ledger.begin_proration(&first).await.unwrap()), first);
    let rival = proration("proration-2", one.clone(), terms("team", 2, 19_800), 6_600);
    assert_eq!(
        ledger.begin_proration(&rival).await.unwrap(),
        ProrationBegun::Busy
    );

    // Settled once: the terms in effect and the next charge's are the new ones.
    let paid_at = at("2025-01-11T00:00:01Z");
    let now = at("2025-01-11T00:00:02Z");
    let settled = ledger
        .settle_proration(&first.payment_id, paid_at, now)
        .await
        .unwrap()
        .expect("settled");
    assert!(settled.applied);
    assert_eq!(settled.proration.status, ProrationStatus::Paid);
    assert_eq!(settled.proration.paid_at, Some(paid_at));
    assert_eq!(settled.month.current_terms(), three);
    assert_eq!(
        settled.month.amount.value(),
        9_900,
        "the month keeps what it charged"
    );
    let next = settled.month.next_charge_terms();
    assert_eq!((next.amount.value(), next.quantity.get()), (29_700, 3));
    let again = ledger
        .settle_proration(&first.payment_id, paid_at, now)
        .await
        .unwrap()
        .expect("settled before");
    assert!(!again.applied);
    assert_eq!(again.month, settled.month);

    // A change computed on the old terms is stale; one on the new terms is written.
    let stale = proration("proration-3", one.clone(), terms("team", 5, 49_500), 20_000);
    assert_eq!(
        ledger.begin_proration(&stale).await.unwrap(),
        ProrationBegun::Stale
    );
    let fresh = proration("proration-3", three.clone(), terms("team", 5, 49_500), 13_200);
    stored(ledger.begin_proration(&fresh).await.unwrap());

    // A decline is final: settling it does nothing.
    let failed = ledger
        .fail_proration(&fresh.payment_id, "잔액부족", now)
        .await
        .unwrap()
        .expect("the row");
    assert_eq!(
        (failed.status, failed.failure_reason.as_deref()),
        (ProrationStatus::Failed, Some("잔액부족"))
    );
    assert!(ledger
        .settle_proration(&fresh.payment_id, paid_at, now)
        .await
        .unwrap()
        .is_none());

    ledger.mark_rescheduled(&first.payment_id, now).await.unwrap();
    let listed = ledger.prorations("pm_1").await.unwrap();
    let ids: Vec<_> = listed.iter().map(|p| p.payment_id.as_str()).collect();
    assert_eq!(ids, ["proration-1", "proration-3"]);
    assert_eq!(listed[0].rescheduled_at, Some(now));

    // The read model shows three seats in effect, and one plan_changed event carries the change.
    let rows = ledger
        .subscription(&SubscriptionId::parse("pm_1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let view = Subscription::at(&rows.months, &rows.attempts, now).unwrap();
    assert_eq!((view.quantity.get(), view.pending_change), (3, None));
    let events = ledger
        .events(&EventFilter {
            limit: 100,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let changes: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == EventType::PlanChanged)
        .collect();
    assert_eq!(changes.len(), 1);
    let change = &changes[0].data["change"];
    assert_eq!(change["amount_due_now"], 13_200);
    assert_eq!(change["to_quantity"], 3);
    assert_eq!(changes[0].data["subscription"]["quantity"], 3);
}

#[tokio::test]
async fn in_memory_prorations_honour_the_contract() {
    contract(&InMemoryLedger::new()).await;
}

#[tokio::test]
async fn postgres_prorations_honour_the_contract_on_a_real_server() {
    let url = shared().fresh_database().await;
    contract(&SqlLedger::postgres(&postgres_settings(&url)).unwrap()).await;
}

#[tokio::test]
async fn supabase_rest_prorations_honour_the_contract_against_postgrest() {
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
