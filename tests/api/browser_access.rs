//! What a browser page meets: CORS for the configured origins only (preflights answered), and the
//! per-customer limit of charge-triggering calls (429 with `Retry-After`, exact by the test
//! clock).

use std::time::Duration;

use chrono::Duration as Elapsed;
use poem::http::StatusCode;

use crate::helpers::{spawn_app_with, Options, TestApp, ADMIN_TOKEN};
use crate::tokens::{es256, Project};
use portone_subscriptions::config::ChargeLimit;

const ORIGIN: &str = "https://app.example.com";

async fn preflight(app: &TestApp, origin: &str) -> (StatusCode, poem::http::HeaderMap) {
    let (status, headers, _) = app
        .request_as(
            "OPTIONS",
            "/api/subscriptions",
            None,
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization,content-type,idempotency-key",
                ),
            ],
            "",
        )
        .await;
    (status, headers)
}

#[tokio::test]
async fn pages_of_the_allowed_origins_may_call_and_others_may_not() {
    let app = spawn_app_with(Options {
        cors_origins: vec![ORIGIN.to_owned()],
        ..Options::default()
    })
    .await;

    let (status, headers) = preflight(&app, ORIGIN).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    assert!(headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    assert_eq!(headers["access-control-max-age"], "600");

    // The answer itself carries the origin and exposes the headers a page reads.
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let (status, headers, _) = app
        .request_as("GET", "/api/plans", Some(&admin), &[("origin", ORIGIN)], "")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], ORIGIN);
    let exposed = headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["retry-after", "idempotent-replayed", "www-authenticate"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }

    let (status, headers) = preflight(&app, "https://evil.example.com").await;
    assert_ne!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn without_allowed_origins_no_cors_header_is_ever_sent() {
    let app = spawn_app_with(Options::default()).await;
    let (_, headers) = preflight(&app, ORIGIN).await;
    assert!(headers.get("access-control-allow-origin").is_none());
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let (status, headers, _) = app
        .request_as("GET", "/api/plans", Some(&admin), &[("origin", ORIGIN)], "")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn each_customer_gets_five_charge_triggering_calls_per_ten_minutes() {
    let project = Project::start().await;
    let key = es256("ec-1");
    project.serve_keys(&[&key]).await;
    let app = spawn_app_with(Options {
        user_tokens: Some(project.settings(false)),
        charge_limit: Some(ChargeLimit {
            per_window: 5,
            window: Duration::from_secs(600),
        }),
        ..Options::default()
    })
    .await;
    let alice = project.bearer(&key, "alice");
    let bob = project.bearer(&key, "bob");
    // A start that runs and is refused (no such plan) still counts: it looked up the card.
    let start = |who: &str, n: u32| {
        let (who, app) = (who.to_owned(), &app);
        async move {
            let idempotency_key = format!("start-{n}");
            app.request_as(
                "POST",
                "/api/subscriptions",
                Some(&who),
                &[("idempotency-key", idempotency_key.as_str())],
                r#"{"plan_id": "nope", "billing_key": "bk"}"#,
            )
            .await
        }
    };

    for n in 0..5 {
        assert_eq!(start(&alice, n).await.0, StatusCode::NOT_FOUND);
    }
    let (status, headers, body) = start(&alice, 5).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(headers["retry-after"], "600");
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    crate::snapshot!("charge_calls_limited", status, body);
    // Another customer is not slowed down.
    assert_eq!(start(&bob, 0).await.0, StatusCode::NOT_FOUND);

    app.clock.advance(Elapsed::seconds(599));
    assert_eq!(start(&alice, 6).await.1["retry-after"], "1");
    app.clock.advance(Elapsed::seconds(1));
    assert_eq!(start(&alice, 7).await.0, StatusCode::NOT_FOUND);
}
