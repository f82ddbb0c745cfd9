//! The README's events walk-through against the binary in sandbox mode: each lifecycle step
//! writes its event (`GET /sandbox/events`), and with `APP_WEBHOOK_URL` set they reach a stand-in
//! of the app, signed so the `standardwebhooks` library accepts them.

use base64::Engine;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/sandbox.rs"]
mod sandbox_process;

use sandbox_process::Sandbox;

fn types(events: &Value) -> Vec<String> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_lifecycle_step_writes_its_event_and_the_app_receives_them_signed() {
    let app = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&app)
        .await;
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes())
    );
    let url = format!("{}/billing/events", app.uri());
    let sandbox = Sandbox::start_with(&[("APP_WEBHOOK_URL", &url), ("APP_WEBHOOK_SECRET", &secret)]).await;

    // Subscribe, a declined renewal, its retry paid, cancel, resume.
    let (_, created) = sandbox
        .call(
            "POST",
            "/sandbox/payments",
            json!({ "customer_id": "user-1", "decline_renewals": 1 }),
        )
        .await;
    sandbox
        .call("POST", "/api/portone", created["webhook_body"].clone())
        .await;
    let id = created["payment_id"].as_str().unwrap().to_owned();
    sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 1 }))
        .await;
    for action in ["cancel", "resume"] {
        let (status, body) = sandbox
            .admin("POST", &format!("/api/subscriptions/{id}/{action}"), json!({}))
            .await;
        assert_eq!(status, 200, "{body:#}");
    }
    // Cancel again and let the period end.
    sandbox
        .admin("POST", &format!("/api/subscriptions/{id}/cancel"), json!({}))
        .await;
    sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;

    let (status, events) = sandbox.call("GET", "/sandbox/events", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(
        types(&events),
        [
            "subscription.created",
            "subscription.payment_failed",
            "subscription.renewed",
            "subscription.recovered",
            "subscription.canceled",
            "subscription.resumed",
            "subscription.canceled",
            "subscription.ended",
        ],
        "{events:#}"
    );

    // Every event but the last three (made by admin calls after the last clock move) went out
    // with a clock move; the admin list shows each with its delivery.
    let (_, listed) = sandbox.admin("GET", "/api/admin/events", Value::Null).await;
    let delivered: Vec<&Value> = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "delivered")
        .collect();
    assert!(!delivered.is_empty(), "{listed:#}");
    let signer = standardwebhooks::Webhook::new(&secret).unwrap();
    let requests = app.received_requests().await.unwrap();
    assert_eq!(requests.len(), delivered.len());
    for request in &requests {
        signer
            .verify(&request.body, &request.headers)
            .expect("signed so the library accepts it");
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(request.headers["webhook-id"], body["id"].as_str().unwrap());
        assert_eq!(body["subscription_id"], id.as_str());
        assert_eq!(body["customer_id"], "user-1");
    }
}

#[tokio::test]
async fn without_an_app_url_events_are_listed_and_stay_pending() {
    let sandbox = Sandbox::start().await;
    let (_, created) = sandbox.call("POST", "/sandbox/payments", json!({})).await;
    sandbox
        .call("POST", "/api/portone", created["webhook_body"].clone())
        .await;
    sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;

    let (_, events) = sandbox.call("GET", "/sandbox/events", Value::Null).await;
    assert_eq!(types(&events), ["subscription.created", "subscription.renewed"]);
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] == "pending"));
    assert_eq!(events[1]["data"]["subscription"]["months"], 2);
}
