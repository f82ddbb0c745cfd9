//! The paid flow (steps 3–5): fetch the payment from PortOne, record its month, schedule the next.

use uuid::Uuid;

use crate::domain::checklist::Step;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::domain::period::BillingPeriod;
use crate::domain::record::{PaymentRecord, CANCELLED_STATUS};
use crate::ports::{Clock, LedgerError, PaymentGateway, PaymentLedger, Ports, RandomSource, ScheduleOutcome};
use crate::service::renewal::{renewal_key, schedule_request};
use crate::service::steps::{Halt, Steps};
use crate::service::{messages, step_data};

use super::WebhookService;

impl<P: Ports> WebhookService<P> {
    pub(super) async fn paid(&self, steps: &mut Steps, payment_id: PaymentId) -> Result<(), Halt> {
        let payment = self.fetch(steps, &payment_id, PaymentStatus::Paid).await?;

        // Step 4: `paidAt` is stable across PortOne's retries; the clock is only a fallback.
        let start = payment.paid_at.unwrap_or_else(|| self.ports.clock().now());
        let period = BillingPeriod::starting_at(start, self.ports.random().schedule_offset());
        let record = PaymentRecord::paid(&payment, &period);
        let write = self.ports.ledger().record_paid(&record);
        let recorded = steps
            .call(Step::SAVE_PAYMENT, write, messages::save_failed)
            .await?;
        let message = if recorded.inserted {
            messages::SAVED
        } else {
            messages::ALREADY_SAVED
        };
        steps.succeed(Step::SAVE_PAYMENT, message, step_data::record(&recorded.record));

        // Step 5: schedule from the stored row, so a replay schedules exactly what was recorded.
        self.schedule_next(steps, &payment, &recorded.record).await
    }

    async fn schedule_next(
        &self,
        steps: &mut Steps,
        payment: &Payment,
        record: &PaymentRecord,
    ) -> Result<(), Halt> {
        let step = Step::SCHEDULE_NEXT_PAYMENT;
        let Some(billing_key) = payment.billing_key.clone() else {
            steps.skip_rest(messages::NO_BILLING_KEY);
            return Ok(());
        };
        if record.status == CANCELLED_STATUS {
            steps.skip_rest(messages::PAYMENT_CANCELLED);
            return Ok(());
        }
        let cancelled = self.subscription_cancelled(payment, record);
        if steps.call(step, cancelled, messages::lookup_failed).await? {
            steps.skip_rest(messages::SUBSCRIPTION_CANCELLED);
            return Ok(());
        }
        let request = schedule_request(payment, record, billing_key, renewal_key(record));
        let scheduled = self.ports.gateway().schedule_payment(&request);
        let (message, schedule_id) = match steps.call(step, scheduled, messages::schedule_failed).await? {
            ScheduleOutcome::Created { schedule_id } => (messages::SCHEDULED, Some(schedule_id)),
            ScheduleOutcome::AlreadyExists => (messages::ALREADY_SCHEDULED, None),
        };
        let data = step_data::scheduled(schedule_id.as_deref(), &request);
        steps.succeed(step, message, data);
        Ok(())
    }

    /// `true` when this month's row, or the month it renews (the row whose `next_schedule_id` is
    /// this payment's id), was cancelled by the customer: a charge that raced the revoke is
    /// recorded, but the chain stops here, so a cancelled subscription never renews again.
    async fn subscription_cancelled(
        &self,
        payment: &Payment,
        record: &PaymentRecord,
    ) -> Result<bool, LedgerError> {
        if record.is_cancelled() {
            return Ok(true);
        }
        let Ok(renewed) = Uuid::parse_str(payment.id.as_str()) else {
            return Ok(false);
        };
        Ok(self
            .ports
            .ledger()
            .find_by_next_schedule_id(renewed)
            .await?
            .is_some_and(|previous| previous.is_cancelled()))
    }
}
