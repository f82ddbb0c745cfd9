//! The README walk-through, end to end: the binary in sandbox mode as a separate process on a free
//! port, driven over HTTP: create a payment, send its webhook, twelve renewals by advancing the
//! clock, cancel, and nothing more after that.

use serde_json::{json, Value};

#[path = "support/prometheus.rs"]
mod prometheus;
#[path = "support/sandbox.rs"]
mod sandbox_process;

use sandbox_process::Sandbox;

#[tokio::test]
async fn a_year_of_renewals_then_a_cancel_in_the_sandbox() {
    let sandbox = Sandbox::start().await;

    let (status, created) = sandbox
        .call("POST", "/sandbox/payments", json!({ "amount": 9900 }))
        .await;
    assert_eq!(status, 200);
    let (status, first) = sandbox
        .call("POST", "/api/portone", created["webhook_body"].clone())
        .await;
    assert_eq!(
        (status, first["success"].clone()),
        (200, json!(true)),
        "{first:#}"
    );
    assert_eq!(first["checklist"][4]["status"], "success");

    let mut latest = created["payment_id"].as_str().unwrap().to_owned();
    for month in 1..=12 {
        let (status, advanced) = sandbox
            .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
            .await;
        assert_eq!(status, 200);
        let deliveries = advanced["deliveries"].as_array().unwrap();
        assert_eq!(deliveries.len(), 1, "month {month}: {advanced:#}");
        let renewal = &deliveries[0];
        assert_eq!(renewal["http_status"], 200, "month {month}: {renewal:#}");
        assert_eq!(renewal["response"]["success"], true);
        assert_eq!(
            renewal["response"]["checklist"][4]["message"],
            "다음달 구독을 성공적으로 예약했습니다."
        );
        latest = renewal["payment_id"].as_str().unwrap().to_owned();
    }
    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    let rows = ledger.as_array().unwrap();
    assert_eq!(rows.len(), 13);
    for pair in rows.windows(2) {
        assert_eq!(
            pair[1]["transaction_key"], pair[0]["next_schedule_id"],
            "each renewal is the scheduled payment"
        );
        assert_eq!(pair[1]["start_at"], pair[0]["next_schedule_at"]);
    }

    let (status, cancelled) = sandbox
        .call("POST", &format!("/sandbox/payments/{latest}/cancel"), Value::Null)
        .await;
    assert_eq!(status, 200);
    let answer = &cancelled["deliveries"][0]["response"];
    assert_eq!(answer["success"], true, "{cancelled:#}");
    assert_eq!(
        answer["checklist"][4]["message"],
        "다음달 구독 예약을 취소했습니다."
    );

    let (_, after) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 62 }))
        .await;
    assert_eq!(after["deliveries"], json!([]), "the chain stops after the cancel");
    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    assert_eq!(ledger.as_array().unwrap().len(), 13);
    assert_eq!(ledger[12]["status"], "Cancelled");
}

#[tokio::test]
async fn with_a_webhook_secret_the_simulator_signs_its_deliveries() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let sandbox = Sandbox::start_with(&[("PORTONE_WEBHOOK_SECRET", secret)]).await;
    let (_, created) = sandbox.call("POST", "/sandbox/payments", json!({})).await;
    let body = created["webhook_body"].to_string();

    let (status, unsigned) = sandbox
        .call("POST", "/api/portone", created["webhook_body"].clone())
        .await;
    assert_eq!(status, 401, "{unsigned:#}");

    let (_, health) = sandbox.call("GET", "/healthz", Value::Null).await;
    assert_eq!(health["sandbox"], true);
    let (_, paid) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    assert_eq!(paid, json!([]));
    // Sign as PortOne would, at the sandbox clock's time (it started at today's noon KST).
    let (_, schedules) = sandbox.call("GET", "/sandbox/schedules", Value::Null).await;
    assert_eq!(schedules, json!([]));
    let paid_at: chrono::DateTime<chrono::Utc> = created["paid_at"].as_str().unwrap().parse().unwrap();
    let signature = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign("msg-1", paid_at.timestamp(), body.as_bytes())
        .unwrap();
    let response = sandbox
        .http
        .post(format!("{}/api/portone", sandbox.base))
        .header("content-type", "application/json")
        .header("webhook-id", "msg-1")
        .header("webhook-timestamp", paid_at.timestamp().to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let (_, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    let renewal = &advanced["deliveries"][0];
    assert_eq!(renewal["http_status"], 200, "{advanced:#}");
    assert_eq!(
        renewal["response"]["checklist"][1]["data"]["signature"],
        "verified"
    );
}

/// Creates a payment declining the next `declines` charges, sends its webhook, and returns it.
async fn subscribe(sandbox: &Sandbox, declines: u32) -> Value {
    let (status, created) = sandbox
        .call(
            "POST",
            "/sandbox/payments",
            json!({ "decline_renewals": declines }),
        )
        .await;
    assert_eq!(status, 200, "{created:#}");
    let (status, first) = sandbox
        .call("POST", "/api/portone", created["webhook_body"].clone())
        .await;
    assert_eq!(status, 200, "{first:#}");
    created
}

/// Advances the clock by `days` and returns the only delivery it caused.
async fn advance_one(sandbox: &Sandbox, days: i64) -> Value {
    let (status, advanced) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": days }))
        .await;
    assert_eq!(status, 200);
    let deliveries = advanced["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{advanced:#}");
    assert_eq!(deliveries[0]["http_status"], 200, "{advanced:#}");
    deliveries[0].clone()
}

#[tokio::test]
async fn two_declined_charges_are_retried_and_the_third_try_recovers_the_subscription() {
    let sandbox = Sandbox::start().await;
    let created = subscribe(&sandbox, 2).await;

    let first = advance_one(&sandbox, 31).await;
    assert_eq!(first["event"], "Transaction.Failed");
    assert_eq!(first["response"]["checklist"][4]["code"], "schedule_retry");
    assert_eq!(first["response"]["checklist"][4]["status"], "success");
    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    assert_eq!(ledger[0]["renewal_attempts"], 1);
    assert_eq!(ledger[0]["retry_limit"], 3);
    assert!(ledger[0]["end_grace_at"].as_str() > ledger[0]["next_schedule_at"].as_str());

    let second = advance_one(&sandbox, 1).await;
    assert_eq!(second["event"], "Transaction.Failed");
    let third = advance_one(&sandbox, 2).await;
    assert_eq!(third["event"], "Transaction.Paid");
    assert_eq!(third["response"]["success"], true, "{third:#}");
    assert_eq!(third["response"]["checklist"][4]["status"], "success");

    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    let rows = ledger.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["transaction_key"], created["payment_id"]);
    assert_eq!(rows[0]["renewed_by"], third["payment_id"]);
    assert_eq!(rows[0]["renewal_attempts"], 2);
    assert_eq!(rows[1]["transaction_key"], third["payment_id"]);

    // The chain goes on from the recovered month.
    let next = advance_one(&sandbox, 31).await;
    assert_eq!(next["event"], "Transaction.Paid");
    assert_eq!(next["payment_id"], rows[1]["next_schedule_id"]);
}

#[tokio::test]
async fn every_try_declined_ends_the_subscription_lapsed() {
    let sandbox = Sandbox::start().await;
    subscribe(&sandbox, 100).await;

    let mut last = Value::Null;
    for days in [31, 1, 2, 4] {
        last = advance_one(&sandbox, days).await;
        assert_eq!(last["event"], "Transaction.Failed", "{last:#}");
    }
    let step = &last["response"]["checklist"][4];
    assert_eq!(step["status"], "skipped");
    assert!(step["message"].as_str().unwrap().contains("모두 실패"), "{step}");
    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1);
    assert_eq!(ledger[0]["renewal_attempts"], 4);
    assert_eq!(ledger[0]["lapsed_at"], ledger[0]["end_grace_at"]);

    let (_, after) = sandbox
        .call("POST", "/sandbox/clock/advance", json!({ "days": 31 }))
        .await;
    assert_eq!(
        after["deliveries"],
        json!([]),
        "nothing is charged after the lapse"
    );
}

#[tokio::test]
async fn the_read_model_follows_the_lifecycle_and_a_plan_change_is_charged_and_recorded() {
    let sandbox = Sandbox::start().await;
    let created = subscribe(&sandbox, 0).await;
    let id = created["payment_id"].as_str().unwrap().to_owned();
    assert_eq!(sandbox.subscription(&id).await["status"], "active");

    let (status, cancelled) = sandbox
        .admin("POST", &format!("/api/subscriptions/{id}/cancel"), Value::Null)
        .await;
    assert_eq!(status, 200, "{cancelled:#}");
    assert_eq!(cancelled["subscription"]["status"], "canceling");
    assert_eq!(cancelled["subscription"]["no_charge_reason"], "cancelled");
    let (_, resumed) = sandbox
        .admin("POST", &format!("/api/subscriptions/{id}/resume"), Value::Null)
        .await;
    assert_eq!(resumed["subscription"]["status"], "active");

    let (status, changed) = sandbox
        .admin(
            "POST",
            &format!("/api/subscriptions/{id}/change"),
            json!({ "amount": 19900, "order_name": "프리미엄" }),
        )
        .await;
    assert_eq!(status, 200, "{changed:#}");
    assert_eq!(changed["subscription"]["next_charge"]["amount"], 19900);

    let renewal = advance_one(&sandbox, 31).await;
    assert_eq!(renewal["event"], "Transaction.Paid");
    let recorded = &renewal["response"]["checklist"][3]["data"];
    assert_eq!(
        recorded["amount"], 19900,
        "the renewal is charged and recorded at the new amount"
    );
    assert_eq!(recorded["order_name"], "프리미엄");
    let after = sandbox.subscription(&id).await;
    assert_eq!(
        (after["status"].clone(), after["months"].clone()),
        (json!("active"), json!(2))
    );
    assert_eq!(after["amount"], 19900);
    assert_eq!(
        after["next_charge"]["amount"], 19900,
        "the month after keeps the new terms"
    );

    let (_, listed) = sandbox
        .admin(
            "GET",
            "/api/subscriptions?customer_id=sandbox-customer",
            Value::Null,
        )
        .await;
    assert_eq!(
        listed["subscriptions"][0]["subscription"]["subscription_id"],
        json!(id)
    );
}

#[tokio::test]
async fn past_due_then_recovered_then_another_one_lapsed_in_the_read_model() {
    let sandbox = Sandbox::start().await;
    let declined_once = subscribe(&sandbox, 1).await;
    let id = declined_once["payment_id"].as_str().unwrap().to_owned();
    advance_one(&sandbox, 31).await;
    let past_due = sandbox.subscription(&id).await;
    assert_eq!(past_due["status"], "past_due");
    assert_eq!(past_due["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(
        past_due["attempts"][0]["failure_reason"],
        "카드 잔액이 부족합니다."
    );
    advance_one(&sandbox, 1).await;
    let recovered = sandbox.subscription(&id).await;
    assert_eq!(
        (recovered["status"].clone(), recovered["months"].clone()),
        (json!("active"), json!(2))
    );

    let hopeless = subscribe(&sandbox, 100).await;
    let other = hopeless["payment_id"].as_str().unwrap().to_owned();
    // Both subscriptions renew on the same days from here; advance until the hopeless one is out of
    // retries and past its last grace.
    let mut advanced = 0;
    for days in [31, 1, 2, 4, 1] {
        let (status, _) = sandbox
            .call("POST", "/sandbox/clock/advance", json!({ "days": days }))
            .await;
        assert_eq!(status, 200);
        advanced += days;
    }
    let lapsed = sandbox.subscription(&other).await;
    assert_eq!(lapsed["status"], "lapsed", "after {advanced} days: {lapsed:#}");
    assert_eq!(lapsed["no_charge_reason"], "lapsed");
}

#[tokio::test]
async fn a_renewal_whose_webhook_was_lost_is_healed_by_a_reconcile_pass() {
    let sandbox = Sandbox::start().await;
    let created = subscribe(&sandbox, 0).await;
    let id = created["payment_id"].as_str().unwrap().to_owned();

    let (status, advanced) = sandbox
        .call(
            "POST",
            "/sandbox/clock/advance",
            json!({ "days": 31, "deliver_webhooks": false }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(advanced["deliveries"], json!([]), "charged, but no webhook");
    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    assert_eq!(ledger.as_array().unwrap().len(), 1, "nothing recorded yet");

    let (status, report) = sandbox.admin("POST", "/api/admin/reconcile", Value::Null).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report["healed"], 1);
    assert_eq!(report["actions"][0]["kind"], "due_renewal");

    let (_, ledger) = sandbox.call("GET", "/sandbox/ledger", Value::Null).await;
    assert_eq!(ledger.as_array().unwrap().len(), 2, "the renewal is recorded");
    let subscription = sandbox.subscription(&id).await;
    assert_eq!(
        (subscription["status"].clone(), subscription["months"].clone()),
        (json!("active"), json!(2))
    );
    let (_, again) = sandbox.admin("POST", "/api/admin/reconcile", Value::Null).await;
    assert_eq!(again["actions"], json!([]), "a second pass finds nothing");
    // The healed chain goes on: the month after was scheduled and is charged.
    let next = advance_one(&sandbox, 31).await;
    assert_eq!(next["event"], "Transaction.Paid");
}

/// A known set of webhooks, deliveries and a reconciliation pass, then one scrape: every counter
/// is exactly what happened (the sandbox is a process of its own, so nothing else counts).
#[tokio::test]
async fn metrics_count_exactly_what_happened() {
    use prometheus::sample;
    let sandbox = Sandbox::start().await;
    // Paid (1), then two declined renewals retried (failed 1 and 2), recovered by the third try
    // (paid 2).
    subscribe(&sandbox, 2).await;
    let declined = advance_one(&sandbox, 31).await;
    assert_eq!(declined["event"], "Transaction.Failed");
    advance_one(&sandbox, 1).await;
    let recovered = advance_one(&sandbox, 2).await;
    assert_eq!(recovered["event"], "Transaction.Paid");
    // A body that is not JSON (400), and the first declined webhook resent (failed 3): it
    // changes nothing, and counts no second retry.
    let response = sandbox
        .http
        .post(format!("{}/api/portone", sandbox.base))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let (status, _) = sandbox
        .call(
            "POST",
            "/api/portone",
            json!({ "payment_id": declined["payment_id"], "status": "Failed" }),
        )
        .await;
    assert_eq!(status, 200);
    // A renewal charged with its webhook lost, healed by one pass.
    let (_, silent) = sandbox
        .call(
            "POST",
            "/sandbox/clock/advance",
            json!({ "days": 31, "deliver_webhooks": false }),
        )
        .await;
    assert_eq!(silent["deliveries"], json!([]));
    let (status, report) = sandbox.admin("POST", "/api/admin/reconcile", Value::Null).await;
    assert_eq!((status, report["healed"].clone()), (200, json!(1)), "{report:#}");

    let text = sandbox.scrape().await;
    let webhooks = |event, status, outcome| {
        sample(
            &text,
            "portone_subscriptions_webhooks_total",
            &[("event", event), ("status", status), ("outcome", outcome)],
        )
    };
    assert_eq!(webhooks("paid", "200", "success"), Some(2.0), "{text}");
    assert_eq!(webhooks("failed", "200", "success"), Some(3.0), "{text}");
    assert_eq!(webhooks("unknown", "400", "parse_request"), Some(1.0), "{text}");
    let duration_count = |event| {
        sample(
            &text,
            "portone_subscriptions_webhook_duration_seconds_count",
            &[("event", event)],
        )
    };
    assert_eq!(duration_count("paid"), Some(2.0));
    assert_eq!(duration_count("failed"), Some(3.0));
    assert_eq!(
        sample(&text, "portone_subscriptions_webhooks_in_flight", &[]),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &text,
            "portone_subscriptions_dunning_retries_scheduled_total",
            &[]
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "portone_subscriptions_dunning_recovered_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "portone_subscriptions_dunning_lapsed_total", &[]),
        Some(0.0),
        "exported at zero from the start"
    );
    assert_eq!(
        sample(
            &text,
            "portone_subscriptions_reconcile_passes_total",
            &[("result", "succeeded")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "portone_subscriptions_reconcile_items_total",
            &[("kind", "due_renewal"), ("outcome", "healed")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "portone_subscriptions_reconcile_pass_duration_seconds_count",
            &[]
        ),
        Some(1.0)
    );
    // PortOne, through the real adapter: one lookup per webhook that got past step 2 (5), and two
    // for the pass (its own, and the paid flow it ran); schedules for paid 1, retries 1 and 2,
    // the month after the recovery, and the month after the healed renewal. Nothing retried.
    let portone = |operation| {
        sample(
            &text,
            "portone_subscriptions_upstream_request_duration_seconds_count",
            &[
                ("upstream", "portone"),
                ("operation", operation),
                ("result", "2xx"),
            ],
        )
    };
    assert_eq!(portone("get_payment"), Some(7.0), "{text}");
    assert_eq!(portone("create_schedule"), Some(5.0), "{text}");
    assert_eq!(portone("list_schedules"), Some(1.0), "{text}");
    for operation in ["get_payment", "create_schedule", "list_schedules"] {
        let retries = sample(
            &text,
            "portone_subscriptions_upstream_retries_total",
            &[("upstream", "portone"), ("operation", operation)],
        );
        assert_eq!(retries, Some(0.0), "{operation}: nothing retried");
    }
    // No label carries an id, an amount or a key (the sample's value, after the last space, may
    // hold any digits: a duration of 0.0199003 s is not an amount).
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let series = line.rsplit_once(' ').map_or(line, |(series, _value)| series);
        for forbidden in [
            "sandbox-payment",
            "sandbox-billing-key",
            "9900",
            "sandbox-customer",
        ] {
            assert!(!series.contains(forbidden), "{line}");
        }
    }
}

/// A process that has handled nothing yet already exports every series it knows will exist, at
/// zero: counters without labels, the in-flight gauge, and the small fixed label sets, so
/// `rate()`, dashboards and alerts work before the first event.
#[tokio::test]
async fn a_fresh_process_exports_every_known_series_at_zero() {
    let sandbox = Sandbox::start().await;

    let text = sandbox.scrape().await;

    let zero = |name: &str, labels: &[(&str, &str)]| {
        assert_eq!(
            prometheus::sample(&text, name, labels),
            Some(0.0),
            "{name} {labels:?} in {text}"
        );
    };
    for name in [
        "portone_subscriptions_webhooks_overloaded_total",
        "portone_subscriptions_dunning_retries_scheduled_total",
        "portone_subscriptions_dunning_recovered_total",
        "portone_subscriptions_dunning_lapsed_total",
        "portone_subscriptions_charge_calls_limited_total",
        "portone_subscriptions_tokens_refused_total",
        "portone_subscriptions_webhooks_in_flight",
        "portone_subscriptions_events_pending",
        "portone_subscriptions_oldest_pending_event_age_seconds",
    ] {
        zero(name, &[]);
    }
    for result in [
        "delivered",
        "http_4xx",
        "http_5xx",
        "http_other",
        "timeout",
        "connect_error",
    ] {
        zero(
            "portone_subscriptions_event_deliveries_total",
            &[("result", result)],
        );
    }
    for reason in [
        "MISSING_REQUIRED_HEADERS",
        "INVALID_SIGNATURE",
        "TIMESTAMP_TOO_OLD",
        "TIMESTAMP_TOO_NEW",
        "NO_MATCHING_SIGNATURE",
    ] {
        zero(
            "portone_subscriptions_webhook_signature_failures_total",
            &[("reason", reason)],
        );
    }
    for event in ["paid", "failed", "cancelled", "unhandled"] {
        zero(
            "portone_subscriptions_webhooks_total",
            &[("event", event), ("status", "200"), ("outcome", "success")],
        );
    }
    for result in ["succeeded", "failed", "skipped"] {
        zero(
            "portone_subscriptions_reconcile_passes_total",
            &[("result", result)],
        );
    }
    for kind in ["due_renewal", "missing_schedule", "orphan_schedule"] {
        for outcome in [
            "healed",
            "would_heal",
            "waiting",
            "reported",
            "revoked",
            "failed",
            "unhealable",
        ] {
            zero(
                "portone_subscriptions_reconcile_items_total",
                &[("kind", kind), ("outcome", outcome)],
            );
        }
    }
    for operation in ["get_payment", "create_schedule", "list_schedules"] {
        zero(
            "portone_subscriptions_upstream_retries_total",
            &[("upstream", "portone"), ("operation", operation)],
        );
    }
}

/// An unsigned webhook where signatures are required: counted by its Standard Webhooks reason.
#[tokio::test]
async fn signature_failures_are_counted_by_reason() {
    let sandbox =
        Sandbox::start_with(&[("PORTONE_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]).await;
    let (status, _) = sandbox
        .call(
            "POST",
            "/api/portone",
            json!({ "payment_id": "pay_1", "status": "Paid" }),
        )
        .await;
    assert_eq!(status, 401);

    let text = sandbox.scrape().await;
    assert_eq!(
        prometheus::sample(
            &text,
            "portone_subscriptions_webhook_signature_failures_total",
            &[("reason", "MISSING_REQUIRED_HEADERS")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        prometheus::sample(
            &text,
            "portone_subscriptions_webhooks_total",
            &[
                ("event", "unknown"),
                ("status", "401"),
                ("outcome", "validate_request")
            ]
        ),
        Some(1.0),
        "{text}"
    );
}
