//! `POST /api/portone`: the webhook endpoint. The HTTP status is decided here, in one place.

use std::sync::Arc;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::body::{WebhookBody, MAX_WEBHOOK_BODY_BYTES};
use super::schema::WebhookResult;
use super::ApiTags;
use crate::service::{Verdict, WebhookHandler, WebhookOutcome};

/// Answers of `POST /api/portone`; every one carries the checklist.
#[derive(ApiResponse)]
pub enum WebhookResponse {
    /// Every step succeeded or was skipped on purpose (including replays, `Cancelled` and
    /// statuses this service does not handle). PortOne stops retrying.
    #[oai(status = 200)]
    Ok(Json<WebhookResult>),
    /// The body is not valid JSON, not an object, or a field is missing or invalid (step 1 or 2
    /// `failed`, the message names the field).
    #[oai(status = 400)]
    BadRequest(Json<WebhookResult>),
    /// PortOne says the payment is not `PAID`; nothing was recorded (step 3 `failed`).
    #[oai(status = 409)]
    NotPaid(Json<WebhookResult>),
    /// The body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<WebhookResult>),
    /// PortOne or storage failed (step 3, 4 or 5 `failed`); PortOne retries the webhook, and the
    /// retry neither records nor schedules twice.
    #[oai(status = 500)]
    UpstreamFailed(Json<WebhookResult>),
}

impl From<WebhookOutcome> for WebhookResponse {
    fn from(outcome: WebhookOutcome) -> Self {
        let body = Json(WebhookResult::from(&outcome.checklist));
        match outcome.verdict {
            Verdict::Done => Self::Ok(body),
            Verdict::BadRequest => Self::BadRequest(body),
            Verdict::NotPaid => Self::NotPaid(body),
            Verdict::PayloadTooLarge => Self::PayloadTooLarge(body),
            Verdict::UpstreamFailed => Self::UpstreamFailed(body),
        }
    }
}

/// The webhook API, generic over the use case so tests drive it with in-memory ports.
pub struct WebhookApi<H> {
    handler: Arc<H>,
}

impl<H> WebhookApi<H> {
    pub fn new(handler: Arc<H>) -> Self {
        Self { handler }
    }
}

#[OpenApi]
impl<H: WebhookHandler> WebhookApi<H> {
    /// PortOne payment webhook.
    ///
    /// Re-fetches the payment from PortOne, records the paid month in the `payment` table
    /// (period math in Asia/Seoul, stored as UTC) and schedules next month's payment at PortOne.
    /// Idempotent per `payment_id`: a replay answers 200 with the stored row.
    #[oai(path = "/api/portone", method = "post", tag = "ApiTags::Webhook")]
    async fn portone_webhook(&self, body: WebhookBody) -> WebhookResponse {
        let outcome = match body {
            WebhookBody::Complete(bytes) => self.handler.handle(&bytes).await,
            WebhookBody::TooLarge => WebhookOutcome::too_large(MAX_WEBHOOK_BODY_BYTES),
        };
        outcome.into()
    }
}
