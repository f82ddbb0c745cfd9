//! Step 5 of the failed flow: schedule the month's pending retry at PortOne, with the renewal's
//! terms, or say why there is none.

use crate::domain::checklist::Step;
use crate::domain::payment::Payment;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::record::PaymentRecord;
use crate::domain::rejection::RejectionKind;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, MonthLedger, Ports, ScheduleOutcome};
use crate::service::payer::payer_of;
use crate::service::renewal::{retry_key, schedule_request};
use crate::service::steps::{Halt, Steps};
use crate::service::{messages, step_data};
use crate::telemetry::metrics;

use super::PaymentFlows;
use crate::service::renewal::schedule_charge;

impl<P: Ports> PaymentFlows<P> {
    pub(super) async fn schedule_retry(
        &self,
        steps: &mut Steps,
        payment: &Payment,
        month: &PaymentRecord,
        attempt: u32,
        first: bool,
    ) -> Result<(), Halt> {
        let step = Step::SCHEDULE_RETRY;
        if let Some(reason) = no_retry(month, attempt) {
            steps.skip_rest(reason);
            return Ok(());
        }
        let Some(charge) = month.pending_charge() else {
            if first && month.renewal.lapsed_at.is_some() {
                metrics::dunning_lapsed();
            }
            steps.skip_rest(&messages::retries_exhausted(month));
            return Ok(());
        };
        // The renewal's terms, as the failed charge had them.
        let key = retry_key(&charge.payment_id);
        // The subscription's stored card wins over the declined one: a card update since.
        let payer = payer_of(&*self.ports, month, Some(payment));
        let payer = steps.call(step, payer, messages::payer_failed).await?;
        let request =
            payer.and_then(|payer| schedule_request(month, &payer, charge.payment_id, charge.at, key));
        let Some(request) = request else {
            return self
                .lapse_now(steps, month, messages::NO_BILLING_KEY_TO_RETRY, first)
                .await;
        };
        match steps
            .within(schedule_charge(self.ports.gateway(), &request))
            .await
        {
            Ok(outcome) => {
                let (message, schedule_id) = match outcome {
                    Some(ScheduleOutcome::Created { schedule_id }) => {
                        (messages::retry_scheduled(month), Some(schedule_id))
                    }
                    Some(ScheduleOutcome::AlreadyExists) => {
                        (messages::RETRY_ALREADY_SCHEDULED.to_owned(), None)
                    }
                    None => (messages::FREE_NEXT_PERIOD.to_owned(), None),
                };
                let data =
                    step_data::retry_scheduled(schedule_id.as_ref().map(ScheduleId::as_str), &request, month);
                steps.succeed(step, message, data);
                if first {
                    metrics::dunning_retry_scheduled();
                }
                Ok(())
            }
            Err(error) if error.rejection().is_some_and(RejectionKind::billing_key_gone) => {
                tracing::warn!(%error, "the billing key is gone; the subscription lapses now");
                self.lapse_now(steps, month, messages::BILLING_KEY_GONE, first)
                    .await
            }
            Err(error) => {
                tracing::error!(step = step.code, %error, "step failed");
                Err(steps.fail(step, messages::retry_failed(&error)))
            }
        }
    }

    /// No retry can succeed: the month lapses now, and the webhook is answered 200 (a resend
    /// would not help).
    async fn lapse_now(
        &self,
        steps: &mut Steps,
        month: &PaymentRecord,
        reason: &str,
        first: bool,
    ) -> Result<(), Halt> {
        let now = Timestamp::from_utc(self.ports.clock().now());
        let lapse = self.ports.ledger().mark_lapsed(&month.transaction_key, now);
        steps
            .call(Step::SCHEDULE_RETRY, lapse, messages::save_failed)
            .await?;
        if first {
            metrics::dunning_lapsed();
        }
        steps.skip_rest(reason);
        Ok(())
    }
}

/// Why nothing is retried for the failure of `attempt`, if nothing is: the month already renewed,
/// was refunded or cancelled, or a later attempt was recorded (this webhook is late).
fn no_retry(month: &PaymentRecord, attempt: u32) -> Option<&'static str> {
    if month.renewal.renewed_by.is_some() {
        Some(messages::ALREADY_RENEWED)
    } else if month.is_refunded() {
        Some(messages::REFUNDED_NO_RETRY)
    } else if month.is_canceled() {
        Some(messages::CANCELLED_NO_RETRY)
    } else if month.renewal.renewal_attempts > attempt.saturating_add(1) {
        Some(messages::OLDER_ATTEMPT)
    } else {
        None
    }
}
