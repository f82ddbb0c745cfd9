//! The partially cancelled flow (steps 3–5): a partial refund at PortOne. The month records the
//! refunded total (`amount.cancelled`, which only grows), and the subscription goes on.

use crate::domain::checklist::Step;
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::ports::{MonthLedger, Ports};
use crate::service::messages;
use crate::service::step_data;
use crate::service::steps::{Failure, Halt, Steps};

use super::PaymentFlows;

impl<P: Ports> PaymentFlows<P> {
    pub(super) async fn partially_cancelled(
        &self,
        steps: &mut Steps,
        payment_id: PaymentId,
    ) -> Result<(), Halt> {
        // A later full refund makes the payment CANCELLED before this webhook is handled: its
        // refunded total still holds, and the Cancelled webhook ends the subscription.
        let payment = self
            .fetch_one_of(
                steps,
                &payment_id,
                PaymentStatus::PartialCancelled,
                &[PaymentStatus::Cancelled],
            )
            .await?;

        // Step 4. A missing row fails with 500, as in the cancelled flow: the Paid webhook may
        // still be on its way.
        let step = Step::RECORD_REFUND;
        let write = self
            .ports
            .ledger()
            .record_refund(&payment_id, payment.cancelled_amount, self.now());
        let Some(record) = steps.call(step, write, messages::save_failed).await? else {
            return Err(steps.fail(step, Failure::upstream(messages::NO_ROW_TO_CANCEL, None)));
        };
        steps.succeed(
            step,
            messages::refund_recorded(payment.cancelled_amount),
            step_data::record(&record),
        );

        // Step 5: nothing to change at PortOne.
        let reason = if payment.status == PaymentStatus::Cancelled {
            messages::FULLY_REFUNDED_LATER
        } else {
            messages::PARTIAL_REFUND_KEEPS_SCHEDULE
        };
        steps.skip_rest(reason);
        Ok(())
    }
}
