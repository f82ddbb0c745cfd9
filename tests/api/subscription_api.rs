//! The subscription endpoints over HTTP: list, read, plan change, and the errors, each answer's
//! shape a snapshot. Storage is the migrations' SQL on a real PostgreSQL.

use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::{next_schedule_id, retry_payment_id};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, paid_payment, spawn_app, Schedules, TestApp};
use crate::snapshot;

async fn subscribed() -> (TestApp, Schedules) {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    assert_eq!(app.send("pay_123456", "Paid").await.0, StatusCode::OK);
    (app, schedules)
}

fn renewal_id() -> String {
    next_schedule_id(&PaymentId::parse("pay_123456").unwrap()).to_string()
}

/// PortOne charges the renewal at `paid_at` (with `amount`) and the webhook arrives.
async fn renewed(app: &TestApp, paid_at: &str, amount: i64) -> Value {
    let mut renewal = paid_payment(&renewal_id());
    renewal["paidAt"] = json!(paid_at);
    renewal["amount"]["total"] = json!(amount);
    renewal["amount"]["paid"] = json!(amount);
    app.portone_has_payment(&renewal).await;
    app.clock.set(paid_at.parse().unwrap());
    let (status, body) = app.send(&renewal_id(), "Paid").await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    body
}

#[tokio::test]
async fn a_customer_s_subscriptions_are_listed_with_status_and_next_charge() {
    let (app, _) = subscribed().await;

    let (status, body) = app
        .admin("GET", "/api/subscriptions?customer_id=customer_1")
        .await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    let subscription = &body["subscriptions"][0]["subscription"];
    assert_eq!(subscription["subscription_id"], "pay_123456");
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["next_charge"]["payment_id"], renewal_id());
    snapshot!("subscription_list", status, body);

    let (status, none) = app
        .admin("GET", "/api/subscriptions?customer_id=someone_else")
        .await;
    assert_eq!((status, none), (StatusCode::OK, json!({ "subscriptions": [] })));
    let (status, _) = app.admin("GET", "/api/subscriptions").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.admin("GET", "/api/subscriptions?customer_id=%20").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_subscription_is_named_by_its_id_or_any_month_and_lists_its_months_newest_first() {
    let (app, _) = subscribed().await;
    renewed(&app, "2024-02-01T01:08:00Z", 10_000).await;

    let (status, by_id) = app.admin("GET", "/api/subscriptions/pay_123456").await;
    let (_, by_renewal) = app
        .admin("GET", &format!("/api/subscriptions/{}", renewal_id()))
        .await;

    assert_eq!(status, StatusCode::OK, "{by_id:#}");
    assert_eq!(by_id, by_renewal);
    let payments = by_id["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 2);
    assert_eq!(payments[0]["payment_id"], renewal_id());
    assert_eq!(payments[1]["payment_id"], "pay_123456");
    assert_eq!(by_id["subscription"]["transaction_key"], renewal_id());
    assert_eq!(by_id["subscription"]["months"], 2);
    snapshot!("subscription_detail", status, by_id);

    for path in [
        "/api/subscriptions/pay_unknown",
        "/api/subscriptions/pay_unknown/cancel",
        "/api/subscriptions/pay_unknown/resume",
    ] {
        let method = if path.ends_with("unknown") { "GET" } else { "POST" };
        let (status, body) = app.admin(method, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["code"], "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_plan_change_replaces_the_pending_schedule_and_the_next_month_records_it() {
    let (app, schedules) = subscribed().await;
    let change = r#"{"amount": 19900, "order_name": "프리미엄 월간"}"#;

    let (status, body) = app
        .admin_post("/api/subscriptions/pay_123456/change", change)
        .await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["subscription"]["next_charge"]["amount"], 19900);
    assert_eq!(
        body["subscription"]["amount"], 10000,
        "the current month stays as paid"
    );
    let created = schedules.created();
    assert_eq!(created.len(), 2);
    assert_eq!(schedules.revoked(), ["schedule-0001"]);
    assert_eq!(created[1].0, renewal_id(), "the same payment id");
    assert_eq!(created[1].1["payment"]["amount"]["total"], 19900);
    assert_eq!(created[1].1["payment"]["orderName"], "프리미엄 월간");
    assert_eq!(created[1].1["timeToPay"], created[0].1["timeToPay"]);
    snapshot!("subscription_plan_changed", status, body);

    // Changing again keeps the last change.
    let (status, _) = app
        .admin_post(
            "/api/subscriptions/pay_123456/change",
            r#"{"amount": 29900, "order_name": "연간", "currency": "KRW"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let live: Vec<_> = schedules
        .all()
        .into_iter()
        .filter(|s| s.status == "SCHEDULED")
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].body["payment"]["amount"]["total"], 29900);

    // PortOne charges what was scheduled; the renewal records it and schedules the same terms.
    let renewal = renewed(&app, "2024-02-01T01:08:00Z", 29_900).await;
    assert_eq!(renewal["checklist"][3]["data"]["amount"], 29900);
    let next = schedules.created().last().unwrap().clone();
    assert_eq!(next.1["payment"]["amount"]["total"], 29900);
}

#[tokio::test]
async fn a_plan_change_during_dunning_replaces_the_pending_retry() {
    let (app, schedules) = subscribed().await;
    let mut declined = fixture("failed_payment.json");
    declined["id"] = json!(renewal_id());
    app.portone_has_payment(&declined).await;
    schedules.mark_failed("schedule-0001");
    app.clock.set("2024-02-01T01:30:05Z".parse().unwrap());
    assert_eq!(app.send(&renewal_id(), "Failed").await.0, StatusCode::OK);

    let (status, body) = app
        .admin_post(
            "/api/subscriptions/pay_123456/change",
            r#"{"amount": 4900, "order_name": "라이트"}"#,
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["subscription"]["status"], "past_due");
    let retry = retry_payment_id(&PaymentId::parse(renewal_id()).unwrap(), 1).to_string();
    let live: Vec<_> = schedules
        .all()
        .into_iter()
        .filter(|s| s.status == "SCHEDULED")
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].payment_id, retry);
    assert_eq!(live[0].body["payment"]["amount"]["total"], 4900);
}

#[tokio::test]
async fn a_plan_change_is_validated_and_refused_for_stopped_subscriptions() {
    let (app, _) = subscribed().await;
    let path = "/api/subscriptions/pay_123456/change";
    for (body, name) in [
        (
            r#"{"amount": 0, "order_name": "x"}"#,
            Some("subscription_change_invalid_amount"),
        ),
        (r#"{"amount": -5, "order_name": "x"}"#, None),
        (
            r#"{"amount": 100, "order_name": "x", "currency": "XYZ"}"#,
            Some("subscription_change_unknown_currency"),
        ),
        (r#"{"amount": 100, "order_name": "  "}"#, None),
        (r#"{"amount": "lots"}"#, None),
        ("not json", None),
    ] {
        let (status, answer) = app.admin_post(path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer:#}");
        crate::helpers::assert_request_refused(&answer, body);
        if let Some(name) = name {
            snapshot!(name, status, answer);
        }
    }

    // Ended: cancelled, and the period is over.
    app.admin("POST", "/api/subscriptions/pay_123456/cancel").await;
    app.clock.set("2024-01-31T00:00:01Z".parse().unwrap());
    let (status, answer) = app
        .admin_post(path, r#"{"amount": 100, "order_name": "x"}"#)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer:#}");
    snapshot!("subscription_change_ended", status, answer);
}

#[tokio::test]
async fn a_refunded_subscription_cannot_change_its_plan() {
    let (app, _) = subscribed().await;
    // From now on PortOne reports the payment as cancelled (refunded).
    Mock::given(method("GET"))
        .and(path("/payments/pay_123456"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("cancelled_payment.json")))
        .with_priority(1)
        .mount(&app.portone)
        .await;
    let (status, body) = app.send("pay_123456", "Cancelled").await;
    assert_eq!(status, StatusCode::OK, "{body:#}");

    let (status, detail) = app.admin("GET", "/api/subscriptions/pay_123456").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["subscription"]["status"], "refunded");
    assert_eq!(detail["subscription"]["no_charge_reason"], "refunded");
    let (status, _) = app
        .admin_post(
            "/api/subscriptions/pay_123456/change",
            r#"{"amount": 100, "order_name": "x"}"#,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}
