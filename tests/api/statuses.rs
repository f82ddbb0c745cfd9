//! Webhook statuses other than `Paid`, `Cancelled`, `Failed` and `PartialCancelled`: acknowledged
//! with 200 so PortOne stops retrying.

use poem::http::StatusCode;

use crate::helpers::spawn_app;
use crate::snapshot;

#[tokio::test]
async fn every_other_portone_status_is_acknowledged_and_names_the_status() {
    let app = spawn_app().await;
    for webhook_status in ["Ready", "VirtualAccountIssued", "PayPending", "CancelPending"] {
        let (status, body) = app.send("pay_123456", webhook_status).await;

        assert_eq!(status, StatusCode::OK, "{webhook_status}");
        let steps = body["checklist"].as_array().unwrap();
        assert!(steps[2..].iter().all(|step| step["status"] == "skipped"));
        assert!(steps[2]["message"].as_str().unwrap().contains(webhook_status));
        if webhook_status == "Ready" {
            snapshot!("status_unhandled", status, body);
        }
    }
    assert!(app.portone_calls().await.is_empty());
}
