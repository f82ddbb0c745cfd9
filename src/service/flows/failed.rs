//! The failed flow (steps 3–5): a declined renewal charge is recorded as an attempt of the month
//! it renews, and the next retry is scheduled, or the subscription lapses when none is left.

use crate::domain::attempt::FailedAttempt;
use crate::domain::checklist::Step;
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, MonthLedger, Ports, RandomSource, RenewalOf};
use crate::service::steps::{Failure, Halt, Steps};
use crate::service::{messages, step_data};

use super::PaymentFlows;

impl<P: Ports> PaymentFlows<P> {
    pub(super) async fn failed(&self, steps: &mut Steps, payment_id: PaymentId) -> Result<(), Halt> {
        let payment = self.fetch(steps, &payment_id, PaymentStatus::Failed).await?;

        // Step 4: which month this charge was meant to renew, and which attempt it was.
        let step = Step::RECORD_FAILED_ATTEMPT;
        let lookup = self.ports.ledger().renewal_of(&payment_id);
        let Some(RenewalOf { month, attempt }) =
            steps.call(step, lookup, messages::attempt_lookup_failed).await?
        else {
            tracing::info!("the failed payment renews no month (a first checkout?): nothing to retry");
            steps.skip_rest(messages::NOT_A_RENEWAL);
            return Ok(());
        };
        let now = Timestamp::from_utc(self.ports.clock().now());
        let failed = FailedAttempt {
            renewed_key: month.transaction_key.clone(),
            attempt,
            payment_id: payment_id.clone(),
            failure: payment.failure.clone().unwrap_or_default(),
            failed_at: payment.failed_at.map_or(now, Timestamp::from_utc),
        };
        // Proposed; a replay gets what the first delivery stored instead.
        let offset = self.ports.random().schedule_offset();
        let after = self.dunning.after_failure(&month, attempt, offset, now);
        let write = self.ports.ledger().record_failed_attempt(&failed, &after);
        let Some(recorded) = steps.call(step, write, messages::save_failed).await? else {
            return Err(steps.fail(step, Failure::upstream(messages::RENEWED_MONTH_MISSING, None)));
        };
        let message = if recorded.inserted {
            messages::attempt_recorded(attempt)
        } else {
            messages::ATTEMPT_ALREADY_RECORDED.to_owned()
        };
        steps.succeed(step, message, step_data::attempt(&failed, &recorded.month));

        // Step 5, from the stored month. Metrics count what this delivery was the first to
        // record, so a resent or concurrent webhook counts nothing twice.
        let first = recorded.inserted;
        self.schedule_retry(steps, &payment, &recorded.month, attempt, first)
            .await
    }
}
