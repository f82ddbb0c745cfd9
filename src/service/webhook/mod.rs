//! The webhook use case: one PortOne webhook in, one checklist out. Steps 1–2 (signature, parsing,
//! validation) are here; the flows of steps 3–5 are in `paid`, `cancelled` and `failed`.

mod cancelled;
mod failed;
mod fetch;
mod paid;
mod partial;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use tracing::Instrument;

use crate::domain::checklist::{Step, CANCELLED_FLOW, FAILED_FLOW, PAID_FLOW, PARTIAL_CANCELLED_FLOW};
use crate::domain::dunning::DunningPolicy;
use crate::domain::webhook::{RawWebhook, WebhookEvent};
use crate::ports::{Clock, Ports};
use crate::telemetry::metrics;

use super::deadline::DEFAULT_WEBHOOK_DEADLINE;
use super::messages;
use super::outcome::{EventKind, Verdict, WebhookOutcome};
use super::step_data;
use super::steps::{Failure, Halt, Steps};
use crate::domain::signature::{SignatureHeaders, WebhookSecret};

/// How the body is encoded, from `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    /// `application/x-www-form-urlencoded` (2024-01-01 bodies only).
    Form,
}

/// One webhook request as the HTTP layer received it: the raw body (size-checked) and headers.
#[derive(Debug, Clone, Copy)]
pub struct WebhookInput<'a> {
    pub body: &'a [u8],
    pub format: BodyFormat,
    pub signature: &'a SignatureHeaders,
}

/// Handles PortOne webhooks. Cheap to share: wrap it in an `Arc`.
pub struct WebhookService<P> {
    ports: Arc<P>,
    /// `None`: signatures are not checked (only when the operator opted out, or in the sandbox).
    secret: Option<WebhookSecret>,
    /// Longest a webhook may take, all upstream calls and retries included.
    deadline: Duration,
    /// When a declined renewal is retried.
    dunning: DunningPolicy,
}

impl<P: Ports> WebhookService<P> {
    pub fn new(ports: Arc<P>) -> Self {
        Self {
            ports,
            secret: None,
            deadline: DEFAULT_WEBHOOK_DEADLINE,
            dunning: DunningPolicy::default(),
        }
    }

    /// Sets the retry policy of declined renewals (default [`DunningPolicy::default`]).
    pub fn with_dunning(mut self, dunning: DunningPolicy) -> Self {
        self.dunning = dunning;
        self
    }

    /// Sets the per-webhook deadline (default [`DEFAULT_WEBHOOK_DEADLINE`]).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The longest one webhook (or one subscription start) may take.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The ports this service runs on.
    pub fn ports(&self) -> &Arc<P> {
        &self.ports
    }

    /// Now, by the service's clock.
    pub(super) fn now(&self) -> crate::domain::timestamp::Timestamp {
        crate::domain::timestamp::Timestamp::from_utc(self.ports.clock().now())
    }

    /// Requires every webhook to carry a valid Standard Webhooks signature made with `secret`.
    pub fn with_webhook_secret(mut self, secret: Option<WebhookSecret>) -> Self {
        self.secret = secret;
        self
    }

    /// Runs the whole flow for one webhook. Never panics on any input.
    ///
    /// The signature is checked on the raw bytes before anything is parsed; the returned
    /// [`Verdict`] tells the HTTP layer which status to answer, and the checklist always lists
    /// every step.
    pub async fn handle(&self, input: WebhookInput<'_>) -> WebhookOutcome {
        let mut steps = Steps::new(&PAID_FLOW, Instant::now() + self.deadline);
        let result = self.run(&mut steps, input).await;
        steps.finish(result)
    }

    /// Runs the flow of `event` as its webhook would have (the reconciler's way in, for a
    /// webhook PortOne never delivered): steps 1–2 say where the event came from.
    pub async fn replay(&self, event: WebhookEvent) -> WebhookOutcome {
        let mut steps = Steps::new(&PAID_FLOW, Instant::now() + self.deadline);
        let source = Some(json!({ "source": "reconcile" }));
        steps.succeed(Step::PARSE_REQUEST, messages::FROM_RECONCILE, source.clone());
        steps.succeed(Step::VALIDATE_REQUEST, messages::FROM_RECONCILE, source);
        let result = self.dispatch(&mut steps, event).await;
        steps.finish(result)
    }

    async fn run(&self, steps: &mut Steps, input: WebhookInput<'_>) -> Result<(), Halt> {
        let signature = self.check_signature(steps, input)?;
        let parsed = match input.format {
            BodyFormat::Json => RawWebhook::from_json(input.body),
            BodyFormat::Form => RawWebhook::from_form(input.body),
        };
        let raw = parsed.map_err(|error| {
            tracing::info!(%error, "webhook body rejected");
            steps.fail(
                Step::PARSE_REQUEST,
                Failure::bad_request(messages::parse_error(&error)),
            )
        })?;
        steps.succeed(Step::PARSE_REQUEST, messages::PARSED, Some(raw.summary()));
        let event = raw.validate().map_err(|error| {
            tracing::info!(%error, "webhook body invalid");
            steps.fail(
                Step::VALIDATE_REQUEST,
                Failure::bad_request(messages::validation_error(&error)),
            )
        })?;
        steps.succeed(
            Step::VALIDATE_REQUEST,
            messages::VALIDATED,
            step_data::validated(signature),
        );
        self.dispatch(steps, event).await
    }

    /// Step 2's signature check, before step 1 reads the body: `"verified"`, `"not_configured"`,
    /// or a halt with 401 (step 1 skipped, step 2 failed with the reason).
    fn check_signature(&self, steps: &mut Steps, input: WebhookInput<'_>) -> Result<&'static str, Halt> {
        let Some(secret) = &self.secret else {
            return Ok("not_configured");
        };
        let now = self.ports.clock().now();
        secret.verify(input.signature, input.body, now).map_err(|error| {
            tracing::warn!(%error, "webhook signature refused");
            metrics::signature_failed(error.reason());
            steps.skip(Step::PARSE_REQUEST, messages::NOT_PARSED_UNSIGNED);
            let failure = Failure {
                message: messages::signature_error(&error),
                data: Some(json!({ "signature": "invalid", "reason": error.reason() })),
                verdict: Verdict::Unauthorized,
            };
            steps.fail(Step::VALIDATE_REQUEST, failure)
        })?;
        Ok("verified")
    }

    async fn dispatch(&self, steps: &mut Steps, event: WebhookEvent) -> Result<(), Halt> {
        match event {
            WebhookEvent::Paid(payment_id) => {
                steps.set_event(EventKind::Paid);
                let span = tracing::info_span!("webhook", payment_id = %payment_id, event = "paid");
                self.paid(steps, payment_id).instrument(span).await
            }
            WebhookEvent::Cancelled(payment_id) => {
                steps.set_flow(&CANCELLED_FLOW);
                steps.set_event(EventKind::Cancelled);
                let span = tracing::info_span!("webhook", payment_id = %payment_id, event = "cancelled");
                self.cancelled(steps, payment_id).instrument(span).await
            }
            WebhookEvent::Failed(payment_id) => {
                steps.set_flow(&FAILED_FLOW);
                steps.set_event(EventKind::Failed);
                let span = tracing::info_span!("webhook", payment_id = %payment_id, event = "failed");
                self.failed(steps, payment_id).instrument(span).await
            }
            WebhookEvent::PartiallyCancelled(payment_id) => {
                steps.set_flow(&PARTIAL_CANCELLED_FLOW);
                steps.set_event(EventKind::PartiallyCancelled);
                let span =
                    tracing::info_span!("webhook", payment_id = %payment_id, event = "partially_cancelled");
                self.partially_cancelled(steps, payment_id).instrument(span).await
            }
            WebhookEvent::Unhandled(name) => {
                steps.set_event(EventKind::Unhandled);
                tracing::info!(event = %name, "webhook acknowledged without processing");
                steps.skip_rest(&messages::unhandled(&name));
                Ok(())
            }
        }
    }
}
