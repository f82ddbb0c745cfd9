//! The payment flows, steps 3–5 of a webhook: `paid` (record the month, schedule the next),
//! `cancelled` (refunded: stop), `failed` (record the attempt, schedule the retry or lapse) and
//! `partial` (record a partial refund). The webhook service runs them after its own steps 1–2;
//! a start and a card update run `paid` after their own charge, and the reconciler runs any of
//! them for a webhook PortOne never delivered.

mod cancelled;
mod failed;
mod fetch;
mod free;
mod paid;
mod partial;
mod proration;
mod retry;

pub(in crate::service) use free::free_payment;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use tracing::Instrument;

use crate::domain::checklist::{Step, CANCELLED_FLOW, FAILED_FLOW, PAID_FLOW, PARTIAL_CANCELLED_FLOW};
use crate::domain::dunning::DunningPolicy;
use crate::domain::timestamp::Timestamp;
use crate::domain::webhook::WebhookEvent;
use crate::ports::{Clock, Ports};

use super::deadline::DEFAULT_WEBHOOK_DEADLINE;
use super::messages;
use super::outcome::{EventKind, WebhookOutcome};
use super::steps::{Halt, Steps};

/// The payment flows over their ports, with the deadline they share and the retry policy of
/// declined renewals. A clone shares the same ports.
pub struct PaymentFlows<P> {
    ports: Arc<P>,
    /// Longest one flow may take (with a webhook's, a start's or a card update's own steps), all
    /// upstream calls and retries included.
    deadline: Duration,
    /// When a declined renewal is retried.
    dunning: DunningPolicy,
}

impl<P> Clone for PaymentFlows<P> {
    fn clone(&self) -> Self {
        Self {
            ports: Arc::clone(&self.ports),
            deadline: self.deadline,
            dunning: self.dunning.clone(),
        }
    }
}

impl<P: Ports> PaymentFlows<P> {
    pub fn new(ports: Arc<P>) -> Self {
        Self {
            ports,
            deadline: DEFAULT_WEBHOOK_DEADLINE,
            dunning: DunningPolicy::default(),
        }
    }

    /// Sets the retry policy of declined renewals (default [`DunningPolicy::default`]).
    pub fn with_dunning(mut self, dunning: DunningPolicy) -> Self {
        self.dunning = dunning;
        self
    }

    /// Sets the deadline (default [`DEFAULT_WEBHOOK_DEADLINE`]).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The longest one webhook, start or card update may take.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The ports the flows run on.
    pub fn ports(&self) -> &Arc<P> {
        &self.ports
    }

    /// Now, by the ports' clock.
    fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports.clock().now())
    }

    /// Runs the flow of `event` as its webhook would have (the reconciler's way in, for a
    /// webhook PortOne never delivered): steps 1–2 say where the event came from.
    pub async fn replay(&self, event: WebhookEvent) -> WebhookOutcome {
        let mut steps = self.reconcile_steps();
        let result = self.dispatch(&mut steps, event).await;
        steps.finish(result)
    }

    /// A flow the reconciler runs instead of a webhook: steps 1–2 say where it came from.
    fn reconcile_steps(&self) -> Steps {
        let mut steps = Steps::new(&PAID_FLOW, Instant::now() + self.deadline);
        let source = Some(json!({ "source": "reconcile" }));
        steps.succeed(Step::PARSE_REQUEST, messages::FROM_RECONCILE, source.clone());
        steps.succeed(Step::VALIDATE_REQUEST, messages::FROM_RECONCILE, source);
        steps
    }

    /// Runs the flow `event` names, from step 3.
    pub(super) async fn dispatch(&self, steps: &mut Steps, event: WebhookEvent) -> Result<(), Halt> {
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
