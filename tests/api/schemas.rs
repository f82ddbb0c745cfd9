//! `supabase/schemas/`: the current definition of every function, view and policy of the schema
//! `public`, one file per area, as Supabase's declarative schemas keep them
//! (<https://supabase.com/docs/guides/local-development/declarative-database-schemas>). The
//! migrations stay the applied history (append-only); these files are what they add up to,
//! readable in one place.
//!
//! The test applies every migration to a fresh PostgreSQL and requires each definition there,
//! as PostgreSQL prints it (`pg_get_functiondef`, `pg_get_viewdef`, `pg_policies`), to equal its
//! file's. `UPDATE_SCHEMAS=1 cargo test --test api schemas` writes the files from the migrations.

use std::collections::BTreeMap;

use crate::pg::{shared, PgServer};

/// Which file a function belongs in, by name: every function must have an area.
const AREAS: &[(&str, &[&str])] = &[
    (
        "months",
        &[
            "record_month",
            "insert_month",
            "payment_by_transaction_key",
            "payment_by_next_schedule_id",
            "renewal_of_payment",
            "record_failed_attempt",
            "mark_lapsed",
            "record_refund",
            "cancel_payment",
            "open_recovery_charge",
            "uuid_or_null",
            "payment_subscription_id",
            "next_billing_number",
        ],
    ),
    (
        "coupons",
        &[
            "upsert_coupon",
            "coupons",
            "coupon_by_id",
            "archive_coupon",
            "upsert_promotion_code",
            "promotion_codes",
            "promotion_code_by_code",
            "redeem_coupon",
            "release_redemption",
            "set_next_discount",
            "announce_discount",
            "discount_off",
            "history_line",
        ],
    ),
    (
        "subscriptions",
        &[
            "subscription_status",
            "subscription_months",
            "customer_subscription_months",
            "set_next_terms",
            "set_subscription_state",
            "payment_method_of",
            "set_payment_method",
            "keep_payment_method",
            "pending_charge_at",
        ],
    ),
    (
        "prorations",
        &[
            "begin_proration",
            "fail_proration",
            "settle_proration",
            "mark_proration_rescheduled",
            "subscription_prorations",
            "record_proration_refund",
        ],
    ),
    (
        "reconcile",
        &[
            "open_renewals",
            "stopped_months_for",
            "claim_lease",
            "release_lease",
            "pending_charge_ms",
            "grace_ended",
        ],
    ),
    ("plans", &["plans", "plan_by_id", "upsert_plan", "archive_plan"]),
    (
        "checkout",
        &[
            "claim_checkout",
            "complete_checkout",
            "release_checkout",
            "take_charge_slot",
        ],
    ),
    (
        "events",
        &[
            "subscription_at",
            "emit_event",
            "event_month",
            "next_change_key",
            "emit_time_events",
            "emit_due_events",
            "claim_events",
            "settle_event",
            "redeliver_event",
            "subscription_events",
            "subscription_event_page",
            "notify_subscription_event",
            "event_by_id",
            "pending_events",
            "prune_events",
        ],
    ),
    ("readiness", &["ready"]),
];

/// A row of `pg_policies`: table, name, command, roles, `using`, `with check`.
type Policy = (
    String,
    String,
    String,
    Vec<String>,
    Option<String>,
    Option<String>,
);

fn area_of(function: &str) -> Option<&'static str> {
    AREAS
        .iter()
        .find(|(_, names)| names.contains(&function))
        .map(|(area, _)| *area)
}

/// Every definition of the migrated schema, by file name: functions by area, then views and
/// policies, each file in a stable order.
async fn definitions() -> BTreeMap<String, String> {
    let url = shared().fresh_database().await;
    let pool = PgServer::pool(&url).await;
    let functions: Vec<(String, String, String)> = sqlx::query_as(
        "select p.proname::text, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid) \
         from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace \
         where n.nspname = 'public' order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (name, _, definition) in functions {
        let area =
            area_of(&name).unwrap_or_else(|| panic!("public.{name} has no area in tests/api/schemas.rs"));
        let file = files.entry(format!("{area}.sql")).or_default();
        file.push_str(definition.trim_end());
        file.push_str(";\n\n");
    }
    let views: Vec<(String, String)> = sqlx::query_as(
        "select viewname::text, pg_get_viewdef(format('public.%I', viewname)::regclass, true) \
         from pg_views where schemaname = 'public' order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let file = files.entry("views.sql".to_owned()).or_default();
    for (name, definition) in views {
        file.push_str(&format!(
            "create or replace view public.{name} with (security_invoker = true) as\n{};\n\n",
            definition.trim_end().trim_end_matches(';')
        ));
    }
    let policies: Vec<Policy> = sqlx::query_as(
        "select tablename::text, policyname::text, cmd::text, roles::text[], qual, with_check \
         from pg_policies where schemaname = 'public' order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let file = files.entry("policies.sql".to_owned()).or_default();
    for (table, name, command, roles, using, check) in policies {
        file.push_str(&format!(
            "create policy {name} on public.{table} for {command} to {}",
            roles.join(", ")
        ));
        if let Some(using) = using {
            file.push_str(&format!("\n  using ({using})"));
        }
        if let Some(check) = check {
            file.push_str(&format!("\n  with check ({check})"));
        }
        file.push_str(";\n\n");
    }
    for text in files.values_mut() {
        let body = text.trim_end().to_owned();
        *text = format!("-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the\n-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.\n\n{body}\n");
    }
    files
}

#[tokio::test]
async fn supabase_schemas_hold_the_current_definition_of_every_function_view_and_policy() {
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/supabase/schemas");
    let generated = definitions().await;
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(directory).unwrap();
        for (file, text) in &generated {
            std::fs::write(format!("{directory}/{file}"), text).unwrap();
        }
    }
    let mut committed = BTreeMap::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        committed.insert(name, std::fs::read_to_string(&path).unwrap());
    }
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "the files of supabase/schemas"
    );
    for (file, text) in &generated {
        assert!(
            committed[file] == *text,
            "supabase/schemas/{file} differs from what the migrations define: run \
             `UPDATE_SCHEMAS=1 cargo test --test api schemas` and commit it"
        );
    }
}
