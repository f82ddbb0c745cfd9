//! Card updates over HTTP (`POST /api/subscriptions/{id}/payment-method`) against PortOne's
//! stateful stand-ins (schedules, billing keys, charges: schema-checked fixtures) and the
//! migrations' SQL on a real PostgreSQL: outside dunning the pending charge moves to the new
//! card; during dunning the retry is charged on it now (recovered, or declined and scheduled on
//! it again); the next renewal and every refusal. Every answer is a snapshot.

use poem::http::StatusCode;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::schedule_id::{next_schedule_id, retry_payment_id};
use serde_json::{json, Value};

use crate::helpers::{fixture, paid_payment, spawn_app, Schedules, TestApp, ADMIN_TOKEN};
use crate::portone_cards::Cards;
use crate::snapshot;

const NEW_KEY: &str = "billing-key-new-card";

fn first_charge() -> PaymentId {
    next_schedule_id(&PaymentId::parse("pay_123456").unwrap())
}

/// `pay_123456` (customer `customer_1`, card `billing_key_123`) recorded and its renewal
/// scheduled.
async fn recorded() -> (TestApp, Schedules) {
    let app = spawn_app().await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    let schedules = app.portone_schedules().await;
    let (status, _) = app.send("pay_123456", "Paid").await;
    assert_eq!(status, StatusCode::OK);
    (app, schedules)
}

/// PortOne's billing keys and charges, mounted after the payments a test reads by id (the
/// stand-in answers every other `GET /payments/{id}`); the new card issued to `customer_1`.
async fn cards_of(app: &TestApp) -> Cards {
    let cards = Cards::mount(&app.portone).await;
    cards.issue(NEW_KEY, "customer_1");
    cards
}

async fn subscribed() -> (TestApp, Schedules, Cards) {
    let (app, schedules) = recorded().await;
    let cards = cards_of(&app).await;
    (app, schedules, cards)
}

/// The renewal's first charge declined: the subscription is `past_due`, retry 1 scheduled.
async fn past_due() -> (TestApp, Schedules, Cards) {
    let (app, schedules) = recorded().await;
    let mut failed = fixture("failed_payment.json");
    failed["id"] = json!(first_charge().to_string());
    failed["failedAt"] = json!("2024-02-01T01:30:01Z");
    app.portone_has_payment(&failed).await;
    app.clock.set("2024-02-01T01:30:01Z".parse().unwrap());
    let (status, body) = app.send(first_charge().as_str(), "Failed").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cards = cards_of(&app).await;
    (app, schedules, cards)
}

async fn update_card(app: &TestApp, key: &str) -> (StatusCode, Value) {
    let (status, _, body) = app
        .admin_with(
            "POST",
            "/api/subscriptions/pay_123456/payment-method",
            &[],
            &json!({ "billing_key": key }).to_string(),
        )
        .await;
    (status, body)
}

fn codes(body: &Value) -> Vec<String> {
    body["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            format!(
                "{}:{}",
                step["code"].as_str().unwrap(),
                step["status"].as_str().unwrap()
            )
        })
        .collect()
}

/// The bodies PortOne received for `POST /payments/{id}/billing-key`, with their headers.
async fn charges(app: &TestApp) -> Vec<(String, Value, String)> {
    app.portone
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/billing-key"))
        .map(|r| {
            (
                r.url.path().to_owned(),
                serde_json::from_slice(&r.body).unwrap(),
                r.headers["idempotency-key"].to_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn outside_dunning_the_pending_charge_moves_to_the_new_card() {
    let (app, schedules, cards) = subscribed().await;
    let original = schedules.all()[0].clone();

    let (status, body) = update_card(&app, NEW_KEY).await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["code"], "CARD_UPDATED");
    assert_eq!(
        codes(&body),
        [
            "check_subscription:success",
            "check_billing_key:success",
            "revoke_pending_charge:success",
            "save_payment_method:success",
            "schedule_with_new_card:success"
        ]
    );
    assert_eq!(schedules.revoked(), vec![original.id.clone()]);
    let created = schedules.created();
    assert_eq!(created.len(), 2);
    let (payment_id, request) = &created[1];
    assert_eq!(payment_id, first_charge().as_str(), "the same paymentId");
    assert_eq!(request["payment"]["billingKey"], NEW_KEY);
    assert_eq!(
        request["timeToPay"], original.body["timeToPay"],
        "at its own time"
    );
    assert_eq!(request["payment"]["amount"], original.body["payment"]["amount"]);
    assert_eq!(body["payment_method"]["number"], "4330-12**-****-1234", "{body}");
    assert!(!body.to_string().contains(NEW_KEY), "the key is never answered");
    snapshot!("card_updated", status, body);

    // The detail shows the stored card.
    let (status, detail) = app.admin("GET", "/api/subscriptions/pay_123456").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["payment_method"], body["payment_method"]);

    // The renewal it pays is scheduled on the new card too, though the charge reports the old.
    let mut renewal = paid_payment(first_charge().as_str());
    renewal["paidAt"] = json!("2024-01-31T01:30:00Z");
    cards.holds(renewal);
    app.clock.set("2024-01-31T01:30:05Z".parse().unwrap());
    let (status, paid) = app.send(first_charge().as_str(), "Paid").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let next = schedules.created().last().unwrap().clone();
    assert_eq!(next.1["payment"]["billingKey"], NEW_KEY);
}

#[tokio::test]
async fn during_dunning_the_retry_is_charged_now_and_the_renewal_recovered() {
    let (app, schedules, cards) = past_due().await;
    let retry = retry_payment_id(&first_charge(), 1);
    cards.set_now("2024-02-01T02:00:00Z");
    app.clock.set("2024-02-01T02:00:00Z".parse().unwrap());

    let (status, body) = update_card(&app, NEW_KEY).await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["code"], "RENEWAL_RECOVERED");
    assert_eq!(
        codes(&body),
        [
            "check_subscription:success",
            "check_billing_key:success",
            "revoke_pending_charge:success",
            "save_payment_method:success",
            "charge_retry_now:success",
            "fetch_payment:success",
            "save_payment:success",
            "schedule_next_payment:success"
        ]
    );
    let charged = charges(&app).await;
    assert_eq!(charged.len(), 1);
    let (path, request, key) = &charged[0];
    assert_eq!(
        path,
        &format!("/payments/{retry}/billing-key"),
        "the retry's own paymentId"
    );
    assert_eq!(request["billingKey"], NEW_KEY);
    assert_eq!(request["skipWebhook"], true);
    assert_eq!(request["customer"]["id"], "customer_1");
    assert!(key.starts_with("\"card-charge-"), "{key}");
    let revoked = schedules.revoked();
    assert_eq!(revoked.len(), 1, "the pending retry's schedule");
    let next = schedules.created().last().unwrap().clone();
    assert_eq!(
        next.1["payment"]["billingKey"], NEW_KEY,
        "the next month on the new card"
    );
    assert_eq!(body["subscription"]["status"], "active");
    assert_eq!(body["subscription"]["months"], 2);
    snapshot!("card_update_recovered", status, body);

    // Sending it again charges nothing more: the retry is paid, the subscription active.
    let (status, again) = update_card(&app, NEW_KEY).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(charges(&app).await.len(), 1);
}

#[tokio::test]
async fn a_declined_new_card_answers_402_and_the_retry_is_scheduled_on_it_again() {
    let (app, schedules, cards) = past_due().await;
    let retry = retry_payment_id(&first_charge(), 1);
    let original_retry = schedules.created().last().unwrap().clone();
    assert_eq!(original_retry.0, retry.to_string());
    cards.decline_next(NEW_KEY, 1);

    let (status, body) = update_card(&app, NEW_KEY).await;

    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body:#}");
    assert_eq!(body["code"], "PAYMENT_DECLINED");
    assert_eq!(
        codes(&body),
        [
            "check_subscription:success",
            "check_billing_key:success",
            "revoke_pending_charge:success",
            "save_payment_method:success",
            "charge_retry_now:failed",
            "schedule_retry:success"
        ]
    );
    assert_eq!(
        body["checklist"][4]["data"]["pgCode"], "INSUFFICIENT_FUNDS",
        "{body}"
    );
    let again = schedules.created().last().unwrap().clone();
    assert_eq!(again.0, retry.to_string(), "the same retry");
    assert_eq!(again.1["payment"]["billingKey"], NEW_KEY);
    assert_eq!(
        again.1["timeToPay"], original_retry.1["timeToPay"],
        "at its own time"
    );
    assert_eq!(body["subscription"]["status"], "past_due");
    assert_eq!(
        body["subscription"]["renewal_attempts"], 1,
        "the customer's try is not an attempt"
    );
    snapshot!("card_update_declined", status, body);
}

#[tokio::test]
async fn a_key_of_another_customer_unknown_deleted_or_an_ended_subscription_is_refused() {
    let (app, schedules, cards) = subscribed().await;
    cards.issue("someone-elses-key", "customer_2");
    cards.issue("deleted-key", "customer_1");
    cards.delete("deleted-key");

    for (key, expected, code, name) in [
        (
            "someone-elses-key",
            StatusCode::FORBIDDEN,
            "BILLING_KEY_CUSTOMER_MISMATCH",
            "card_update_other_customer",
        ),
        (
            "no-such-key",
            StatusCode::NOT_FOUND,
            "BILLING_KEY_NOT_FOUND",
            "card_update_unknown_key",
        ),
        (
            "deleted-key",
            StatusCode::CONFLICT,
            "BILLING_KEY_ALREADY_DELETED",
            "card_update_deleted_key",
        ),
    ] {
        let (status, body) = update_card(&app, key).await;
        assert_eq!(status, expected, "{key}: {body:#}");
        assert_eq!(body["code"], code);
        snapshot!(name, status, body);
    }
    assert!(schedules.revoked().is_empty(), "nothing moved");
    assert_eq!(charges(&app).await.len(), 0);

    // Past its grace, unpaid, and PortOne confirms nothing will be charged: the subscription
    // lapsed; start a new one instead.
    for (payment_id, _) in schedules.created() {
        schedules.revoke_at_portone(&payment_id);
    }
    app.clock.set("2024-03-15T00:00:00Z".parse().unwrap());
    let graces = app.reconciler.settle_graces().await.unwrap();
    assert_eq!(graces.lapsed, 1, "{graces:?}");
    let (status, body) = update_card(&app, NEW_KEY).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body:#}");
    assert_eq!(body["code"], "SUBSCRIPTION_NOT_RENEWABLE");
    snapshot!("card_update_lapsed", status, body);

    let (status, _, body) = app
        .request_as(
            "POST",
            "/api/subscriptions/pay_123456/payment-method",
            Some(&format!("Bearer {ADMIN_TOKEN}")),
            &[],
            r#"{"billing_key": "  "}"#,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("BAD_REQUEST"))
    );
}

#[tokio::test]
async fn a_webhook_born_subscription_s_card_is_read_from_portone_once_then_stored() {
    let (app, _schedules, cards) = subscribed().await;
    cards.issue("billing_key_123", "customer_1");

    let (status, _, first) = app
        .admin_with("GET", "/api/subscriptions/pay_123456", &[], "")
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(card_lookups(&app).await, 1);
    for _ in 0..3 {
        let (_, _, again) = app
            .admin_with("GET", "/api/subscriptions/pay_123456", &[], "")
            .await;
        assert_eq!(again["payment_method"], first["payment_method"]);
    }
    assert_eq!(card_lookups(&app).await, 1, "later reads ask storage only");

    // A card update replaces it as before.
    let (status, body) = update_card(&app, NEW_KEY).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, after) = app
        .admin_with("GET", "/api/subscriptions/pay_123456", &[], "")
        .await;
    assert_eq!(after["payment_method"], body["payment_method"]);
}

/// How many times PortOne's billing-key lookup (`getBillingKeyInfo`) was called.
async fn card_lookups(app: &TestApp) -> usize {
    app.portone_calls()
        .await
        .iter()
        .filter(|call| call.starts_with("GET /billing-keys/"))
        .count()
}
