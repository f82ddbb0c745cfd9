//! Plan and seat changes (issue 26): a change whose price per period goes up takes effect now and
//! is charged the prorated difference ([`crate::domain::proration`]); any other waits for the
//! period's end ([`SubscriptionService::change`]). The preview decides the same way.
//!
//! An immediate change runs as a small saga, each step safe to run again:
//! 1. the proration row is written `pending` under a `paymentId` derived from the subscription
//!    and the `Idempotency-Key` (the same request again finds it);
//! 2. PortOne charges that `paymentId` with its own `Idempotency-Key` (charged once);
//! 3. settling puts the terms in effect and writes the event, atomically, once;
//! 4. the pending schedule moves to the new terms.
//!
//! A lost answer at any step is a 5xx; the same request again goes on from where it stopped,
//! and the charge's `Transaction.Paid` webhook finishes steps 3–4 on its own.

use crate::domain::amount::Amount;
use crate::domain::charge_kind::ChargeKind;
use crate::domain::checkout::IdempotencyKey;
use crate::domain::proration::{change_hash, proration_payment_id, Timing};
use crate::domain::proration_record::{InEffect, Proration, ProrationStatus};
use crate::domain::record::PaymentRecord;
use crate::domain::rejection::RejectionKind;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{ChargeRequest, GatewayError, Payments, Ports, ProrationBegun, ProrationLedger};
use crate::service::proration::{finish, FinishError, Rescheduled};

use super::change::PlanChange;
use super::decide::{ChangeTarget, Decision};
use super::{SubscriptionChange, SubscriptionError, SubscriptionService};

impl From<FinishError> for SubscriptionError {
    fn from(error: FinishError) -> Self {
        match error {
            FinishError::Payer(error) => error.into(),
            FinishError::Gateway(error) => error.into(),
            FinishError::Ledger(error) => error.into(),
            FinishError::Deadline => GatewayError::Timeout.into(),
        }
    }
}

impl<P: Ports> SubscriptionService<P> {
    /// Moves `key`'s subscription to `target`: an upgrade now, charged (requires
    /// `idempotency_key`), anything else from the next charge on. The same request with the same
    /// key answers what the first did and never charges twice.
    ///
    /// # Errors
    /// As [`Self::decide`]; `IdempotencyKeyRequired`; `KeyReused` (the key named another
    /// change); `ChangeInProgress`; `Declined` (402); `Upstream` when PortOne or storage failed
    /// (the same request again finishes it).
    pub async fn change_to(
        &self,
        key: &SubscriptionId,
        target: &ChangeTarget,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let decision = match idempotency_key {
            // A change sent with a key may be one that already ran: its proration answers it.
            Some(idempotency_key) => {
                let record = self.latest(key).await?;
                if let Some(stored) = self.proration_under(&record, idempotency_key).await? {
                    let same = target
                        .plan_id
                        .as_ref()
                        .is_none_or(|id| stored.to.plan_id.as_ref() == Some(id))
                        && target.quantity.is_none_or(|q| q == stored.to.quantity);
                    if !same {
                        return Err(SubscriptionError::KeyReused);
                    }
                    return self.go_on(stored, &record).await;
                }
                let named = self.named_plan(target).await?;
                self.decide_on(record, named, target).await?
            }
            None => self.decide(key, target).await?,
        };
        // Already on these terms, nothing pending: a repeat of a change that took effect (an
        // interval switch sent again, say) changes nothing.
        let record = &decision.record;
        let current = record.current_terms();
        let next = record.next_charge_terms();
        let unchanged = Some(&decision.plan.terms.id) == current.plan_id.as_ref()
            && decision.quantity == current.quantity
            && (next.plan_id.as_ref(), next.quantity, next.list())
                == (current.plan_id.as_ref(), current.quantity, current.amount);
        if unchanged {
            let record = decision.record;
            return self
                .answer(
                    record,
                    false,
                    ("PLAN_UNCHANGED", "이미 이 요금제와 좌석 수입니다."),
                )
                .await;
        }
        match decision.timing {
            Timing::PeriodEnd => {
                let change = PlanChange {
                    amount: decision.total,
                    order_name: decision.plan.terms.name,
                    currency: Some(decision.plan.terms.currency),
                    plan_id: Some(decision.plan.terms.id),
                    quantity: Some(decision.quantity),
                };
                self.change(key, &change).await
            }
            Timing::Now { due } => {
                let idempotency_key = idempotency_key.ok_or(SubscriptionError::IdempotencyKeyRequired)?;
                self.upgrade_now(decision, due, idempotency_key).await
            }
            Timing::NewPeriod { due } => {
                idempotency_key.ok_or(SubscriptionError::IdempotencyKeyRequired)?;
                self.switch_now(decision, due).await
            }
        }
    }

    /// The proration a change of `latest`'s subscription asked for with `idempotency_key`
    /// stored, if any.
    async fn proration_under(
        &self,
        latest: &PaymentRecord,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Option<Proration>, SubscriptionError> {
        let subscription = latest.subscription_key();
        let payment_id = proration_payment_id(&subscription, idempotency_key);
        let stored = self.ports.ledger().prorations(subscription.as_str()).await?;
        Ok(stored.into_iter().find(|p| p.payment_id == payment_id))
    }

    /// Step 1: writes the proration, then goes on with it.
    async fn upgrade_now(
        &self,
        decision: Decision,
        due: Amount,
        idempotency_key: &IdempotencyKey,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let Decision {
            record,
            plan,
            quantity,
            total,
            ..
        } = decision;
        self.take_charge_slot(&record).await?;
        let subscription = record.subscription_key();
        let proration = Proration {
            payment_id: proration_payment_id(&subscription, idempotency_key),
            subscription_id: subscription.to_string(),
            month_key: record.transaction_key.clone(),
            customer_id: record.customer_id.clone(),
            from: record.current_terms(),
            to: InEffect {
                plan_id: Some(plan.terms.id.clone()),
                quantity,
                amount: total,
            },
            order_name: plan.terms.name.clone(),
            currency: plan.terms.currency.clone(),
            amount: due,
            period_start: record.start_at,
            period_end: record.end_at,
            request_hash: change_hash(plan.terms.id.as_str(), quantity.get()),
            status: ProrationStatus::Pending,
            failure_reason: None,
            paid_at: None,
            rescheduled_at: None,
            refunded_amount: None,
            created_at: self.now(),
            billing_number: None,
        };
        match self.ports.ledger().begin_proration(&proration).await? {
            ProrationBegun::Stored(stored) if stored.request_hash != proration.request_hash => {
                Err(SubscriptionError::KeyReused)
            }
            ProrationBegun::Stored(stored) => self.go_on(*stored, &record).await,
            ProrationBegun::Busy => {
                // A change left pending by a request that never came back is settled as PortOne
                // says; this request is then sent again.
                self.heal_abandoned(&proration.subscription_id, &proration.month_key)
                    .await?;
                Err(SubscriptionError::ChangeInProgress)
            }
            ProrationBegun::Stale => Err(SubscriptionError::Conflict(
                "구독이 방금 바뀌었습니다. 미리보기를 다시 확인하고 새 Idempotency-Key로 보내 주세요.",
            )),
        }
    }

    /// Steps 2–4 of a stored proration of `latest`'s subscription, from where it stands.
    async fn go_on(
        &self,
        stored: Proration,
        latest: &PaymentRecord,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let paid_at = match stored.status {
            ProrationStatus::Failed => {
                return Err(SubscriptionError::Declined {
                    reason: stored.failure_reason.unwrap_or_default(),
                })
            }
            ProrationStatus::Paid => stored.paid_at.unwrap_or_else(|| self.now()),
            ProrationStatus::Pending if stored.amount.value() == 0 => self.now(),
            ProrationStatus::Pending => self.charge(&stored, latest).await?,
        };
        let finished = finish(&*self.ports, &stored.payment_id, paid_at, self.now()).await?;
        let (settled, rescheduled) = finished.ok_or(SubscriptionError::Conflict(
            "변경 차액 결제가 거절되어 요금제를 바꾸지 않았습니다.",
        ))?;
        if rescheduled == Rescheduled::InProgress {
            return Err(SubscriptionError::ChangeInProgress);
        }
        tracing::info!(
            payment_id = %settled.proration.payment_id,
            amount = settled.proration.amount.value(),
            "a change took effect now"
        );
        let message = if settled.proration.amount.value() == 0 {
            "지금부터 새 요금제가 적용됩니다. 남은 기간의 차액이 최소 금액보다 적어 결제하지 않았습니다."
        } else {
            "지금부터 새 요금제가 적용되고, 남은 기간의 차액을 결제했습니다."
        };
        let mut answer = self
            .answer(settled.month, true, ("PLAN_CHANGED_NOW", message))
            .await?;
        answer.proration = Some(settled.proration);
        Ok(answer)
    }

    /// Step 2: charges the proration (`payWithBillingKey`) to the card of `latest`'s
    /// subscription; PortOne's `paidAt`.
    async fn charge(
        &self,
        proration: &Proration,
        latest: &PaymentRecord,
    ) -> Result<Timestamp, SubscriptionError> {
        let payer = self.payer(latest).await?;
        let customer = payer.customer(latest).ok_or(SubscriptionError::Conflict(
            "고객 id를 알 수 없는 구독이어서 차액을 결제할 수 없습니다.",
        ))?;
        let request = ChargeRequest {
            payment_id: proration.payment_id.clone(),
            billing_key: payer.billing_key,
            order_name: proration.order_name.clone(),
            customer_id: customer,
            amount: proration.amount,
            currency: proration.currency.clone(),
            plan_id: proration.to.plan_id.clone(),
            quantity: proration.to.quantity,
            kind: ChargeKind::Proration,
            list_amount: None,
            discount: None,
            credit: None,
            // Derived from the payment: a repeat sends the same key, and PortOne replays.
            idempotency_key: proration.payment_id.to_string(),
            // Its webhook settles it too, when this answer is lost.
            skip_webhook: false,
        };
        match self.ports.gateway().pay_with_billing_key(&request).await {
            Ok(charged) => Ok(charged.paid_at),
            Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::AlreadyPaid => {
                Ok(self.now())
            }
            Err(GatewayError::Rejected(rejection))
                if matches!(rejection.kind, RejectionKind::Declined { .. }) =>
            {
                let reason = rejection.decline_reason().unwrap_or(&rejection.code).to_owned();
                let now = self.now();
                self.ports
                    .ledger()
                    .fail_proration(&proration.payment_id, &reason, now)
                    .await?;
                tracing::info!(code = rejection.code, "an upgrade's charge was declined");
                Err(SubscriptionError::Declined { reason })
            }
            Err(error) => Err(error.into()),
        }
    }
}
