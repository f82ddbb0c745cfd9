//! `POST /api/subscriptions` over HTTP: PortOne's stand-ins answer as its schema says, storage is
//! the migrations' own SQL (behind the PostgREST stand-in), and every answer is snapshotted.

use poem::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, PORTONE_SECRET};
use crate::portone_cards::Cards;
use crate::simulator_schema::assert_valid;
use crate::snapshot;

/// An app with plans `pro` (9,900 KRW) and `pro_trial` (14-day trial), PortOne's schedule and
/// card stand-ins, and `bk_1` issued for `user-1`.
pub async fn shop() -> (TestApp, Cards) {
    let app = spawn_app().await;
    app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    cards.issue("bk_1", "user-1");
    for (id, body) in [
        (
            "pro",
            json!({ "name": "프로 월간", "amount": 9900, "currency": "KRW", "trial_days": 0, "features": { "seats": 5 } }),
        ),
        (
            "pro_trial",
            json!({ "name": "프로 체험", "amount": 19900, "currency": "KRW", "trial_days": 14, "sort_order": 1 }),
        ),
    ] {
        let (status, _, answer) = app
            .admin_with("PUT", &format!("/api/plans/{id}"), &[], &body.to_string())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    }
    (app, cards)
}

pub async fn start(app: &TestApp, key: &str, body: Value) -> (StatusCode, poem::http::HeaderMap, Value) {
    app.admin_with(
        "POST",
        "/api/subscriptions",
        &[("idempotency-key", key)],
        &body.to_string(),
    )
    .await
}

pub fn body(plan: &str, billing_key: &str) -> Value {
    json!({ "customer_id": "user-1", "plan_id": plan, "billing_key": billing_key })
}

#[tokio::test]
async fn a_paid_start_charges_once_and_answers_201_with_its_checklist_and_read_model() {
    let (app, _cards) = shop().await;

    let (status, headers, answer) = start(&app, "order-1", body("pro", "bk_1")).await;

    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    assert!(headers.get("idempotent-replayed").is_none());
    snapshot!("start_paid", status, answer);
    let requests = app.portone.received_requests().await.unwrap();
    let charges: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/billing-key"))
        .collect();
    assert_eq!(charges.len(), 1);
    let charge = charges[0];
    let payment_id = answer["subscription"]["subscription_id"].as_str().unwrap();
    assert_eq!(charge.url.path(), format!("/payments/{payment_id}/billing-key"));
    assert_eq!(
        charge.headers["authorization"],
        format!("PortOne {PORTONE_SECRET}").as_str()
    );
    assert_eq!(
        charge.headers["idempotency-key"],
        format!("\"checkout-{payment_id}\"").as_str()
    );
    let sent: Value = serde_json::from_slice(&charge.body).unwrap();
    assert_valid("BillingKeyPaymentInput", &sent);
    assert_eq!(sent["customData"], r#"{"planId":"pro"}"#);
    assert_eq!(
        (sent["amount"]["total"].as_i64(), sent["customer"]["id"].as_str()),
        (Some(9900), Some("user-1"))
    );
    let schedules: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/schedule"))
        .collect();
    assert_eq!(schedules.len(), 1, "the next month is scheduled");
    let scheduled: Value = serde_json::from_slice(&schedules[0].body).unwrap();
    assert_valid("CreatePaymentScheduleBody", &scheduled);
    assert_eq!(scheduled["payment"]["customData"], r#"{"planId":"pro"}"#);
    assert_eq!(app.rows.len(), 1);

    // The same request again: the first answer, marked, and nothing charged.
    let (again_status, again_headers, again) = start(&app, "order-1", body("pro", "bk_1")).await;
    assert_eq!((again_status, &again), (StatusCode::CREATED, &answer));
    assert_eq!(again_headers["idempotent-replayed"], "true");
    let charged = app
        .portone_calls()
        .await
        .iter()
        .filter(|c| c.ends_with("/billing-key"))
        .count();
    assert_eq!(charged, 1);

    // The Transaction.Paid webhook PortOne then sends changes nothing.
    let (status, webhook) = app.send(payment_id, "Paid").await;
    assert_eq!(status, StatusCode::OK, "{webhook:#}");
    assert_eq!(
        webhook["checklist"][3]["message"],
        "이미 저장된 payment 데이터가 있어 저장된 값을 사용합니다."
    );
    assert_eq!(app.rows.len(), 1);
}

#[tokio::test]
async fn refused_starts_answer_their_status_and_charge_nothing() {
    let (app, cards) = shop().await;
    cards.issue("bk_other", "user-2");
    cards.issue("bk_deleted", "user-1");
    cards.delete("bk_deleted");

    let (status, _, missing_key) = app
        .admin_with(
            "POST",
            "/api/subscriptions",
            &[],
            &body("pro", "bk_1").to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    snapshot!("start_missing_idempotency_key", status, missing_key);
    for key in ["", "has space", "키"] {
        let (status, _, _) = start(&app, key, body("pro", "bk_1")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}");
    }
    let (status, _, unknown_plan) = start(&app, "k-1", body("nope", "bk_1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    snapshot!("start_plan_not_found", status, unknown_plan);
    let (status, _, mismatch) = start(&app, "k-2", body("pro", "bk_other")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    snapshot!("start_billing_key_of_another_customer", status, mismatch);
    let (status, _, deleted) = start(&app, "k-3", body("pro", "bk_deleted")).await;
    assert_eq!(
        (status, deleted["code"].as_str()),
        (StatusCode::CONFLICT, Some("BILLING_KEY_ALREADY_DELETED"))
    );
    let (status, _, unknown_key) = start(&app, "k-4", body("pro", "bk_nope")).await;
    assert_eq!(
        (status, unknown_key["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("BILLING_KEY_NOT_FOUND"))
    );
    let (status, _, blank) = start(
        &app,
        "k-5",
        json!({ "customer_id": " ", "plan_id": "pro", "billing_key": "bk_1" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{blank:#}");
    assert!(!app
        .portone_calls()
        .await
        .iter()
        .any(|c| c.ends_with("/billing-key")));

    let (status, _, _) = start(&app, "k-6", body("pro", "bk_1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, reused) = start(&app, "k-6", body("pro_trial", "bk_1")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    snapshot!("start_idempotency_key_reused", status, reused);
    let (status, _, live) = start(&app, "k-7", body("pro", "bk_1")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    snapshot!("start_live_subscription", status, live);
    let archived = app.admin_with("POST", "/api/plans/pro/archive", &[], "").await;
    assert_eq!(archived.0, StatusCode::OK);
    let (status, _, archived) = start(
        &app,
        "k-8",
        json!({ "customer_id": "user-9", "plan_id": "pro", "billing_key": "bk_1" }),
    )
    .await;
    assert_eq!(
        (status, archived["code"].as_str()),
        (StatusCode::CONFLICT, Some("PLAN_ARCHIVED"))
    );
}

#[tokio::test]
async fn a_declined_first_charge_answers_402_and_records_nothing() {
    let (app, cards) = shop().await;
    cards.decline_next("bk_1", 1);

    let (status, _, answer) = start(&app, "order-1", body("pro", "bk_1")).await;

    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    snapshot!("start_declined", status, answer);
    assert_eq!(app.rows.len(), 0);
    assert!(!app.portone_calls().await.iter().any(|c| c.ends_with("/schedule")));
    let charges = app
        .portone_calls()
        .await
        .iter()
        .filter(|c| c.ends_with("/billing-key"))
        .count();
    assert_eq!(charges, 1, "a decline is not retried");
}

#[tokio::test]
async fn a_trial_start_answers_201_trialing_and_schedules_its_first_charge() {
    let (app, _cards) = shop().await;

    let (status, _, answer) = start(&app, "order-1", body("pro_trial", "bk_1")).await;

    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    snapshot!("start_trial", status, answer);
    assert!(
        !app.portone_calls()
            .await
            .iter()
            .any(|c| c.ends_with("/billing-key")),
        "nothing charged"
    );
    let requests = app.portone.received_requests().await.unwrap();
    let schedule = requests
        .iter()
        .find(|r| r.url.path().ends_with("/schedule"))
        .unwrap();
    let body: Value = serde_json::from_slice(&schedule.body).unwrap();
    assert_valid("CreatePaymentScheduleBody", &body);
    assert_eq!(body["payment"]["amount"]["total"], 19900);
    assert_eq!(body["payment"]["billingKey"], "bk_1");
}

#[tokio::test]
async fn an_answer_lost_after_portone_charged_answers_502_and_the_same_request_later_records_it_once() {
    let (app, cards) = shop().await;
    // Every attempt of the first request (one and three retries) loses PortOne's answer.
    cards.lose_answers(4);

    let (status, _, lost) = start(&app, "order-1", body("pro", "bk_1")).await;

    assert_eq!(status, StatusCode::BAD_GATEWAY, "{lost:#}");
    snapshot!("start_upstream_failed", status, lost);
    assert_eq!(app.rows.len(), 0);

    let (status, headers, answer) = start(&app, "order-1", body("pro", "bk_1")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer:#}");
    assert!(
        headers.get("idempotent-replayed").is_none(),
        "completed now, not replayed"
    );
    assert_eq!(
        answer["checklist"][3]["message"],
        "이 요청의 첫 결제가 이미 완료되어 있어 결제한 내역을 이어서 기록합니다."
    );
    assert_eq!(app.rows.len(), 1);
    let payment_id = answer["subscription"]["subscription_id"].as_str().unwrap();
    assert_eq!(
        cards.payment(payment_id).unwrap()["status"],
        "PAID",
        "charged once, for this id"
    );
}
