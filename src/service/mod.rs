//! The use cases: one webhook in, one checklist out; plus subscription cancel/resume and the
//! schedule admin operations. Generic over the ports, so the same code runs against PortOne and
//! Supabase in production and against stand-ins in tests.

mod cancelled;
mod messages;
mod outcome;
mod paid;
mod revoke;
pub mod signature;
mod subscription;

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use serde_json::json;
use tracing::Instrument;

pub use outcome::{Verdict, WebhookOutcome};
pub use signature::{SignatureHeaders, WebhookSecret};
pub use subscription::{SubscriptionChange, SubscriptionError, SubscriptionHandler};

use crate::domain::checklist::{Checklist, Step, StepStatus, CANCELLED_FLOW, PAID_FLOW};
use crate::domain::webhook::{RawWebhook, WebhookEvent};
use crate::ports::{Clock, PaymentGateway, PaymentLedger, RandomSource};

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

/// The driving port: what the HTTP adapter calls with each webhook.
pub trait WebhookHandler: Send + Sync + 'static {
    /// Runs the flow for one webhook. Never panics on any input.
    fn handle(&self, input: WebhookInput<'_>) -> impl Future<Output = WebhookOutcome> + Send;
}

/// Handles PortOne webhooks and subscription changes. Cheap to share: wrap it in an `Arc`.
pub struct WebhookService<G, L, C, R> {
    gateway: G,
    ledger: L,
    clock: C,
    random: R,
    /// `None`: signatures are not checked (startup warns).
    secret: Option<WebhookSecret>,
    /// Longest a webhook may take, all upstream calls and retries included.
    deadline: Duration,
}

/// Default per-webhook deadline: well under PortOne's 30 s read timeout (`shared/portone/README.md` §6).
pub const DEFAULT_WEBHOOK_DEADLINE: Duration = Duration::from_secs(20);

/// Bounds `call` by `deadline`; past it, `expired()` stands in for its result (the call is dropped,
/// which also cancels retries in progress).
pub(crate) async fn by<T, E>(
    deadline: Instant,
    call: impl Future<Output = Result<T, E>>,
    expired: impl FnOnce() -> E,
) -> Result<T, E> {
    tokio::time::timeout_at(deadline, call)
        .await
        .unwrap_or_else(|_| Err(expired()))
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
            secret: None,
            deadline: DEFAULT_WEBHOOK_DEADLINE,
        }
    }

    /// Sets the per-webhook deadline (default [`DEFAULT_WEBHOOK_DEADLINE`]).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Requires every webhook to carry a valid Standard Webhooks signature made with `secret`.
    pub fn with_webhook_secret(mut self, secret: Option<WebhookSecret>) -> Self {
        self.secret = secret;
        self
    }

    /// Runs the whole flow for one webhook.
    ///
    /// The signature is checked on the raw bytes before anything is parsed; the returned
    /// [`Verdict`] tells the HTTP layer which status to answer, and the checklist always lists
    /// every step.
    pub async fn run(&self, input: WebhookInput<'_>) -> WebhookOutcome {
        let deadline = Instant::now() + self.deadline;
        let mut checklist = Checklist::new(PAID_FLOW);
        let signature = match &self.secret {
            None => "not_configured",
            Some(secret) => match secret.verify(input.signature, input.body, self.clock.now()) {
                Ok(()) => "verified",
                Err(error) => {
                    tracing::warn!(%error, "webhook signature refused");
                    checklist.record(
                        Step::PARSE_REQUEST,
                        StepStatus::Skipped,
                        messages::NOT_PARSED_UNSIGNED,
                        None,
                    );
                    let data = json!({ "signature": "invalid", "reason": error.reason() });
                    let message = messages::signature_error(&error);
                    return WebhookOutcome::failed_at(
                        checklist,
                        Step::VALIDATE_REQUEST,
                        message,
                        Some(data),
                        Verdict::Unauthorized,
                    );
                }
            },
        };
        let parsed = match input.format {
            BodyFormat::Json => RawWebhook::from_json(input.body),
            BodyFormat::Form => RawWebhook::from_form(input.body),
        };
        let raw = match parsed {
            Ok(raw) => raw,
            Err(error) => {
                tracing::info!(%error, "webhook body rejected");
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::PARSE_REQUEST,
                    messages::parse_error(&error),
                    None,
                    Verdict::BadRequest,
                );
            }
        };
        checklist.record(
            Step::PARSE_REQUEST,
            StepStatus::Success,
            messages::PARSED,
            Some(raw.summary()),
        );

        let event = match raw.validate() {
            Ok(event) => event,
            Err(error) => {
                tracing::info!(%error, "webhook body invalid");
                let message = messages::validation_error(&error);
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::VALIDATE_REQUEST,
                    message,
                    None,
                    Verdict::BadRequest,
                );
            }
        };
        let data = json!({ "signature": signature });
        checklist.record(
            Step::VALIDATE_REQUEST,
            StepStatus::Success,
            messages::VALIDATED,
            Some(data),
        );
        self.dispatch(event, checklist, deadline).await
    }

    async fn dispatch(
        &self,
        event: WebhookEvent,
        mut checklist: Checklist,
        deadline: Instant,
    ) -> WebhookOutcome {
        match event {
            WebhookEvent::Paid(payment_id) => {
                let span = tracing::info_span!("webhook", payment_id = %payment_id, event = "paid");
                self.paid(payment_id, checklist, deadline).instrument(span).await
            }
            WebhookEvent::Cancelled(payment_id) => {
                checklist.set_flow(CANCELLED_FLOW);
                let span = tracing::info_span!("webhook", payment_id = %payment_id, event = "cancelled");
                self.cancelled(payment_id, checklist, deadline)
                    .instrument(span)
                    .await
            }
            WebhookEvent::Unhandled(name) => {
                tracing::info!(event = %name, "webhook acknowledged without processing");
                checklist.skip_remaining(&messages::unhandled(&name));
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
    fn handle(&self, input: WebhookInput<'_>) -> impl Future<Output = WebhookOutcome> + Send {
        self.run(input)
    }
}
