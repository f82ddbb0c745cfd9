//! Refunding an upgrade's prorated charge (admin), by its `paymentId`: like a month's refund at
//! PortOne, but the change stays in effect and the subscription goes on; the refunded total is
//! kept on the proration, so the billing history shows it.

use crate::domain::payment_id::PaymentId;
use crate::domain::proration_record::ProrationStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Ports, ProrationLedger};

use super::refund::{RefundRequest, Refunded};
use super::{SubscriptionError, SubscriptionService};

impl<P: Ports> SubscriptionService<P> {
    /// Refunds `request` of the proration `payment_id` of the subscription `key` names.
    ///
    /// # Errors
    /// [`SubscriptionError::PaymentNotFound`] when `payment_id` is neither the latest paid month
    /// nor a charged proration of this subscription; then as a month's refund.
    pub(super) async fn refund_proration(
        &self,
        key: &SubscriptionId,
        payment_id: &PaymentId,
        request: &RefundRequest,
    ) -> Result<Refunded, SubscriptionError> {
        let latest = self.latest(key).await?;
        let subscription = latest.subscription_key();
        let charged = self
            .ports
            .ledger()
            .prorations(subscription.as_str())
            .await?
            .into_iter()
            .any(|p| {
                p.payment_id == *payment_id && p.status == ProrationStatus::Paid && p.amount.value() > 0
            });
        if !charged {
            return Err(SubscriptionError::PaymentNotFound);
        }
        let mut cancelled = self.cancel_at_portone(payment_id, request).await?;
        self.ports
            .ledger()
            .record_proration_refund(payment_id, cancelled.after.cancelled_amount)
            .await?;
        if let Some(rejection) = cancelled.refused.take() {
            return Err(SubscriptionError::Refused(rejection));
        }
        let full = cancelled.after.cancelled_amount >= cancelled.after.amount;
        tracing::info!(%payment_id, full, "a proration refunded");
        let message = if full {
            "업그레이드 차액을 전액 환불했습니다. 변경된 요금제는 그대로입니다."
        } else {
            "업그레이드 차액을 부분 환불했습니다. 변경된 요금제는 그대로입니다."
        };
        let code = if full { "REFUNDED" } else { "PARTIALLY_REFUNDED" };
        Ok(Refunded {
            change: self.answer(latest, true, (code, message)).await?,
            amount: cancelled.returned(),
            total: cancelled.after.cancelled_amount,
            full,
        })
    }
}
