//! The cancelled flow (steps 3–5): PortOne must say `CANCELLED`; the row's status becomes
//! `"Cancelled"`; the next month's schedule is revoked.

use crate::domain::checklist::Step;
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::ports::{MonthLedger, Ports};
use crate::service::messages;
use crate::service::revoke::{revoke_next, Revocation};
use crate::service::step_data;
use crate::service::steps::{Failure, Halt, Steps};

use super::PaymentFlows;

impl<P: Ports> PaymentFlows<P> {
    pub(super) async fn cancelled(&self, steps: &mut Steps, payment_id: PaymentId) -> Result<(), Halt> {
        let payment = self.fetch(steps, &payment_id, PaymentStatus::Cancelled).await?;

        // Step 4. A missing row fails with 500: PortOne retries, and the Paid webhook may still
        // be on its way (webhook order is not guaranteed).
        let step = Step::CANCEL_PAYMENT;
        let marked = self.ports.ledger().mark_cancelled(&payment_id, self.now());
        let Some(record) = steps.call(step, marked, messages::save_failed).await? else {
            return Err(steps.fail(step, Failure::upstream(messages::NO_ROW_TO_CANCEL, None)));
        };
        steps.succeed(step, messages::MARKED_CANCELLED, step_data::record(&record));

        // Step 5.
        let step = Step::REVOKE_NEXT_SCHEDULE;
        let revoked = revoke_next(&*self.ports, &record, Some(&payment));
        match steps.call(step, revoked, messages::revoke_failed).await? {
            revocation @ Revocation::AlreadyCharged { .. } => {
                tracing::error!("the next payment was charged before it could be revoked; refund needed");
                let data = Some(revocation.data(&record));
                Err(steps.fail(step, Failure::upstream(messages::ALREADY_CHARGED, data)))
            }
            Revocation::NothingScheduled => {
                steps.skip_rest(messages::NOTHING_TO_REVOKE);
                Ok(())
            }
            revocation => {
                let message = match revocation {
                    Revocation::Revoked { .. } => messages::REVOKED,
                    _ => messages::ALREADY_REVOKED,
                };
                steps.succeed(step, message, Some(revocation.data(&record)));
                Ok(())
            }
        }
    }
}
