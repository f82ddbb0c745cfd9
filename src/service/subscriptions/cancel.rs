//! Cancel at period end and resume, on a subscription's latest month.

use crate::domain::attempt::charge_time;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::SubscriptionStatus;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Ports, SubscriptionLedger};
use crate::service::renewal::{resume_key, schedule_request};
use crate::service::revoke::{revoke_next, Revocation};

use super::{live, SubscriptionChange, SubscriptionError, SubscriptionService};
use crate::service::renewal::schedule_charge;

impl<P: Ports> SubscriptionService<P> {
    /// Cancels at period end: revokes the pending charge (the next month's, or during dunning the
    /// pending retry) and records `canceled_at`; the period stays valid until `end_at` (during
    /// dunning, until `end_grace_at`). Cancelling twice changes nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] for a key that names no subscription;
    /// [`SubscriptionError::Terminal`] for a `lapsed`, `ended` or `refunded` subscription;
    /// [`SubscriptionError::Conflict`] after `end_at` (outside dunning), or when the next payment
    /// was already charged (a refund is needed).
    pub async fn cancel(&self, key: &SubscriptionId) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.latest(key).await?;
        let now = self.now();
        live(&record, now)?;
        if record.is_canceled() {
            return self
                .answer(
                    record,
                    false,
                    ("ALREADY_CANCELED", "이미 해지 예약된 구독입니다."),
                )
                .await;
        }
        let still_open = now <= record.end_at || (record.in_dunning() && now <= record.end_grace_at);
        if !still_open {
            return Err(SubscriptionError::Conflict(
                "이용 기간(end_at)이 끝난 구독은 해지할 수 없습니다.",
            ));
        }
        if let Revocation::AlreadyCharged { .. } = revoke_next(&*self.ports, &record, None).await? {
            return Err(SubscriptionError::Conflict(
                "다음달 결제가 이미 진행되어 해지할 수 없습니다. 환불이 필요합니다.",
            ));
        }
        let record = self.set_state(&record, Some(now), record.resumed_at).await?;
        tracing::info!(
            transaction_key = %record.transaction_key,
            "subscription canceled at period end"
        );
        let message = "구독을 해지 예약했습니다. end_at까지 이용할 수 있습니다.";
        self.answer(record, true, ("SUBSCRIPTION_CANCELED", message))
            .await
    }

    /// Schedules the pending charge again (same payment id: `next_schedule_id`, or during dunning
    /// the pending retry's; a new `Idempotency-Key`; a plan change's terms when one was made) and
    /// clears `canceled_at`. Only a `canceling` subscription resumes: once it ended (after
    /// `end_at`), lapsed, or any of its months was refunded in full, it is over. Resuming twice
    /// changes nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] for a key that names no subscription;
    /// [`SubscriptionError::Terminal`] for a `lapsed`, `ended` or `refunded` subscription;
    /// [`SubscriptionError::Conflict`] when the subscription was never cancelled, when no charge
    /// is left to make, or for a payment without a billing key.
    pub async fn resume(&self, key: &SubscriptionId) -> Result<SubscriptionChange, SubscriptionError> {
        let mut rows = self.rows(key).await?;
        // A month refunded in full stopped the subscription for good: a charge that ran after it
        // (a stale schedule) is recorded canceled, and must not bring it back.
        if rows.months.iter().any(PaymentRecord::is_refunded) {
            return Err(SubscriptionError::Terminal(SubscriptionStatus::Refunded));
        }
        let record = rows.months.swap_remove(0);
        let now = self.now();
        live(&record, now)?;
        if !record.is_canceled() {
            if record.resumed_at.is_some() {
                return self
                    .answer(record, false, ("ALREADY_RESUMED", "이미 재개된 구독입니다."))
                    .await;
            }
            return Err(SubscriptionError::Conflict("해지 예약된 구독이 아닙니다."));
        }
        let charge = record.pending_charge().ok_or(SubscriptionError::Conflict(
            "갱신할 결제가 남아 있지 않아(갱신 완료 또는 만료) 재개할 수 없습니다.",
        ))?;
        let payer = self.payer(&record).await?;
        let key = resume_key(&charge.payment_id, now);
        let at = charge_time(charge.at, now);
        let request = schedule_request(&record, &payer, charge.payment_id, at, key).ok_or(
            SubscriptionError::Conflict("빌링키 결제가 아니어서 다음달 구독을 예약할 수 없습니다."),
        )?;
        schedule_charge(self.ports.gateway(), &request).await?;
        let record = self.set_state(&record, None, Some(now)).await?;
        tracing::info!(transaction_key = %record.transaction_key, "subscription resumed");
        let message = "구독을 재개하고 다음달 결제를 다시 예약했습니다.";
        self.answer(record, true, ("SUBSCRIPTION_RESUMED", message)).await
    }

    async fn set_state(
        &self,
        record: &PaymentRecord,
        canceled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> Result<PaymentRecord, SubscriptionError> {
        self.ports
            .ledger()
            .set_subscription_state(&record.transaction_key, canceled_at, resumed_at)
            .await?
            .ok_or(SubscriptionError::NotFound)
    }
}
