//! A period a discount brings to 0: no PortOne call at all (PortOne charges no 0 amount), so the
//! period is recorded as paid with amount 0 at its charge time, and the next one is scheduled as
//! any renewal's. A first period is recorded by the checkout; a renewal by the reconciliation
//! pass once its charge time passed (`Reconciler::reconcile_due`).

use serde_json::json;

use crate::domain::amount::Amount;
use crate::domain::checklist::Step;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::timestamp::Timestamp;
use crate::ports::{ChargeRequest, Ports};
use crate::service::messages;
use crate::service::outcome::WebhookOutcome;
use crate::service::steps::{Halt, Steps};

use super::PaymentFlows;

/// The payment a free `charge` would have been, paid at `at`: what its month records.
pub(in crate::service) fn free_payment(charge: &ChargeRequest, at: Timestamp) -> Payment {
    Payment {
        id: charge.payment_id.clone(),
        status: PaymentStatus::Paid,
        order_name: charge.order_name.clone(),
        amount: Amount::default(),
        currency: charge.currency.clone(),
        cancelled_amount: Amount::default(),
        plan_id: charge.plan_id.clone(),
        quantity: charge.quantity,
        kind: charge.kind,
        list_amount: charge.list_amount,
        discount: charge.discount.clone(),
        credit: charge.credit,
        receipt_url: None,
        billing_key: Some(charge.billing_key.clone()),
        customer_id: Some(charge.customer_id.to_string()),
        paid_at: Some(at.as_utc()),
        failed_at: None,
        failure: None,
    }
}

impl<P: Ports> PaymentFlows<P> {
    /// Steps 3–5 for a free period: nothing to fetch, then the paid flow's record and schedule.
    pub(in crate::service) async fn free_period(
        &self,
        steps: &mut Steps,
        payment: &Payment,
    ) -> Result<(), Halt> {
        let data = json!({ "paymentId": payment.id, "amount": 0, "listAmount": payment.list_amount });
        steps.succeed(Step::FETCH_PAYMENT, messages::FREE_PERIOD_NOT_FETCHED, Some(data));
        self.record_payment(steps, payment).await
    }

    /// A free renewal recorded by the reconciliation pass, answered as a replayed webhook's.
    pub async fn record_free(&self, payment: &Payment) -> WebhookOutcome {
        let mut steps = self.reconcile_steps();
        let result = self.free_period(&mut steps, payment).await;
        steps.finish(result)
    }
}
