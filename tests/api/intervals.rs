//! Plan intervals over HTTP and real SQL: a plan's `interval` is validated, stored and listed;
//! a start on a monthly plan records an anchored period and the read model shows the interval
//! and anchor, through the PostgREST stand-in and through direct PostgreSQL alike.

use poem::http::StatusCode;
use serde_json::{json, Value};

use crate::checkout::{body, start};
use crate::helpers::{spawn_app_with, Options, TestApp};
use crate::pg::shared;
use crate::portone_cards::Cards;

async fn shop(on_postgres: bool) -> (TestApp, Cards) {
    let database_url = if on_postgres {
        Some(shared().fresh_database().await)
    } else {
        None
    };
    let app = spawn_app_with(Options {
        database_url,
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    cards.issue("bk_1", "user-1");
    (app, cards)
}

async fn put_plan(app: &TestApp, id: &str, body: Value) -> (StatusCode, Value) {
    let (status, _, answer) = app
        .admin_with("PUT", &format!("/api/plans/{id}"), &[], &body.to_string())
        .await;
    (status, answer)
}

async fn anchored_start(on_postgres: bool) -> Value {
    let (app, _cards) = shop(on_postgres).await;
    let terms =
        json!({ "name": "월간", "amount": 9900, "currency": "KRW", "trial_days": 0, "interval": "month" });
    let (status, plan) = put_plan(&app, "monthly", terms.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{plan:#}");
    assert_eq!(
        (plan["interval"].clone(), plan["interval_count"].clone()),
        (json!("month"), json!(1))
    );
    let (status, _) = put_plan(&app, "monthly", terms).await;
    assert_eq!(status, StatusCode::OK, "the same terms again change nothing");

    // A plan without an interval keeps 30 days, and says so with nulls.
    let (_, legacy) = put_plan(
        &app,
        "legacy",
        json!({ "name": "30일", "amount": 9900, "currency": "KRW", "trial_days": 0 }),
    )
    .await;
    assert_eq!(
        (legacy["interval"].clone(), legacy["interval_count"].clone()),
        (Value::Null, Value::Null)
    );

    for bad in [
        json!({ "interval": "fortnight" }),
        json!({ "interval": "month", "interval_count": 13 }),
        json!({ "interval": "year", "interval_count": 2 }),
        json!({ "interval": "day", "interval_count": 0 }),
        json!({ "interval_count": 3 }),
    ] {
        let mut terms = json!({ "name": "x", "amount": 100, "currency": "KRW", "trial_days": 0 });
        terms
            .as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        let (status, answer) = put_plan(&app, "bad", terms).await;
        assert_eq!(
            (status, answer["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("BAD_REQUEST")),
            "{bad}"
        );
    }

    let (status, _, started) = start(&app, "order-1", body("monthly", "bk_1")).await;
    assert_eq!(status, StatusCode::CREATED, "{started:#}");
    let subscription = &started["subscription"];
    assert_eq!(subscription["interval"], "month");
    assert_eq!(subscription["interval_count"], 1);
    assert_eq!(subscription["anchor_at"], subscription["start_at"]);
    let id = subscription["subscription_id"].as_str().unwrap();
    let (_, read) = app.admin("GET", &format!("/api/subscriptions/{id}")).await;
    assert_eq!(
        read["subscription"], *subscription,
        "stored and read back as answered"
    );
    read["subscription"].clone()
}

#[tokio::test]
async fn a_monthly_plan_s_start_is_anchored_the_same_on_either_storage() {
    let rest = anchored_start(false).await;
    let direct = anchored_start(true).await;
    for key in [
        "interval",
        "interval_count",
        "start_at",
        "end_at",
        "anchor_at",
        "end_grace_at",
    ] {
        assert_eq!(rest[key], direct[key], "{key}");
    }
    // The test clock starts 2024-01-01T00:00:05Z (09:00:05 KST): the period ends a month on.
    assert_eq!(rest["end_at"], "2024-02-01T00:00:05.000Z");
}

/// `GET …/change-preview` over HTTP: the documented shape, 400 for a malformed plan id, 404 for
/// an unknown plan or another customer's subscription, and nothing charged or changed.
#[tokio::test]
async fn a_change_preview_answers_and_changes_nothing() {
    let (app, _cards) = shop(false).await;
    for (id, body) in [
        (
            "monthly",
            json!({ "name": "월간", "amount": 9900, "currency": "KRW", "trial_days": 0, "interval": "month" }),
        ),
        (
            "yearly",
            json!({ "name": "연간", "amount": 99000, "currency": "KRW", "trial_days": 0, "interval": "year" }),
        ),
    ] {
        assert_eq!(put_plan(&app, id, body).await.0, StatusCode::CREATED);
    }
    let (status, _, started) = start(&app, "order-1", body("monthly", "bk_1")).await;
    assert_eq!(status, StatusCode::CREATED, "{started:#}");
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let calls_before = app.portone.received_requests().await.unwrap().len();

    let (status, preview) = app
        .admin(
            "GET",
            &format!("/api/subscriptions/{id}/change-preview?plan_id=yearly"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview:#}");
    // A longer interval starts now: 99,000 less the unused part of the month, all of it (the
    // month was paid at this very instant of the test clock): 99,000 − 9,900.
    assert_eq!(preview["immediate"], true);
    assert_eq!(preview["amount_due_now"], 89_100);
    assert_eq!(preview["effective_at"], started["subscription"]["start_at"]);
    assert_eq!(preview["next_charge_amount"], 99000);
    assert_eq!(
        (preview["interval"].clone(), preview["interval_count"].clone()),
        (json!("year"), json!(1))
    );

    for (uri, expected) in [
        (
            format!("/api/subscriptions/{id}/change-preview?plan_id=bad%20id"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/subscriptions/{id}/change-preview"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/api/subscriptions/{id}/change-preview?plan_id=nope"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/subscriptions/pay_unknown/change-preview?plan_id=yearly".to_owned(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, answer) = app.admin("GET", &uri).await;
        assert_eq!(status, expected, "{uri}: {answer}");
    }
    let (_, read) = app.admin("GET", &format!("/api/subscriptions/{id}")).await;
    assert_eq!(
        read["subscription"]["plan_id"], "monthly",
        "a preview changes nothing"
    );
    assert_eq!(read["subscription"]["next_charge"]["amount"], 9900);
    assert_eq!(
        app.portone.received_requests().await.unwrap().len(),
        calls_before,
        "and calls nobody"
    );
}
