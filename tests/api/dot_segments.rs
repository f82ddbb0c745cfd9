//! Dot segments never reach PortOne: a billing key, payment id or schedule id of `.` or `..`
//! would become a path segment the URL parser resolves away (`GET /billing-keys/..` is `GET /`,
//! sent with the API secret), so each is refused at the edge with a 400 and PortOne hears
//! nothing.

use poem::http::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn dot_segment_ids_are_refused_and_nothing_reaches_portone() {
    let app = spawn_app().await;
    for billing_key in [".", ".."] {
        let body =
            json!({ "customer_id": "c-1", "plan_id": "basic", "billing_key": billing_key }).to_string();
        let (status, _, answer) = app
            .admin_with("POST", "/api/subscriptions", &[("Idempotency-Key", "k-1")], &body)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{billing_key}: {answer}");

        let body = json!({ "billingKey": billing_key }).to_string();
        let (status, _, answer) = app
            .admin_with("POST", "/api/subscriptions/pay_1/payment-method", &[], &body)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{billing_key}: {answer}");
    }
    for uri in [
        "/api/admin/payment-schedules/..",
        "/api/admin/payment-schedules/%2E%2E",
        "/api/admin/payment-schedules/.",
    ] {
        for method in ["GET", "DELETE"] {
            let (status, _, answer) = app.admin_with(method, uri, &[], "").await;
            assert_ne!(status, StatusCode::OK, "{method} {uri}: {answer}");
            assert!(status.is_client_error(), "{method} {uri}: {status} {answer}");
        }
    }
    for payment_id in [".", ".."] {
        let (status, body) = app.send(payment_id, "Paid").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{payment_id}: {body}");
    }

    assert_eq!(
        app.portone_calls().await,
        Vec::<String>::new(),
        "PortOne heard nothing"
    );
}
