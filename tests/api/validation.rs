//! Bad input: 400 with step 1 or 2 failed and a Korean message naming the field; never a 500.

use poem::http::StatusCode;

use crate::helpers::spawn_app;
use crate::snapshot;

/// (snapshot name, body, failing step index, word the message must contain)
const CASES: &[(&str, &str, usize, &str)] = &[
    (
        "invalid_malformed_json",
        r#"{"payment_id": "pay_1", "status": "Paid""#,
        0,
        "JSON",
    ),
    ("invalid_empty_body", "", 0, "JSON"),
    ("invalid_not_an_object", r#"["pay_1", "Paid"]"#, 0, "객체"),
    (
        "invalid_payment_id_type",
        r#"{"payment_id": 123, "status": "Paid"}"#,
        0,
        "payment_id",
    ),
    (
        "invalid_status_type",
        r#"{"payment_id": "pay_1", "status": ["Paid"]}"#,
        0,
        "status",
    ),
    (
        "invalid_tx_id_type",
        r#"{"payment_id": "pay_1", "status": "Paid", "tx_id": 1}"#,
        0,
        "tx_id",
    ),
    (
        "invalid_missing_payment_id",
        r#"{"status": "Paid"}"#,
        1,
        "payment_id",
    ),
    (
        "invalid_empty_payment_id",
        r#"{"payment_id": "", "status": "Paid"}"#,
        1,
        "payment_id",
    ),
    (
        "invalid_control_character",
        r#"{"payment_id": "pay\n1", "status": "Paid"}"#,
        1,
        "payment_id",
    ),
    (
        "invalid_missing_status",
        r#"{"payment_id": "pay_1"}"#,
        1,
        "status",
    ),
    (
        "invalid_unknown_status",
        r#"{"payment_id": "pay_1", "status": "PAID"}"#,
        1,
        "status",
    ),
];

#[tokio::test]
async fn each_bad_body_fails_its_step_with_a_message_naming_the_problem() {
    let app = spawn_app().await;
    for (name, body, failing, word) in CASES {
        let (status, answer) = app.post_webhook(body.to_string()).await;

        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(answer["success"], false, "{name}");
        let checklist = answer["checklist"].as_array().unwrap();
        assert_eq!(checklist.len(), 5, "{name}");
        assert_eq!(checklist[*failing]["status"], "failed", "{name}");
        assert!(
            checklist[*failing]["message"].as_str().unwrap().contains(word),
            "{name}: {answer}"
        );
        assert!(
            checklist[failing + 1..]
                .iter()
                .all(|step| step["status"] == "skipped"),
            "{name}"
        );
        snapshot!(*name, status, answer);
    }
    assert!(app.portone_calls().await.is_empty());
    assert_eq!(app.storage_calls().await, 0);
}

#[tokio::test]
async fn payment_id_over_256_characters_is_refused() {
    let app = spawn_app().await;
    let body = serde_json::json!({ "payment_id": "p".repeat(257), "status": "Paid" }).to_string();

    let (status, answer) = app.post_webhook(body).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    snapshot!("invalid_payment_id_too_long", status, answer);
}

#[tokio::test]
async fn body_over_64_kib_answers_413_with_the_checklist() {
    let app = spawn_app().await;
    let padding = "x".repeat(64 * 1024);
    let body = format!(r#"{{"payment_id": "pay_1", "status": "Paid", "padding": "{padding}"}}"#);

    let (status, answer) = app.post_webhook(body).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    snapshot!("invalid_body_too_large", status, answer);
}

#[tokio::test]
async fn body_of_exactly_64_kib_is_read() {
    let app = spawn_app().await;
    let skeleton = r#"{"payment_id": "pay_1", "status": "Ready", "padding": ""}"#;
    let padding = "x".repeat(64 * 1024 - skeleton.len());
    let body = skeleton.replace(r#""padding": """#, &format!(r#""padding": "{padding}""#));
    assert_eq!(body.len(), 64 * 1024);

    let (status, _) = app.post_webhook(body).await;

    assert_eq!(status, StatusCode::OK);
}
