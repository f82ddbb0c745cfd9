//! The paid flow end to end: what is stored, what is scheduled, and the checklist.

use poem::http::StatusCode;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, paid_payment, spawn_app, PORTONE_SECRET, RPC_PATH, SERVICE_ROLE_KEY};
use crate::snapshot;

/// The `next_schedule_id` the answer reports for the stored row.
fn next_id_of(body: &Value) -> String {
    body["checklist"][3]["data"]["next_schedule_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn paid_webhook_records_the_seed_period_and_schedules_next_month() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .and(path("/payments/pay_123456"))
        .and(header(
            "authorization",
            format!("PortOne {PORTONE_SECRET}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(paid_payment("pay_123456")))
        .expect(1)
        .mount(&app.portone)
        .await;
    let schedules = app.portone_schedules().await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    let row = &body["checklist"][3]["data"];
    assert_eq!(row["start_at"], "2024-01-01T00:00:00.000Z");
    assert_eq!(row["end_at"], "2024-01-31T00:00:00.000Z");
    assert_eq!(row["end_grace_at"], "2024-02-01T14:59:59.000Z");
    let next_at = row["next_schedule_at"].as_str().unwrap();
    assert!(
        ("2024-02-01T01:00:00.000Z"..="2024-02-01T01:59:59.000Z").contains(&next_at),
        "{next_at}"
    );

    let next_id = next_id_of(&body);
    let created = schedules.created();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].0, next_id);
    assert_eq!(
        created[0].1,
        json!({
            "payment": {
                "billingKey": "billing_key_123",
                "orderName": "월간 구독",
                "customer": { "id": "customer_1" },
                "amount": { "total": 10000, "vat": 909 },
                "currency": "KRW"
            },
            "timeToPay": next_at
        })
    );
    assert_eq!(app.rows.len(), 1);
    snapshot!("paid_success", status, body);
}

#[tokio::test]
async fn schedule_request_carries_auth_json_and_a_quoted_idempotency_key() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    app.portone_schedules().await;

    let (_, body) = app.send("pay_123456", "Paid").await;

    let next_id = next_id_of(&body);
    let requests = app.portone.received_requests().await.unwrap();
    let schedule = requests.iter().find(|r| r.method.as_str() == "POST").unwrap();
    assert_eq!(schedule.url.path(), format!("/payments/{next_id}/schedule"));
    assert_eq!(
        schedule.headers["authorization"],
        format!("PortOne {PORTONE_SECRET}").as_str()
    );
    assert_eq!(schedule.headers["content-type"], "application/json");
    assert_eq!(
        schedule.headers["idempotency-key"],
        format!("\"schedule-{next_id}\"").as_str()
    );
}

#[tokio::test]
async fn storage_receives_the_row_through_the_rpc_with_the_service_role_key() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    app.portone_schedules().await;

    let (_, body) = app.send("pay_123456", "Paid").await;

    let requests = app.postgrest.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "one storage call per paid webhook");
    let rpc = &requests[0];
    assert_eq!(rpc.url.path(), RPC_PATH);
    assert_eq!(rpc.headers["apikey"], SERVICE_ROLE_KEY);
    let params: Value = serde_json::from_slice(&rpc.body).unwrap();
    let row = &body["checklist"][3]["data"];
    // One argument: the month as the table's columns; storage picks its subscription.
    assert_eq!(params.as_object().unwrap().len(), 1, "{params:#}");
    let month = &params["p_month"];
    for (column, value) in [
        ("transaction_key", json!("pay_123456")),
        ("amount", json!(10000)),
        ("status", json!("Paid")),
        ("customer_id", json!("customer_1")),
        ("order_name", json!("월간 구독")),
        ("currency", json!("KRW")),
        ("subscription_id", Value::Null),
    ] {
        assert_eq!(month[column], value, "{column}");
    }
    for column in [
        "start_at",
        "end_at",
        "end_grace_at",
        "next_schedule_at",
        "next_schedule_id",
    ] {
        assert_eq!(month[column], row[column], "{column}");
    }
}

#[tokio::test]
async fn replayed_webhook_reuses_the_stored_row_and_never_schedules_twice() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;

    let (_, first) = app.send("pay_123456", "Paid").await;
    let (status, replay) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.rows.len(), 1);
    assert_eq!(schedules.created().len(), 1);
    assert_eq!(replay["checklist"][3]["data"], first["checklist"][3]["data"]);
    assert_eq!(
        replay["checklist"][4]["message"],
        "다음달 구독이 이미 예약되어 있습니다."
    );
    assert_eq!(
        replay["checklist"][4]["data"]["timeToPay"],
        first["checklist"][4]["data"]["timeToPay"]
    );
    snapshot!("paid_replayed", status, replay);
}

#[tokio::test]
async fn payment_without_billing_key_is_recorded_and_scheduling_is_skipped() {
    let app = spawn_app().await;
    let mut payment = paid_payment("pay_123456");
    payment.as_object_mut().unwrap().remove("billingKey");
    app.portone_has_payment(&payment).await;
    let schedules = app.portone_schedules().await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["checklist"][4]["status"], "skipped");
    assert!(schedules.created().is_empty());
    assert_eq!(app.rows.len(), 1);
    snapshot!("paid_no_billing_key", status, body);
}

#[tokio::test]
async fn schedule_that_already_exists_at_portone_counts_as_success() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_json(fixture("schedule_already_exists.json")))
        .mount(&app.portone)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["checklist"][4]["status"], "success");
    assert_eq!(body["checklist"][4]["data"]["scheduleId"], Value::Null);
    snapshot!("paid_schedule_already_exists", status, body);
}

#[tokio::test]
async fn renewal_webhooks_keep_the_chain_going_month_after_month() {
    let app = spawn_app().await;
    let schedules = app.portone_schedules().await;
    let mut payment_id = "pay_first".to_owned();
    let mut paid_at = "2024-01-01T00:00:00Z".to_owned();
    for month in 0..3 {
        let mut payment = paid_payment(&payment_id);
        payment["paidAt"] = json!(paid_at);
        if month > 0 {
            payment["scheduleId"] = json!(format!("schedule-{month:04}"));
        }
        app.portone_has_payment(&payment).await;

        let (status, body) = app.send(&payment_id, "Paid").await;

        assert_eq!(status, StatusCode::OK, "month {month}: {body:#}");
        let row = &body["checklist"][3]["data"];
        let scheduled = &schedules.created()[month];
        assert_eq!(scheduled.0, row["next_schedule_id"].as_str().unwrap());
        assert_eq!(scheduled.1["timeToPay"], row["next_schedule_at"]);
        // PortOne charges at timeToPay; the renewal's paidAt is then the new start.
        payment_id = scheduled.0.clone();
        paid_at = row["next_schedule_at"].as_str().unwrap().to_owned();
    }
    assert_eq!(app.rows.len(), 3);
    assert_eq!(schedules.created().len(), 3);
}

#[tokio::test]
async fn payment_in_dollars_is_scheduled_in_dollars_and_without_customer_when_absent() {
    let app = spawn_app().await;
    let mut payment = paid_payment("pay_usd");
    payment["currency"] = json!("USD");
    payment["amount"]["total"] = json!(999);
    payment["customer"] = json!({});
    app.portone_has_payment(&payment).await;
    let schedules = app.portone_schedules().await;

    let (status, _) = app.send("pay_usd", "Paid").await;

    assert_eq!(status, StatusCode::OK);
    let body = &schedules.created()[0].1;
    assert_eq!(body["payment"]["currency"], "USD");
    assert_eq!(body["payment"]["amount"], json!({ "total": 999 }));
    assert!(body["payment"].get("customer").is_none(), "{body}");
}

#[tokio::test]
async fn payment_without_paid_at_starts_the_period_at_the_clock() {
    let app = spawn_app().await;
    let mut payment = paid_payment("pay_no_paid_at");
    payment.as_object_mut().unwrap().remove("paidAt");
    app.portone_has_payment(&payment).await;
    app.portone_schedules().await;

    let (status, body) = app.send("pay_no_paid_at", "Paid").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["checklist"][3]["data"]["start_at"],
        "2024-01-01T00:00:05.000Z"
    );
    assert_eq!(body["checklist"][2]["data"]["paidAt"], Value::Null);
}

#[tokio::test]
async fn portone_extra_fields_and_unknown_enum_values_are_tolerated() {
    let app = spawn_app().await;
    let mut payment = paid_payment("pay_new_fields");
    payment["method"] = json!({ "type": "PaymentMethodSomethingNew", "whatever": [1, 2] });
    payment["brandNewField"] = json!({ "nested": true });
    payment["channel"]["pgProvider"] = json!("A_PG_ADDED_LATER");
    app.portone_has_payment(&payment).await;
    app.portone_schedules().await;

    let (status, body) = app.send("pay_new_fields", "Paid").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
}

#[tokio::test]
async fn store_id_is_sent_when_configured() {
    use crate::helpers::{spawn_app_with, Options};
    let app = spawn_app_with(Options {
        store_id: Some("store-abc".into()),
        ..Options::default()
    })
    .await;
    Mock::given(method("GET"))
        .and(path("/payments/pay_123456"))
        .and(wiremock::matchers::query_param("storeId", "store-abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(paid_payment("pay_123456")))
        .expect(1)
        .mount(&app.portone)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::query_param("storeId", "store-abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("schedule_created.json")))
        .expect(1)
        .mount(&app.portone)
        .await;

    let (status, _) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::OK);
}
