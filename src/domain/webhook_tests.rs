use super::*;

#[test]
fn parses_the_seed_body_and_ignores_unknown_fields() {
    let raw = RawWebhook::from_json(br#"{"payment_id":"pay_1","status":"Paid","extra":[1]}"#).unwrap();
    let request = WebhookRequest::validate(raw).unwrap();
    assert_eq!(request.payment_id.as_str(), "pay_1");
    assert_eq!(request.status, WebhookStatus::Paid);
    assert_eq!(request.tx_id, None);
}

#[test]
fn step_one_rejects_non_json_non_objects_and_wrong_types() {
    assert!(matches!(
        RawWebhook::from_json(b"{"),
        Err(ParseError::Malformed(_))
    ));
    assert!(matches!(
        RawWebhook::from_json(b""),
        Err(ParseError::Malformed(_))
    ));
    assert!(matches!(
        RawWebhook::from_json(&[0xff, 0xfe]),
        Err(ParseError::Malformed(_))
    ));
    assert_eq!(RawWebhook::from_json(b"[1]"), Err(ParseError::NotAnObject));
    assert_eq!(
        RawWebhook::from_json(br#"{"payment_id":1,"status":"Paid"}"#),
        Err(ParseError::WrongType { field: "payment_id" })
    );
    assert_eq!(
        RawWebhook::from_json(br#"{"payment_id":"p","status":true}"#),
        Err(ParseError::WrongType { field: "status" })
    );
}

#[test]
fn step_two_names_the_first_bad_field() {
    let validate = |body: &[u8]| WebhookRequest::validate(RawWebhook::from_json(body).unwrap());
    assert_eq!(
        validate(br#"{"status":"Paid"}"#),
        Err(ValidationError::MissingPaymentId)
    );
    assert_eq!(
        validate(br#"{"payment_id":"","status":"Paid"}"#),
        Err(ValidationError::InvalidPaymentId(PaymentIdError::Empty))
    );
    assert_eq!(
        validate(br#"{"payment_id":"p"}"#),
        Err(ValidationError::MissingStatus)
    );
    assert_eq!(
        validate(br#"{"payment_id":"p","status":"paid"}"#),
        Err(ValidationError::UnknownStatus("paid".into()))
    );
}

#[test]
fn every_documented_status_round_trips() {
    for status in WebhookStatus::ALL {
        assert_eq!(WebhookStatus::parse(status.as_str()), Some(status));
    }
}
