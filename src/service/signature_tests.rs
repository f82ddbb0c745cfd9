use super::*;

fn secret(text: &str) -> WebhookSecret {
    WebhookSecret::parse(&SecretString::from(text)).unwrap()
}

fn headers(id: &str, timestamp: i64, signature: &str) -> SignatureHeaders {
    SignatureHeaders {
        id: Some(id.into()),
        timestamp: Some(timestamp.to_string()),
        signature: Some(signature.into()),
    }
}

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

/// Standard Webhooks' own vector (`libraries/go/webhook_test.go`, also in the C#, Java and
/// Elixir tests; `shared/portone/README.md`).
#[test]
fn verifies_the_go_library_vector() {
    let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let headers = headers(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
    assert_eq!(
        secret.verify(&headers, br#"{"test": 2432232314}"#, at(1614265330)),
        Ok(())
    );
}

/// The Rust library's vector (`libraries/rust/src/lib.rs`, `test_sign`).
#[test]
fn verifies_the_rust_library_vector() {
    let secret = secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    let headers = headers(
        "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        1649367553,
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    );
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    assert_eq!(secret.verify(&headers, body, at(1649367553)), Ok(()));
}

/// PortOne's bare base64 secret form (no `whsec_`), vector computed in `shared/portone/README.md`.
#[test]
fn verifies_a_bare_base64_secret_and_rotation_lists() {
    let secret = secret("pzQGE83cSIRKM4/WH5QY+g==");
    let good = "v1,6SQiykwF5BCGjyB/gmOFtXtMNwQBM7k/52nd+vdX6Z4=";
    let rotated = format!("v1,bm90IHRoZSBzaWduYXR1cmU= v2,whatever {good}");
    let headers = headers("dummy-webhook-id", 1714000000, &rotated);
    assert_eq!(
        secret.verify(&headers, br#"{"test":"test payload"}"#, at(1714000000)),
        Ok(())
    );
}

#[test]
fn refuses_tampering_wrong_secrets_and_stale_or_future_timestamps() {
    let secret_a = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let headers = headers(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
    let body = br#"{"test": 2432232314}"#;
    let no_match = Err(SignatureError::NoMatchingSignature);
    assert_eq!(
        secret_a.verify(&headers, br#"{"test": 2432232315}"#, at(1614265330)),
        no_match
    );
    assert_eq!(
        secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").verify(&headers, body, at(1614265330)),
        no_match
    );
    assert_eq!(
        secret_a.verify(&headers, body, at(1614265330 + 301)),
        Err(SignatureError::TimestampTooOld)
    );
    assert_eq!(
        secret_a.verify(&headers, body, at(1614265330 - 301)),
        Err(SignatureError::TimestampTooNew)
    );
    assert_eq!(secret_a.verify(&headers, body, at(1614265330 + 300)), Ok(()));
}

#[test]
fn names_every_missing_header_and_a_bad_timestamp() {
    let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let only_id = SignatureHeaders {
        id: Some("x".into()),
        ..SignatureHeaders::default()
    };
    assert_eq!(
        secret.verify(&only_id, b"{}", at(0)),
        Err(SignatureError::MissingHeaders(vec![
            "webhook-timestamp",
            "webhook-signature"
        ]))
    );
    let bad = SignatureHeaders {
        timestamp: Some("soon".into()),
        ..headers("x", 0, "v1,x")
    };
    assert_eq!(
        secret.verify(&bad, b"{}", at(0)),
        Err(SignatureError::InvalidTimestamp)
    );
}

#[test]
fn refuses_unusable_secrets_without_echoing_them() {
    for empty in ["", "whsec_"] {
        assert_eq!(
            WebhookSecret::parse(&SecretString::from(empty)).unwrap_err(),
            "PORTONE_WEBHOOK_SECRET is empty"
        );
    }
    let error = WebhookSecret::parse(&SecretString::from("c2VjcmV0!!")).unwrap_err();
    assert!(
        error.contains("not base64") && !error.contains("c2VjcmV0"),
        "{error}"
    );
    assert_eq!(
        format!("{:?}", secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
        "WebhookSecret([REDACTED])"
    );
}
