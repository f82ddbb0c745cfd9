//! The README's checkout walk-through against the binary in sandbox mode: the starting plans,
//! a billing key issued, a trial started and charged when it ends, a paid start charged at once,
//! a declined first charge, and refunds.

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

fn start_body(customer: &str, plan: &str, key: &str) -> Value {
    json!({ "customer_id": customer, "plan_id": plan, "billing_key": key })
}

#[tokio::test]
async fn a_trial_then_its_first_charge_and_a_renewal() {
    let sandbox = Sandbox::start().await;
    let (status, plans) = sandbox.admin("GET", "/api/plans", Value::Null).await;
    assert_eq!(status, 200);
    let ids: Vec<_> = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["basic_monthly", "pro_monthly", "pro_yearly"]);
    let key = issue(&sandbox, "user-1", 0).await;

    let (status, replayed, started) = sandbox
        .admin_start("order-1", start_body("user-1", "pro_monthly", &key))
        .await;
    assert_eq!((status, replayed), (201, false), "{started:#}");
    assert_eq!(started["code"], "TRIAL_STARTED");
    assert_eq!(started["subscription"]["status"], "trialing");
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, replayed, again) = sandbox
        .admin_start("order-1", start_body("user-1", "pro_monthly", &key))
        .await;
    assert_eq!((status, replayed, &again), (201, true, &started));

    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 15 }))
        .await;
    let deliveries = advanced["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "the first charge, when the trial ended");
    assert_eq!(deliveries[0]["event"], "Transaction.Paid");
    let now = sandbox.subscription(&id).await;
    assert_eq!(
        (now["status"].as_str(), now["months"].as_u64()),
        (Some("active"), Some(1))
    );
    assert_eq!(now["amount"], 19_900);
    assert_eq!(now["plan_id"], "pro_monthly");

    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    assert_eq!(advanced["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox.subscription(&id).await["months"], 2);
}

#[tokio::test]
async fn a_paid_start_a_declined_one_and_refunds() {
    let sandbox = Sandbox::start().await;
    let declining = issue(&sandbox, "user-2", 1).await;

    let (status, _, declined) = sandbox
        .admin_start("order-1", start_body("user-2", "basic_monthly", &declining))
        .await;
    assert_eq!(status, 402, "{declined:#}");
    assert_eq!(declined["checklist"][3]["data"]["pgCode"], "INSUFFICIENT_FUNDS");

    // A new key: the card works now.
    let (status, _, started) = sandbox
        .admin_start("order-2", start_body("user-2", "basic_monthly", &declining))
        .await;
    assert_eq!(status, 201, "{started:#}");
    assert_eq!(started["subscription"]["status"], "active");
    let id = started["subscription"]["subscription_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let refund = format!("/api/subscriptions/{id}/refund");
    let (status, partial) = sandbox
        .admin("POST", &refund, json!({ "reason": "일부", "amount": 2000 }))
        .await;
    assert_eq!(
        (status, partial["subscription"]["status"].as_str()),
        (200, Some("active"))
    );
    let (status, full) = sandbox.admin("POST", &refund, json!({ "reason": "전액" })).await;
    assert_eq!(status, 200, "{full:#}");
    assert_eq!(
        full["refund"],
        json!({ "amount": 7900, "refunded_total": 9900, "full": true })
    );
    assert_eq!(full["subscription"]["status"], "refunded");
    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 40 }))
        .await;
    assert_eq!(
        advanced["deliveries"],
        json!([]),
        "nothing is charged after a full refund"
    );
}

/// The seeded yearly plan: its period ends on the same Seoul day and time a year on, and the
/// renewal a year later starts exactly there (anchored), even though it is paid the day after.
#[tokio::test]
async fn a_yearly_plan_renews_on_its_anchor_a_year_later() {
    let sandbox = Sandbox::start().await;
    let key = issue(&sandbox, "user-y", 0).await;
    let (status, _, started) = sandbox
        .admin_start("yearly-1", start_body("user-y", "pro_yearly", &key))
        .await;
    assert_eq!(status, 201, "{started:#}");
    let first = &started["subscription"];
    let id = first["subscription_id"].as_str().unwrap().to_owned();
    assert_eq!(
        (first["interval"].clone(), first["interval_count"].clone()),
        (json!("year"), json!(1))
    );
    assert_eq!(first["anchor_at"], first["start_at"]);
    let start: chrono::DateTime<chrono::Utc> = first["start_at"].as_str().unwrap().parse().unwrap();
    let end: chrono::DateTime<chrono::Utc> = first["end_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        end,
        start.checked_add_months(chrono::Months::new(12)).unwrap(),
        "a calendar year on"
    );

    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 366 }))
        .await;
    assert_eq!(
        advanced["deliveries"].as_array().unwrap().len(),
        1,
        "{advanced:#}"
    );
    let renewed = sandbox.subscription(&id).await;
    assert_eq!(renewed["months"], 2);
    assert_eq!(
        renewed["start_at"], first["end_at"],
        "the renewal starts where the year ended"
    );
    assert_eq!(renewed["anchor_at"], first["anchor_at"]);
    let next_end: chrono::DateTime<chrono::Utc> = renewed["end_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        next_end,
        start.checked_add_months(chrono::Months::new(24)).unwrap()
    );
}
