//! Step 4 of a paid start: the first month charged now with `payWithBillingKey`, then steps
//! 5–7, the `Transaction.Paid` webhook's own flow, so the month is recorded and the next one
//! scheduled exactly as the webhook would (which then changes nothing).

use crate::domain::subscription_id::SubscriptionId;
use crate::ports::Payments;
use serde_json::json;

use crate::domain::amount::Amount;
use crate::domain::charge_kind::ChargeKind;
use crate::domain::checklist::Step;
use crate::domain::checkout::CheckoutIds;
use crate::domain::discount::{price, Discount};
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::{Card, PaymentMethod};
use crate::domain::plan::Plan;
use crate::domain::rejection::RejectionKind;
use crate::domain::timestamp::Timestamp;
use crate::ports::{ChargeRequest, Clock, GatewayError, Ports, SubscriptionLedger};
use crate::service::flows::free_payment;
use crate::service::messages::{self, checkout as words};
use crate::service::steps::Halt;

use super::{Checkout, StartRequest, Subscribed};
use crate::domain::answer::Ending;
use crate::service::run::Run;

impl<P: Ports> Checkout<P> {
    pub(super) async fn charge_first_month(
        &self,
        run: &mut Run,
        request: &StartRequest,
        ids: &CheckoutIds,
        plan: &Plan,
        card: Option<Card>,
        discount: Option<Discount>,
    ) -> Result<Subscribed, Halt> {
        let step = Step::CHARGE_FIRST_PAYMENT;
        let priced = price(request.quantity.total(plan.terms.amount), discount.as_ref());
        let discounted = priced.off > Amount::default();
        let charge = ChargeRequest {
            payment_id: ids.payment_id.clone(),
            billing_key: request.billing_key.clone(),
            order_name: plan.terms.name.clone(),
            customer_id: request.customer_id.clone(),
            amount: priced.amount,
            currency: plan.terms.currency.clone(),
            plan_id: Some(plan.terms.id.clone()),
            quantity: request.quantity,
            kind: ChargeKind::Period,
            list_amount: discounted.then_some(priced.list),
            discount: discount.filter(|_| discounted),
            credit: None,
            // Derived from the payment: a repeat sends the same key, and PortOne replays.
            idempotency_key: format!("checkout-{}", ids.payment_id),
            // The `Transaction.Paid` webhook that follows changes nothing, and heals a start
            // whose process died between the charge and the record.
            skip_webhook: false,
        };
        if charge.amount == Amount::default() {
            return self
                .record_free_first_month(run, request, ids, card, &charge)
                .await;
        }
        let charged = run
            .steps
            .within(self.ports().gateway().pay_with_billing_key(&charge))
            .await;
        let (message, paid_at) = match charged {
            Ok(charged) => (words::CHARGED, Some(charged.paid_at)),
            Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::AlreadyPaid => {
                (words::ALREADY_CHARGED, None)
            }
            Err(GatewayError::Rejected(rejection)) => {
                let status = match &rejection.kind {
                    RejectionKind::Declined { .. } => Ending::Declined,
                    kind if kind.billing_key_gone() => Ending::Conflict,
                    _ => {
                        tracing::error!(
                            step = step.code,
                            code = rejection.code,
                            "PortOne refused the first charge"
                        );
                        let failure = messages::charge_failed(&GatewayError::Rejected(rejection));
                        return Err(run.steps.fail(step, failure));
                    }
                };
                let code = if status == Ending::Declined {
                    "PAYMENT_DECLINED"
                } else {
                    rejection.code.as_str()
                };
                let message = match &rejection.kind {
                    RejectionKind::Declined { .. } => {
                        words::declined(rejection.decline_reason().unwrap_or("사유 없음"))
                    }
                    _ => messages::rejection_message(words::KEY_LOOKUP, &rejection),
                };
                tracing::info!(code = rejection.code, "the first charge was refused");
                let data = Some(messages::rejection_data(&rejection));
                return Err(run.refuse(step, status, code, message, data));
            }
            Err(error) => {
                tracing::error!(step = step.code, %error, "step failed");
                return Err(run.steps.fail(step, messages::charge_failed(&error)));
            }
        };
        self.store_card(run, Step::CHARGE_FIRST_PAYMENT, request, &ids.payment_id, card)
            .await?;
        let data = json!({ "paymentId": ids.payment_id, "paidAt": paid_at, "amount": charge.amount });
        run.steps.succeed(step, message, Some(data));

        self.flows.paid(&mut run.steps, ids.payment_id.clone()).await?;
        Ok(Subscribed {
            subscription_id: SubscriptionId::from(ids.payment_id.clone()),
        })
    }

    /// Stores subscription `subscription_id`'s card (as step `step`): what its next charges use
    /// and its read model shows. A paid start's and a trial's alike.
    pub(super) async fn store_card(
        &self,
        run: &mut Run,
        step: Step,
        request: &StartRequest,
        subscription_id: &PaymentId,
        card: Option<Card>,
    ) -> Result<PaymentMethod, Halt> {
        let method = PaymentMethod {
            subscription_id: subscription_id.to_string(),
            customer_id: Some(request.customer_id.to_string()),
            billing_key: request.billing_key.clone(),
            card: card.unwrap_or_default(),
            updated_at: Timestamp::from_utc(self.ports().clock().now()),
        };
        let stored = self.ports().ledger().set_payment_method(&method);
        run.steps.call(step, stored, messages::storage_failed).await?;
        Ok(method)
    }

    /// A first period a discount brings to 0: PortOne is not called (it charges no 0 amount);
    /// the period is recorded as paid now, amount 0, and the next one scheduled as usual.
    async fn record_free_first_month(
        &self,
        run: &mut Run,
        request: &StartRequest,
        ids: &CheckoutIds,
        card: Option<Card>,
        charge: &ChargeRequest,
    ) -> Result<Subscribed, Halt> {
        self.store_card(run, Step::CHARGE_FIRST_PAYMENT, request, &ids.payment_id, card)
            .await?;
        let now = Timestamp::from_utc(self.ports().clock().now());
        let data = json!({ "paymentId": ids.payment_id, "amount": 0, "listAmount": charge.list_amount });
        run.steps
            .succeed(Step::CHARGE_FIRST_PAYMENT, words::FREE_FIRST_PERIOD, Some(data));
        let payment = free_payment(charge, now);
        self.flows.free_period(&mut run.steps, &payment).await?;
        Ok(Subscribed {
            subscription_id: SubscriptionId::from(ids.payment_id.clone()),
        })
    }
}
