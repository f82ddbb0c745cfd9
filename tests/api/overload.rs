//! Past the in-flight limit a webhook waits briefly, then gets 503 with `Retry-After`: no
//! unbounded queue. The refused one is resent by PortOne and recorded then.

use std::time::Duration;

use poem::http::StatusCode;
use portone_subscriptions::config::Limits;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{paid_payment, spawn_app_with, Options};
use crate::{prometheus, snapshot};

#[tokio::test]
async fn webhooks_past_the_limit_get_503_with_retry_after_and_a_checklist() {
    let limits = Limits {
        max_in_flight: 1,
        queue_wait: Duration::from_millis(50),
    };
    let app = spawn_app_with(Options {
        limits,
        ..Options::default()
    })
    .await;
    Mock::given(method("GET"))
        .and(path("/payments/pay_slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(paid_payment("pay_slow"))
                .set_delay(Duration::from_millis(500)),
        )
        .mount(&app.portone)
        .await;
    app.portone_has_payment(&paid_payment("pay_fast")).await;
    let schedules = app.portone_schedules().await;
    let slow = serde_json::json!({ "payment_id": "pay_slow", "status": "Paid" }).to_string();
    let fast = serde_json::json!({ "payment_id": "pay_fast", "status": "Paid" }).to_string();

    let overloaded = || {
        let text = portone_subscriptions::telemetry::metrics::install().render();
        prometheus::sample(&text, "portone_subscriptions_webhooks_overloaded_total", &[]).unwrap_or(0.0)
    };
    // Only this test exceeds its limit, so the process-wide counter moves by this test's refusals.
    let before = overloaded();
    let refused = async {
        // The slow webhook holds the only permit once PortOne's stand-in has its lookup.
        app.wait_for_portone_call("/payments/pay_slow").await;
        app.post_full(fast.clone(), "application/json", &[]).await
    };
    let ((first, _), (status, headers, body)) = tokio::join!(app.post_webhook(slow), refused);

    assert_eq!(first, StatusCode::OK);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(body["checklist"][0]["status"], "failed");
    snapshot!("overloaded", status, body);
    assert_eq!(overloaded() - before, 1.0);

    let (status, _) = app.post_webhook(fast).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the resend goes through once the first is done"
    );
    assert_eq!(app.rows.len(), 2);
    assert_eq!(schedules.created().len(), 2);
}
