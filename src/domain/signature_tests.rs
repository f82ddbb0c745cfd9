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

/// Standard Webhooks' own vector (`libraries/go/webhook_test.go` in
/// github.com/standard-webhooks/standard-webhooks, also in its C#, Java and Elixir tests).
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

/// PortOne's bare base64 secret form (no `whsec_`); the signature was computed independently with
/// Python's `hmac` over `dummy-webhook-id.1714000000.{"test":"test payload"}`.
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

#[test]
fn extreme_timestamps_are_refused_without_overflow() {
    let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let now = at(1_700_000_000);
    for (timestamp, expected) in [
        (i64::MIN, SignatureError::TimestampTooOld),
        (i64::MIN + 1, SignatureError::TimestampTooOld),
        (0, SignatureError::TimestampTooOld),
        (i64::MAX, SignatureError::TimestampTooNew),
        (i64::MAX - 1, SignatureError::TimestampTooNew),
    ] {
        let headers = headers("msg", timestamp, "v1,x");
        assert_eq!(secret.verify(&headers, b"{}", now), Err(expected), "{timestamp}");
    }
    // The clock itself at the edge of chrono's range.
    let far = DateTime::<Utc>::MAX_UTC;
    assert_eq!(
        secret.verify(&headers("msg", i64::MIN, "v1,x"), b"{}", far),
        Err(SignatureError::TimestampTooOld)
    );
}

#[test]
fn non_numeric_and_out_of_range_timestamps_are_invalid() {
    let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    for text in [
        "",
        " ",
        "1e9",
        "0x10",
        "+-1",
        "9223372036854775808",
        "-9223372036854775809",
        "１７０００００００００",
        "1700000000.5",
    ] {
        let headers = SignatureHeaders {
            timestamp: Some(text.to_owned()),
            ..headers("msg", 0, "v1,x")
        };
        assert_eq!(
            secret.verify(&headers, b"{}", at(1_700_000_000)),
            Err(SignatureError::InvalidTimestamp),
            "{text:?}"
        );
    }
}

#[test]
fn huge_headers_and_many_signatures_are_checked_without_panicking() {
    let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let body = br#"{"test": 2432232314}"#;
    let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    let many_wrong = vec!["v1,bm90IHRoZSBzaWduYXR1cmU="; 10_000].join(" ");
    let now = at(1614265330);
    let wrong = headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, &many_wrong);
    assert_eq!(
        secret.verify(&wrong, body, now),
        Err(SignatureError::NoMatchingSignature)
    );
    let last_matches = headers(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        &format!("{many_wrong} {good}"),
    );
    assert_eq!(secret.verify(&last_matches, body, now), Ok(()));
    let huge_id = headers(&"i".repeat(1 << 20), 1614265330, good);
    assert_eq!(
        secret.verify(&huge_id, body, now),
        Err(SignatureError::NoMatchingSignature)
    );
    let junk = headers("msg", 1614265330, &",,, v1 v1, ,v1 \u{0} v2,".repeat(10_000));
    assert_eq!(
        secret.verify(&junk, body, now),
        Err(SignatureError::NoMatchingSignature)
    );
}

proptest::proptest! {
    /// Any header values and body: an answer, never a panic, and the timestamp rule holds.
    #[test]
    fn any_headers_get_an_answer(
        id in ".{0,64}",
        timestamp in proptest::prelude::any::<i64>(),
        signature in ".{0,256}",
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
        now in -10_000_000_000i64..10_000_000_000,
    ) {
        let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let result = secret.verify(&headers(&id, timestamp, &signature), &body, at(now));
        let age = i128::from(now) - i128::from(timestamp);
        if age > 300 {
            proptest::prop_assert_eq!(result, Err(SignatureError::TimestampTooOld));
        } else if age < -300 {
            proptest::prop_assert_eq!(result, Err(SignatureError::TimestampTooNew));
        } else {
            proptest::prop_assert_eq!(result, Err(SignatureError::NoMatchingSignature));
        }
    }

    /// Any text in the timestamp header: invalid unless it is an integer.
    #[test]
    fn any_timestamp_text_gets_an_answer(text in "\\PC{0,40}") {
        let secret = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let headers = SignatureHeaders { timestamp: Some(text.clone()), ..headers("msg", 0, "v1,x") };
        let result = secret.verify(&headers, b"{}", at(0));
        if text.trim().parse::<i64>().is_err() {
            proptest::prop_assert_eq!(result, Err(SignatureError::InvalidTimestamp));
        } else {
            proptest::prop_assert!(result.is_err());
        }
    }
}
