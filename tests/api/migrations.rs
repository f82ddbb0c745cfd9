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
        [
            "payment_billing_number_key",
            "payment_next_schedule_id_key",
            "payment_transaction_key_key"
        ]
    );
    let rls: bool =
        sqlx::query_scalar("select relrowsecurity from pg_class where oid = 'public.payment'::regclass")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert!(rls, "row level security must be enabled");
}

/// Runs `statement` as `role` in a transaction that is rolled back; the SQLSTATE it failed with.
async fn refused_code(connection: &mut PgConnection, role: &str, statement: &str) -> Option<String> {
    let mut tx = connection.begin().await.unwrap();
    sqlx::raw_sql(&format!("set local role {role}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    let result = sqlx::raw_sql(statement).execute(&mut *tx).await;
    tx.rollback().await.unwrap();
    result
        .err()?
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
}

#[tokio::test]
async fn nobody_but_service_role_can_write_or_call_a_function_and_anon_reads_nothing() {
    let url = shared().fresh_database().await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    let functions = [
        "select * from public.record_month('{\"transaction_key\": \"pay_x\"}')",
        "select * from public.insert_month(null::public.payment)",
        "select * from public.record_failed_attempt('pay_x', 0, 'p', null, null, null, now(), 3, null, null, null, now())",
        "select * from public.mark_lapsed('pay_x', now())",
        "select * from public.renewal_of_payment('p')",
        "select * from public.subscription_months('p')",
        "select * from public.customer_subscription_months('c')",
        "select * from public.set_next_terms('p', 1, null, null)",
        "select * from public.cancel_payment('p')",
        "select * from public.open_renewals(now(), now(), null, null, 10)",
        "select * from public.stopped_months_for(array[gen_random_uuid()])",
        "select * from public.claim_lease('reconcile', 'me', 60)",
        "select * from public.release_lease('reconcile', 'me')",
        "select * from public.plans()",
        "select * from public.plan_by_id('pro')",
        "select * from public.upsert_plan('{}', now())",
        "select * from public.archive_plan('pro', now())",
        "select * from public.set_next_terms('p', '{}'::jsonb)",
        "select * from public.record_refund('p', 1)",
        "select * from public.payment_method_of('p')",
        "select * from public.set_payment_method('{}')",
        "select * from public.claim_checkout('c', 'k', 'h', 'p', 60)",
        "select * from public.complete_checkout('c', 'k', 201, '{}')",
        "select * from public.release_checkout('c', 'k')",
        "select * from public.take_charge_slot('c', 5, 600, now())",
        "select * from public.grace_ended(now(), 10)",
        "select * from public.open_recovery_charge('p', gen_random_uuid(), now())",
        "select * from public.event_by_id(gen_random_uuid())",
        "select * from public.keep_payment_method('{}')",
    ];
    let writes = [
        "insert into public.payment (transaction_key, amount, status, start_at, end_at, end_grace_at, next_schedule_at, next_schedule_id) values ('x', 1, 'Paid', now(), now(), now(), now(), gen_random_uuid())",
        "update public.payment set amount = 0",
        "delete from public.payment",
        "insert into public.renewal_attempt (renewed_key, attempt, payment_id, failed_at) values ('x', 0, 'y', now())",
        "delete from public.renewal_attempt",
        "insert into public.reconcile_lease values ('reconcile', 'me', now())",
        "insert into public.checkout (customer_id, idempotency_key, request_hash, payment_id) values ('c', 'k', 'h', 'p')",
        "insert into public.payment_method (subscription_id, billing_key, updated_at) values ('s', 'bk', now())",
        "update public.payment_method set billing_key = 'stolen'",
        "insert into public.charge_attempt (customer_id, at) values ('c', now())",
        "delete from public.charge_attempt",
        "update public.schema_version set version = 0",
    ];
    let reads = [
        "select * from public.payment",
        "select * from public.renewal_attempt",
        "select * from public.subscription",
    ];
    for role in ["anon", "authenticated"] {
        for statement in functions.iter().chain(&writes) {
            let code = refused_code(&mut connection, role, statement).await;
            assert_eq!(code.as_deref(), Some("42501"), "{role}: {statement}");
        }
    }
    for statement in reads {
        let code = refused_code(&mut connection, "anon", statement).await;
        assert_eq!(code.as_deref(), Some("42501"), "anon: {statement}");
        let code = refused_code(&mut connection, "authenticated", statement).await;
        assert_eq!(code, None, "authenticated may read (its own rows): {statement}");
    }
}

#[tokio::test]
async fn only_the_read_model_s_functions_are_executable_by_authenticated() {
    let url = shared().fresh_database().await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    // Every function of the schema, whatever its name: a new one is refused unless listed here.
    let open: Vec<(String, String)> = sqlx::query_as(
        "select r.rolname::text, p.oid::regprocedure::text from pg_proc as p \
           join pg_namespace as n on n.oid = p.pronamespace \
           cross join pg_roles as r \
         where n.nspname = 'public' and r.rolname in ('anon', 'authenticated') \
           and has_function_privilege(r.oid, p.oid, 'execute') \
         order by 1, 2",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    // The read model the `subscription_v3` view builds (under the caller's RLS), the discount
    // rule it prices the next charge with (pure arithmetic), and the status rule the
    // `subscription` views compute, for a signed-in customer's own rows; nothing for anon.
    let expected = [
        (
            "authenticated".to_owned(),
            "discount_off(bigint,jsonb)".to_owned(),
        ),
        (
            "authenticated".to_owned(),
            "subscription_at(text,timestamp with time zone)".to_owned(),
        ),
        (
            "authenticated".to_owned(),
            "subscription_status(payment,timestamp with time zone)".to_owned(),
        ),
    ];
    assert_eq!(open, expected, "executable by anon or authenticated");
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

    // `record_month`: the function the service calls for every paid month.
    let inserted: bool = sqlx::query_scalar(
        "select (r ->> 'inserted')::boolean from public.record_month(jsonb_build_object( \
           'transaction_key', 'pay_sr', 'amount', 100, 'status', 'Paid', 'start_at', now(), \
           'end_at', now(), 'end_grace_at', now(), 'next_schedule_at', now(), \
           'next_schedule_id', gen_random_uuid())) as r",
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
async fn later_migrations_backfill_renewed_by_and_subscription_id_along_existing_chains() {
    let name = format!("migrations_backfill_{}", std::process::id());
    let url = shared().database_with_migrations(&name, 2).await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    // Two subscriptions recorded the old way: one renewed twice, one not renewed yet.
    sqlx::raw_sql(
        "select public.record_paid_payment('pay_old', 100, 'Paid', now(), now(), now(), now(), \
           '11111111-1111-5111-8111-111111111111'); \
         select public.record_paid_payment('11111111-1111-5111-8111-111111111111', 100, 'Paid', \
           now(), now(), now(), now(), '22222222-2222-5222-8222-222222222222'); \
         select public.record_paid_payment('22222222-2222-5222-8222-222222222222', 100, 'Paid', \
           now(), now(), now(), now(), '33333333-3333-5333-8333-333333333333'); \
         select public.record_paid_payment('pay_other', 100, 'Paid', now(), now(), now(), now(), \
           '44444444-4444-5444-8444-444444444444');",
    )
    .execute(&mut connection)
    .await
    .unwrap();

    apply_migrations(&mut connection).await.unwrap();

    let rows: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("select transaction_key, renewed_by, subscription_id from public.payment order by id")
            .fetch_all(&mut connection)
            .await
            .unwrap();
    let first = "11111111-1111-5111-8111-111111111111".to_owned();
    let second = "22222222-2222-5222-8222-222222222222".to_owned();
    let old = Some("pay_old".to_owned());
    assert_eq!(
        rows,
        [
            ("pay_old".to_owned(), Some(first.clone()), old.clone()),
            (first, Some(second.clone()), old.clone()),
            (second, None, old),
            ("pay_other".to_owned(), None, Some("pay_other".to_owned())),
        ]
    );
}
