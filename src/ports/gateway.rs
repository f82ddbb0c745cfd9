//! PortOne, seen from the use cases. Operation ids are those of PortOne's published OpenAPI
//! schema (<https://developers.portone.io/api/rest-v2>).

use std::future::Future;

use uuid::Uuid;

use crate::domain::amount::Amount;
use crate::domain::currency::Currency;
use crate::domain::payment::Payment;
use crate::domain::payment_id::PaymentId;
use crate::domain::rejection::{Rejection, RejectionKind};
use crate::domain::schedule_status::ScheduleStatus;
use crate::domain::timestamp::Timestamp;

/// Next month's payment to schedule with a billing key (`createPaymentSchedule`,
/// `POST /payments/{paymentId}/schedule`).
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
    pub currency: Currency,
    /// `timeToPay`, UTC.
    pub time_to_pay: Timestamp,
    /// PortOne's `Idempotency-Key` (16–256 ASCII characters, sent quoted). PortOne replays a
    /// key's first answer for 3 hours, so a deliberate re-schedule (resume) needs a new key.
    pub idempotency_key: String,
}

/// A scheduled payment as PortOne reports it (`getPaymentSchedule`, `GET /payment-schedules/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSchedule {
    pub id: String,
    pub status: ScheduleStatus,
    pub payment_id: String,
    pub order_name: String,
    pub time_to_pay: Timestamp,
    /// `totalAmount` in the currency's unit.
    pub total_amount: i64,
    pub currency: Currency,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A page of schedules to list (`getPaymentSchedules`): `timeToPay` in `[from, until]`, with one
/// of `statuses` (all when empty), page `page` of `size`, by `timeToPay` ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleQuery {
    pub from: Timestamp,
    pub until: Timestamp,
    pub statuses: Vec<ScheduleStatus>,
    pub page: u32,
    pub size: u32,
}

/// One page of schedules, and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePage {
    pub items: Vec<PaymentSchedule>,
    pub total_count: u64,
}

/// What revoking a schedule achieved (`revokePaymentSchedules`, `DELETE /payment-schedules`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// PortOne revoked it now.
    Revoked { revoked_at: Option<Timestamp> },
    /// It was revoked before (409 `PAYMENT_SCHEDULE_ALREADY_REVOKED`).
    AlreadyRevoked,
    /// The payment already ran (409 `PAYMENT_SCHEDULE_ALREADY_PROCESSED`): the customer was charged.
    AlreadyProcessed,
    /// PortOne does not know the schedule (404 `PAYMENT_SCHEDULE_NOT_FOUND`).
    NotFound,
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

/// PortOne's V2 REST API. A clone is a handle on the same client (tests keep one to see what was
/// scheduled).
pub trait PaymentGateway: Clone + Send + Sync + 'static {
    /// The payment `id` (`getPayment`, `GET /payments/{paymentId}`), whatever its status.
    ///
    /// # Errors
    /// MUST return [`GatewayError::Rejected`] for error answers (an unknown payment is
    /// [`RejectionKind::PaymentNotFound`]), and the other variants for transport failures.
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

    /// Revokes one schedule (`DELETE /payment-schedules` with `{"scheduleIds": [id]}`).
    ///
    /// # Errors
    /// MUST map PortOne's `PAYMENT_SCHEDULE_ALREADY_REVOKED`, `…_ALREADY_PROCESSED` and
    /// `…_NOT_FOUND` to the [`RevokeOutcome`] variants, not to errors.
    fn revoke_schedule(
        &self,
        schedule_id: &str,
    ) -> impl Future<Output = Result<RevokeOutcome, GatewayError>> + Send;

    /// One schedule (`getPaymentSchedule`, `GET /payment-schedules/{id}`); `None` when PortOne
    /// does not know the id.
    ///
    /// # Errors
    /// MUST map PortOne's `PAYMENT_SCHEDULE_NOT_FOUND` to `Ok(None)`, not to an error.
    fn get_schedule(
        &self,
        schedule_id: &str,
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
        billing_key: &str,
        payment_id: Uuid,
        time_to_pay: Timestamp,
    ) -> impl Future<Output = Result<Option<PaymentSchedule>, GatewayError>> + Send;
}
