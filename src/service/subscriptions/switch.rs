//! A change to a longer interval (monthly → yearly), now: the current period's renewal is charged
//! early, at the new plan's price less the unused part of the current period, and recorded as
//! the next period, anchored now. Its `paymentId` is the renewal's own (the month's
//! `next_schedule_id`), so:
//! - PortOne charges it once however often it is asked (and its own `Idempotency-Key` is derived
//!   from it), and the schedule it replaces is revoked first so it is never charged as well;
//! - it is recorded by the paid flow as that renewal, whether this request or the charge's
//!   webhook gets there first, and the month after is scheduled at the full price (the charge
//!   carries it in `customData.listAmount`, with the next charge's discount in `coupon` and the
//!   credit in `credit`, so the new period keeps the subscription's discount).
//!
//! Declined: the revoked renewal is scheduled again and the answer is 402. PortOne's answer lost:
//! 502; the same request again, the webhook, or reconciliation (which re-creates a missing
//! schedule) finishes it.

use std::sync::Arc;

use tokio::time::Instant;

use crate::domain::amount::Amount;
use crate::domain::attempt::charge_time;
use crate::domain::charge_kind::ChargeKind;
use crate::domain::checklist::RECORD_CHARGE_FLOW;
use crate::domain::rejection::RejectionKind;
use crate::ports::{ChargeRequest, GatewayError, Payments, Ports};
use crate::service::deadline::DEFAULT_WEBHOOK_DEADLINE;
use crate::service::flows::PaymentFlows;
use crate::service::renewal::{fresh_key, schedule_request};
use crate::service::revoke::{revoke_pending, Revocation};
use crate::service::steps::Steps;

use super::decide::Decision;
use super::{SubscriptionChange, SubscriptionError, SubscriptionService};
use crate::service::renewal::schedule_charge;

impl<P: Ports> SubscriptionService<P> {
    /// Charges `decision`'s renewal now at `due` and records it as a new period of the new plan.
    pub(super) async fn switch_now(
        &self,
        decision: Decision,
        due: Amount,
    ) -> Result<SubscriptionChange, SubscriptionError> {
        let Decision {
            record,
            plan,
            quantity,
            total,
            ..
        } = decision;
        let charge = record.pending_charge().ok_or(SubscriptionError::Conflict(
            "다음 결제가 예약되어 있지 않아 주기를 바꿀 수 없습니다.",
        ))?;
        let payer = self.payer(&record).await?;
        let customer = payer.customer(&record).ok_or(SubscriptionError::Conflict(
            "고객 id를 알 수 없는 구독이어서 결제할 수 없습니다.",
        ))?;
        if let Revocation::AlreadyCharged { .. } = revoke_pending(&*self.ports, &record, &payer).await? {
            return Err(SubscriptionError::Conflict(
                "다음 결제가 이미 진행되어 주기를 바꿀 수 없습니다.",
            ));
        }
        self.take_charge_slot(&record).await?;
        // The new period is the next paid one: it gets the next charge's discount, and `due` is
        // its discounted price less the credit for the unused part of this period.
        let priced = crate::domain::discount::price(total, record.next_discount.as_ref());
        let credit = Amount::new(priced.amount.value() - due.value()).unwrap_or_default();
        let discount = record
            .next_discount
            .clone()
            .filter(|_| priced.off > Amount::default());
        let request = ChargeRequest {
            payment_id: charge.payment_id.clone(),
            billing_key: payer.billing_key.clone(),
            order_name: plan.terms.name.clone(),
            customer_id: customer,
            amount: due,
            currency: plan.terms.currency.clone(),
            plan_id: Some(plan.terms.id.clone()),
            quantity,
            kind: ChargeKind::Period,
            list_amount: Some(total),
            discount,
            credit: Some(credit),
            idempotency_key: format!("switch-{}", charge.payment_id),
            skip_webhook: false,
        };
        match self.ports.gateway().pay_with_billing_key(&request).await {
            Ok(_) => {}
            Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::AlreadyPaid => {}
            Err(GatewayError::Rejected(rejection))
                if matches!(rejection.kind, RejectionKind::Declined { .. }) =>
            {
                // The renewal it replaced goes back on its schedule, as it was.
                let now = self.now();
                let key = fresh_key("switch-restore", &charge.payment_id, now);
                let at = charge_time(charge.at, now);
                if let Some(restore) = schedule_request(&record, &payer, charge.payment_id, at, key) {
                    schedule_charge(self.ports.gateway(), &restore).await?;
                }
                let reason = rejection.decline_reason().unwrap_or(&rejection.code).to_owned();
                return Err(SubscriptionError::Declined { reason });
            }
            Err(error) => return Err(error.into()),
        }
        // Recorded (and the period after it scheduled) exactly as its webhook would.
        let flows = PaymentFlows::new(Arc::clone(&self.ports));
        let mut steps = Steps::new(&RECORD_CHARGE_FLOW, Instant::now() + DEFAULT_WEBHOOK_DEADLINE);
        if flows.paid(&mut steps, charge.payment_id.clone()).await.is_err() {
            return Err(GatewayError::Timeout.into());
        }
        tracing::info!(payment_id = %charge.payment_id, amount = due.value(), "an interval switch started a new period now");
        let latest = self.latest(&record.subscription_key()).await?;
        let message =
            "지금부터 새 주기가 시작되고, 새 요금제 금액에서 남은 기간만큼을 뺀 금액을 결제했습니다.";
        self.answer(latest, true, ("PLAN_CHANGED_NOW", message)).await
    }
}
