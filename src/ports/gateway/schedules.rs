//! The schedule operations' requests and answers: `createPaymentSchedule`, `getPaymentSchedule`,
//! `getPaymentSchedules` and `revokePaymentSchedules`.

use crate::domain::amount::Amount;
use crate::domain::billing_key::BillingKey;
use crate::domain::currency::Currency;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;
use crate::domain::schedule_status::ScheduleStatus;
use crate::domain::timestamp::Timestamp;

/// Next month's payment to schedule with a billing key (`createPaymentSchedule`,
/// `POST /payments/{paymentId}/schedule`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRequest {
    /// `paymentId` of the scheduled payment: the ledger row's `next_schedule_id`.
    pub payment_id: PaymentId,
    pub billing_key: BillingKey,
    pub order_name: String,
    /// `customer.id`; `customer` is omitted when `None`.
    pub customer_id: Option<CustomerId>,
    /// `amount.total` in the currency's unit.
    pub amount: Amount,
    /// ISO 4217 code, the paid payment's own (a KRW customer is charged in KRW).
    pub currency: Currency,
    /// The plan the charge is on: written to PortOne's `customData`, so the month it pays
    /// records it.
    pub plan_id: Option<PlanId>,
    /// The seats it buys (written to `customData`).
    pub quantity: Quantity,
    /// The undiscounted price when `amount` is discounted (`customData.listAmount`).
    pub list_amount: Option<Amount>,
    /// The discount `amount` got (`customData.coupon`).
    pub discount: Option<crate::domain::discount::Discount>,
    /// `timeToPay`, UTC.
    pub time_to_pay: Timestamp,
    /// PortOne's `Idempotency-Key` (16–256 ASCII characters, sent quoted). PortOne replays a
    /// key's first answer for 3 hours, so a deliberate re-schedule (resume) needs a new key.
    pub idempotency_key: String,
}

/// A scheduled payment as PortOne reports it (`getPaymentSchedule`, `GET /payment-schedules/{id}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSchedule {
    pub id: ScheduleId,
    pub status: ScheduleStatus,
    pub payment_id: PaymentId,
    pub order_name: String,
    pub time_to_pay: Timestamp,
    /// `totalAmount` in the currency's unit.
    pub total_amount: Amount,
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
    Created { schedule_id: ScheduleId },
    /// PortOne already has a schedule for this `paymentId` (an earlier delivery created it).
    AlreadyExists,
}
