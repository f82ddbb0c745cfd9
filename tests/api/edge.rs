//! The edge every app request passes: bodies over 16 KiB are refused with 413 before they are
//! read (declared) or as soon as they pass the limit (chunked); NUL and other control characters,
//! or broken UTF-8, in a path or query are a 400; a repeated `Authorization` or
//! `Idempotency-Key` is a 400; and every error is `{code, message}` JSON, poem's own included.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use poem::http::StatusCode;
use poem::Body;
use portone_subscriptions::adapters::http::MAX_BODY_BYTES;
use serde_json::Value;

use crate::helpers::{assert_request_refused, spawn_app, ADMIN_TOKEN};

fn admin() -> String {
    format!("Bearer {ADMIN_TOKEN}")
}

/// A JSON error with `code`, or (`None`) any code of a request refused before anything ran.
fn assert_error(status: StatusCode, headers: &poem::http::HeaderMap, body: &Value, code: Option<&str>) {
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{status} {headers:?}"
    );
    match code {
        Some(code) => assert_eq!(body["code"], code, "{status}: {body}"),
        None => assert_request_refused(body, &status.to_string()),
    }
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let admin = admin();
    // Declares 200 MB and sends nothing more: answered at once from the header alone.
    let headers = [
        ("authorization", admin.as_str()),
        ("content-type", "application/json"),
        ("content-length", "209715200"),
    ];
    let (status, answer_headers, body) = app
        .raw("POST", "/api/subscriptions/pay_1/cancel", &headers, Body::empty())
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(status, &answer_headers, &body, Some("PAYLOAD_TOO_LARGE"));
    assert_eq!(app.storage_calls().await, 0);
}

#[tokio::test]
async fn a_streamed_body_is_read_only_up_to_the_limit() {
    let app = spawn_app().await;
    let admin = admin();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    // An endless chunked body of 1 KiB chunks: reading stops just past the limit.
    let chunks = futures::stream::repeat_with(move || {
        counter.fetch_add(1024, Ordering::SeqCst);
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024]))
    });
    let headers = [
        ("authorization", admin.as_str()),
        ("content-type", "application/json"),
    ];
    let (status, answer_headers, body) = app
        .raw("PUT", "/api/plans/pro", &headers, Body::from_bytes_stream(chunks))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(status, &answer_headers, &body, Some("PAYLOAD_TOO_LARGE"));
    let read = sent.load(Ordering::SeqCst);
    assert!(
        read <= MAX_BODY_BYTES + 2048,
        "{read} bytes were pulled from the body"
    );
    assert_eq!(app.storage_calls().await, 0);
}

#[tokio::test]
async fn nul_bytes_and_broken_utf8_in_paths_and_queries_are_a_400() {
    let app = spawn_app().await;
    for (method, uri) in [
        ("GET", "/api/subscriptions/pay%00_1"),
        ("POST", "/api/subscriptions/%00/cancel"),
        ("POST", "/api/subscriptions/pay_1%0A/resume"),
        ("GET", "/api/subscriptions/%FF"),
        ("GET", "/api/subscriptions/%C3%28"),
        ("GET", "/api/subscriptions?customer_id=%00"),
        ("GET", "/api/subscriptions?customer_id=a%FFb"),
        ("POST", "/api/plans/pro%00/archive"),
        ("GET", "/api/admin/events?subscription_id=%00"),
    ] {
        let (status, headers, body) = app.admin_with(method, uri, &[], "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {uri}: {body}");
        assert_error(status, &headers, &body, None);
    }
    assert_eq!(app.storage_calls().await, 0, "nothing reached storage");
}

#[tokio::test]
async fn strings_with_nul_in_bodies_are_a_400_and_reach_nothing() {
    let app = spawn_app().await;
    for (method, uri, body) in [
        (
            "PUT",
            "/api/plans/pro",
            r#"{"name": "프로\u0000", "amount": 9900, "currency": "KRW", "trial_days": 0}"#,
        ),
        (
            "PUT",
            "/api/plans/pro",
            r#"{"name": "프로", "amount": 9900, "currency": "KRW", "trial_days": 0, "features": {"a\u0000": 1}}"#,
        ),
        (
            "PUT",
            "/api/plans/pro",
            r#"{"name": "프로", "amount": 9900, "currency": "KRW", "trial_days": 0, "features": {"a": ["\u0000"]}}"#,
        ),
        (
            "POST",
            "/api/subscriptions/pay_1/change",
            r#"{"amount": 1000, "order_name": "x\u0000"}"#,
        ),
        (
            "POST",
            "/api/subscriptions/pay_1/refund",
            r#"{"reason": "\u0000"}"#,
        ),
    ] {
        let (status, headers, answer) = app.admin_with(method, uri, &[], body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri} {body}: {answer}");
        assert_error(status, &headers, &answer, None);
    }
    assert_eq!(app.storage_calls().await, 0, "nothing reached storage");
}

#[tokio::test]
async fn a_repeated_authorization_or_idempotency_key_is_refused() {
    let app = spawn_app().await;
    let admin = admin();
    for headers in [
        vec![
            ("authorization", admin.as_str()),
            ("authorization", "Bearer other"),
        ],
        vec![
            ("authorization", admin.as_str()),
            ("idempotency-key", "k-1"),
            ("idempotency-key", "k-2"),
        ],
    ] {
        let mut all = headers.clone();
        all.push(("content-type", "application/json"));
        let body =
            Body::from_string(r#"{"customer_id": "c", "plan_id": "basic", "billing_key": "bk"}"#.into());
        let (status, answer_headers, answer) = app.raw("POST", "/api/subscriptions", &all, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{headers:?}: {answer}");
        assert_error(status, &answer_headers, &answer, Some("DUPLICATE_HEADER"));
    }
    assert_eq!(app.storage_calls().await, 0);
}

#[tokio::test]
async fn every_error_is_json_even_poem_s_own() {
    let app = spawn_app().await;
    for (method, uri, status, code) in [
        (
            "POST",
            "/api/subscriptions/pay_1/no-such-action",
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        // An empty id is refused where the path is parsed, before anything is read.
        (
            "POST",
            "/api/subscriptions//cancel",
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
        ),
        ("GET", "/api/no-such-route", StatusCode::NOT_FOUND, "NOT_FOUND"),
        (
            "DELETE",
            "/api/plans",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        let (answered, headers, body) = app.admin_with(method, uri, &[], "").await;
        assert_eq!(answered, status, "{method} {uri}: {body}");
        assert_error(answered, &headers, &body, Some(code));
    }
    // A body that is not JSON at all.
    let (status, headers, body) = app
        .admin_with("POST", "/api/subscriptions/pay_1/change", &[], "{not json")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(status, &headers, &body, Some("INVALID_BODY"));
}
