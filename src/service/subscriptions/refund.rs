//! Refunds (admin): the latest paid month's payment, all of it or part, with `cancelPayment`.
//! A full refund ends the subscription now (its pending charge revoked, the month `Cancelled`);
//! a partial one records the refunded total and the subscription goes on. The
//! `Transaction.Cancelled` / `Transaction.PartialCancelled` webhooks PortOne then sends change
//! nothing more.

use crate::domain::amount::Amount;
use crate::domain::payment::PaymentStatus;
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
}

/// A refund made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// The subscription after it.
    pub change: SubscriptionChange,
    /// What this refund returned, in the currency's unit.
    pub amount: Amount,
    /// The month's refunded total after it.
    pub total: Amount,
    /// `true` when nothing is left to refund: the subscription ended.
    pub full: bool,
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
        let latest = rows.months[0].clone();
        let paid =
            rows.months
                .into_iter()
                .find(|month| !month.is_trial())
                .ok_or(SubscriptionError::Conflict(
                    "결제된 달이 없어 환불할 수 없습니다 (무료 체험 중).",
                ))?;
        let gateway = self.ports.gateway();
        let before = gateway.get_payment(&paid.transaction_key).await?;
        let cancellable =
            Amount::new(before.amount.value() - before.cancelled_amount.value()).unwrap_or_default();
        let cancel = CancelRequest {
            payment_id: paid.transaction_key.clone(),
            amount: request.amount,
            reason: request.reason.clone(),
            current_cancellable_amount: cancellable,
            // The same refund of the same balance is one refund, however often it is sent.
            idempotency_key: format!(
                "refund-{}-{}-{}",
                paid.transaction_key,
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
        // Whether it went through now or before, storage follows PortOne's record.
        let after = gateway.get_payment(&paid.transaction_key).await?;
        let full = after.status == PaymentStatus::Cancelled;
        self.settle(&paid, &latest, after.cancelled_amount, full).await?;
        if let Some(rejection) = refused {
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
            amount: Amount::new(after.cancelled_amount.value() - before.cancelled_amount.value())
                .unwrap_or_default(),
            total: after.cancelled_amount,
            full,
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
