//! The sandbox's PortOne simulator answers as PortOne's schema says: every answer the tests see
//! validates against the schema component it claims to be (`tests/fixtures/portone/
//! schema-components.json`, extracted from PortOne's published OpenAPI document).

use std::sync::Arc;

use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::sandbox::simulator::{state::SimPayment, Simulator, SANDBOX_API_SECRET};
use serde_json::{json, Value};

fn validator(component: &str) -> jsonschema::Validator {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/portone/schema-components.json"
    );
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    apply_discriminators(&mut schema);
    schema["$ref"] = json!(format!("#/components/schemas/{component}"));
    jsonschema::validator_for(&schema).unwrap()
}

/// OpenAPI picks a `oneOf` branch by its `discriminator` (PortOne's variants share a plain-string
/// `status`/`type`, so JSON Schema's `oneOf` would find several matches). Rewrite each such
/// `oneOf` as "the discriminator is one of the mapped values, and that value's schema holds".
fn apply_discriminators(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let (Some(_), Some(discriminator)) =
                (object.get("oneOf"), object.get("discriminator").cloned())
            {
                let property = discriminator["propertyName"].as_str().unwrap().to_owned();
                let mapping = discriminator["mapping"].as_object().unwrap().clone();
                let branches: Vec<Value> = mapping
                    .iter()
                    .map(|(key, target)| json!({ "if": { "properties": { &property: { "const": key } } }, "then": { "$ref": target } }))
                    .collect();
                object.remove("oneOf");
                object.insert("required".into(), json!([property]));
                object.insert(
                    "properties".into(),
                    json!({ &property: { "enum": mapping.keys().collect::<Vec<_>>() } }),
                );
                object.insert("allOf".into(), Value::Array(branches));
            }
            object.values_mut().for_each(apply_discriminators);
        }
        Value::Array(items) => items.iter_mut().for_each(apply_discriminators),
        _ => {}
    }
}

pub fn assert_valid(component: &str, value: &Value) {
    let validator = validator(component);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not a {component}: {errors:?}\n{value:#}");
}

#[tokio::test]
async fn every_simulator_answer_validates_against_portone_schema() {
    let clock = Arc::new(FixedClock::at(crate::helpers::now()));
    let simulator = Simulator::new(clock);
    let base = simulator.serve().await.unwrap();
    {
        let mut state = simulator.state();
        state.issue_billing_key("bk-1", Some("c-1"), crate::helpers::now(), 0);
        state.payments.insert(
            "pay_1".into(),
            SimPayment {
                id: "pay_1".into(),
                status: "PAID",
                order_name: "월간 이용권".into(),
                amount: 9900,
                currency: "KRW".into(),
                billing_key: Some("bk-1".into()),
                customer_id: Some("c-1".into()),
                paid_at: crate::helpers::now(),
                cancelled_at: None,
                cancelled_amount: 0,
                custom_data: None,
                schedule_id: None,
                failure: None,
            },
        );
    }
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = http
            .request(method, format!("{base}{path}"))
            .header("authorization", format!("PortOne {SANDBOX_API_SECRET}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let schedule_body = json!({
        "payment": { "billingKey": "bk-1", "orderName": "월간 이용권", "customer": { "id": "c-1" }, "amount": { "total": 9900 }, "currency": "KRW" },
        "timeToPay": "2024-02-01T01:30:00.000Z"
    });

    let (status, paid) = call(reqwest::Method::GET, "/payments/pay_1", None).await;
    assert_eq!(status, 200);
    assert_valid("PaidPayment", &paid);
    let (status, missing) = call(reqwest::Method::GET, "/payments/nope", None).await;
    assert_eq!(status, 404);
    assert_valid("PaymentNotFoundError", &missing);

    let (status, created) = call(
        reqwest::Method::POST,
        "/payments/next-1/schedule",
        Some(schedule_body.clone()),
    )
    .await;
    assert_eq!(status, 200);
    assert_valid("CreatePaymentScheduleResponse", &created);
    let (status, exists) = call(
        reqwest::Method::POST,
        "/payments/next-1/schedule",
        Some(schedule_body.clone()),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("PaymentScheduleAlreadyExistsError", &exists);
    let mut unknown_key = schedule_body.clone();
    unknown_key["payment"]["billingKey"] = json!("bk-unknown");
    let (status, no_key) = call(
        reqwest::Method::POST,
        "/payments/next-2/schedule",
        Some(unknown_key),
    )
    .await;
    assert_eq!(status, 404);
    assert_valid("BillingKeyNotFoundError", &no_key);

    let id = created["schedule"]["id"].as_str().unwrap().to_owned();
    let (status, scheduled) = call(reqwest::Method::GET, &format!("/payment-schedules/{id}"), None).await;
    assert_eq!(status, 200);
    assert_valid("ScheduledPaymentSchedule", &scheduled);
    let list_query = json!({ "filter": { "billingKey": "bk-1", "from": "2024-01-31T00:00:00Z", "until": "2024-02-02T00:00:00Z" } });
    let (status, list) = call(
        reqwest::Method::GET,
        &format!(
            "/payment-schedules?requestBody={}",
            urlencode(&list_query.to_string())
        ),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_valid("GetPaymentSchedulesResponse", &list);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let revoke = json!({ "scheduleIds": [id] });
    let (status, revoked) = call(
        reqwest::Method::DELETE,
        "/payment-schedules",
        Some(revoke.clone()),
    )
    .await;
    assert_eq!(status, 200);
    assert_valid("RevokePaymentSchedulesResponse", &revoked);
    let (_, revoked_view) = call(reqwest::Method::GET, &format!("/payment-schedules/{id}"), None).await;
    assert_valid("RevokedPaymentSchedule", &revoked_view);
    let (status, again) = call(reqwest::Method::DELETE, "/payment-schedules", Some(revoke)).await;
    assert_eq!(status, 409);
    assert_valid("PaymentScheduleAlreadyRevokedError", &again);

    let (status, created) = call(
        reqwest::Method::POST,
        "/payments/next-1/schedule",
        Some(schedule_body),
    )
    .await;
    assert_eq!(status, 200, "a revoked payment id can be scheduled again");
    let second = created["schedule"]["id"].as_str().unwrap().to_owned();
    let due = simulator.state().due(
        chrono::DateTime::parse_from_rfc3339("2024-02-01T02:00:00Z")
            .unwrap()
            .into(),
    );
    simulator.state().execute(&due[0]);
    let (_, succeeded) = call(
        reqwest::Method::GET,
        &format!("/payment-schedules/{second}"),
        None,
    )
    .await;
    assert_valid("SucceededPaymentSchedule", &succeeded);
    let (_, renewal) = call(reqwest::Method::GET, "/payments/next-1", None).await;
    assert_valid("PaidPayment", &renewal);
    let (status, processed) = call(
        reqwest::Method::DELETE,
        "/payment-schedules",
        Some(json!({ "scheduleIds": [second] })),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("PaymentScheduleAlreadyProcessedError", &processed);

    // The query form of a DELETE body, as PortOne's SDKs send it.
    let (status, _) = call(
        reqwest::Method::POST,
        "/payments/next-3/schedule",
        Some(schedule_body_at("2024-03-01T01:30:00.000Z")),
    )
    .await;
    assert_eq!(status, 200);
    let third = simulator.state().schedules.last().unwrap().id.clone();
    let query = urlencode(&json!({ "scheduleIds": [third] }).to_string());
    let (status, revoked) = call(
        reqwest::Method::DELETE,
        &format!("/payment-schedules?requestBody={query}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    assert_valid("RevokePaymentSchedulesResponse", &revoked);
    assert_eq!(revoked["revokedScheduleIds"], json!([third]));

    // A declined charge: a FailedPayment with its failure, and a FAILED schedule.
    simulator.state().declines.insert("bk-1".into(), 1);
    let (status, _) = call(
        reqwest::Method::POST,
        "/payments/next-4/schedule",
        Some(schedule_body_at("2024-04-01T01:30:00.000Z")),
    )
    .await;
    assert_eq!(status, 200);
    let fourth = simulator.state().schedules.last().unwrap().clone();
    assert_eq!(simulator.state().execute(&fourth), "Transaction.Failed");
    let (_, failed) = call(reqwest::Method::GET, "/payments/next-4", None).await;
    assert_valid("FailedPayment", &failed);
    assert_eq!(failed["failure"]["pgCode"], "INSUFFICIENT_FUNDS");
    let (_, failed_schedule) = call(
        reqwest::Method::GET,
        &format!("/payment-schedules/{}", fourth.id),
        None,
    )
    .await;
    assert_valid("FailedPaymentSchedule", &failed_schedule);

    simulator.state().payments.get_mut("pay_1").unwrap().status = "CANCELLED";
    simulator.state().payments.get_mut("pay_1").unwrap().cancelled_at = Some(crate::helpers::now());
    let (_, cancelled) = call(reqwest::Method::GET, "/payments/pay_1", None).await;
    assert_valid("CancelledPayment", &cancelled);

    let unauthorized = http.get(format!("{base}/payments/pay_1")).send().await.unwrap();
    assert_eq!(unauthorized.status().as_u16(), 401);
    assert_valid("UnauthorizedError", &unauthorized.json::<Value>().await.unwrap());
}

/// The charges, billing keys and refunds: every answer and every error is its schema component.
#[tokio::test]
async fn charges_billing_keys_and_refunds_validate_against_portone_schema() {
    let clock = Arc::new(FixedClock::at(crate::helpers::now()));
    let simulator = Simulator::new(clock);
    let base = simulator.serve().await.unwrap();
    {
        let mut state = simulator.state();
        state.issue_billing_key("bk-1", Some("c-1"), crate::helpers::now(), 0);
        state.issue_billing_key("bk-declining", Some("c-1"), crate::helpers::now(), 1);
        state.issue_billing_key("bk-deleted", Some("c-1"), crate::helpers::now(), 0);
        state.billing_keys.get_mut("bk-deleted").unwrap().deleted_at = Some(crate::helpers::now());
    }
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = http
            .request(method, format!("{base}{path}"))
            .header("authorization", format!("PortOne {SANDBOX_API_SECRET}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let charge = |key: &str| {
        json!({ "billingKey": key, "orderName": "월간 이용권", "customer": { "id": "c-1" },
                "customData": "{\"planId\":\"pro\"}", "amount": { "total": 9900 }, "currency": "KRW" })
    };
    for body in [
        charge("bk-1"),
        json!({ "reason": "r", "amount": 100, "currentCancellableAmount": 9900 }),
    ] {
        let component = if body.get("billingKey").is_some() {
            "BillingKeyPaymentInput"
        } else {
            "CancelPaymentBody"
        };
        assert_valid(component, &body);
    }

    let (status, info) = call(reqwest::Method::GET, "/billing-keys/bk-1", None).await;
    assert_eq!(status, 200);
    assert_valid("IssuedBillingKeyInfo", &info);
    assert_valid("BillingKeyInfo", &info);
    let (_, deleted) = call(reqwest::Method::GET, "/billing-keys/bk-deleted", None).await;
    assert_valid("DeletedBillingKeyInfo", &deleted);
    let (status, unknown) = call(reqwest::Method::GET, "/billing-keys/bk-nope", None).await;
    assert_eq!(status, 404);
    assert_valid("BillingKeyNotFoundError", &unknown);

    let (status, paid) = call(
        reqwest::Method::POST,
        "/payments/first-1/billing-key",
        Some(charge("bk-1")),
    )
    .await;
    assert_eq!(status, 200);
    assert_valid("PayWithBillingKeyResponse", &paid);
    let (_, payment) = call(reqwest::Method::GET, "/payments/first-1", None).await;
    assert_valid("PaidPayment", &payment);
    assert_eq!(payment["customData"], r#"{"planId":"pro"}"#);
    let (status, again) = call(
        reqwest::Method::POST,
        "/payments/first-1/billing-key",
        Some(charge("bk-1")),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("AlreadyPaidError", &again);
    let (status, declined) = call(
        reqwest::Method::POST,
        "/payments/first-2/billing-key",
        Some(charge("bk-declining")),
    )
    .await;
    assert_eq!(status, 502);
    assert_valid("PgProviderError", &declined);
    let (_, failed) = call(reqwest::Method::GET, "/payments/first-2", None).await;
    assert_valid("FailedPayment", &failed);
    let (status, gone) = call(
        reqwest::Method::POST,
        "/payments/first-3/billing-key",
        Some(charge("bk-deleted")),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("BillingKeyAlreadyDeletedError", &gone);

    let refund = |amount: Option<i64>, cancellable: i64| {
        let mut body = json!({ "reason": "고객 요청", "currentCancellableAmount": cancellable });
        if let Some(amount) = amount {
            body["amount"] = json!(amount);
        }
        body
    };
    let (status, partial) = call(
        reqwest::Method::POST,
        "/payments/first-1/cancel",
        Some(refund(Some(3000), 9900)),
    )
    .await;
    assert_eq!(status, 200);
    assert_valid("CancelPaymentResponse", &partial);
    let (_, partially) = call(reqwest::Method::GET, "/payments/first-1", None).await;
    assert_valid("PartialCancelledPayment", &partially);
    assert_eq!(partially["amount"]["cancelled"], 3000);
    let (status, stale) = call(
        reqwest::Method::POST,
        "/payments/first-1/cancel",
        Some(refund(None, 9900)),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("CancellableAmountConsistencyBrokenError", &stale);
    let (status, over) = call(
        reqwest::Method::POST,
        "/payments/first-1/cancel",
        Some(refund(Some(7000), 6900)),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("CancelAmountExceedsCancellableAmountError", &over);
    let (status, rest) = call(
        reqwest::Method::POST,
        "/payments/first-1/cancel",
        Some(refund(None, 6900)),
    )
    .await;
    assert_eq!(status, 200);
    assert_valid("CancelPaymentResponse", &rest);
    let (_, cancelled) = call(reqwest::Method::GET, "/payments/first-1", None).await;
    assert_valid("CancelledPayment", &cancelled);
    let (status, twice) = call(
        reqwest::Method::POST,
        "/payments/first-1/cancel",
        Some(refund(None, 0)),
    )
    .await;
    assert_eq!(status, 409);
    assert_valid("PaymentAlreadyCancelledError", &twice);
}

fn schedule_body_at(time_to_pay: &str) -> Value {
    json!({
        "payment": { "billingKey": "bk-1", "orderName": "월간 이용권", "customer": { "id": "c-1" }, "amount": { "total": 9900 }, "currency": "KRW" },
        "timeToPay": time_to_pay
    })
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn wiremock_fixtures_are_what_portone_schema_says() {
    for (file, component) in [
        ("paid_payment.json", "PaidPayment"),
        ("cancelled_payment.json", "CancelledPayment"),
        ("failed_payment.json", "FailedPayment"),
        (
            "billing_key_already_deleted.json",
            "BillingKeyAlreadyDeletedError",
        ),
        ("schedule_created.json", "CreatePaymentScheduleResponse"),
        ("payment_not_found.json", "PaymentNotFoundError"),
        (
            "schedule_already_exists.json",
            "PaymentScheduleAlreadyExistsError",
        ),
        ("billing_key_not_found.json", "BillingKeyNotFoundError"),
        ("unauthorized.json", "UnauthorizedError"),
        ("billing_key_issued.json", "IssuedBillingKeyInfo"),
        ("billing_key_deleted.json", "DeletedBillingKeyInfo"),
        ("pay_with_billing_key.json", "PayWithBillingKeyResponse"),
        ("pg_provider_declined.json", "PgProviderError"),
        ("already_paid.json", "AlreadyPaidError"),
        ("cancel_payment.json", "CancelPaymentResponse"),
        ("partial_cancelled_payment.json", "PartialCancelledPayment"),
        ("payment_already_cancelled.json", "PaymentAlreadyCancelledError"),
        (
            "cancel_amount_exceeds_cancellable.json",
            "CancelAmountExceedsCancellableAmountError",
        ),
        (
            "cancellable_amount_consistency_broken.json",
            "CancellableAmountConsistencyBrokenError",
        ),
    ] {
        assert_valid(component, &crate::helpers::fixture(file));
    }
}
