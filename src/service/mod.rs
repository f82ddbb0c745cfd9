//! The use case: one webhook in, one checklist out. Generic over the ports, so the same code runs
//! against PortOne and Supabase in production and against in-memory stand-ins in tests.

mod messages;
mod outcome;
mod paid;

pub use outcome::{Verdict, WebhookOutcome};

use serde_json::json;
use tracing::Instrument;

use crate::domain::checklist::{Checklist, Step, StepStatus, PAID_FLOW};
use crate::domain::webhook::{RawWebhook, WebhookRequest, WebhookStatus};
use crate::ports::{Clock, PaymentGateway, PaymentLedger, RandomSource};

/// The driving port: what the HTTP adapter calls with each webhook body.
pub trait WebhookHandler: Send + Sync + 'static {
    /// Runs the flow for one raw body (already size-checked). Never panics on any input.
    fn handle(&self, body: &[u8]) -> impl std::future::Future<Output = WebhookOutcome> + Send;
}

/// Handles PortOne webhooks. Cheap to share: wrap it in an `Arc`.
pub struct WebhookService<G, L, C, R> {
    gateway: G,
    ledger: L,
    clock: C,
    random: R,
}

impl<G, L, C, R> WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    pub fn new(gateway: G, ledger: L, clock: C, random: R) -> Self {
        Self {
            gateway,
            ledger,
            clock,
            random,
        }
    }

    /// Runs the whole flow for one raw webhook body (already size-checked by the HTTP layer).
    ///
    /// Never panics on any input; the returned [`Verdict`] tells the HTTP layer which status to
    /// answer, and the checklist always lists every step.
    pub async fn run(&self, body: &[u8]) -> WebhookOutcome {
        let mut checklist = Checklist::new(PAID_FLOW);
        let raw = match RawWebhook::from_json(body) {
            Ok(raw) => raw,
            Err(error) => {
                tracing::info!(%error, "webhook body rejected");
                checklist.record(
                    Step::PARSE_REQUEST,
                    StepStatus::Failed,
                    messages::parse_error(&error),
                    None,
                );
                return WebhookOutcome::stopped(checklist, Verdict::BadRequest);
            }
        };
        let parsed = json!({ "payment_id": raw.payment_id, "status": raw.status });
        checklist.record(
            Step::PARSE_REQUEST,
            StepStatus::Success,
            messages::PARSED,
            Some(parsed),
        );

        let request = match WebhookRequest::validate(raw) {
            Ok(request) => request,
            Err(error) => {
                tracing::info!(%error, "webhook body invalid");
                let message = messages::validation_error(&error);
                checklist.record(Step::VALIDATE_REQUEST, StepStatus::Failed, message, None);
                return WebhookOutcome::stopped(checklist, Verdict::BadRequest);
            }
        };
        checklist.record(
            Step::VALIDATE_REQUEST,
            StepStatus::Success,
            messages::VALIDATED,
            None,
        );

        let span = tracing::info_span!("webhook", payment_id = %request.payment_id, status = request.status.as_str());
        self.dispatch(request, checklist).instrument(span).await
    }

    async fn dispatch(&self, request: WebhookRequest, mut checklist: Checklist) -> WebhookOutcome {
        match request.status {
            WebhookStatus::Paid => self.paid(request, checklist).await,
            WebhookStatus::Cancelled => {
                tracing::info!("cancelled webhook acknowledged, not processed yet");
                checklist.skip_remaining(messages::CANCELLED_SKIPPED);
                WebhookOutcome::finished(checklist)
            }
            other => {
                tracing::info!("webhook status not handled");
                checklist.skip_remaining(&messages::unhandled_status(other));
                WebhookOutcome::finished(checklist)
            }
        }
    }
}

impl<G, L, C, R> WebhookHandler for WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    fn handle(&self, body: &[u8]) -> impl std::future::Future<Output = WebhookOutcome> + Send {
        self.run(body)
    }
}
