//! Signed-in customers' Supabase access tokens: verified against a JWKS stand-in with keys made
//! here (ES256, RS256) or the legacy secret (HS256); every bad token is a 401 with
//! `error="invalid_token"`; a customer reaches only their own subscriptions; admin-only
//! operations answer 403; the key set is fetched once per rotation, never flooded; no token is
//! ever logged.

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use poem::http::StatusCode;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{now, paid_payment, spawn_app_with, Options, TestApp, ADMIN_TOKEN};
use crate::openapi_spec::generated_spec;
use crate::snapshot;
use crate::tokens::{es256, legacy, rs256, sign, Project};

/// A paid month of `customer` (PortOne's `customer.id`), recorded through its webhook.
pub async fn subscription_of(app: &TestApp, payment_id: &str, customer: &str) {
    let mut payment = paid_payment(payment_id);
    payment["customer"]["id"] = json!(customer);
    app.portone_has_payment(&payment).await;
    let (status, body) = app.send(payment_id, "Paid").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn app_for(project: &Project, legacy_secret: bool) -> TestApp {
    spawn_app_with(Options {
        user_tokens: Some(project.settings(legacy_secret)),
        ..Options::default()
    })
    .await
}

/// `GET /api/subscriptions` as `authorization`: the status and the subscription ids listed.
async fn listed(app: &TestApp, authorization: &str) -> (StatusCode, Vec<String>) {
    let (status, _, body) = app
        .request_as("GET", "/api/subscriptions", Some(authorization), &[], "")
        .await;
    let ids = body["subscriptions"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|s| {
                    s["subscription"]["subscription_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    (status, ids)
}

#[tokio::test]
async fn es256_and_rs256_tokens_act_as_their_user_and_the_key_set_is_fetched_once() {
    let project = Project::start().await;
    let (ec, rsa) = (es256("ec-1"), rs256("rsa-1"));
    project.serve_keys(&[&ec, &rsa]).await;
    let app = app_for(&project, false).await;
    app.portone_schedules().await;
    subscription_of(&app, "pay_a", "user-a").await;
    subscription_of(&app, "pay_b", "user-b").await;

    assert_eq!(
        listed(&app, &project.bearer(&ec, "user-a")).await,
        (StatusCode::OK, vec!["pay_a".to_owned()])
    );
    assert_eq!(
        listed(&app, &project.bearer(&rsa, "user-b")).await,
        (StatusCode::OK, vec!["pay_b".to_owned()])
    );
    assert_eq!(
        listed(&app, &project.bearer(&ec, "user-c")).await,
        (StatusCode::OK, vec![])
    );
    assert_eq!(project.fetches().await, 1, "the key set is cached");
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_forged_kids_never_flood_supabase() {
    let project = Project::start().await;
    let (old, new) = (es256("key-1"), es256("key-2"));
    project.serve_keys(&[&old]).await;
    let app = app_for(&project, false).await;
    assert_eq!(listed(&app, &project.bearer(&old, "u")).await.0, StatusCode::OK);
    assert_eq!(project.fetches().await, 1);

    // Supabase rotates: the new key is published, and tokens signed with it arrive.
    project.serve_keys(&[&old, &new]).await;
    app.clock.advance(Duration::seconds(31));
    for _ in 0..5 {
        assert_eq!(listed(&app, &project.bearer(&new, "u")).await.0, StatusCode::OK);
    }
    assert_eq!(
        project.fetches().await,
        1,
        "one fetch (counted since the reset) for the new kid"
    );

    // A stream of forged kids right after: no fetch within the interval.
    for n in 0..20 {
        let forged = es256(&format!("forged-{n}"));
        let (status, _) = listed(&app, &project.bearer(&forged, "u")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        project.fetches().await,
        1,
        "forged kids within 30 s fetch nothing"
    );

    // Past the interval, one more unknown kid may fetch once more.
    app.clock.advance(Duration::seconds(31));
    let forged = es256("forged-late");
    assert_eq!(
        listed(&app, &project.bearer(&forged, "u")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        listed(&app, &project.bearer(&forged, "u")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(project.fetches().await, 2);
}

#[tokio::test]
async fn hs256_is_accepted_with_the_legacy_secret_and_refused_without_it() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let with_secret = app_for(&project, true).await;
    let hs = project.bearer(&legacy(), "user-a");
    assert_eq!(listed(&with_secret, &hs).await.0, StatusCode::OK);

    let jwks_only = app_for(&project, false).await;
    let (status, headers, body) = jwks_only
        .request_as("GET", "/api/subscriptions", Some(&hs), &[], "")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");

    // Algorithm confusion: an HMAC over the token keyed with the public key's bytes.
    let public = serde_json::to_vec(&ec.jwk).unwrap();
    let confused = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &project.user_claims("user-a"),
        &jsonwebtoken::EncodingKey::from_secret(&public).unwrap(),
    )
    .unwrap();
    let (status, _) = listed(&jwks_only, &format!("Bearer {confused}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A token whose header says `alg: none`, with no signature.
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

#[tokio::test]
async fn every_bad_token_answers_401_with_invalid_token_and_runs_nothing() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_for(&project, true).await;
    let claims = project.user_claims("user-a");
    let with = |changes: Value| {
        let mut claims = claims.clone();
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        claims
    };
    let good = sign(&ec, &claims);
    let mut tampered = good.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let other_project = Project::start().await;
    let anon_key = json!({
        "iss": "supabase", "ref": "abcdefghijklmnop", "role": "anon",
        "iat": now().timestamp() - 100, "exp": now().timestamp() + 10_000_000,
    });
    let cases = [
        (
            "expired",
            sign(&ec, &with(json!({ "exp": now().timestamp() - 3600 }))),
        ),
        ("bad signature", tampered),
        (
            "not valid yet (nbf)",
            sign(&ec, &with(json!({ "nbf": now().timestamp() + 3600 }))),
        ),
        (
            "an anonymous user",
            sign(&ec, &with(json!({ "is_anonymous": true }))),
        ),
        ("alg none", unsigned(&claims)),
        (
            "another project",
            sign(&ec, &with(json!({ "iss": other_project.issuer() }))),
        ),
        ("the anon key", sign(&legacy(), &anon_key)),
        ("an anon role", sign(&ec, &with(json!({ "role": "anon" })))),
        (
            "the service role",
            sign(&legacy(), &with(json!({ "role": "service_role" }))),
        ),
        ("another audience", sign(&ec, &with(json!({ "aud": "other" })))),
        ("no subject", sign(&ec, &with(json!({ "sub": "" })))),
        ("an unknown key", sign(&es256("nobody"), &claims)),
        ("not a token", "not-a-jwt".to_owned()),
    ];
    for (case, token) in &cases {
        let (status, headers, body) = app
            .request_as(
                "GET",
                "/api/subscriptions",
                Some(&format!("Bearer {token}")),
                &[],
                "",
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        assert_eq!(
            headers["www-authenticate"], "Bearer error=\"invalid_token\"",
            "{case}"
        );
        assert_eq!(body["code"], "UNAUTHORIZED", "{case}");
    }
    assert_eq!(app.storage_calls().await, 0, "nothing ran for a refused token");
    let (status, _, body) = app
        .request_as(
            "GET",
            "/api/subscriptions",
            Some(&format!("Bearer {}", cases[0].1)),
            &[],
            "",
        )
        .await;
    snapshot!("user_token_refused", status, body);

    // Within the leeway (30 s) an expired token is still accepted; the good one is.
    let late = sign(&ec, &with(json!({ "exp": now().timestamp() - 10 })));
    assert_eq!(listed(&app, &format!("Bearer {late}")).await.0, StatusCode::OK);
    assert_eq!(listed(&app, &format!("Bearer {good}")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_customer_reaches_only_their_own_subscriptions_and_another_s_is_not_found() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_for(&project, false).await;
    app.portone_schedules().await;
    subscription_of(&app, "pay_a", "user-a").await;
    subscription_of(&app, "pay_b", "user-b").await;
    let alice = project.bearer(&ec, "user-a");
    let calls_before = app.portone_calls().await.len();

    for (verb, uri, body) in [
        ("GET", "/api/subscriptions/pay_b", ""),
        ("POST", "/api/subscriptions/pay_b/cancel", "{}"),
        ("POST", "/api/subscriptions/pay_b/resume", "{}"),
        (
            "POST",
            "/api/subscriptions/pay_b/change",
            r#"{"plan_id": "basic"}"#,
        ),
        (
            "POST",
            "/api/subscriptions/pay_b/payment-method",
            r#"{"billing_key": "bk-a"}"#,
        ),
        ("GET", "/api/subscriptions/no-such-subscription", ""),
    ] {
        let (status, _, answer) = app.request_as(verb, uri, Some(&alice), &[], body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{verb} {uri}: {answer}");
        assert_eq!(answer["code"], "NOT_FOUND", "{verb} {uri}: {answer}");
    }
    assert_eq!(
        app.portone_calls().await.len(),
        calls_before,
        "nothing reached PortOne for another customer's subscription"
    );
    let (status, _, answer) = app
        .request_as(
            "GET",
            "/api/subscriptions?customer_id=user-b",
            Some(&alice),
            &[],
            "",
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CUSTOMER_MISMATCH"))
    );
    snapshot!("list_of_another_customer", status, answer);
    let (status, _, answer) = app
        .request_as(
            "POST",
            "/api/subscriptions",
            Some(&alice),
            &[("idempotency-key", "start-for-someone-else")],
            r#"{"customer_id": "user-b", "plan_id": "basic", "billing_key": "bk"}"#,
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CUSTOMER_MISMATCH"))
    );
    snapshot!("start_for_another_customer", status, answer);

    // Their own: read, and the billing key is not in it.
    let (status, _, own) = app
        .request_as("GET", "/api/subscriptions/pay_a", Some(&alice), &[], "")
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["subscription"]["customer_id"], "user-a");
    assert!(!own.to_string().contains("billing"), "{own}");
    // And the admin still reaches both.
    let admin = format!("Bearer {ADMIN_TOKEN}");
    for id in ["pay_a", "pay_b"] {
        let (status, _, _) = app
            .request_as("GET", &format!("/api/subscriptions/{id}"), Some(&admin), &[], "")
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// Every operation whose only security scheme is the admin token, from the generated document.
fn admin_only_operations(spec: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (verb, operation) in methods.as_object().unwrap() {
            if operation["security"] == json!([{ "AdminAuth": [] }]) {
                let filled = path
                    .split('/')
                    .map(|s| if s.starts_with('{') { "some-id" } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                operations.push((verb.to_uppercase(), filled));
            }
        }
    }
    operations
}

#[tokio::test]
async fn admin_only_operations_answer_403_to_a_customer_and_are_documented_so() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_for(&project, false).await;
    let spec: Value = serde_json::from_str(&generated_spec()).unwrap();
    let operations = admin_only_operations(&spec);
    let names: Vec<String> = operations.iter().map(|(v, p)| format!("{v} {p}")).collect();
    for expected in [
        "POST /api/subscriptions/some-id/refund",
        "PUT /api/plans/some-id",
        "POST /api/plans/some-id/archive",
        "POST /api/admin/reconcile",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    let alice = project.bearer(&ec, "user-a");
    for (verb, uri) in &operations {
        let (status, headers, body) = app.request_as(verb, uri, Some(&alice), &[], "{}").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{verb} {uri}: {body}");
        assert_eq!(
            headers["www-authenticate"], "Bearer error=\"insufficient_scope\"",
            "{verb} {uri}"
        );
        assert_eq!(body["code"], "FORBIDDEN", "{verb} {uri}");
        if uri.ends_with("/refund") {
            snapshot!("admin_only_with_a_customer_token", status, body);
        }
    }
    assert_eq!(app.storage_calls().await, 0);
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (verb, operation) in methods.as_object().unwrap() {
            if operation["security"] == json!([{ "AdminAuth": [] }]) {
                assert!(
                    operation["responses"]["403"].is_object(),
                    "{verb} {path} documents its 403"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_token_that_cannot_be_judged_answers_503_with_retry_after() {
    let project = Project::start().await;
    Mock::given(method("GET"))
        .and(path("/auth/v1/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&project.server)
        .await;
    let app = app_for(&project, false).await;
    let (status, headers, body) = app
        .request_as(
            "GET",
            "/api/subscriptions",
            Some(&project.bearer(&es256("k"), "u")),
            &[],
            "",
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(body["code"], "AUTH_UNAVAILABLE");
    snapshot!("user_token_keys_unavailable", status, body);
}

/// The marker of the test that reads the log: only lines inside its span are kept.
const LOG_MARKER: &str = "no-token-logged-0f8a4c2e";

/// The log lines written inside a span carrying [`LOG_MARKER`], for asserting on them.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        // The JSON formatter writes one whole event per call, its spans included.
        if bytes
            .windows(LOG_MARKER.len())
            .any(|w| w == LOG_MARKER.as_bytes())
        {
            self.0.lock().unwrap().extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process-wide log capture: a global subscriber, installed once, so every callsite's cached
/// interest always counts it (a thread-local `set_default` raced other test threads that cached
/// "never" for the same callsites, and the log came out empty now and then).
fn captured_logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "portone_subscriptions=info,api=info",
            ))
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        captured
    })
    .clone()
}

#[tokio::test]
async fn no_token_is_ever_logged_only_why_it_was_refused() {
    use tracing::Instrument;
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let app = app_for(&project, false).await;
    let captured = captured_logs();
    let span = tracing::info_span!("log_test", marker = LOG_MARKER);

    let good = sign(&ec, &project.user_claims("user-a"));
    let mut expired_claims = project.user_claims("user-a");
    expired_claims["exp"] = json!(now().timestamp() - 3600);
    let expired = sign(&ec, &expired_claims);
    let forged = sign(&es256("nobody"), &project.user_claims("user-a"));
    async {
        for token in [&good, &expired, &forged, &"not-a-jwt".to_owned()] {
            listed(&app, &format!("Bearer {token}")).await;
        }
        listed(&app, "Bearer wrong-admin-token").await;
    }
    .instrument(span)
    .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("bearer token refused"),
        "the refusals were logged: {logs}"
    );
    assert!(
        logs.contains("expired") && logs.contains("unknown signing key"),
        "{logs}"
    );
    for token in [&good, &expired, &forged] {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature), "a token's signature is in the log");
        let payload = token.split('.').nth(1).unwrap();
        assert!(!logs.contains(payload), "a token's claims are in the log");
    }
    assert!(!logs.contains("not-a-jwt") && !logs.contains("wrong-admin-token"));
}

#[tokio::test]
async fn anonymous_users_are_customers_only_when_the_operator_allows_them() {
    let project = Project::start().await;
    let ec = es256("ec-1");
    project.serve_keys(&[&ec]).await;
    let mut claims = project.user_claims("anon-user");
    claims["is_anonymous"] = json!(true);
    let token = format!("Bearer {}", sign(&ec, &claims));

    let refused = app_for(&project, false).await;
    assert_eq!(listed(&refused, &token).await.0, StatusCode::UNAUTHORIZED);

    let mut settings = project.settings(false);
    settings.allow_anonymous = true;
    let allowed = spawn_app_with(Options {
        user_tokens: Some(settings),
        ..Options::default()
    })
    .await;
    assert_eq!(listed(&allowed, &token).await, (StatusCode::OK, vec![]));
    // A token that is valid from a moment on is accepted from that moment, within the leeway.
    claims["is_anonymous"] = json!(false);
    claims["nbf"] = json!(now().timestamp() + 20);
    let soon = format!("Bearer {}", sign(&ec, &claims));
    assert_eq!(listed(&allowed, &soon).await.0, StatusCode::OK);
}
