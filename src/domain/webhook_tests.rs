use super::*;

fn event(body: &[u8]) -> Result<WebhookEvent, ValidationError> {
    RawWebhook::from_json(body).unwrap().validate()
}

#[test]
fn parses_the_seed_body_and_ignores_unknown_fields() {
    let event = event(br#"{"payment_id":"pay_1","status":"Paid","extra":[1]}"#).unwrap();
    assert_eq!(event, WebhookEvent::Paid(PaymentId::parse("pay_1").unwrap()));
}

#[test]
fn parses_the_2024_04_25_body() {
    let body = br#"{"type":"Transaction.Cancelled","timestamp":"2024-04-25T10:00:00.000Z",
        "data":{"paymentId":"pay_1","storeId":"store-1","transactionId":"tx","cancellationId":"c","new":1}}"#;
    assert_eq!(
        event(body).unwrap(),
        WebhookEvent::Cancelled(PaymentId::parse("pay_1").unwrap())
    );
    let billing = br#"{"type":"BillingKey.Issued","timestamp":"t","data":{"storeId":"s","billingKey":"bk"}}"#;
    assert_eq!(
        event(billing).unwrap(),
        WebhookEvent::Unhandled("BillingKey.Issued".into())
    );
    let future = br#"{"type":"Something.New","data":{}}"#;
    assert_eq!(
        event(future).unwrap(),
        WebhookEvent::Unhandled("Something.New".into())
    );
}

#[test]
fn failed_payments_are_their_own_event_in_both_versions() {
    let id = PaymentId::parse("pay_1").unwrap();
    assert_eq!(
        event(br#"{"payment_id":"pay_1","status":"Failed"}"#).unwrap(),
        WebhookEvent::Failed(id.clone())
    );
    assert_eq!(
        event(br#"{"type":"Transaction.Failed","data":{"paymentId":"pay_1"}}"#).unwrap(),
        WebhookEvent::Failed(id)
    );
}

#[test]
fn transaction_types_need_a_payment_id() {
    assert_eq!(
        event(br#"{"type":"Transaction.Paid","data":{"storeId":"s"}}"#),
        Err(ValidationError::MissingPaymentId("data.paymentId"))
    );
    assert_eq!(
        event(br#"{"type":"Transaction.Paid","data":{"paymentId":""}}"#),
        Err(ValidationError::InvalidPaymentId(
            "data.paymentId",
            PaymentIdError::Empty
        ))
    );
}

#[test]
fn parses_the_form_body() {
    let raw = RawWebhook::from_form(b"payment_id=pay%2F1&status=Paid&tx_id=tx&other=x").unwrap();
    assert_eq!(
        raw.validate().unwrap(),
        WebhookEvent::Paid(PaymentId::parse("pay/1").unwrap())
    );
    assert_eq!(RawWebhook::from_form(&[0xff]), Err(ParseError::MalformedForm));
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
    let wrong = |field| {
        Err(ParseError::WrongType {
            field,
            expected: "a string",
        })
    };
    assert_eq!(
        RawWebhook::from_json(br#"{"payment_id":1,"status":"Paid"}"#),
        wrong("payment_id")
    );
    assert_eq!(
        RawWebhook::from_json(br#"{"payment_id":"p","status":true}"#),
        wrong("status")
    );
    assert_eq!(RawWebhook::from_json(br#"{"type":1}"#), wrong("type"));
    assert_eq!(
        RawWebhook::from_json(br#"{"type":"Transaction.Paid","data":{"paymentId":1}}"#),
        wrong("data.paymentId")
    );
    assert_eq!(
        RawWebhook::from_json(br#"{"type":"Transaction.Paid","data":[]}"#),
        Err(ParseError::WrongType {
            field: "data",
            expected: "an object"
        })
    );
}

#[test]
fn step_two_names_the_first_bad_field() {
    assert_eq!(
        event(br#"{"status":"Paid"}"#),
        Err(ValidationError::MissingPaymentId("payment_id"))
    );
    assert_eq!(
        event(br#"{"payment_id":"","status":"Paid"}"#),
        Err(ValidationError::InvalidPaymentId(
            "payment_id",
            PaymentIdError::Empty
        ))
    );
    assert_eq!(
        event(br#"{"payment_id":"p"}"#),
        Err(ValidationError::MissingStatus)
    );
    assert_eq!(
        event(br#"{"payment_id":"p","status":"paid"}"#),
        Err(ValidationError::UnknownStatus("paid".into()))
    );
    assert_eq!(
        event(br#"{"type":"","data":{}}"#),
        Err(ValidationError::EmptyType)
    );
}

#[test]
fn every_documented_status_round_trips() {
    for status in WebhookStatus::ALL {
        assert_eq!(WebhookStatus::parse(status.as_str()), Some(status));
    }
}
