//! The `Cancelled` webhook: the row becomes `Cancelled` and next month's schedule is revoked.

use poem::http::StatusCode;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, paid_payment, spawn_app, TestApp};
use crate::snapshot;

async fn paid_then(app: &TestApp) -> Value {
    let (status, body) = app.send("pay_123456", "Paid").await;
    assert_eq!(status, StatusCode::OK);
    body
}

/// From now on PortOne reports the payment as `CANCELLED` (highest priority mock).
async fn portone_cancels(app: &TestApp) {
    Mock::given(method("GET"))
        .and(path("/payments/pay_123456"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("cancelled_payment.json")))
        .with_priority(1)
        .mount(&app.portone)
        .await;
}

#[tokio::test]
async fn cancelled_payment_is_marked_and_its_next_schedule_revoked() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    paid_then(&app).await;
    portone_cancels(&app).await;

    let (status, body) = app.send("pay_123456", "Cancelled").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["checklist"][3]["code"], "cancel_payment");
    assert_eq!(body["checklist"][3]["data"]["status"], "Cancelled");
    assert_eq!(body["checklist"][4]["code"], "revoke_next_schedule");
    assert_eq!(schedules.revoked(), ["schedule-0001"]);
    snapshot!("cancelled_success", status, body);

    let (status, again) = app.send("pay_123456", "Cancelled").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        again["checklist"][4]["message"],
        "다음달 구독 예약이 이미 취소되어 있습니다."
    );
    snapshot!("cancelled_replayed", status, again);

    // A late replay of the Paid webhook must not schedule the cancelled payment's next month.
    let (_, replay) = app.send("pay_123456", "Paid").await;
    assert_eq!(replay["checklist"][4]["status"], "skipped");
    assert_eq!(schedules.created().len(), 1);
}

#[tokio::test]
async fn cancelled_before_paid_was_recorded_answers_500_so_portone_retries() {
    let app = spawn_app().await;
    portone_cancels(&app).await;

    let (status, body) = app.send("pay_123456", "Cancelled").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][3]["status"], "failed");
    snapshot!("cancelled_before_paid", status, body);
}

#[tokio::test]
async fn cancelled_webhook_for_a_payment_portone_says_is_paid_is_refused() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;

    let (status, body) = app.send("pay_123456", "Cancelled").await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["checklist"][2]["data"]["status"], "PAID");
    assert_eq!(app.storage_calls().await, 0);
}

#[tokio::test]
async fn next_payment_already_charged_fails_and_asks_for_a_refund() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    paid_then(&app).await;
    schedules.mark_succeeded("schedule-0001");
    portone_cancels(&app).await;

    let (status, body) = app.send("pay_123456", "Cancelled").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body["checklist"][4]["message"].as_str().unwrap().contains("환불"));
    snapshot!("cancelled_next_already_charged", status, body);
}

#[tokio::test]
async fn schedule_created_by_an_earlier_delivery_is_found_through_the_list_api() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    // The schedule exists at PortOne, but this delivery only learns "already exists".
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_json(fixture("schedule_already_exists.json")))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&app.portone)
        .await;
    let first = paid_then(&app).await;
    let next_id = first["checklist"][3]["data"]["next_schedule_id"]
        .as_str()
        .unwrap()
        .to_owned();
    schedules.seed(&next_id, json!({
        "payment": { "billingKey": "billing_key_123", "orderName": "월간 구독", "amount": { "total": 10000 }, "currency": "KRW" },
        "timeToPay": first["checklist"][3]["data"]["next_schedule_at"],
    }));
    portone_cancels(&app).await;

    let (status, body) = app.send("pay_123456", "Cancelled").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(schedules.revoked(), ["schedule-0001"]);
    let list = app
        .portone
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "GET" && r.url.path() == "/payment-schedules")
        .expect("the list API was asked");
    let query: Value = serde_json::from_str(
        &list
            .url
            .query_pairs()
            .find(|(k, _)| k == "requestBody")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(query["filter"]["billingKey"], "billing_key_123");
    assert_eq!(query["filter"]["from"], "2024-01-31T01:08:00.000Z");
    assert_eq!(query["filter"]["until"], "2024-02-02T01:08:00.000Z");
}
