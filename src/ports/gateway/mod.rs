//! PortOne, seen from the use cases. Operation ids are those of PortOne's published OpenAPI
//! schema (<https://developers.portone.io/api/rest-v2>).

use std::future::Future;

use crate::domain::billing_key::BillingKey;
use crate::domain::payment::Payment;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::rejection::{Rejection, RejectionKind};
use crate::domain::timestamp::Timestamp;

mod charges;
mod schedules;

pub use charges::{
    BillingKeyInfo, BillingKeyStatus, CancelRequest, Cancellation, CancellationStatus, ChargeRequest, Charged,
};
pub use schedules::{
    PaymentSchedule, RevokeOutcome, ScheduleOutcome, SchedulePage, ScheduleQuery, ScheduleRequest,
};

/// A PortOne call that did not give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// PortOne answered with an error body `{type, message?}`, translated by the adapter.
    #[error("PortOne answered {} {}", .0.status, .0.code)]
    Rejected(Rejection),
    /// No answer in time.
    #[error("PortOne did not answer in time")]
    Timeout,
    /// The connection failed (refused, reset, DNS, TLS).
    #[error("could not reach PortOne: {0}")]
    Unreachable(String),
    /// PortOne answered 2xx with a body that is not what its schema promises.
    #[error("PortOne's answer could not be read: {0}")]
    InvalidResponse(String),
}

impl GatewayError {
    /// What PortOne's refusal means, when PortOne refused.
    pub fn rejection(&self) -> Option<&RejectionKind> {
        match self {
            Self::Rejected(rejection) => Some(&rejection.kind),
            _ => None,
        }
    }
}

/// PortOne's V2 REST API, as the use cases need it: its payments, its schedules and its billing
/// keys. A clone is a handle on the same client (tests keep one to see what was scheduled).
/// Implemented by anything that implements the three.
pub trait PaymentGateway: Payments + Schedules + BillingKeys {}

impl<T: Payments + Schedules + BillingKeys> PaymentGateway for T {}

/// Payments: read one, charge a billing key now, refund.
pub trait Payments: Clone + Send + Sync + 'static {
    /// The payment `id` (`getPayment`, `GET /payments/{paymentId}`), whatever its status.
    ///
    /// # Errors
    /// MUST return [`GatewayError::Rejected`] for error answers (an unknown payment is
    /// [`RejectionKind::PaymentNotFound`]), and the other variants for transport failures.
    fn get_payment(&self, id: &PaymentId) -> impl Future<Output = Result<Payment, GatewayError>> + Send;

    /// Charges `request` now (`payWithBillingKey`, `POST /payments/{paymentId}/billing-key`),
    /// with PortOne's `Idempotency-Key`, so a retried call charges at most once.
    ///
    /// # Errors
    /// MUST return [`RejectionKind::Declined`] (PortOne's `PG_PROVIDER`, with `pgCode` and
    /// `pgMessage`) when the card company refused, [`RejectionKind::AlreadyPaid`] when the
    /// `paymentId` was paid before, and the transport variants when PortOne's answer is unknown
    /// (the charge may have happened: ask again with the same request).
    fn pay_with_billing_key(
        &self,
        request: &ChargeRequest,
    ) -> impl Future<Output = Result<Charged, GatewayError>> + Send;

    /// Refunds all or part of a paid payment (`cancelPayment`, `POST /payments/{paymentId}/cancel`).
    ///
    /// # Errors
    /// MUST return PortOne's refusals as their kinds: `PaymentAlreadyCancelled`,
    /// `CancellableAmountChanged`, `CancelAmountExceedsCancellable`, `MaxCancelCountReached`.
    fn cancel_payment(
        &self,
        request: &CancelRequest,
    ) -> impl Future<Output = Result<Cancellation, GatewayError>> + Send;
}

/// Payment schedules: create, revoke, read, list, and find one by its payment.
pub trait Schedules: Clone + Send + Sync + 'static {
    /// Schedules `request` (`POST /payments/{paymentId}/schedule`) idempotently.
    ///
    /// # Errors
    /// MUST return `Ok(ScheduleOutcome::AlreadyExists)`, not an error, when PortOne answers 409
    /// `PAYMENT_SCHEDULE_ALREADY_EXISTS`; other error answers are [`GatewayError::Rejected`].
    fn schedule_payment(
        &self,
        request: &ScheduleRequest,
    ) -> impl Future<Output = Result<ScheduleOutcome, GatewayError>> + Send;

    /// Revokes one schedule (`DELETE /payment-schedules` with `{"scheduleIds": [id]}`).
    ///
    /// # Errors
    /// MUST map PortOne's `PAYMENT_SCHEDULE_ALREADY_REVOKED`, `…_ALREADY_PROCESSED` and
    /// `…_NOT_FOUND` to the [`RevokeOutcome`] variants, not to errors.
    fn revoke_schedule(
        &self,
        schedule_id: &ScheduleId,
    ) -> impl Future<Output = Result<RevokeOutcome, GatewayError>> + Send;

    /// One schedule (`getPaymentSchedule`, `GET /payment-schedules/{id}`); `None` when PortOne
    /// does not know the id.
    ///
    /// # Errors
    /// MUST map PortOne's `PAYMENT_SCHEDULE_NOT_FOUND` to `Ok(None)`, not to an error.
    fn get_schedule(
        &self,
        schedule_id: &ScheduleId,
    ) -> impl Future<Output = Result<Option<PaymentSchedule>, GatewayError>> + Send;

    /// One page of schedules (`getPaymentSchedules`), with `from`/`until` always set: without
    /// them PortOne lists only the last 90 days.
    fn list_schedules(
        &self,
        query: &ScheduleQuery,
    ) -> impl Future<Output = Result<SchedulePage, GatewayError>> + Send;

    /// The schedule for `payment_id` under `billing_key` (the `SCHEDULED` one when there are
    /// several, else the latest), searched with `getPaymentSchedules` in a window of a day around
    /// `time_to_pay`: without `from`/`until` the list covers only the last 90 days.
    fn find_schedule(
        &self,
        billing_key: &BillingKey,
        payment_id: &PaymentId,
        time_to_pay: Timestamp,
    ) -> impl Future<Output = Result<Option<PaymentSchedule>, GatewayError>> + Send;
}

/// Billing keys.
pub trait BillingKeys: Clone + Send + Sync + 'static {
    /// A billing key (`getBillingKeyInfo`, `GET /billing-keys/{billingKey}`).
    ///
    /// # Errors
    /// MUST return [`RejectionKind::BillingKeyNotFound`] for a key PortOne does not know.
    fn get_billing_key(
        &self,
        billing_key: &BillingKey,
    ) -> impl Future<Output = Result<BillingKeyInfo, GatewayError>> + Send;
}
