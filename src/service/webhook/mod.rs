//! The webhook use case: one PortOne webhook in, one checklist out. Steps 1–2 (signature, parsing,
//! validation) are here; steps 3–5 are the payment flows (`super::flows`).

use serde_json::json;
use std::sync::Arc;

use tokio::time::Instant;

use crate::domain::checklist::{Step, PAID_FLOW};
use crate::domain::webhook::RawWebhook;
use crate::ports::{Clock, Ports};
use crate::telemetry::metrics;

use super::flows::PaymentFlows;
use super::messages;
use super::outcome::{Verdict, WebhookOutcome};
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

/// Handles PortOne webhooks: checks the signature, parses and validates the body, then runs the
/// payment flow the event names ([`PaymentFlows`]). Cheap to share: wrap it in an `Arc`.
pub struct WebhookService<P> {
    flows: PaymentFlows<P>,
    /// `None`: signatures are not checked (only when the operator opted out, or in the sandbox).
    secret: Option<WebhookSecret>,
}

impl<P: Ports> WebhookService<P> {
    pub fn new(flows: PaymentFlows<P>) -> Self {
        Self { flows, secret: None }
    }

    /// Requires every webhook to carry a valid Standard Webhooks signature made with `secret`.
    pub fn with_webhook_secret(mut self, secret: Option<WebhookSecret>) -> Self {
        self.secret = secret;
        self
    }

    /// The flows this service runs.
    pub fn flows(&self) -> &PaymentFlows<P> {
        &self.flows
    }

    /// The ports its flows run on.
    pub fn ports(&self) -> &Arc<P> {
        self.flows.ports()
    }

    /// Runs the whole flow for one webhook. Never panics on any input.
    ///
    /// The signature is checked on the raw bytes before anything is parsed; the returned
    /// [`Verdict`] tells the HTTP layer which status to answer, and the checklist always lists
    /// every step.
    pub async fn handle(&self, input: WebhookInput<'_>) -> WebhookOutcome {
        let mut steps = Steps::new(&PAID_FLOW, Instant::now() + self.flows.deadline());
        let result = self.run(&mut steps, input).await;
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
        self.flows.dispatch(steps, event).await
    }

    /// Step 2's signature check, before step 1 reads the body: `"verified"`, `"not_configured"`,
    /// or a halt with 401 (step 1 skipped, step 2 failed with the reason).
    fn check_signature(&self, steps: &mut Steps, input: WebhookInput<'_>) -> Result<&'static str, Halt> {
        let Some(secret) = &self.secret else {
            return Ok("not_configured");
        };
        let now = self.flows.ports().clock().now();
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
}
