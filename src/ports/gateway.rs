//! PortOne, seen from the use case.

use std::future::Future;

use uuid::Uuid;

use crate::domain::amount::Amount;
use crate::domain::payment::Payment;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;

/// Next month's payment to schedule with a billing key (`POST /payments/{paymentId}/schedule`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRequest {
    /// `paymentId` of the scheduled payment: the ledger row's `next_schedule_id`.
    pub payment_id: Uuid,
    pub billing_key: String,
    pub order_name: String,
    /// `customer.id`; `customer` is omitted when `None`.
    pub customer_id: Option<String>,
    /// `amount.total` in the currency's unit.
    pub amount: Amount,
    /// ISO 4217 code, the paid payment's own (a KRW customer is charged in KRW).
    pub currency: String,
    /// `timeToPay`, UTC.
    pub time_to_pay: Timestamp,
}

/// What scheduling achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleOutcome {
    /// PortOne created the schedule; `schedule_id` is its `schedule.id`.
    Created { schedule_id: String },
    /// PortOne already has a schedule for this `paymentId` (an earlier delivery created it).
    AlreadyExists,
}

/// A PortOne call that did not give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// PortOne answered with an error body `{type, message?}`.
    #[error("PortOne answered {status} {error_type}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// PortOne's error `type`, e.g. `PAYMENT_NOT_FOUND`, or `UNKNOWN` when the body had none.
        error_type: String,
        /// PortOne's `message`, if any.
        message: Option<String>,
    },
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

/// PortOne's V2 REST API.
pub trait PaymentGateway: Send + Sync + 'static {
    /// The payment `id` (`GET /payments/{paymentId}`), whatever its status.
    ///
    /// # Errors
    /// MUST return [`GatewayError::Rejected`] with PortOne's `type` for error answers (an unknown
    /// payment is `PAYMENT_NOT_FOUND`), and the other variants for transport failures.
    fn get_payment(&self, id: &PaymentId) -> impl Future<Output = Result<Payment, GatewayError>> + Send;

    /// Schedules `request` (`POST /payments/{paymentId}/schedule`) idempotently.
    ///
    /// # Errors
    /// MUST return `Ok(ScheduleOutcome::AlreadyExists)`, not an error, when PortOne answers 409
    /// `PAYMENT_SCHEDULE_ALREADY_EXISTS`; other error answers are [`GatewayError::Rejected`].
    fn schedule_payment(
        &self,
        request: &ScheduleRequest,
    ) -> impl Future<Output = Result<ScheduleOutcome, GatewayError>> + Send;
}

/// Shared gateways (tests keep a handle to inspect what was scheduled).
impl<T: PaymentGateway> PaymentGateway for std::sync::Arc<T> {
    fn get_payment(&self, id: &PaymentId) -> impl Future<Output = Result<Payment, GatewayError>> + Send {
        (**self).get_payment(id)
    }

    fn schedule_payment(
        &self,
        request: &ScheduleRequest,
    ) -> impl Future<Output = Result<ScheduleOutcome, GatewayError>> + Send {
        (**self).schedule_payment(request)
    }
}
