//! Standard Webhooks signatures over HTTP: verified on the raw bytes before anything is parsed,
//! 401 with the checklist otherwise, and nothing fetched or written.

use poem::http::StatusCode;
use serde_json::json;

use crate::helpers::{now, paid_payment, spawn_app_with, Options, TestApp};
use crate::snapshot;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const BODY: &str = r#"{"payment_id":"pay_123456","status":"Paid"}"#;

fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(id, timestamp, body.as_bytes())
        .unwrap()
}

fn headers(id: &str, timestamp: i64, signature: String) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ]
}

/// (snapshot name, body, headers, expected reason)
type Case = (&'static str, String, Vec<(&'static str, String)>, &'static str);

async fn signed_app() -> TestApp {
    let app = spawn_app_with(Options {
        webhook_secret: Some(SECRET.into()),
        ..Options::default()
    })
    .await;
    app.portone_has_payment(&paid_payment("pay_123456")).await;
    app.portone_schedules().await;
    app
}

#[tokio::test]
async fn correctly_signed_webhook_is_processed_and_says_verified() {
    let app = signed_app().await;
    let ts = now().timestamp();

    let (status, body) = app
        .post_raw(
            BODY,
            "application/json",
            &headers("msg_1", ts, sign(SECRET, "msg_1", ts, BODY)),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["checklist"][1]["data"], json!({ "signature": "verified" }));
}

#[tokio::test]
async fn header_names_are_case_insensitive_and_rotation_lists_are_accepted() {
    let app = signed_app().await;
    let ts = now().timestamp();
    let rotated = format!(
        "{} {}",
        sign(OTHER_SECRET, "msg_2", ts, BODY),
        sign(SECRET, "msg_2", ts, BODY)
    );
    let headers = vec![
        ("Webhook-Id", "msg_2".to_owned()),
        ("WEBHOOK-TIMESTAMP", ts.to_string()),
        ("Webhook-Signature", rotated),
    ];

    let (status, _) = app.post_raw(BODY, "application/json", &headers).await;

    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_refusal_answers_401_names_the_reason_and_touches_nothing() {
    let app = signed_app().await;
    let ts = now().timestamp();
    let tampered = BODY.replace("pay_123456", "pay_999999");
    let cases: Vec<Case> = vec![
        (
            "signature_tampered_body",
            tampered,
            headers("m", ts, sign(SECRET, "m", ts, BODY)),
            "NO_MATCHING_SIGNATURE",
        ),
        (
            "signature_wrong_secret",
            BODY.into(),
            headers("m", ts, sign(OTHER_SECRET, "m", ts, BODY)),
            "NO_MATCHING_SIGNATURE",
        ),
        (
            "signature_missing_headers",
            BODY.into(),
            vec![],
            "MISSING_REQUIRED_HEADERS",
        ),
        (
            "signature_stale",
            BODY.into(),
            headers("m", ts - 301, sign(SECRET, "m", ts - 301, BODY)),
            "TIMESTAMP_TOO_OLD",
        ),
        (
            "signature_future",
            BODY.into(),
            headers("m", ts + 301, sign(SECRET, "m", ts + 301, BODY)),
            "TIMESTAMP_TOO_NEW",
        ),
    ];
    for (name, body, headers, reason) in cases {
        let (status, answer) = app.post_raw(body, "application/json", &headers).await;

        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(answer["checklist"][1]["data"]["reason"], reason, "{name}");
        assert_eq!(answer["checklist"][0]["status"], "skipped", "{name}");
        snapshot!(name, status, answer);
    }
    for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let partial: Vec<_> = headers("m", ts, sign(SECRET, "m", ts, BODY))
            .into_iter()
            .filter(|(n, _)| *n != missing)
            .collect();
        let (status, answer) = app.post_raw(BODY, "application/json", &partial).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            answer["checklist"][1]["message"]
                .as_str()
                .unwrap()
                .contains(missing),
            "{answer}"
        );
    }
    assert!(app.portone_calls().await.is_empty());
    assert_eq!(app.storage_calls().await, 0);
}

#[tokio::test]
async fn extreme_timestamps_and_huge_signature_headers_get_401_with_the_checklist() {
    let app = signed_app().await;
    let ts = now().timestamp();
    let many = vec![sign(OTHER_SECRET, "msg_1", ts, BODY); 500].join(" ");
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (headers("msg_1", i64::MIN, "v1,x".into()), "TIMESTAMP_TOO_OLD"),
        (headers("msg_1", i64::MAX, "v1,x".into()), "TIMESTAMP_TOO_NEW"),
        (
            vec![
                ("webhook-id", "msg_1".into()),
                ("webhook-timestamp", "99999999999999999999".into()),
                ("webhook-signature", "v1,x".into()),
            ],
            "INVALID_SIGNATURE",
        ),
        (headers("msg_1", ts, many), "NO_MATCHING_SIGNATURE"),
        (
            headers(&"i".repeat(8192), ts, "v1,x".into()),
            "NO_MATCHING_SIGNATURE",
        ),
    ];
    for (headers, reason) in cases {
        let (status, body) = app.post_raw(BODY, "application/json", &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}: {body:#}");
        assert_eq!(body["checklist"][1]["data"]["reason"], reason);
        assert_eq!(body["checklist"].as_array().unwrap().len(), 5);
    }
    assert!(app.portone_calls().await.is_empty(), "nothing was fetched");
}
