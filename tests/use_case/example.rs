//! The OpenAPI example answer is what the service really answers.

use chrono::Duration;
use portone_subscriptions::service::example::{
    example_payment, paid_example, EXAMPLE_BODY, EXAMPLE_OFFSET_SECONDS, EXAMPLE_SCHEDULE_ID,
};
use portone_subscriptions::service::{SignatureHeaders, Verdict, WebhookSecret};
use secrecy::SecretString;

use crate::fakes::Harness;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::test]
async fn the_documented_example_is_the_real_answer_to_its_webhook() {
    let secret = WebhookSecret::parse(&SecretString::from(SECRET)).unwrap();
    let app = Harness::with_secret(EXAMPLE_OFFSET_SECONDS, Some(secret));
    let payment = example_payment();
    let paid_at = payment.paid_at.unwrap();
    app.clock.set(paid_at + Duration::seconds(5));
    app.portone.add(payment);
    app.portone.hand_out_schedule_id(EXAMPLE_SCHEDULE_ID);
    let timestamp = (paid_at + Duration::seconds(5)).timestamp();
    let signature = standardwebhooks::Webhook::new(SECRET)
        .unwrap()
        .sign("msg_example", timestamp, EXAMPLE_BODY.as_bytes())
        .unwrap();
    let headers = SignatureHeaders {
        id: Some("msg_example".into()),
        timestamp: Some(timestamp.to_string()),
        signature: Some(signature),
    };

    let outcome = app.post(EXAMPLE_BODY.as_bytes(), &headers).await;

    assert_eq!(outcome.verdict, Verdict::Done);
    assert_eq!(outcome.checklist, paid_example());
    // And the example says what the route spec's own example says.
    let row = outcome.checklist.items()[3].data.clone().unwrap();
    assert_eq!(row["end_grace_at"], "2024-02-01T14:59:59.000Z");
    assert_eq!(row["next_schedule_at"], "2024-02-01T01:30:00.000Z");
}
