//! Step 3 of every flow: the webhook body is only a hint; PortOne's record is the truth.

use crate::ports::Payments;
use serde_json::json;

use crate::domain::checklist::Step;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::ports::Ports;
use crate::service::messages;
use crate::service::outcome::Verdict;
use crate::service::step_data;
use crate::service::steps::{Failure, Halt, Steps};

use super::PaymentFlows;

impl<P: Ports> PaymentFlows<P> {
    /// PortOne's payment `payment_id`, which must have status `expected`; any other status
    /// halts with 409 (PortOne resends, and its console shows the contradiction).
    pub(in crate::service) async fn fetch(
        &self,
        steps: &mut Steps,
        payment_id: &PaymentId,
        expected: PaymentStatus,
    ) -> Result<Payment, Halt> {
        self.fetch_one_of(steps, payment_id, expected, &[]).await
    }

    /// As [`Self::fetch`], also accepting any status of `also`.
    pub(super) async fn fetch_one_of(
        &self,
        steps: &mut Steps,
        payment_id: &PaymentId,
        expected: PaymentStatus,
        also: &[PaymentStatus],
    ) -> Result<Payment, Halt> {
        let accepts = |payment: &Payment| also.contains(&payment.status);
        self.fetch_where(steps, payment_id, expected, accepts).await
    }

    /// As [`Self::fetch`], also accepting a payment `accepts` takes.
    pub(super) async fn fetch_where(
        &self,
        steps: &mut Steps,
        payment_id: &PaymentId,
        expected: PaymentStatus,
        accepts: impl Fn(&Payment) -> bool,
    ) -> Result<Payment, Halt> {
        let step = Step::FETCH_PAYMENT;
        let lookup = self.ports.gateway().get_payment(payment_id);
        let payment = steps.call(step, lookup, messages::fetch_failed).await?;
        if payment.status != expected && !accepts(&payment) {
            let status = payment.status.as_portone();
            tracing::warn!(
                status,
                expected = expected.as_portone(),
                "PortOne's status contradicts the webhook"
            );
            let failure = Failure {
                message: messages::status_mismatch(&expected, status),
                data: Some(json!({ "paymentId": payment.id, "status": status })),
                verdict: Verdict::PaymentStatusMismatch,
            };
            return Err(steps.fail(step, failure));
        }
        steps.succeed(step, messages::FETCHED, step_data::payment(&payment));
        Ok(payment)
    }
}
