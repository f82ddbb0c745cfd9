//! Refunds over HTTP, and PortOne's refund webhooks: a full refund ends the subscription, a
//! partial one records the total, PortOne's 409s answer 409 with its code.

use poem::http::StatusCode;
use serde_json::json;

use crate::checkout::{body, shop, start};
use crate::helpers::TestApp;
use crate::snapshot;

/// A `pro` subscription started for `user-1` on `bk_1`, its first month charged: its id and its
/// refund URI.
async fn started_pro(app: &TestApp) -> (String, String) {
    let (_, _, started) = start(app, "order-1", body("pro", "bk_1")).await;
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uri = format!("/api/subscriptions/{id}/refund");
    (id, uri)
}

#[tokio::test]
async fn a_full_refund_ends_the_subscription_and_revokes_its_next_charge() {
    let (app, _cards) = shop().await;
    let (id, uri) = started_pro(&app).await;
    let (status, _, refunded) = app
        .admin_with("POST", &uri, &[], r#"{"reason": "고객 요청"}"#)
        .await;

    assert_eq!(status, StatusCode::OK, "{refunded:#}");
    snapshot!("refund_full", status, refunded);
    assert_eq!(refunded["subscription"]["status"], "refunded");
    assert_eq!(
        refunded["refund"],
        json!({ "amount": 9900, "refunded_total": 9900, "full": true })
    );
    let requests = app.portone.received_requests().await.unwrap();
    let cancel = requests
        .iter()
        .find(|r| r.url.path().ends_with("/cancel"))
        .unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&cancel.body).unwrap();
    crate::simulator_schema::assert_valid("CancelPaymentBody", &sent);
    assert_eq!(sent["currentCancellableAmount"], 9900);
    assert!(sent.get("amount").is_none(), "a full refund sends no amount");
    assert!(cancel.headers.get("idempotency-key").is_some());
    assert!(
        app.portone_calls()
            .await
            .iter()
            .any(|c| c == "DELETE /payment-schedules"),
        "next charge revoked"
    );

    // PortOne's Cancelled webhook afterwards changes nothing; a second refund is PortOne's 409.
    let (status, webhook) = app.send(&id, "Cancelled").await;
    assert_eq!(status, StatusCode::OK, "{webhook:#}");
    let (status, _, again) = app.admin_with("POST", &uri, &[], r#"{"reason": "다시"}"#).await;
    assert_eq!(status, StatusCode::CONFLICT);
    snapshot!("refund_already_cancelled", status, again);
}

#[tokio::test]
async fn a_partial_refund_records_the_total_and_the_subscription_goes_on() {
    let (app, _cards) = shop().await;
    let (id, uri) = started_pro(&app).await;

    let (status, _, refunded) = app
        .admin_with("POST", &uri, &[], r#"{"reason": "일부 환불", "amount": 3000}"#)
        .await;

    assert_eq!(status, StatusCode::OK, "{refunded:#}");
    snapshot!("refund_partial", status, refunded);
    assert_eq!(refunded["subscription"]["status"], "active");
    assert_eq!(refunded["subscription"]["refunded_amount"], 3000);
    assert_eq!(refunded["code"], "PARTIALLY_REFUNDED");

    // PortOne's PartialCancelled webhook records the same total.
    let (status, webhook) = app.send(&id, "PartialCancelled").await;
    assert_eq!(status, StatusCode::OK, "{webhook:#}");
    snapshot!("partial_cancelled_recorded", status, webhook);

    for bad in [
        r#"{"reason": " "}"#,
        r#"{"reason": "x", "amount": 0}"#,
        r#"{"amount": 10}"#,
    ] {
        let (status, _, _) = app.admin_with("POST", &uri, &[], bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, _, over) = app
        .admin_with("POST", &uri, &[], r#"{"reason": "x", "amount": 999999}"#)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{over:#}");
    let (status, _, none) = app
        .admin_with(
            "POST",
            "/api/subscriptions/nope/refund",
            &[],
            r#"{"reason": "x"}"#,
        )
        .await;
    assert_eq!(
        (status, none["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn a_refund_is_a_history_line_of_its_own_and_pages_never_repeat_a_line() {
    let (app, _cards) = shop().await;
    let (id, uri) = started_pro(&app).await;
    let (status, _, _) = app
        .admin_with("POST", &uri, &[], r#"{"reason": "일부 환불", "amount": 3000}"#)
        .await;
    assert_eq!(status, StatusCode::OK);

    let history = format!("/api/subscriptions/{id}/billing-history");
    let (_, _, all) = app.admin_with("GET", &history, &[], "").await;
    let kinds: Vec<_> = all["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["kind"].clone(), l["amount"].clone(), l["status"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("refund"), json!(3000), json!("refunded")),
            (json!("period"), json!(9900), json!("paid")),
        ]
    );
    assert!(
        all["lines"][0]["number"].is_null(),
        "a refund is not a new charge"
    );
    assert_eq!(all["lines"][0]["vat"], 273);

    // One line a page: the refund, then its charge, then nothing more.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let uri = match &after {
            Some(cursor) => format!("{history}?limit=1&starting_after={cursor}"),
            None => format!("{history}?limit=1"),
        };
        let (status, _, page) = app.admin_with("GET", &uri, &[], "").await;
        assert_eq!(status, StatusCode::OK, "{page:#}");
        seen.push(page["lines"][0]["kind"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(cursor) => after = Some(cursor.replace(':', "%3A")),
            None => break,
        }
        assert!(seen.len() < 5, "{seen:?}");
    }
    assert_eq!(seen, ["refund", "period"]);
}
