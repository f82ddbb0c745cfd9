//! The SQL read model agrees with the domain's: `public.subscription_status(payment, at)` gives
//! `SubscriptionStatus::of` for every kind of month at instants on both sides of each boundary,
//! and the `public.subscription` and `public.subscription_v2` views give what `Subscription::at`
//! gives, on a real PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::domain::subscription::{Subscription, SubscriptionStatus};
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{MonthLedger, SubscriptionLedger};
use serde_json::Value;
use sqlx::{Connection, PgConnection};

use crate::helpers::postgres_settings;
use crate::pg::shared;

/// Months in every state, relative to `t0`: (key, extra column values).
fn variants() -> Vec<(&'static str, &'static str)> {
    vec![
        ("plain", ""),
        ("cancelled", "canceled_at = $t0 - interval '1 day'"),
        ("refunded", "status = 'Cancelled'"),
        ("refunded_cancelled", "status = 'Cancelled', canceled_at = $t0"),
        (
            "retrying",
            "renewal_attempts = 1, retry_limit = 3, retry_payment_id = gen_random_uuid(), \
             retry_at = $t0 + interval '31 days', end_grace_at = $t0 + interval '32 days'",
        ),
        (
            "exhausted",
            "renewal_attempts = 4, retry_limit = 3, lapsed_at = $t0 + interval '38 days', \
             end_grace_at = $t0 + interval '38 days'",
        ),
        ("key_gone", "renewal_attempts = 1, retry_limit = 3, lapsed_at = $t0 + interval '30 days 12 hours'"),
        (
            "cancelled_in_dunning",
            "renewal_attempts = 1, retry_payment_id = gen_random_uuid(), retry_at = $t0 + interval '31 days', \
             canceled_at = $t0 + interval '30 days 6 hours', end_grace_at = $t0 + interval '32 days'",
        ),
        ("trial", "status = 'Trial', amount = 0, next_amount = 9900"),
        ("trial_cancelled", "status = 'Trial', amount = 0, canceled_at = $t0 + interval '1 day'"),
        (
            "trial_first_charge_failed",
            "status = 'Trial', amount = 0, renewal_attempts = 1, retry_limit = 3, \
             retry_payment_id = gen_random_uuid(), retry_at = $t0 + interval '31 days', \
             end_grace_at = $t0 + interval '32 days'",
        ),
    ]
}

/// Instants around every boundary the variants have, relative to `t0`.
fn instants(t0: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let ms = Duration::milliseconds(1);
    let mut all = vec![t0, t0 + Duration::days(15)];
    for boundary in [
        Duration::days(30),
        Duration::days(30) + Duration::hours(12),
        Duration::days(31),
        Duration::days(32),
        Duration::days(38),
    ] {
        all.extend([t0 + boundary - ms, t0 + boundary, t0 + boundary + ms]);
    }
    all
}

#[tokio::test]
async fn sql_status_agrees_with_the_domain_at_every_boundary() {
    let url = shared().fresh_database().await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    let t0: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    for (key, extra) in variants() {
        let insert = format!(
            "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at, \
               next_schedule_at, next_schedule_id, customer_id) \
             values ('{key}', 9900, 'Paid', $t0, $t0 + interval '30 days', $t0 + interval '31 days', \
               $t0 + interval '31 days' - interval '12 hours', gen_random_uuid(), 'user-1')"
        );
        let t0_sql = format!("'{}'::timestamptz", t0.to_rfc3339());
        sqlx::raw_sql(&insert.replace("$t0", &t0_sql))
            .execute(&mut db)
            .await
            .unwrap();
        if !extra.is_empty() {
            let update = format!("update public.payment set {extra} where transaction_key = '{key}'");
            sqlx::raw_sql(&update.replace("$t0", &t0_sql))
                .execute(&mut db)
                .await
                .unwrap();
        }
    }
    let ledger = SqlLedger::postgres(&postgres_settings(&url)).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (key, _) in variants() {
        let month = ledger
            .find(&portone_subscriptions::domain::payment_id::PaymentId::parse(key).unwrap())
            .await
            .unwrap()
            .unwrap();
        for at in instants(t0) {
            let sql: String = sqlx::query_scalar(
                "select public.subscription_status(p, $1) from public.payment as p where p.transaction_key = $2",
            )
            .bind(at)
            .bind(key)
            .fetch_one(&mut db)
            .await
            .unwrap();
            let domain = SubscriptionStatus::of(&month, Timestamp::from_utc(at));
            assert_eq!(sql, domain.as_str(), "{key} at {at}");
            seen.insert(sql);
        }
    }
    assert_eq!(seen.len(), 7, "every status occurs: {seen:?}");
}

#[tokio::test]
async fn the_view_shows_what_the_read_model_answers() {
    let url = shared().fresh_database().await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    // A subscription renewed once, whose latest month has a plan change and a failed charge.
    sqlx::raw_sql(
        "select public.record_month(jsonb_build_object(
           'transaction_key', 'pay_v1',
           'amount', 9900,
           'status', 'Paid',
           'start_at', now() - interval '40 days',
           'end_at', now() - interval '10 days',
           'end_grace_at', now() - interval '9 days',
           'next_schedule_at', now() - interval '9 days 12 hours',
           'next_schedule_id', '11111111-1111-5111-8111-111111111111',
           'customer_id', 'user-1',
           'order_name', '월간',
           'currency', 'KRW'));
         select public.record_month(jsonb_build_object(
           'transaction_key', '11111111-1111-5111-8111-111111111111',
           'amount', 9900,
           'status', 'Paid',
           'start_at', now() - interval '9 days',
           'end_at', now() + interval '21 days',
           'end_grace_at', now() + interval '22 days',
           'next_schedule_at', now() + interval '21 days 12 hours',
           'next_schedule_id', '22222222-2222-5222-8222-222222222222',
           'customer_id', 'user-1',
           'order_name', '월간',
           'currency', 'KRW'));
         select public.set_next_terms('11111111-1111-5111-8111-111111111111', 19900, '연간', null);",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let ledger = SqlLedger::postgres(&postgres_settings(&url)).unwrap();
    let rows = ledger
        .subscription(&SubscriptionId::parse("pay_v1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let now: DateTime<Utc> = sqlx::query_scalar("select now()")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let model = Subscription::at(&rows.months, &rows.attempts, Timestamp::from_utc(now)).unwrap();

    let view: Value = sqlx::query_scalar("select to_jsonb(s) from public.subscription as s")
        .fetch_one(&mut db)
        .await
        .unwrap();

    assert_eq!(view["subscription_id"], "pay_v1");
    assert_eq!(view["status"], model.status.as_str());
    assert_eq!(view["transaction_key"], model.transaction_key.as_str());
    assert_eq!(view["months"], model.months);
    assert_eq!(view["no_charge_reason"], Value::Null);
    let next = model.next_charge.unwrap();
    assert_eq!(view["next_charge"]["amount"], next.amount.value());
    assert_eq!(view["next_charge"]["amount"], 19900);
    assert_eq!(view["next_charge"]["order_name"], "연간");
    assert_eq!(view["next_charge"]["currency"], "KRW");
    assert_eq!(view["next_charge"]["payment_id"], next.payment_id.to_string());
    let at: DateTime<Utc> = view["next_charge"]["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(Timestamp::from_utc(at), next.at);
    assert_eq!(view["attempts"], serde_json::json!([]));
}

#[tokio::test]
async fn the_v2_view_shows_a_trial_its_plan_and_its_first_charge_as_the_read_model_does() {
    let url = shared().fresh_database().await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "select public.record_month(jsonb_build_object(
           'transaction_key', 'trial-1', 'amount', 0, 'status', 'Trial', 'start_at', now(),
           'end_at', now() + interval '14 days', 'end_grace_at', now() + interval '15 days',
           'next_schedule_at', now() + interval '14 days 12 hours',
           'next_schedule_id', '33333333-3333-5333-8333-333333333333', 'customer_id', 'user-1',
           'order_name', '프로', 'currency', 'KRW', 'plan_id', 'pro', 'next_amount', 19900));
         select public.set_payment_method(jsonb_build_object('subscription_id', 'trial-1',
           'customer_id', 'user-1', 'billing_key', 'bk_1', 'brand', 'VISA', 'updated_at', now()));",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let ledger = SqlLedger::postgres(&postgres_settings(&url)).unwrap();
    let rows = ledger
        .subscription(&SubscriptionId::parse("trial-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    let now: DateTime<Utc> = sqlx::query_scalar("select now()")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let model = Subscription::at(&rows.months, &rows.attempts, Timestamp::from_utc(now)).unwrap();

    let view: Value = sqlx::query_scalar("select to_jsonb(s) from public.subscription_v2 as s")
        .fetch_one(&mut db)
        .await
        .unwrap();

    assert_eq!(model.status, SubscriptionStatus::Trialing);
    assert_eq!(view["status"], "trialing");
    assert_eq!(view["months"], model.months);
    assert_eq!(view["months"], 0, "a trial is not a paid month");
    assert_eq!(view["plan_id"], "pro");
    let trial_end: DateTime<Utc> = view["trial_end_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(Some(Timestamp::from_utc(trial_end)), model.trial_end_at);
    let next = model.next_charge.unwrap();
    assert_eq!(view["next_charge"]["amount"], next.amount.value());
    assert_eq!(view["next_charge"]["amount"], 19900);
    assert_eq!(view["next_charge"]["plan_id"], "pro");
    assert_eq!(view["payment_method"]["brand"], "VISA");
    assert!(view["payment_method"].get("billing_key").is_none());
    assert_eq!(view["refunded_amount"], Value::Null);
}
