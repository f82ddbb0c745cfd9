//! What a signed-in customer's token may set, field by field, on every operation a customer may
//! call: only what a customer may choose. Terms of their own (a plan change's `amount`,
//! `orderName`, `currency`) are the admin's (403 `ADMIN_ONLY_FIELD`), another customer's id is
//! forbidden, unknown fields and wrong types are a 400, and none of it reaches PortOne.

use poem::http::StatusCode;
use serde_json::json;

use crate::helpers::{assert_request_refused, paid_payment, spawn_app_with, Options, TestApp, ADMIN_TOKEN};
use crate::tokens::{es256, Project};

/// An app accepting `project`'s tokens, with `pay_a` of `user-a` recorded.
async fn app_with_subscription(project: &Project) -> TestApp {
    let app = spawn_app_with(Options {
        user_tokens: Some(project.settings(false)),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    let mut payment = paid_payment("pay_a");
    payment["customer"]["id"] = json!("user-a");
    app.portone_has_payment(&payment).await;
    let (status, body) = app.send("pay_a", "Paid").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app
}

#[tokio::test]
async fn a_customer_cannot_set_a_plan_change_s_price_name_or_currency() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_with_subscription(&project).await;
    let alice = project.bearer(&ec, "user-a");
    let calls_before = app.portone_calls().await.len();

    for body in [
        json!({ "amount": 1, "order_name": "x" }),
        json!({ "amount": 1, "order_name": "x", "currency": "USD" }),
        json!({ "plan_id": "basic", "currency": "USD" }),
        json!({ "plan_id": "basic", "order_name": "공짜" }),
        json!({ "plan_id": "basic", "amount": 1 }),
    ] {
        let (status, _, answer) = app
            .request_as(
                "POST",
                "/api/subscriptions/pay_a/change",
                Some(&alice),
                &[],
                &body.to_string(),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {answer}");
        assert_eq!(answer["code"], "ADMIN_ONLY_FIELD", "{body}");
    }
    assert_eq!(
        app.portone_calls().await.len(),
        calls_before,
        "no schedule was revoked or created"
    );

    // The admin may set terms of their own.
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let body = json!({ "amount": 12_000, "order_name": "맞춤 요금" }).to_string();
    let (status, _, answer) = app
        .request_as(
            "POST",
            "/api/subscriptions/pay_a/change",
            Some(&admin),
            &[],
            &body,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["subscription"]["next_charge"]["amount"], 12_000);
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_refused_before_anything_runs() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_with_subscription(&project).await;
    let alice = project.bearer(&ec, "user-a");
    let calls_before = app.portone_calls().await.len();
    let key = [("Idempotency-Key", "k-1")];

    for (uri, body, headers) in [
        // A field no operation knows, on each body a customer may send.
        (
            "/api/subscriptions",
            json!({ "plan_id": "basic", "billing_key": "bk", "amount": 1 }),
            &key[..],
        ),
        (
            "/api/subscriptions/pay_a/change",
            json!({ "plan_id": "basic", "price": 1 }),
            &[][..],
        ),
        (
            "/api/subscriptions/pay_a/payment-method",
            json!({ "billing_key": "bk", "amount": 1 }),
            &[][..],
        ),
        // Numbers and booleans are not strings (they used to be turned into "1" and "true").
        (
            "/api/subscriptions",
            json!({ "plan_id": "basic", "billing_key": 1 }),
            &key[..],
        ),
        (
            "/api/subscriptions",
            json!({ "plan_id": true, "billing_key": "bk" }),
            &key[..],
        ),
        (
            "/api/subscriptions",
            json!({ "customer_id": 1, "plan_id": "basic", "billing_key": "bk" }),
            &key[..],
        ),
        (
            "/api/subscriptions/pay_a/change",
            json!({ "plan_id": 7 }),
            &[][..],
        ),
        (
            "/api/subscriptions/pay_a/payment-method",
            json!({ "billing_key": false }),
            &[][..],
        ),
        // NUL and other control characters never reach storage or PortOne.
        (
            "/api/subscriptions",
            json!({ "plan_id": "basic", "billing_key": "bk\u{0}" }),
            &key[..],
        ),
        (
            "/api/subscriptions/pay_a/change",
            json!({ "plan_id": "ba\u{0}sic" }),
            &[][..],
        ),
        (
            "/api/subscriptions/pay_a/payment-method",
            json!({ "billing_key": "\u{1b}[2J" }),
            &[][..],
        ),
    ] {
        let (status, _, answer) = app
            .request_as("POST", uri, Some(&alice), headers, &body.to_string())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {answer}");
        assert_request_refused(&answer, &format!("{uri} {body}"));
    }
    assert_eq!(app.portone_calls().await.len(), calls_before);
}

/// Seats over HTTP with a customer's token: their own subscription only (another's is 404, as
/// if it did not exist), a price of their own with seats is the admin's, and a quantity or key
/// out of shape is a 400 before anything is read; none of it reaches PortOne.
#[tokio::test]
async fn a_customer_may_change_their_own_seats_and_nothing_else() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_with_subscription(&project).await;
    let alice = project.bearer(&ec, "user-a");
    let mallory = project.bearer(&ec, "user-m");
    let calls_before = app.portone_calls().await.len();
    let post = |token: String,
                uri: &'static str,
                headers: Vec<(&'static str, &'static str)>,
                body: serde_json::Value| {
        let app = &app;
        async move {
            app.request_as("POST", uri, Some(&token), &headers, &body.to_string())
                .await
        }
    };

    let (status, _, answer) = post(
        mallory.clone(),
        "/api/subscriptions/pay_a/quantity",
        vec![("idempotency-key", "m-1")],
        json!({ "quantity": 2 }),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND")),
        "{answer}"
    );

    let (status, _, answer) = post(
        alice.clone(),
        "/api/subscriptions/pay_a/change",
        vec![],
        json!({ "quantity": 2, "amount": 1, "order_name": "x" }),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("ADMIN_ONLY_FIELD"))
    );

    for (headers, body) in [
        (vec![("idempotency-key", "a-1")], json!({ "quantity": 0 })),
        (vec![("idempotency-key", "a-1")], json!({ "quantity": 10_001 })),
        (vec![("idempotency-key", "a-1")], json!({ "quantity": "3" })),
        (
            vec![("idempotency-key", "a-1")],
            json!({ "quantity": 3, "amount": 1 }),
        ),
        (vec![("idempotency-key", "a b")], json!({ "quantity": 3 })),
        (vec![], json!({})),
    ] {
        let (status, _, answer) = post(
            alice.clone(),
            "/api/subscriptions/pay_a/quantity",
            headers.clone(),
            body.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{headers:?} {body}: {answer}");
        assert!(answer["code"].is_string(), "{answer}");
    }
    for uri in [
        "/api/subscriptions/pay_a/change-preview?quantity=0",
        "/api/subscriptions/pay_a/change-preview",
        "/api/subscriptions/pay_a/change-preview?plan_id=a%20b",
    ] {
        let (status, _, answer) = app.request_as("GET", uri, Some(&alice), &[], "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {answer}");
    }
    assert_eq!(
        app.portone_calls().await.len(),
        calls_before,
        "PortOne was not asked"
    );
}

#[tokio::test]
async fn a_customer_cannot_give_themselves_a_coupon_or_list_the_codes() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_with_subscription(&project).await;
    let coupon = json!({ "name": "전액 무료", "percent_off": 100, "duration": "forever" });
    let (status, _, _) = app
        .admin_with("PUT", "/api/coupons/FREE", &[], &coupon.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let alice = project.bearer(&ec, "user-a");
    let calls_before = app.portone_calls().await.len();
    let body = json!({ "coupon_id": "FREE" }).to_string();
    let terms = coupon.to_string();
    for (method, uri, body) in [
        ("POST", "/api/subscriptions/pay_a/discount", body.as_str()),
        ("DELETE", "/api/subscriptions/pay_a/discount", ""),
    ] {
        let (status, _, answer) = app.request_as(method, uri, Some(&alice), &[], body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {answer}");
        assert_eq!(answer["code"], "ADMIN_ONLY");
    }
    for (method, uri, body) in [
        ("GET", "/api/coupons", ""),
        ("GET", "/api/promotion-codes", ""),
        ("PUT", "/api/coupons/MINE", terms.as_str()),
    ] {
        let (status, _, answer) = app.request_as(method, uri, Some(&alice), &[], body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {answer}");
    }
    assert_eq!(app.portone_calls().await.len(), calls_before, "PortOne untouched");
    // The admin may: the next charge is free, so its schedule is revoked and none created.
    let (status, _, answer) = app
        .admin_with("POST", "/api/subscriptions/pay_a/discount", &[], &body)
        .await;
    assert_eq!(status, StatusCode::OK, "{answer:#}");
    assert_eq!(answer["code"], "DISCOUNT_APPLIED");
    assert_eq!(answer["subscription"]["next_charge"]["amount"], 0);
    assert_eq!(answer["subscription"]["next_charge"]["list_amount"], 10_000);
}
