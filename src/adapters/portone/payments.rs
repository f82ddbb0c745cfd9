//! [`Payments`] over PortOne's REST API: `getPayment`, `payWithBillingKey`, `cancelPayment`.

use super::{errors, retry, wire, PortOneClient, CANCEL_PAYMENT, GET_PAYMENT, PAY_WITH_BILLING_KEY};
use crate::domain::payment::Payment;
use crate::domain::payment_id::PaymentId;
use crate::ports::{CancelRequest, Cancellation, ChargeRequest, Charged, GatewayError, Payments};

impl Payments for PortOneClient {
    async fn get_payment(&self, id: &PaymentId) -> Result<Payment, GatewayError> {
        let url = self.url(&["payments", id.as_str()]);
        const OPERATION: &str = GET_PAYMENT;
        retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::lookup_is_retryable,
            OPERATION,
            || async {
                let body = errors::send(OPERATION, self.authorized(self.http.get(&url))).await?;
                wire::PaymentDto::parse(&body)
            },
        )
        .await
    }

    async fn pay_with_billing_key(&self, request: &ChargeRequest) -> Result<Charged, GatewayError> {
        let url = self.url(&["payments", request.payment_id.as_str(), "billing-key"]);
        let body = wire::PayWithBillingKeyBody::new(request, self.store_id.as_deref());
        let body = self
            .post_idempotent(
                PAY_WITH_BILLING_KEY,
                &url,
                &request.idempotency_key,
                &body,
                retry::charge_is_retryable,
            )
            .await?;
        wire::PayWithBillingKeyResponse::parse(&body)
    }

    async fn cancel_payment(&self, request: &CancelRequest) -> Result<Cancellation, GatewayError> {
        let url = self.url(&["payments", request.payment_id.as_str(), "cancel"]);
        let body = wire::CancelPaymentBody::new(request, self.store_id.as_deref());
        let body = self
            .post_idempotent(
                CANCEL_PAYMENT,
                &url,
                &request.idempotency_key,
                &body,
                retry::schedule_is_retryable,
            )
            .await?;
        wire::CancelPaymentResponse::parse(&body)
    }
}
