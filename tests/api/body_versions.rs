//! Both webhook body versions: 2024-04-25 (`type` + `data`) and 2024-01-01 as JSON or a form.

use poem::http::StatusCode;
use serde_json::json;

use crate::helpers::{paid_payment, spawn_app};
use crate::snapshot;

fn current(event_type: &str, data: serde_json::Value) -> String {
    json!({ "type": event_type, "timestamp": "2024-01-01T00:00:01.000Z", "data": data }).to_string()
}

#[tokio::test]
async fn transaction_paid_runs_the_paid_flow() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    let body = current(
        "Transaction.Paid",
        json!({ "storeId": "store-1", "paymentId": "pay_123456", "transactionId": "tx-1", "futureField": 1 }),
    );

    let (status, answer) = app.post_webhook(body).await;

    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(app.rows.len(), 1);
    assert_eq!(schedules.created().len(), 1);
    snapshot!("v2024_04_25_paid", status, answer);
}

#[tokio::test]
async fn billing_key_and_unknown_types_are_acknowledged_by_name() {
    let app = spawn_app().await;
    for (name, event_type, data) in [
        (
            "v2024_04_25_billing_key_issued",
            "BillingKey.Issued",
            json!({ "storeId": "s", "billingKey": "bk" }),
        ),
        (
            "v2024_04_25_unknown_type",
            "Transaction.SomethingNew",
            json!({ "paymentId": "pay_1" }),
        ),
    ] {
        let (status, answer) = app.post_webhook(current(event_type, data)).await;

        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(answer["checklist"][2]["message"]
            .as_str()
            .unwrap()
            .contains(event_type));
        snapshot!(name, status, answer);
    }
    assert!(app.portone_calls().await.is_empty());
}

#[tokio::test]
async fn transaction_types_without_a_payment_id_are_refused() {
    let app = spawn_app().await;
    for event_type in ["Transaction.Paid", "Transaction.Cancelled"] {
        let (status, answer) = app
            .post_webhook(current(event_type, json!({ "storeId": "s" })))
            .await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(answer["checklist"][1]["message"]
            .as_str()
            .unwrap()
            .contains("data.paymentId"));
        if event_type == "Transaction.Paid" {
            snapshot!("v2024_04_25_missing_payment_id", status, answer);
        }
    }
}

#[tokio::test]
async fn legacy_body_as_a_form_runs_the_paid_flow() {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    app.portone_schedules().await;

    let (status, answer) = app
        .post_raw(
            "payment_id=pay_123456&status=Paid&tx_id=tx-1",
            "application/x-www-form-urlencoded",
            &[],
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(
        answer["checklist"][0]["data"],
        json!({ "payment_id": "pay_123456", "status": "Paid" })
    );
    assert_eq!(app.rows.len(), 1);
}
