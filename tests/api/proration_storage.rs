//! Upgrades over HTTP on a real PostgreSQL, with PortOne's stand-ins: a storm of identical seat
//! increases charges once and records one proration and no month; the preview's amount is the
//! charge's; an upgrade without a key is refused; a declined upgrade answers 402 and changes
//! nothing.

use futures::future::join_all;
use poem::http::StatusCode;
use serde_json::{json, Value};

use crate::checkout::start;
use crate::helpers::{spawn_app_with, Options, TestApp};
use crate::pg::{shared, PgServer};
use crate::portone::Schedules;
use crate::portone_cards::Cards;

/// One seat of `team` (9,900 KRW, 30 days) started at the fixture's `paidAt`
/// (2024-01-01T00:00:05Z), the clock then moved 10 days on: 20 of 30 days are left.
async fn subscribed() -> (TestApp, Cards, Schedules, String, String) {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Options::default()
    })
    .await;
    let schedules = app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    cards.issue("bk_1", "user-1");
    let plan = json!({ "name": "팀", "amount": 9900, "currency": "KRW", "trial_days": 0 });
    let (status, _, _) = app
        .admin_with("PUT", "/api/plans/team", &[], &plan.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let body = json!({ "customer_id": "user-1", "plan_id": "team", "billing_key": "bk_1" });
    let (status, _, started) = start(&app, "start-1", body).await;
    assert_eq!(status, StatusCode::CREATED, "{started:#}");
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.set("2024-01-11T00:00:05Z".parse().unwrap());
    cards.set_now("2024-01-11T00:00:05Z");
    (app, cards, schedules, url, id)
}

async fn seats(app: &TestApp, id: &str, key: Option<&str>, quantity: i64) -> (StatusCode, Value) {
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    let uri = format!("/api/subscriptions/{id}/quantity");
    let body = json!({ "quantity": quantity }).to_string();
    let (status, _, answer) = app.admin_with("POST", &uri, &headers, &body).await;
    (status, answer)
}

async fn scalar(url: &str, sql: &str) -> i64 {
    let pool = PgServer::pool(url).await;
    sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
}

/// The `payWithBillingKey` calls for prorations.
async fn proration_calls(app: &TestApp) -> Vec<String> {
    app.portone_calls()
        .await
        .into_iter()
        .filter(|c| c.contains("/payments/proration-") && c.ends_with("/billing-key"))
        .collect()
}

#[tokio::test]
async fn twenty_identical_seat_increases_at_once_charge_the_preview_s_amount_once() {
    let (app, _cards, schedules, url, id) = subscribed().await;
    let uri = format!("/api/subscriptions/{id}/change-preview?quantity=3");
    let (status, _, preview) = app.admin_with("GET", &uri, &[], "").await;
    assert_eq!(status, StatusCode::OK, "{preview:#}");
    assert_eq!(
        (preview["immediate"].as_bool(), preview["amount_due_now"].as_i64()),
        (Some(true), Some(13_200))
    );

    let answers = join_all((0..20).map(|_| seats(&app, &id, Some("seats-3"), 3))).await;
    for (status, answer) in &answers {
        match *status {
            StatusCode::OK => assert_eq!(answer["code"], "PLAN_CHANGED_NOW"),
            StatusCode::CONFLICT => assert_eq!(answer["code"], "CHANGE_IN_PROGRESS"),
            other => panic!("{other}: {answer:#}"),
        }
    }
    let ok = answers
        .iter()
        .find(|(s, _)| *s == StatusCode::OK)
        .expect("one finished");
    assert_eq!(ok.1["proration"]["amount"], 13_200);
    let calls = proration_calls(&app).await;
    let distinct: std::collections::BTreeSet<_> = calls.iter().collect();
    assert_eq!(distinct.len(), 1, "{calls:?}");
    assert_eq!(scalar(&url, "select count(*) from public.proration").await, 1);
    assert_eq!(
        scalar(&url, "select amount from public.proration where status = 'paid'").await,
        13_200
    );
    assert_eq!(
        scalar(&url, "select count(*) from public.payment").await,
        1,
        "no month"
    );
    let live: Vec<_> = schedules
        .all()
        .into_iter()
        .filter(|s| s.status == "SCHEDULED")
        .map(|s| s.body["payment"]["amount"]["total"].clone())
        .collect();
    assert_eq!(live, [json!(29_700)]);

    let (_, _, detail) = app
        .admin_with("GET", &format!("/api/subscriptions/{id}"), &[], "")
        .await;
    assert_eq!(detail["subscription"]["quantity"], 3);
    assert_eq!(detail["subscription"]["next_charge"]["amount"], 29_700);
    let kinds: Vec<_> = detail["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_owned(),
                p["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("proration".to_owned(), 13_200), ("period".to_owned(), 9_900)]
    );
}

#[tokio::test]
async fn an_upgrade_without_a_key_is_refused_and_a_declined_one_changes_nothing() {
    let (app, cards, _schedules, url, id) = subscribed().await;
    let (status, answer) = seats(&app, &id, None, 3).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer:#}");
    assert_eq!(answer["code"], "IDEMPOTENCY_KEY_REQUIRED");

    cards.decline_next("bk_1", 1);
    let (status, answer) = seats(&app, &id, Some("declined"), 3).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{answer:#}");
    assert_eq!(answer["code"], "PAYMENT_DECLINED");
    let (_, _, detail) = app
        .admin_with("GET", &format!("/api/subscriptions/{id}"), &[], "")
        .await;
    assert_eq!(detail["subscription"]["quantity"], 1);
    assert_eq!(detail["subscription"]["next_charge"]["amount"], 9_900);
    assert_eq!(
        scalar(
            &url,
            "select count(*) from public.proration where status = 'failed'"
        )
        .await,
        1
    );

    // The seats in effect again: nothing to change, no key needed.
    let (status, answer) = seats(&app, &id, None, 1).await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(answer["code"], "PLAN_UNCHANGED");
}
