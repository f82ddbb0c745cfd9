//! Starting subscriptions on a real PostgreSQL through the direct adapter: a storm of identical
//! requests charges once and records one subscription; concurrent starts of one customer under
//! different keys never make two.

use futures::future::join_all;
use poem::http::StatusCode;
use serde_json::json;

use crate::checkout::{body, start};
use crate::helpers::{spawn_app_with, Options};
use crate::pg::{shared, PgServer};
use crate::portone_cards::Cards;

async fn shop_on_postgres() -> (crate::helpers::TestApp, Cards, String) {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    cards.issue("bk_1", "user-1");
    let plan = json!({ "name": "프로 월간", "amount": 9900, "currency": "KRW", "trialDays": 0 });
    let (status, _, _) = app
        .admin_with("PUT", "/api/plans/pro", &[], &plan.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    (app, cards, url)
}

async fn count(url: &str, sql: &str) -> i64 {
    let pool = PgServer::pool(url).await;
    sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
}

#[tokio::test]
async fn twenty_identical_starts_at_once_charge_once_and_make_one_subscription() {
    let (app, _cards, url) = shop_on_postgres().await;

    let answers = join_all((0..20).map(|_| start(&app, "order-1", body("pro", "bk_1")))).await;

    let created = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::CREATED)
        .count();
    let busy = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::CONFLICT)
        .count();
    assert!(created >= 1 && created + busy == 20, "{answers:#?}");
    for (status, _, answer) in &answers {
        if *status == StatusCode::CONFLICT {
            assert_eq!(answer["code"], "CHECKOUT_IN_PROGRESS");
        }
    }
    let charges = app
        .portone_calls()
        .await
        .iter()
        .filter(|c| c.ends_with("/billing-key"))
        .count();
    assert_eq!(charges, 1, "one charge");
    assert_eq!(count(&url, "select count(*) from public.payment").await, 1);
    assert_eq!(
        count(&url, "select count(distinct subscription_id) from public.payment").await,
        1
    );
    assert_eq!(
        count(
            &url,
            "select count(*) from public.checkout where state = 'completed'"
        )
        .await,
        1
    );
    // Once the first has finished, every repeat gets its answer.
    let (status, headers, _) = start(&app, "order-1", body("pro", "bk_1")).await;
    assert_eq!(
        (status, headers["idempotent-replayed"].to_str().unwrap()),
        (StatusCode::CREATED, "true")
    );
}

#[tokio::test]
async fn concurrent_starts_of_one_customer_under_different_keys_make_one_subscription() {
    let (app, _cards, url) = shop_on_postgres().await;

    let answers = join_all((0..10).map(|n| {
        let key = format!("order-{n}");
        let app = &app;
        async move { start(app, &key, body("pro", "bk_1")).await }
    }))
    .await;

    let created = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:#?}");
    for (status, _, answer) in &answers {
        if *status != StatusCode::CREATED {
            assert_eq!(*status, StatusCode::CONFLICT);
            let code = answer["code"].as_str().unwrap();
            assert!(
                ["CHECKOUT_IN_PROGRESS", "LIVE_SUBSCRIPTION_EXISTS"].contains(&code),
                "{code}"
            );
        }
    }
    assert_eq!(count(&url, "select count(*) from public.payment").await, 1);
}
