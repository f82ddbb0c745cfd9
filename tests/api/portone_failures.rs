//! PortOne failing at step 3 or 5: the checklist names the failure, the status makes PortOne retry,
//! and a retry after recovery neither records nor schedules twice.

use std::time::Duration;

use poem::http::StatusCode;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{fixture, paid_payment, spawn_app, spawn_app_with, Options};
use crate::snapshot;

#[tokio::test]
async fn unknown_payment_answers_500_so_portone_retries_and_nothing_is_stored() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .and(path("/payments/pay_missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("payment_not_found.json")))
        .mount(&app.portone)
        .await;

    let (status, body) = app.send("pay_missing", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][2]["data"]["type"], "PAYMENT_NOT_FOUND");
    assert_eq!(app.storage_calls().await, 0);
    snapshot!("portone_payment_not_found", status, body);
}

#[tokio::test]
async fn portone_server_error_answers_500() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>upstream error</html>"))
        .mount(&app.portone)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][2]["status"], "failed");
    snapshot!("portone_server_error", status, body);
}

#[tokio::test]
async fn wrong_api_secret_is_named_in_the_message() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("unauthorized.json")))
        .mount(&app.portone)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let message = body["checklist"][2]["message"].as_str().unwrap();
    assert!(
        message.contains("UNAUTHORIZED") && message.contains("PORTONE_API_SECRET"),
        "{message}"
    );
}

#[tokio::test]
async fn payment_that_is_not_paid_is_never_recorded() {
    let app = spawn_app().await;
    // Cancelled before it was ever paid: PortOne's `CancelledPayment` without `paidAt`.
    let mut never_paid = fixture("cancelled_payment.json");
    never_paid.as_object_mut().unwrap().remove("paidAt");
    app.portone_has_payment(&never_paid).await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["checklist"][2]["data"]["status"], "CANCELLED");
    assert_eq!(app.storage_calls().await, 0);
    snapshot!("portone_payment_not_paid", status, body);
}

#[tokio::test]
async fn paid_payment_missing_required_fields_is_an_invalid_response() {
    let app = spawn_app().await;
    let mut payment = paid_payment("pay_123456");
    payment.as_object_mut().unwrap().remove("amount");
    app.portone_has_payment(&payment).await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][2]["data"]["type"], "INVALID_RESPONSE");
    assert!(body["checklist"][2]["message"]
        .as_str()
        .unwrap()
        .contains("amount"));
}

#[tokio::test]
async fn portone_slower_than_the_timeout_fails_step_three_without_hanging() {
    let app = spawn_app_with(Options {
        upstream_timeout: Duration::from_millis(300),
        ..Options::default()
    })
    .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(paid_payment("pay_123456"))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&app.portone)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][2]["data"]["type"], "TIMEOUT");
}

#[tokio::test]
async fn failed_schedule_answers_500_and_the_retry_schedules_once() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("billing_key_not_found.json")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.portone)
        .await;
    let schedules = app.portone_schedules().await;

    let (status, body) = app.send("pay_123456", "Paid").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][3]["status"], "success");
    assert_eq!(body["checklist"][4]["data"]["type"], "BILLING_KEY_NOT_FOUND");
    snapshot!("portone_schedule_failed", status, body);

    let (status, retry) = app.send("pay_123456", "Paid").await;
    assert_eq!(status, StatusCode::OK, "{retry:#}");
    assert_eq!(app.rows.len(), 1);
    assert_eq!(schedules.created().len(), 1);
    assert_eq!(
        retry["checklist"][4]["data"]["paymentId"],
        json!(schedules.created()[0].0)
    );
}

#[tokio::test]
async fn unreachable_portone_is_reported_without_addresses() {
    // Nothing listens on port 9 (discard) of loopback here: the connection is refused.
    let options = Options {
        portone_base_url: Some("http://127.0.0.1:9".into()),
        ..Options::default()
    };
    let app = spawn_app_with(options).await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][2]["data"]["type"], "UNREACHABLE");
    assert!(!body.to_string().contains("127.0.0.1"), "{body}");
}

#[tokio::test]
async fn the_webhook_deadline_bounds_slow_upstreams_and_retries() {
    let options = Options {
        deadline: Duration::from_millis(600),
        ..Options::default()
    };
    let app = spawn_app_with(options).await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(paid_payment("pay_123456"))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&app.portone)
        .await;
    let started = std::time::Instant::now();

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][2]["data"]["type"], "TIMEOUT");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the deadline, not PortOne, ended the webhook"
    );
}

#[tokio::test]
async fn storage_slower_than_the_deadline_fails_step_four() {
    let options = Options {
        deadline: Duration::from_millis(600),
        ..Options::default()
    };
    let app = spawn_app_with(options).await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(3)),
        )
        .with_priority(1)
        .mount(&app.postgrest)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let message = body["checklist"][3]["message"].as_str().unwrap();
    assert!(message.contains("웹훅 처리 제한 시간 초과"), "{message}");
}
