//! A proration left `pending` by a request that never came back (its process died, or the client
//! gave up after a lost answer) would hold its period's changes off for good. The next change of
//! that period looks it up at PortOne once it is older than any request's deadline, and settles
//! it as PortOne says: charged, it is finished (settled, the schedule moved); declined or never
//! charged, it is marked failed. Until then the next change hears `CHANGE_IN_PROGRESS`.

use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::proration_record::ProrationStatus;
use crate::domain::rejection::RejectionKind;
use crate::domain::timestamp::Timestamp;
use crate::ports::{GatewayError, Payments, Ports, ProrationLedger};
use crate::service::proration::finish;

use super::{SubscriptionError, SubscriptionService};

/// How old a pending proration must be before another change asks PortOne about it, in
/// milliseconds: past the deadline of the request that wrote it.
const ABANDONED_AFTER_MS: i64 = 120_000;

impl<P: Ports> SubscriptionService<P> {
    /// Settles the abandoned pending proration of the month `month_key`, if there is one, as
    /// PortOne says.
    ///
    /// # Errors
    /// `Upstream` when PortOne or storage fails.
    pub(super) async fn heal_abandoned(
        &self,
        subscription: &str,
        month_key: &PaymentId,
    ) -> Result<(), SubscriptionError> {
        let now = self.now();
        let ledger = self.ports.ledger();
        let abandoned = ledger.prorations(subscription).await?.into_iter().find(|p| {
            p.month_key == *month_key
                && p.status == ProrationStatus::Pending
                && p.created_at.plus_millis(ABANDONED_AFTER_MS) <= now
        });
        let Some(proration) = abandoned else {
            return Ok(());
        };
        tracing::warn!(payment_id = %proration.payment_id, "settling an abandoned proration as PortOne says");
        // Nothing to charge: it only needs settling.
        if proration.amount.value() == 0 {
            finish(&*self.ports, &proration.payment_id, now, now).await?;
            return Ok(());
        }
        match self.ports.gateway().get_payment(&proration.payment_id).await {
            Ok(payment) if payment.status == PaymentStatus::Paid => {
                let paid_at = payment.paid_at.map_or(now, Timestamp::from_utc);
                finish(&*self.ports, &proration.payment_id, paid_at, now).await?;
            }
            Ok(payment) if payment.status == PaymentStatus::Failed => {
                let reason = payment.failure.and_then(|f| f.reason).unwrap_or_default();
                ledger.fail_proration(&proration.payment_id, &reason, now).await?;
            }
            Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::PaymentNotFound => {
                let reason = "포트원이 결제하지 않은 채 중단된 변경입니다.";
                ledger.fail_proration(&proration.payment_id, reason, now).await?;
            }
            // Still in flight at PortOne (or refunded since): left as it is.
            Ok(_) => {}
            Err(error) => return Err(error.into()),
        }
        Ok(())
    }
}
