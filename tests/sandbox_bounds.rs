//! The sandbox's own endpoints refuse what they cannot do, with `{code, message}` JSON: a clock
//! move out of range, past the sandbox's end of time (however many maximal moves are sent), or a
//! body of the wrong shape; the process never panics.

use serde_json::json;

#[path = "support/sandbox.rs"]
mod sandbox_process;

use sandbox_process::Sandbox;

#[tokio::test]
async fn the_clock_moves_only_within_its_bounds_and_never_panics() {
    let sandbox = Sandbox::start().await;
    for body in [
        json!({ "days": -1 }),
        json!({ "days": 367 }),
        json!({ "hours": 9_000_000_000_000_i64 }),
        json!({ "minutes": i64::MAX }),
        json!({ "days": 366, "hours": 1 }),
        json!({ "days": "1" }),
        json!({ "weeks": 1 }),
    ] {
        let (status, answer) = sandbox.call("POST", "/sandbox/clock/advance", body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["code"].is_string() && answer["message"].is_string(),
            "{answer}"
        );
    }
    // The largest moves, until the end of time: each answers, then a clear refusal.
    let mut refused = None;
    for _ in 0..250 {
        let (status, answer) = sandbox
            .call("POST", "/sandbox/clock/advance", json!({ "days": 366 }))
            .await;
        if status != 200 {
            refused = Some((status, answer));
            break;
        }
    }
    let (status, answer) = refused.expect("the clock stops at the sandbox's end of time");
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("CLOCK_LIMIT")),
        "{answer}"
    );
    // Still alive and answering.
    let (status, _) = sandbox.call("GET", "/healthz", json!(null)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn sandbox_errors_are_json() {
    let sandbox = Sandbox::start().await;
    for (path, body) in [
        ("/sandbox/billing-keys", json!({ "customer_id": 1 })),
        ("/sandbox/billing-keys", json!({ "customer_id": "c\u{0}" })),
        ("/sandbox/payments", json!({ "amount": i64::MAX })),
        ("/sandbox/auth/token", json!({ "user_id": true })),
    ] {
        let (status, answer) = sandbox.call("POST", path, body.clone()).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert!(
            answer["code"] == "INVALID_BODY" || answer["code"] == "BAD_REQUEST",
            "{answer}"
        );
    }
    let (status, answer) = sandbox
        .call("POST", "/sandbox/payments/no-such-payment/cancel", json!({}))
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some("PAYMENT_NOT_FOUND"))
    );
}
