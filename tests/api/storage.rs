//! Storage failing at step 4: 500 so PortOne retries, nothing scheduled, and the message says why.

use poem::http::StatusCode;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{paid_payment, spawn_app};
use crate::snapshot;

#[tokio::test]
async fn storage_outage_answers_500_and_schedules_nothing() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    // PostgREST's answer when it cannot reach the database.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "code": "PGRST001", "details": "connection refused", "hint": null,
            "message": "Database client error. Retrying the connection."
        })))
        .with_priority(1)
        .mount(&app.postgrest)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][3]["status"], "failed");
    assert_eq!(body["checklist"][4]["status"], "skipped");
    assert!(schedules.created().is_empty());
    snapshot!("storage_unavailable", status, body);
}

#[tokio::test]
async fn storage_permission_error_is_named_with_its_postgres_code() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "42501", "details": null, "hint": null,
            "message": "permission denied for function record_paid_payment"
        })))
        .with_priority(1)
        .mount(&app.postgrest)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let message = body["checklist"][3]["message"].as_str().unwrap();
    assert!(
        message.contains("42501") && message.contains("permission denied"),
        "{message}"
    );
    snapshot!("storage_rejected", status, body);
}

#[tokio::test]
async fn storage_answer_that_is_not_a_row_fails_step_four() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "unexpected": true })))
        .with_priority(1)
        .mount(&app.postgrest)
        .await;

    let (status, body) = app.send("pay_123456", "Paid").await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["checklist"][3]["status"], "failed");
}
