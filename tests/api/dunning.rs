//! Declined renewals over HTTP: PortOne's stand-in answers `FailedPayment`s (schema-checked
//! fixture), the ledger is the migrations' SQL on a real PostgreSQL behind the PostgREST
//! stand-in, and every new checklist shape is a snapshot.

use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::{next_schedule_id, retry_payment_id};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, paid_payment, spawn_app, Schedules, TestApp};
use crate::snapshot;

/// The renewal's first charge: `next_schedule_id` of `pay_123456`.
fn first_charge() -> PaymentId {
    next_schedule_id(&PaymentId::parse("pay_123456").unwrap())
}

fn failed_payment(id: PaymentId, failed_at: &str) -> Value {
    let mut payment = fixture("failed_payment.json");
    payment["id"] = json!(id.to_string());
    payment["failedAt"] = json!(failed_at);
    payment
}

/// `pay_123456` recorded and its renewal scheduled; the clock a moment after the first charge.
async fn renewal_due() -> (TestApp, Schedules) {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    let (status, _) = app.send("pay_123456", "Paid").await;
    assert_eq!(status, StatusCode::OK);
    (app, schedules)
}

/// PortOne declined `id` at `failed_at` and says so.
async fn declined(app: &TestApp, id: PaymentId, failed_at: &str) -> (StatusCode, Value) {
    app.portone_has_payment(&failed_payment(id.clone(), failed_at))
        .await;
    app.clock.set(failed_at.parse().unwrap());
    app.send(id.as_str(), "Failed").await
}

#[tokio::test]
async fn a_declined_renewal_records_the_attempt_and_schedules_retry_one() {
    let (app, schedules) = renewal_due().await;

    let (status, body) = declined(&app, first_charge(), "2024-02-01T01:30:01Z").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    let codes: Vec<_> = body["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].clone())
        .collect();
    assert_eq!(
        codes[3..],
        [json!("record_failed_attempt"), json!("schedule_retry")]
    );
    assert_eq!(body["checklist"][2]["data"]["failure"]["pgCode"], "51");
    assert_eq!(body["checklist"][3]["data"]["attempt"], 0);
    let retry = retry_payment_id(&first_charge(), 1);
    let created = schedules.created();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1].0, retry.to_string());
    assert_eq!(created[1].1["payment"]["amount"]["total"], 10000);
    assert_eq!(created[1].1["payment"]["billingKey"], "billing_key_123");
    assert_eq!(
        body["checklist"][4]["data"]["timeToPay"],
        created[1].1["timeToPay"]
    );
    snapshot!("failed_retry_scheduled", status, body);

    // The same webhook again: one attempt, one retry.
    let (status, again) = app.send(first_charge().as_str(), "Failed").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        again["checklist"][3]["message"],
        "이미 기록된 결제 실패입니다. 저장된 값을 사용합니다."
    );
    assert_eq!(schedules.created().len(), 2);
}

#[tokio::test]
async fn the_last_declined_retry_lapses_the_subscription() {
    let (app, schedules) = renewal_due().await;
    declined(&app, first_charge(), "2024-02-01T01:30:01Z").await;
    declined(&app, retry_payment_id(&first_charge(), 1), "2024-02-02T01:30:01Z").await;
    declined(&app, retry_payment_id(&first_charge(), 2), "2024-02-04T01:30:01Z").await;

    let (status, body) = declined(&app, retry_payment_id(&first_charge(), 3), "2024-02-08T01:30:01Z").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["checklist"][4]["status"], "skipped");
    let renewal = &body["checklist"][3]["data"]["renewal"];
    assert_eq!(renewal["renewalAttempts"], 4);
    assert_eq!(renewal["lapsedAt"], renewal["endGraceAt"]);
    assert_eq!(schedules.created().len(), 4, "the first charge and three retries");
    snapshot!("failed_retries_exhausted", status, body);
}

#[tokio::test]
async fn a_declined_payment_that_renews_nothing_is_acknowledged() {
    let app = spawn_app().await;
    let mut checkout = fixture("failed_payment.json");
    checkout["id"] = json!("pay_checkout_1");
    app.portone_has_payment(&checkout).await;

    let (status, body) = app.send("pay_checkout_1", "Failed").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["checklist"][3]["status"], "skipped");
    assert_eq!(body["checklist"][4]["status"], "skipped");
    snapshot!("failed_not_a_renewal", status, body);
}

#[tokio::test]
async fn a_deleted_billing_key_lapses_at_once_with_200() {
    let (app, schedules) = renewal_due().await;
    let retry = retry_payment_id(&first_charge(), 1);
    Mock::given(method("POST"))
        .and(path(format!("/payments/{retry}/schedule")))
        .respond_with(ResponseTemplate::new(409).set_body_json(fixture("billing_key_already_deleted.json")))
        .with_priority(1)
        .mount(&app.portone)
        .await;

    let (status, body) = declined(&app, first_charge(), "2024-02-01T01:30:01Z").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["checklist"][4]["status"], "skipped");
    assert_eq!(schedules.created().len(), 1, "no retry was created");
    snapshot!("failed_billing_key_deleted", status, body);

    // Lapsed: a resend changes nothing and schedules nothing.
    let (status, _) = app.send(first_charge().as_str(), "Failed").await;
    assert_eq!(status, StatusCode::OK);
    let tries = app
        .portone_calls()
        .await
        .iter()
        .filter(|call| call.ends_with(&format!("{retry}/schedule")))
        .count();
    assert_eq!(tries, 1);
}

#[tokio::test]
async fn a_failed_webhook_for_a_payment_portone_says_is_paid_is_refused_with_409() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;

    let (status, body) = app.send("pay_123456", "Failed").await;

    assert_eq!(status, StatusCode::CONFLICT, "{body:#}");
    assert_eq!(body["checklist"][2]["status"], "failed");
    snapshot!("failed_status_mismatch", status, body);
}

#[tokio::test]
async fn a_retry_that_succeeds_is_recorded_once_and_schedules_the_month_after() {
    let (app, schedules) = renewal_due().await;
    declined(&app, first_charge(), "2024-02-01T01:30:01Z").await;
    let retry = retry_payment_id(&first_charge(), 1);
    let mut recovered = paid_payment(retry.as_str());
    recovered["paidAt"] = json!("2024-02-02T01:30:00Z");
    app.portone_has_payment(&recovered).await;
    app.clock.set("2024-02-02T01:30:05Z".parse().unwrap());

    let (status, body) = app.send(retry.as_str(), "Paid").await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(
        body["checklist"][3]["data"]["start_at"],
        "2024-02-02T01:30:00.000Z"
    );
    assert_eq!(body["checklist"][4]["status"], "success");
    snapshot!("paid_recovered_renewal", status, body);
    let (_, replay) = app.send(retry.as_str(), "Paid").await;
    assert_eq!(replay["checklist"][3]["data"], body["checklist"][3]["data"]);
    assert_eq!(app.rows.len(), 2);
    assert_eq!(
        schedules.created().len(),
        3,
        "renewal, retry, and the month after"
    );
}

#[tokio::test]
async fn a_portone_failure_while_scheduling_the_retry_answers_500_and_the_resend_schedules_once() {
    let (app, schedules) = renewal_due().await;
    let retry = retry_payment_id(&first_charge(), 1);
    Mock::given(method("POST"))
        .and(path(format!("/payments/{retry}/schedule")))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({ "type": "UNKNOWN" })))
        // One call and its three retries.
        .up_to_n_times(4)
        .with_priority(1)
        .mount(&app.portone)
        .await;

    let (status, body) = declined(&app, first_charge(), "2024-02-01T01:30:01Z").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body:#}");
    assert_eq!(body["checklist"][4]["status"], "failed");

    let (status, _) = app.send(first_charge().as_str(), "Failed").await;
    assert_eq!(status, StatusCode::OK);
    let created: Vec<_> = schedules.created().into_iter().map(|(id, _)| id).collect();
    assert_eq!(created, [first_charge().to_string(), retry.to_string()]);
}
