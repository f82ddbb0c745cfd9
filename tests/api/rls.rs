//! Row level security for the app: a logged-in user (`authenticated`, `auth.uid()` from the
//! JWT's `sub`, as Supabase sets `request.jwt.claims`) reads their own months, attempts and
//! subscriptions and nobody else's; `anon` reads nothing.

use sqlx::{Connection, PgConnection};

use crate::pg::shared;

const USER_A: &str = "0f8a4c2e-6b1d-4e3f-9a7c-5d2b8e1f4a6c";
const USER_B: &str = "7c3e9b1a-2d4f-4a8e-b6c1-9e5f3a7d2b4c";

/// Two customers' subscriptions, A's with a failed renewal attempt.
async fn seeded() -> PgConnection {
    let url = shared().fresh_database().await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    let seed = format!(
        "set role service_role;
         select public.record_month(jsonb_build_object(
           'transaction_key', 'pay_a',
           'amount', 9900,
           'status', 'Paid',
           'start_at', now(),
           'end_at', now() + interval '30 days',
           'end_grace_at', now() + interval '31 days',
           'next_schedule_at', now() + interval '31 days',
           'next_schedule_id', '11111111-1111-5111-8111-111111111111',
           'customer_id', '{USER_A}',
           'order_name', '월간',
           'currency', 'KRW'));
         select public.record_month(jsonb_build_object(
           'transaction_key', 'pay_b',
           'amount', 9900,
           'status', 'Paid',
           'start_at', now(),
           'end_at', now() + interval '30 days',
           'end_grace_at', now() + interval '31 days',
           'next_schedule_at', now() + interval '31 days',
           'next_schedule_id', '22222222-2222-5222-8222-222222222222',
           'customer_id', '{USER_B}',
           'order_name', '월간',
           'currency', 'KRW'));
         insert into public.renewal_attempt (renewed_key, attempt, payment_id, failed_at)
           values ('pay_a', 0, '11111111-1111-5111-8111-111111111111', now());
         update public.payment set renewal_attempts = 1 where transaction_key = 'pay_a';
         reset role;"
    );
    sqlx::raw_sql(&seed).execute(&mut connection).await.unwrap();
    connection
}

/// `statement` as `role` with the JWT of `user` (none: no JWT), its rows' first column.
async fn read_as(
    connection: &mut PgConnection,
    role: &str,
    user: Option<&str>,
    statement: &str,
) -> Result<Vec<String>, String> {
    let mut tx = connection.begin().await.unwrap();
    sqlx::raw_sql(&format!("set local role {role}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    if let Some(user) = user {
        let claims = serde_json::json!({ "sub": user, "role": role }).to_string();
        sqlx::query("select set_config('request.jwt.claims', $1, true)")
            .bind(claims)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let rows: Result<Vec<(String,)>, _> = sqlx::query_as(statement).fetch_all(&mut *tx).await;
    tx.rollback().await.unwrap();
    rows.map(|rows| rows.into_iter().map(|(value,)| value).collect())
        .map_err(|e| {
            e.as_database_error()
                .and_then(|d| d.code())
                .map(|c| c.into_owned())
                .unwrap_or_default()
        })
}

const MONTHS: &str = "select transaction_key from public.payment order by 1";
const ATTEMPTS: &str = "select renewed_key from public.renewal_attempt order by 1";
const SUBSCRIPTIONS: &str = "select subscription_id from public.subscription order by 1";

#[tokio::test]
async fn user_a_sees_only_a_s_rows() {
    let mut db = seeded().await;
    let mine = |rows: &[&str]| Ok(rows.iter().map(|r| r.to_string()).collect::<Vec<_>>());
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), MONTHS).await,
        mine(&["pay_a"])
    );
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), ATTEMPTS).await,
        mine(&["pay_a"])
    );
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), SUBSCRIPTIONS).await,
        mine(&["pay_a"])
    );
    let status = "select status || ' ' || months::text || ' ' || jsonb_array_length(attempts)::text from public.subscription";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), status).await,
        mine(&["past_due 1 1"])
    );
}

#[tokio::test]
async fn user_b_sees_none_of_a_s_rows() {
    let mut db = seeded().await;
    for statement in [MONTHS, ATTEMPTS, SUBSCRIPTIONS] {
        let rows = read_as(&mut db, "authenticated", Some(USER_B), statement)
            .await
            .unwrap();
        assert!(!rows.contains(&"pay_a".to_owned()), "{statement}: {rows:?}");
    }
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_B), ATTEMPTS).await,
        Ok(vec![])
    );
    // Without a JWT an authenticated session matches nobody.
    assert_eq!(read_as(&mut db, "authenticated", None, MONTHS).await, Ok(vec![]));
}

#[tokio::test]
async fn anon_sees_nothing_and_only_service_role_writes() {
    let mut db = seeded().await;
    for statement in [MONTHS, ATTEMPTS, SUBSCRIPTIONS] {
        assert_eq!(
            read_as(&mut db, "anon", Some(USER_A), statement).await,
            Err("42501".to_owned()),
            "{statement}"
        );
    }
    for role in ["anon", "authenticated"] {
        for write in [
            "update public.payment set amount = 1 returning transaction_key",
            "delete from public.payment returning transaction_key",
            "delete from public.renewal_attempt returning renewed_key",
        ] {
            assert_eq!(
                read_as(&mut db, role, Some(USER_A), write).await,
                Err("42501".to_owned()),
                "{role}: {write}"
            );
        }
    }
    let updated = read_as(
        &mut db,
        "service_role",
        None,
        "update public.payment set amount = 1 returning transaction_key",
    )
    .await
    .unwrap();
    assert_eq!(updated.len(), 2);
}

/// Active plans are public (a pricing page reads them with supabase-js and the anon key); archived
/// ones and every write are not.
#[tokio::test]
async fn anyone_reads_active_plans_and_only_service_role_writes_them() {
    let mut db = seeded().await;
    sqlx::raw_sql(
        "set role service_role;
         select public.upsert_plan('{\"id\": \"basic\", \"name\": \"베이직\", \"amount\": 4900, \"currency\": \"KRW\", \"trial_days\": 0}', now());
         select public.upsert_plan('{\"id\": \"pro\", \"name\": \"프로\", \"amount\": 9900, \"currency\": \"KRW\", \"trial_days\": 14, \"sort_order\": 1}', now());
         select public.upsert_plan('{\"id\": \"old\", \"name\": \"옛\", \"amount\": 1000, \"currency\": \"KRW\", \"trial_days\": 0}', now());
         select public.archive_plan('old', now());
         reset role;",
    )
    .execute(&mut db)
    .await
    .unwrap();
    let plans = "select id from public.plan order by sort_order, id";
    let active = Ok(vec!["basic".to_owned(), "pro".to_owned()]);
    assert_eq!(read_as(&mut db, "anon", None, plans).await, active);
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), plans).await,
        active
    );
    assert_eq!(
        read_as(&mut db, "service_role", None, plans).await.unwrap().len(),
        3
    );
    for role in ["anon", "authenticated"] {
        for write in [
            "insert into public.plan (id, name, amount, currency) values ('x', 'x', 1, 'KRW') returning id",
            "update public.plan set amount = 1 returning id",
            "delete from public.plan returning id",
            "select public.upsert_plan('{\"id\": \"x\"}', now())::text",
            "select public.archive_plan('pro', now())::text",
        ] {
            assert_eq!(
                read_as(&mut db, role, Some(USER_A), write).await,
                Err("42501".to_owned()),
                "{role}: {write}"
            );
        }
    }
}

/// A customer reads their own card's summary, never its billing key, and nobody else's card.
#[tokio::test]
async fn a_customer_reads_their_cards_summary_but_never_a_billing_key() {
    let mut db = seeded().await;
    let seed = format!(
        "set role service_role;
         select public.set_payment_method('{{\"subscription_id\": \"pay_a\", \"customer_id\": \"{USER_A}\", \"billing_key\": \"bk_secret_a\", \"issuer\": \"SHINHAN\", \"brand\": \"VISA\", \"number\": \"4330-12**-****-1234\", \"updated_at\": \"2024-01-01T00:00:00Z\"}}');
         select public.set_payment_method('{{\"subscription_id\": \"pay_b\", \"customer_id\": \"{USER_B}\", \"billing_key\": \"bk_secret_b\", \"updated_at\": \"2024-01-01T00:00:00Z\"}}');
         reset role;"
    );
    sqlx::raw_sql(&seed).execute(&mut db).await.unwrap();
    let summary = "select subscription_id || ' ' || number from public.payment_method";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), summary).await,
        Ok(vec!["pay_a 4330-12**-****-1234".to_owned()])
    );
    let card_in_view = "select payment_method ->> 'brand' from public.subscription_v2";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), card_in_view).await,
        Ok(vec!["VISA".to_owned()])
    );
    for statement in [
        "select billing_key from public.payment_method",
        "select * from public.payment_method",
    ] {
        assert_eq!(
            read_as(&mut db, "authenticated", Some(USER_A), statement).await,
            Err("42501".to_owned()),
            "{statement}"
        );
    }
    assert_eq!(
        read_as(
            &mut db,
            "anon",
            None,
            "select subscription_id from public.payment_method"
        )
        .await,
        Err("42501".to_owned())
    );
    let v2 = "select subscription_id || ' ' || status from public.subscription_v2 order by 1";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), v2).await,
        Ok(vec!["pay_a past_due".to_owned()])
    );
}

#[tokio::test]
async fn a_customer_reads_their_own_events_and_nobody_else_s() {
    let mut db = seeded().await;
    let events = "select subscription_id || ' ' || type from public.subscription_event order by 1";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), events).await,
        Ok(vec!["pay_a subscription.created".to_owned()])
    );
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_B), events).await,
        Ok(vec!["pay_b subscription.created".to_owned()])
    );
    let whole_rows = "select e.id::text from public.subscription_event as e, lateral (select e.*) as r";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), whole_rows)
            .await
            .map(|rows| rows.len()),
        Ok(1),
        "whole rows, as Realtime reads them"
    );
    for (role, user, statement) in [
        ("anon", None, events),
        (
            "authenticated",
            Some(USER_A),
            "select event_id::text from public.subscription_event_attempt",
        ),
        (
            "authenticated",
            Some(USER_A),
            "select public.claim_events(now(), 10, 30)::text",
        ),
    ] {
        assert_eq!(
            read_as(&mut db, role, user, statement).await,
            Err("42501".to_owned()),
            "{role}: {statement}"
        );
    }
    let write = "insert into public.subscription_event (id, type, subscription_id, occurred_at, data, dedupe_key, next_attempt_at) values (gen_random_uuid(), 'x', 'pay_a', now(), '{}', 'forged', now()) returning id::text";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), write).await,
        Err("42501".to_owned())
    );
}

#[tokio::test]
async fn a_customer_reads_their_own_read_model_as_the_api_answers_it() {
    let mut db = seeded().await;
    let view = "select subscription_id || ' ' || (subscription ->> 'status') || ' ' \
                || (subscription ->> 'quantity') from public.subscription_v3 order by 1";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), view).await,
        Ok(vec!["pay_a past_due 1".to_owned()])
    );
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_B), view).await,
        Ok(vec!["pay_b active 1".to_owned()])
    );
    // Asking the function for another's subscription directly finds nothing under RLS.
    let other = "select coalesce(public.subscription_at('pay_b', now()) ->> 'status', 'none')";
    assert_eq!(
        read_as(&mut db, "authenticated", Some(USER_A), other).await,
        Ok(vec!["none".to_owned()])
    );
    assert_eq!(
        read_as(&mut db, "anon", None, view).await,
        Err("42501".to_owned())
    );
}
