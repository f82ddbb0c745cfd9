//! `supabase/migrations/` on a real server: idempotent, constrained, and closed to `anon`.

use sqlx::{Connection, PgConnection, Row};

use crate::pg::{apply_migrations, shared, PgServer};

#[tokio::test]
async fn migrations_apply_twice_and_create_both_unique_constraints() {
    // Migrated from scratch here (not copied from the template), then migrated again.
    let name = format!("migrations_twice_{}", std::process::id());
    let url = shared().migrated_database(&name).await;
    let mut connection = PgConnection::connect(&url).await.unwrap();

    apply_migrations(&mut connection)
        .await
        .expect("a second run must be a no-op");

    let constraints: Vec<String> = sqlx::query(
        "select conname from pg_constraint where conrelid = 'public.payment'::regclass and contype = 'u' order by 1",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect();
    assert_eq!(
        constraints,
        ["payment_next_schedule_id_key", "payment_transaction_key_key"]
    );
    let rls: bool =
        sqlx::query_scalar("select relrowsecurity from pg_class where oid = 'public.payment'::regclass")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert!(rls, "row level security must be enabled");
}

#[tokio::test]
async fn anon_and_authenticated_can_neither_read_the_table_nor_call_the_function() {
    let url = shared().fresh_database().await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    let call = "select * from public.record_paid_payment('pay_x', 1, 'Paid', now(), now(), now(), now(), gen_random_uuid())";
    let month = "select * from public.record_paid_month('pay_x', 1, 'Paid', now(), now(), now(), now(), gen_random_uuid())";
    let attempt = "select * from public.record_failed_attempt('pay_x', 0, 'p', null, null, null, now(), 3, null, null, null, now())";
    let lapse = "select * from public.mark_lapsed('pay_x', now())";
    let statements = [
        "select * from public.payment",
        "select * from public.renewal_attempt",
        call,
        month,
        attempt,
        lapse,
        "select * from public.renewal_of_payment('p')",
    ];
    for role in ["anon", "authenticated"] {
        for statement in statements {
            let mut tx = connection.begin().await.unwrap();
            sqlx::raw_sql(&format!("set local role {role}"))
                .execute(&mut *tx)
                .await
                .unwrap();
            let error = sqlx::raw_sql(statement).execute(&mut *tx).await.unwrap_err();
            let code = error
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            assert_eq!(code.as_deref(), Some("42501"), "{role}: {statement}: {error}");
            tx.rollback().await.unwrap();
        }
    }
}

#[tokio::test]
async fn service_role_can_record_and_read_through_row_level_security() {
    let url = shared().fresh_database().await;
    let pool = PgServer::pool(&url).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql("set local role service_role")
        .execute(&mut *tx)
        .await
        .unwrap();

    let inserted: bool = sqlx::query_scalar(
        "select (r ->> 'inserted')::boolean from public.record_paid_payment('pay_sr', 100, 'Paid', now(), now(), now(), now(), gen_random_uuid()) as r",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let count: i64 = sqlx::query_scalar("select count(*) from public.payment")
        .fetch_one(&mut *tx)
        .await
        .unwrap();

    assert!(inserted);
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_failed_renewals_migration_backfills_renewed_by_along_existing_chains() {
    let name = format!("migrations_backfill_{}", std::process::id());
    let url = shared().migrated_database(&name).await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    // Undo what the dunning migration added, as if the database predated it…
    sqlx::raw_sql(
        "drop table public.renewal_attempt; \
         alter table public.payment drop column renewal_attempts, drop column retry_limit, \
           drop column retry_payment_id, drop column retry_at, drop column last_failure_reason, \
           drop column lapsed_at, drop column renewed_by;",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    // …with a month and its renewal recorded the old way, and a month not renewed yet.
    sqlx::raw_sql(
        "select public.record_paid_payment('pay_old', 100, 'Paid', now(), now(), now(), now(), \
           '11111111-1111-5111-8111-111111111111'); \
         select public.record_paid_payment('11111111-1111-5111-8111-111111111111', 100, 'Paid', \
           now(), now(), now(), now(), '22222222-2222-5222-8222-222222222222');",
    )
    .execute(&mut connection)
    .await
    .unwrap();

    apply_migrations(&mut connection).await.unwrap();

    let rows: Vec<(String, Option<String>, i32)> = sqlx::query_as(
        "select transaction_key, renewed_by, renewal_attempts from public.payment order by id",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "pay_old".to_owned(),
                Some("11111111-1111-5111-8111-111111111111".to_owned()),
                0
            ),
            ("11111111-1111-5111-8111-111111111111".to_owned(), None, 0),
        ]
    );
}
