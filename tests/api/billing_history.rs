//! The billing history on a real PostgreSQL: numbers unique and gapless under concurrent charges,
//! and `GET …/billing-history` with its numbers, VAT split, receipts and pages.

use futures::future::join_all;
use poem::http::StatusCode;
use serde_json::json;

use crate::checkout::start;
use crate::helpers::{spawn_app_with, Options, TestApp};
use crate::pg::{shared, PgServer};
use crate::portone_cards::Cards;

async fn shop_on_postgres() -> (TestApp, Cards, String) {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    let plan = json!({ "name": "팀", "amount": 9900, "currency": "KRW", "trial_days": 0 });
    let (status, _, _) = app
        .admin_with("PUT", "/api/plans/team", &[], &plan.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    (app, cards, url)
}

#[tokio::test]
async fn twenty_concurrent_charges_get_twenty_numbers_without_gaps() {
    let (app, cards, url) = shop_on_postgres().await;
    for n in 0..20 {
        cards.issue(&format!("bk_{n}"), &format!("user-{n}"));
    }
    let starts = (0..20).map(|n| {
        let body = json!({ "customer_id": format!("user-{n}"), "plan_id": "team", "billing_key": format!("bk_{n}") });
        let app = &app;
        async move { start(app, &format!("order-{n}"), body).await }
    });
    for (status, _, answer) in join_all(starts).await {
        assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    }
    let pool = PgServer::pool(&url).await;
    let numbers: Vec<String> =
        sqlx::query_scalar("select billing_number from public.payment order by billing_number")
            .fetch_all(&pool)
            .await
            .unwrap();
    let expected: Vec<String> = (1..=20).map(|n| format!("2024-{n:06}")).collect();
    assert_eq!(numbers, expected);
    // The view a customer reads with supabase-js lists the same lines.
    let lines: i64 =
        sqlx::query_scalar("select count(*) from public.billing_history where number is not null")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(lines, 20);
}

#[tokio::test]
async fn the_history_lists_numbered_lines_with_vat_and_receipts_a_page_at_a_time() {
    let (app, cards, _url) = shop_on_postgres().await;
    cards.issue("bk_1", "user-1");
    let body = json!({ "customer_id": "user-1", "plan_id": "team", "billing_key": "bk_1" });
    let (_, _, started) = start(&app, "order-1", body).await;
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Ten of thirty days later, two more seats: a proration line.
    app.clock.set("2024-01-11T00:00:05Z".parse().unwrap());
    cards.set_now("2024-01-11T00:00:05Z");
    let (status, _, changed) = app
        .admin_with(
            "POST",
            &format!("/api/subscriptions/{id}/quantity"),
            &[("idempotency-key", "seats-3")],
            &json!({ "quantity": 3 }).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed:#}");

    let uri = format!("/api/subscriptions/{id}/billing-history?limit=1");
    let (status, _, first) = app.admin_with("GET", &uri, &[], "").await;
    assert_eq!(status, StatusCode::OK, "{first:#}");
    let line = &first["lines"][0];
    assert_eq!(
        (
            line["kind"].as_str(),
            line["number"].as_str(),
            line["amount"].as_i64()
        ),
        (Some("proration"), Some("2024-000002"), Some(13_200))
    );
    assert_eq!(
        (line["supply_amount"].as_i64(), line["vat"].as_i64()),
        (Some(12_000), Some(1_200))
    );
    let cursor = first["next_cursor"].as_str().expect("another page").to_owned();

    let uri = format!("/api/subscriptions/{id}/billing-history?limit=1&starting_after={cursor}");
    let (status, _, second) = app.admin_with("GET", &uri, &[], "").await;
    assert_eq!(status, StatusCode::OK, "{second:#}");
    let line = &second["lines"][0];
    assert_eq!(
        (
            line["kind"].as_str(),
            line["number"].as_str(),
            line["amount"].as_i64()
        ),
        (Some("period"), Some("2024-000001"), Some(9_900))
    );
    assert_eq!(
        (line["supply_amount"].as_i64(), line["vat"].as_i64()),
        (Some(9_000), Some(900))
    );
    assert!(
        line["receipt_url"]
            .as_str()
            .is_some_and(|url| url.starts_with("https://")),
        "{line}"
    );
    assert!(second["next_cursor"].is_null());

    for uri in [
        format!("/api/subscriptions/{id}/billing-history?limit=0"),
        format!("/api/subscriptions/{id}/billing-history?limit=101"),
        format!("/api/subscriptions/{id}/billing-history?starting_after=nope"),
    ] {
        let (status, _, answer) = app.admin_with("GET", &uri, &[], "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {answer}");
    }
    let (status, _, _) = app
        .admin_with("GET", "/api/subscriptions/nobody/billing-history", &[], "")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
