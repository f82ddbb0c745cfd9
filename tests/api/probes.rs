//! `GET /readyz` over both storage adapters on a real PostgreSQL, and request ids on every answer.

use poem::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Options};
use crate::pg::{migration_files, shared};

async fn readyz(app: &crate::helpers::TestApp) -> (StatusCode, Value) {
    let response = app.get("/readyz").send().await;
    let status = response.0.status();
    let bytes = response.0.into_body().into_bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn ready_when_storage_answers_through_either_adapter() {
    let rest = spawn_app().await;
    let direct = spawn_app_with(Options {
        database_url: Some(shared().fresh_database().await),
        ..Options::default()
    })
    .await;
    for app in [&rest, &direct] {
        assert_eq!(
            readyz(app).await,
            (
                StatusCode::OK,
                json!({ "ready": true, "failed": [], "storage": { "ok": true, "error": null } })
            )
        );
    }
    assert!(
        rest.portone.received_requests().await.unwrap().is_empty(),
        "PortOne is never asked"
    );
}

#[tokio::test]
async fn not_ready_when_storage_is_down_and_the_answer_names_it_without_the_address() {
    let unreachable = "postgres://postgres@127.0.0.1:9/none".to_owned();
    let app = spawn_app_with(Options {
        database_url: Some(unreachable),
        ..Options::default()
    })
    .await;

    let (status, body) = readyz(&app).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body:#}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["failed"], json!(["storage"]));
    let error = body["storage"]["error"].as_str().unwrap();
    assert!(error.starts_with("storage "), "{error}");
    assert!(!error.contains("127.0.0.1") && !error.contains(":9"), "{error}");
}

/// A database whose migrations stop before `public.ready()`: webhooks could not be recorded
/// either, so the replica is not ready, and the answer says the function is missing.
#[tokio::test]
async fn not_ready_when_the_migrations_are_not_applied() {
    let name = format!("probes_old_{}", std::process::id());
    let before_readiness = migration_files()
        .iter()
        .position(|file| file.to_string_lossy().ends_with("_readiness.sql"))
        .unwrap();
    let url = shared().database_with_migrations(&name, before_readiness).await;
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Options::default()
    })
    .await;

    let (status, body) = readyz(&app).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body:#}");
    let error = body["storage"]["error"].as_str().unwrap();
    assert!(error.contains("42883"), "undefined function: {error}");
}

/// A database one migration behind the release: `ready()` exists but names an older schema, and
/// the functions this release calls may be missing or old, so the replica is not ready.
#[tokio::test]
async fn not_ready_when_the_newest_migration_is_missing() {
    let name = format!("probes_behind_{}", std::process::id());
    let url = shared()
        .database_with_migrations(&name, migration_files().len() - 1)
        .await;
    let app = spawn_app_with(Options {
        database_url: Some(url),
        ..Options::default()
    })
    .await;

    let (status, body) = readyz(&app).await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body:#}");
    let error = body["storage"]["error"].as_str().unwrap();
    assert!(error.contains("SCHEMA_BEHIND"), "{error}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_a_sane_one_is_kept() {
    let app = spawn_app().await;

    let kept = app
        .get("/healthz")
        .header("x-request-id", "req-42.a_b:c")
        .send()
        .await;
    assert_eq!(kept.0.headers()["x-request-id"], "req-42.a_b:c");

    // Unsafe or absent ids are replaced by a fresh UUID, on any route and status.
    for (uri, header) in [
        ("/healthz", Some("has spaces and \"quotes\"")),
        ("/healthz", None),
        ("/no-such-route", None),
    ] {
        let mut request = app.get(uri);
        if let Some(header) = header {
            request = request.header("x-request-id", header);
        }
        let response = request.send().await;
        let id = response.0.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{uri} {header:?}: {id}");
    }
    // The webhook's answers too, a refused one included.
    let refused = app
        .get("/api/portone")
        .header("x-request-id", "webhook-try-1")
        .send()
        .await;
    assert_eq!(refused.0.headers()["x-request-id"], "webhook-try-1");
}

/// `(upstream, total)` of a `Server-Timing` answer, in milliseconds.
fn server_timing(headers: &poem::http::HeaderMap) -> (f64, f64) {
    let timing = headers["server-timing"].to_str().unwrap();
    let dur = |name: &str| -> f64 {
        let metric = timing
            .split(',')
            .map(str::trim)
            .find(|m| m.starts_with(name))
            .unwrap();
        let dur = metric.split(';').find_map(|p| p.strip_prefix("dur=")).unwrap();
        dur.parse().unwrap()
    };
    (dur("upstream"), dur("total"))
}

#[tokio::test]
async fn every_answer_says_how_long_it_waited_on_portone_and_storage() {
    let app = spawn_app().await;
    app.portone_schedules().await;
    // PortOne answers the payment after 40 ms.
    let payment = crate::helpers::paid_payment("pay_timed");
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/payments/pay_timed"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(&payment)
                .set_delay(std::time::Duration::from_millis(40)),
        )
        .mount(&app.portone)
        .await;
    let body = json!({ "payment_id": "pay_timed", "status": "Paid" }).to_string();
    let (status, headers, _) = app.post_full(body, "application/json", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (upstream, total) = server_timing(&headers);
    assert!(upstream >= 40.0, "the payment read alone took 40 ms: {upstream}");
    assert!(total >= upstream, "{upstream} of {total}");

    // A probe waits on nothing.
    let health = app.get("/healthz").send().await;
    assert_eq!(server_timing(health.0.headers()).0, 0.0);
}
