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
         select public.record_subscription_month('pay_a', 9900, 'Paid', now(), now() + interval '30 days',
           now() + interval '31 days', now() + interval '31 days', '11111111-1111-5111-8111-111111111111',
           '{USER_A}', '월간', 'KRW');
         select public.record_subscription_month('pay_b', 9900, 'Paid', now(), now() + interval '30 days',
           now() + interval '31 days', now() + interval '31 days', '22222222-2222-5222-8222-222222222222',
           '{USER_B}', '월간', 'KRW');
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
