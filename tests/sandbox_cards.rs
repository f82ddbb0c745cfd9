//! The README's self-service walk-through against the binary in sandbox mode: a customer signs in
//! (`POST /sandbox/auth/token`, an ES256 token the service verifies against the sandbox's own key
//! set over HTTP), sees only their own subscription, and fixes a declined renewal with a new card;
//! a declined new card keeps the retry, on the new card; resume and reconciliation schedule on the
//! new card.

use serde_json::{json, Value};

#[path = "support/sandbox.rs"]
mod sandbox_process;

use sandbox_process::Sandbox;

async fn issue(sandbox: &Sandbox, customer: &str, declines: u32) -> String {
    let (status, issued) = sandbox
        .call(
            "POST",
            "/sandbox/billing-keys",
            json!({ "customer_id": customer, "decline_charges": declines }),
        )
        .await;
    assert_eq!(status, 200, "{issued:#}");
    issued["billing_key"].as_str().unwrap().to_owned()
}

/// A subscription of `customer` whose renewals the card issuer declines (every try), recorded
/// through its webhook; its id.
async fn subscription_declining_renewals(sandbox: &Sandbox, customer: &str) -> String {
    let (_, created) = sandbox
        .call(
            "POST",
            "/sandbox/payments",
            json!({ "customer_id": customer, "decline_renewals": 100 }),
        )
        .await;
    let (status, recorded) = sandbox
        .call("POST", "/api/portone", created["webhook_body"].clone())
        .await;
    assert_eq!(status, 200, "{recorded:#}");
    created["payment_id"].as_str().unwrap().to_owned()
}

/// Every schedule at the simulator for `payment_id`, as PortOne's `PaymentSchedule`s.
async fn schedules_of(sandbox: &Sandbox, payment_id: &str) -> Vec<Value> {
    let (_, all) = sandbox.call("GET", "/sandbox/schedules", Value::Null).await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|s| s["paymentId"] == payment_id)
        .cloned()
        .collect()
}

async fn update_card(sandbox: &Sandbox, token: &str, id: &str, key: &str) -> (u16, Value) {
    sandbox
        .as_bearer(
            "POST",
            &format!("/api/subscriptions/{id}/payment-method"),
            token,
            &[],
            json!({ "billing_key": key }),
        )
        .await
}

#[tokio::test]
async fn a_customer_fixes_a_declined_renewal_with_a_new_card_and_it_is_recovered_at_once() {
    let sandbox = Sandbox::start().await;
    let id = subscription_declining_renewals(&sandbox, "user-1").await;
    subscription_declining_renewals(&sandbox, "user-2").await;
    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    assert_eq!(advanced["deliveries"][0]["event"], "Transaction.Failed");

    // Signed in after the clock moved: the token is valid by the sandbox clock.
    let token = sandbox.sign_in("user-1").await;
    let (status, mine) = sandbox
        .as_bearer("GET", "/api/subscriptions", &token, &[], Value::Null)
        .await;
    assert_eq!(status, 200, "{mine:#}");
    let listed = mine["subscriptions"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "only their own: {mine:#}");
    assert_eq!(listed[0]["subscription"]["status"], "past_due");
    assert!(
        listed[0]["payment_method"].is_object(),
        "the card rides along: {mine:#}"
    );

    let new_key = issue(&sandbox, "user-1", 0).await;
    let (status, updated) = update_card(&sandbox, &token, &id, &new_key).await;
    assert_eq!(status, 200, "{updated:#}");
    assert_eq!(updated["code"], "RENEWAL_RECOVERED");
    assert_eq!(updated["subscription"]["status"], "active");
    assert_eq!(updated["subscription"]["months"], 2);
    assert!(
        !updated.to_string().contains(&new_key),
        "no billing key to a customer's token"
    );
    let next = updated["subscription"]["next_charge"]["payment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scheduled = schedules_of(&sandbox, &next).await;
    assert_eq!(scheduled.len(), 1);
    assert_eq!(
        scheduled[0]["billingKey"],
        new_key.as_str(),
        "the next month on the new card"
    );

    // The detail shows the new card; the next renewal is charged on it and goes through.
    let (status, detail) = sandbox
        .as_bearer(
            "GET",
            &format!("/api/subscriptions/{id}"),
            &token,
            &[],
            Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    assert!(detail["payment_method"]["number"].is_string(), "{detail:#}");
    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    let renewal = advanced["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["payment_id"] == next)
        .unwrap_or_else(|| panic!("{advanced:#}"));
    assert_eq!(renewal["event"], "Transaction.Paid");
    assert_eq!(sandbox.subscription(&id).await["months"], 3);
}

#[tokio::test]
async fn a_declined_new_card_keeps_the_retry_which_then_runs_on_the_new_card() {
    let sandbox = Sandbox::start().await;
    let id = subscription_declining_renewals(&sandbox, "user-1").await;
    sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    let token = sandbox.sign_in("user-1").await;
    let retry = sandbox.subscription(&id).await["next_charge"].clone();
    let new_key = issue(&sandbox, "user-1", 1).await;

    let (status, declined) = update_card(&sandbox, &token, &id, &new_key).await;
    assert_eq!(status, 402, "{declined:#}");
    assert_eq!(declined["code"], "PAYMENT_DECLINED");
    let now = sandbox.subscription(&id).await;
    assert_eq!(now["status"], "past_due");
    assert_eq!(now["next_charge"], retry, "the same retry, at its own time");
    let live: Vec<Value> = schedules_of(&sandbox, retry["payment_id"].as_str().unwrap())
        .await
        .into_iter()
        .filter(|s| s["status"] == "SCHEDULED")
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["billingKey"], new_key.as_str());

    // At the retry's time the new card (its one decline used up) pays.
    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 1 }))
        .await;
    assert_eq!(
        advanced["deliveries"][0]["event"], "Transaction.Paid",
        "{advanced:#}"
    );
    let now = sandbox.subscription(&id).await;
    assert_eq!(
        (now["status"].as_str(), now["months"].as_u64()),
        (Some("active"), Some(2))
    );
}

#[tokio::test]
async fn resume_and_reconciliation_schedule_on_the_new_card() {
    let sandbox = Sandbox::start().await;
    let token = sandbox.sign_in("user-1").await;
    let first_key = issue(&sandbox, "user-1", 0).await;
    let (status, started) = sandbox
        .as_bearer(
            "POST",
            "/api/subscriptions",
            &token,
            &[("idempotency-key", "user-1-start")],
            json!({ "plan_id": "basic_monthly", "billing_key": first_key }),
        )
        .await;
    assert_eq!(status, 201, "{started:#}");
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pending = started["subscription"]["next_charge"]["payment_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, cancelled) = sandbox
        .as_bearer(
            "POST",
            &format!("/api/subscriptions/{id}/cancel"),
            &token,
            &[],
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{cancelled:#}");
    let second_key = issue(&sandbox, "user-1", 0).await;
    let (status, stored) = update_card(&sandbox, &token, &id, &second_key).await;
    assert_eq!(status, 200, "{stored:#}");
    assert_eq!(
        stored["checklist"][4]["status"], "skipped",
        "canceling: nothing scheduled"
    );
    assert!(schedules_of(&sandbox, &pending)
        .await
        .iter()
        .all(|s| s["status"] == "REVOKED"));

    let (status, resumed) = sandbox
        .as_bearer(
            "POST",
            &format!("/api/subscriptions/{id}/resume"),
            &token,
            &[],
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{resumed:#}");
    let live: Vec<Value> = schedules_of(&sandbox, &pending)
        .await
        .into_iter()
        .filter(|s| s["status"] == "SCHEDULED")
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(
        live[0]["billingKey"],
        second_key.as_str(),
        "resumed on the new card"
    );

    // The schedule is lost at PortOne; reconciliation re-creates it on the new card.
    let schedule_id = live[0]["id"].as_str().unwrap();
    let (status, _) = sandbox
        .admin(
            "DELETE",
            &format!("/api/admin/payment-schedules/{schedule_id}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200);
    let (status, report) = sandbox.admin("POST", "/api/admin/reconcile", json!({})).await;
    assert_eq!(status, 200, "{report:#}");
    let live: Vec<Value> = schedules_of(&sandbox, &pending)
        .await
        .into_iter()
        .filter(|s| s["status"] == "SCHEDULED")
        .collect();
    assert_eq!(live.len(), 1, "{report:#}");
    assert_eq!(
        live[0]["billingKey"],
        second_key.as_str(),
        "reconciled on the new card"
    );

    // Admin-only operations refuse the customer's token.
    let (status, refused) = sandbox
        .as_bearer("POST", "/api/admin/reconcile", &token, &[], json!({}))
        .await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("FORBIDDEN")));
}
