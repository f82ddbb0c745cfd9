//! Refunds (admin): the latest paid month's payment (or an upgrade's proration, by its
//! `paymentId`), all of it or part, with `cancelPayment`.
//! A full refund ends the subscription now (its pending charge revoked, the month `Cancelled`);
//! a partial one records the refunded total and the subscription goes on. The
//! `Transaction.Cancelled` / `Transaction.PartialCancelled` webhooks PortOne then sends change
//! nothing more.

use crate::domain::amount::Amount;
use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::rejection::RejectionKind;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::Payments;
use crate::ports::{CancelRequest, GatewayError, MonthLedger, Ports};
use crate::service::revoke::revoke_next;

use super::{SubscriptionChange, SubscriptionError, SubscriptionService};

/// A refund to make: why (PortOne requires it), and how much (`None`: everything left).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub reason: String,
    /// In the currency's unit, greater than 0.
    pub amount: Option<Amount>,
    /// The payment to refund: `None` (or the latest paid month's `transaction_key`) refunds the
    /// latest paid month; an upgrade's proration `paymentId` refunds that charge.
    pub payment_id: Option<PaymentId>,
}

/// A refund made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// The subscription after it.
    pub change: SubscriptionChange,
    /// What this refund returned, in the currency's unit.
    pub amount: Amount,
    /// The payment's refunded total after it.
    pub total: Amount,
    /// `true` when nothing is left to refund of the payment: for a month, the subscription
    /// ended; a proration refunded in full leaves the change in effect.
    pub full: bool,
}

/// What PortOne did with a refund of one payment.
pub(super) struct Cancelled {
    /// PortOne's record before and after.
    pub before: crate::domain::payment::Payment,
    pub after: crate::domain::payment::Payment,
    /// PortOne's refusal the caller can act on, if it refused.
    pub refused: Option<crate::domain::rejection::Rejection>,
}

impl Cancelled {
    /// What this refund returned, in the currency's unit: the growth of PortOne's refunded total.
    pub(super) fn returned(&self) -> Amount {
        Amount::new(self.after.cancelled_amount.value() - self.before.cancelled_amount.value())
            .unwrap_or_default()
    }
}

impl<P: Ports> SubscriptionService<P> {
    /// Refunds `request` of the latest paid month of the subscription `key` names, sending
    /// `currentCancellableAmount` so that two concurrent refunds cannot both go through.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] for a key that names no subscription;
    /// [`SubscriptionError::Conflict`] when nothing was paid yet (a trial);
    /// [`SubscriptionError::Refused`] for PortOne's refusals (already refunded, the balance
    /// changed, more than is left); `Upstream` when PortOne or storage fails.
    pub async fn refund(
        &self,
        key: &SubscriptionId,
        request: &RefundRequest,
    ) -> Result<Refunded, SubscriptionError> {
        let rows = self.rows(key).await?;
        let latest_paid = rows
            .months
            .iter()
            .find(|m| !m.is_trial())
            .map(|m| &m.transaction_key);
        if let Some(payment_id) = request.payment_id.as_ref().filter(|id| Some(*id) != latest_paid) {
            return self.refund_proration(key, payment_id, request).await;
        }
        let latest = rows.months[0].clone();
        let paid =
            rows.months
                .into_iter()
                .find(|month| !month.is_trial())
                .ok_or(SubscriptionError::Conflict(
                    "결제된 달이 없어 환불할 수 없습니다 (무료 체험 중).",
                ))?;
        let mut cancelled = self.cancel_at_portone(&paid.transaction_key, request).await?;
        let full = cancelled.after.status == PaymentStatus::Cancelled;
        self.settle(&paid, &latest, cancelled.after.cancelled_amount, full)
            .await?;
        if let Some(rejection) = cancelled.refused.take() {
            return Err(SubscriptionError::Refused(rejection));
        }
        tracing::info!(transaction_key = %paid.transaction_key, full, "payment refunded");
        let message = if full {
            ("REFUNDED", "전액 환불하고 구독을 종료했습니다.")
        } else {
            ("PARTIALLY_REFUNDED", "부분 환불했습니다. 구독은 계속됩니다.")
        };
        let latest = self.latest(key).await?;
        Ok(Refunded {
            change: self.answer(latest, true, message).await?,
            amount: cancelled.returned(),
            total: cancelled.after.cancelled_amount,
            full,
        })
    }

    /// Refunds `request` of `payment_id` at PortOne (`cancelPayment` with
    /// `currentCancellableAmount`), and reads PortOne's record after it: whether it went through
    /// now or before, storage follows that record.
    pub(super) async fn cancel_at_portone(
        &self,
        payment_id: &PaymentId,
        request: &RefundRequest,
    ) -> Result<Cancelled, SubscriptionError> {
        let gateway = self.ports.gateway();
        let before = gateway.get_payment(payment_id).await?;
        let cancellable =
            Amount::new(before.amount.value() - before.cancelled_amount.value()).unwrap_or_default();
        let cancel = CancelRequest {
            payment_id: payment_id.clone(),
            amount: request.amount,
            reason: request.reason.clone(),
            current_cancellable_amount: cancellable,
            // The same refund of the same balance is one refund, however often it is sent.
            idempotency_key: format!(
                "refund-{}-{}-{}",
                payment_id,
                cancellable.value(),
                request
                    .amount
                    .map_or_else(|| "all".to_owned(), |a| a.value().to_string())
            ),
        };
        let refused = match gateway.cancel_payment(&cancel).await {
            Ok(_) => None,
            Err(GatewayError::Rejected(rejection)) if refusal(&rejection.kind) => Some(rejection),
            Err(error) => return Err(error.into()),
        };
        let after = gateway.get_payment(payment_id).await?;
        Ok(Cancelled {
            before,
            after,
            refused,
        })
    }

    /// Storage after a refund: the refunded total; after a full one the month is `Cancelled`
    /// and the subscription's pending charge (a renewal or a retry) revoked.
    async fn settle(
        &self,
        paid: &PaymentRecord,
        latest: &PaymentRecord,
        total: Amount,
        full: bool,
    ) -> Result<(), SubscriptionError> {
        let ledger = self.ports.ledger();
        let now = self.now();
        ledger.record_refund(&paid.transaction_key, total, now).await?;
        if full {
            ledger.mark_cancelled(&paid.transaction_key, now).await?;
            revoke_next(&*self.ports, latest, None).await?;
        }
        Ok(())
    }
}

/// PortOne's refusals of a refund that the caller can act on (409), rather than failures.
fn refusal(kind: &RejectionKind) -> bool {
    matches!(
        kind,
        RejectionKind::PaymentAlreadyCancelled
            | RejectionKind::CancellableAmountChanged
            | RejectionKind::CancelAmountExceedsCancellable
            | RejectionKind::MaxCancelCountReached
            | RejectionKind::PaymentNotPaid
    )
}
