//! `POST /api/portone`: the webhook endpoint. The HTTP status is decided here, in one place.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::body::{WebhookBody, MAX_WEBHOOK_BODY_BYTES};
use super::schema::WebhookResult;
use super::ApiTags;
use crate::config::Limits;
use crate::ports::Ports;
use crate::service::{Verdict, WebhookInput, WebhookOutcome, WebhookService};
use crate::telemetry::metrics;

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
    /// The Standard Webhooks signature is missing or wrong (step 2 `failed`, the message names
    /// the reason); nothing was fetched or written.
    #[oai(status = 401)]
    Unauthorized(Json<WebhookResult>),
    /// PortOne's record contradicts the webhook (a `Paid` webhook for a payment that is not
    /// `PAID`, `Cancelled` for one not `CANCELLED`, `Failed` for one not `FAILED`); nothing was
    /// written (step 3 `failed`).
    #[oai(status = 409)]
    PaymentStatusMismatch(Json<WebhookResult>),
    /// The body is larger than 64 KiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<WebhookResult>),
    /// Too many webhooks in flight; retry after `Retry-After` seconds (PortOne resends).
    #[oai(status = 503)]
    Overloaded(Json<WebhookResult>, #[oai(header = "Retry-After")] u32),
    /// PortOne or storage failed (step 3, 4 or 5 `failed`), a `Cancelled` webhook arrived before
    /// its payment was recorded, or the next payment was charged before it could be revoked;
    /// PortOne retries the webhook, and the retry neither records nor schedules twice.
    #[oai(status = 500)]
    UpstreamFailed(Json<WebhookResult>),
}

impl From<WebhookOutcome> for WebhookResponse {
    fn from(outcome: WebhookOutcome) -> Self {
        let body = Json(WebhookResult::from(outcome.checklist));
        match outcome.verdict {
            Verdict::Done => Self::Ok(body),
            Verdict::BadRequest => Self::BadRequest(body),
            Verdict::Unauthorized => Self::Unauthorized(body),
            Verdict::PaymentStatusMismatch => Self::PaymentStatusMismatch(body),
            Verdict::PayloadTooLarge => Self::PayloadTooLarge(body),
            Verdict::UpstreamFailed => Self::UpstreamFailed(body),
            Verdict::Overloaded => Self::Overloaded(body, RETRY_AFTER_SECONDS),
        }
    }
}

/// The status [`WebhookResponse`] answers `verdict` with (its variants' `#[oai(status)]`), for
/// the metrics.
fn status_of(verdict: Verdict) -> u16 {
    match verdict {
        Verdict::Done => 200,
        Verdict::BadRequest => 400,
        Verdict::Unauthorized => 401,
        Verdict::PaymentStatusMismatch => 409,
        Verdict::PayloadTooLarge => 413,
        Verdict::UpstreamFailed => 500,
        Verdict::Overloaded => 503,
    }
}

/// Counts the answer in `portone_subscriptions_webhooks_total` and its duration, then answers.
fn answer(outcome: WebhookOutcome, started: Instant) -> WebhookResponse {
    let status = status_of(outcome.verdict);
    metrics::webhook_answered(
        outcome.event.label(),
        status,
        outcome.outcome_code(),
        started.elapsed(),
    );
    outcome.into()
}

/// Seconds a refused webhook is told to wait.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The webhook API, generic over the ports so tests drive it with stand-ins. At most
/// `limits.max_in_flight` webhooks run at once (see [`Limits`]).
pub struct WebhookApi<P> {
    service: Arc<WebhookService<P>>,
    permits: Arc<Semaphore>,
    queue_wait: Duration,
}

impl<P> WebhookApi<P> {
    pub fn new(service: Arc<WebhookService<P>>, limits: Limits) -> Self {
        Self {
            service,
            permits: Arc::new(Semaphore::new(limits.max_in_flight)),
            queue_wait: limits.queue_wait,
        }
    }
}

#[OpenApi]
impl<P: Ports> WebhookApi<P> {
    /// PortOne payment webhook.
    ///
    /// `Paid` (`Transaction.Paid`): re-fetches the payment from PortOne, records the paid month in
    /// the `payment` table (period math in Asia/Seoul, stored as UTC) and schedules next month's
    /// payment. `Failed` (`Transaction.Failed`): a declined renewal is recorded as an attempt of
    /// the month it renews and retried on the `DUNNING_RETRY_DAYS` policy, or the subscription
    /// lapses when no retry is left. `Cancelled` (`Transaction.Cancelled`): marks the row
    /// `Cancelled` and revokes the next schedule. Other statuses and types are acknowledged.
    /// Idempotent per payment: a replay answers 200 with what was stored. Signed with Standard
    /// Webhooks headers.
    #[oai(path = "/api/portone", method = "post", tag = "ApiTags::Webhook")]
    async fn portone_webhook(&self, body: WebhookBody) -> WebhookResponse {
        let started = Instant::now();
        let Ok(Ok(_permit)) = tokio::time::timeout(self.queue_wait, self.permits.acquire()).await else {
            tracing::warn!("webhook refused: too many in flight");
            metrics::webhook_overloaded();
            return answer(WebhookOutcome::overloaded(), started);
        };
        let _in_flight = metrics::InFlight::start();
        let outcome = match &body.body {
            Some(bytes) => {
                let input = WebhookInput {
                    body: bytes,
                    format: body.format,
                    signature: &body.signature,
                };
                self.service.handle(input).await
            }
            None => WebhookOutcome::too_large(MAX_WEBHOOK_BODY_BYTES),
        };
        answer(outcome, started)
    }
}
