//! The cancelled flow (steps 3–5, issue 4): PortOne must say `CANCELLED`; the row's status becomes
//! `"Cancelled"`; the next month's schedule is revoked.

use tokio::time::Instant;

use crate::domain::checklist::{Checklist, Step, StepStatus};
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::ports::{Clock, GatewayError, PaymentGateway, PaymentLedger, RandomSource};

use super::paid::storage_deadline;
use super::revoke::Revocation;
use super::{by, messages, Verdict, WebhookOutcome, WebhookService};

impl<G, L, C, R> WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    pub(super) async fn cancelled(
        &self,
        payment_id: PaymentId,
        mut checklist: Checklist,
        deadline: Instant,
    ) -> WebhookOutcome {
        let payment = match self
            .fetch(&payment_id, PaymentStatus::Cancelled, &mut checklist, deadline)
            .await
        {
            Ok(payment) => payment,
            Err(verdict) => return WebhookOutcome::stopped(checklist, verdict),
        };

        // Step 4. A missing row fails with 500: PortOne retries, and the Paid webhook may still
        // be on its way (webhook order is not guaranteed).
        let record = match by(
            deadline,
            self.ledger.mark_cancelled(payment_id.as_str()),
            storage_deadline,
        )
        .await
        {
            Ok(Some(record)) => record,
            Ok(None) => {
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::CANCEL_PAYMENT,
                    messages::NO_ROW_TO_CANCEL,
                    None,
                    Verdict::UpstreamFailed,
                );
            }
            Err(error) => {
                tracing::error!(%error, "marking the payment cancelled failed");
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::CANCEL_PAYMENT,
                    messages::save_failed(&error),
                    None,
                    Verdict::UpstreamFailed,
                );
            }
        };
        let row = serde_json::to_value(&record).ok();
        checklist.record(
            Step::CANCEL_PAYMENT,
            StepStatus::Success,
            messages::MARKED_CANCELLED,
            row,
        );

        // Step 5.
        let step = Step::REVOKE_NEXT_SCHEDULE;
        let revoked = self.revoke_next(&record, payment.billing_key.as_deref());
        match by(deadline, revoked, || GatewayError::Timeout).await {
            Ok(revocation @ Revocation::AlreadyCharged { .. }) => {
                tracing::error!("the next payment was charged before it could be revoked; refund needed");
                checklist.record(
                    step,
                    StepStatus::Failed,
                    messages::ALREADY_CHARGED,
                    Some(revocation.data(&record)),
                );
                WebhookOutcome::stopped(checklist, Verdict::UpstreamFailed)
            }
            Ok(Revocation::NothingScheduled) => {
                checklist.record(step, StepStatus::Skipped, messages::NOTHING_TO_REVOKE, None);
                WebhookOutcome::finished(checklist)
            }
            Ok(revocation) => {
                let message = match revocation {
                    Revocation::Revoked { .. } => messages::REVOKED,
                    _ => messages::ALREADY_REVOKED,
                };
                checklist.record(step, StepStatus::Success, message, Some(revocation.data(&record)));
                WebhookOutcome::finished(checklist)
            }
            Err(error) => {
                tracing::error!(%error, "revoking the next schedule failed");
                let (message, data) = messages::revoke_failed(&error);
                checklist.record(step, StepStatus::Failed, message, Some(data));
                WebhookOutcome::stopped(checklist, Verdict::UpstreamFailed)
            }
        }
    }
}
