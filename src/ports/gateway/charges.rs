//! Charging a billing key now, reading a billing key, and refunding: `payWithBillingKey`,
//! `getBillingKeyInfo` and `cancelPayment` of PortOne's OpenAPI schema
//! (<https://developers.portone.io/api/rest-v2>).

use crate::domain::amount::Amount;
use crate::domain::billing_key::BillingKey;
use crate::domain::charge_kind::ChargeKind;
use crate::domain::currency::Currency;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::Card;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;
use crate::domain::timestamp::Timestamp;

/// A charge of a billing key now (`POST /payments/{paymentId}/billing-key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    /// The `paymentId`, chosen by this service: the same request always charges the same id, so
    /// PortOne answers a repeat `ALREADY_PAID` instead of charging twice.
    pub payment_id: PaymentId,
    pub billing_key: BillingKey,
    pub order_name: String,
    /// `customer.id`: the app's user id.
    pub customer_id: CustomerId,
    /// `amount.total` in the currency's unit.
    pub amount: Amount,
    pub currency: Currency,
    /// Written to `customData`, so the month the charge pays records its plan.
    pub plan_id: Option<PlanId>,
    /// The seats it buys (written to `customData`).
    pub quantity: Quantity,
    /// What it pays for (written to `customData`).
    pub kind: ChargeKind,
    /// The period's full price when `amount` is less (written to `customData` as `listAmount`).
    pub list_amount: Option<Amount>,
    /// The discount `amount` got (written to `customData` as `coupon`).
    pub discount: Option<crate::domain::discount::Discount>,
    /// An interval switch's credit for the period it cuts short (written to `customData`).
    pub credit: Option<Amount>,
    /// PortOne's `Idempotency-Key` (16–256 ASCII characters, sent quoted).
    pub idempotency_key: String,
    /// `skipWebhook`: PortOne sends no webhook for this charge, because the caller handles its
    /// answer itself (a card update's charge of a pending retry: a `Transaction.Failed` webhook
    /// would count the customer's try as a dunning attempt).
    pub skip_webhook: bool,
}

impl ChargeRequest {
    /// The charge `schedule` would make, made now instead, with `idempotency_key`; `None` when
    /// the schedule names no customer (PortOne's `customer.id` is sent with every charge).
    pub fn now_instead_of(
        schedule: &super::ScheduleRequest,
        idempotency_key: String,
        skip_webhook: bool,
    ) -> Option<Self> {
        Some(Self {
            payment_id: PaymentId::parse(schedule.payment_id.to_string()).ok()?,
            billing_key: schedule.billing_key.clone(),
            order_name: schedule.order_name.clone(),
            customer_id: schedule.customer_id.clone()?,
            amount: schedule.amount,
            currency: schedule.currency.clone(),
            plan_id: schedule.plan_id.clone(),
            quantity: schedule.quantity,
            kind: ChargeKind::Period,
            list_amount: schedule.list_amount,
            discount: schedule.discount.clone(),
            credit: None,
            idempotency_key,
            skip_webhook,
        })
    }
}

/// A charge PortOne approved (`PayWithBillingKeyResponse.payment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charged {
    /// `paidAt`, UTC.
    pub paid_at: Timestamp,
}

/// `BillingKeyInfo.status`, open-ended as PortOne's enums are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingKeyStatus {
    /// `ISSUED`: it can be charged.
    Issued,
    /// `DELETED`: it can never be charged again.
    Deleted,
    /// A status this build does not know, as PortOne wrote it.
    Other(String),
}

impl BillingKeyStatus {
    /// The status as PortOne's schema spells it.
    pub fn as_portone(&self) -> &str {
        match self {
            Self::Issued => "ISSUED",
            Self::Deleted => "DELETED",
            Self::Other(other) => other,
        }
    }
}

/// A billing key as PortOne reports it (`GET /billing-keys/{billingKey}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingKeyInfo {
    pub status: BillingKeyStatus,
    /// `customer.id` the key was issued for.
    pub customer_id: Option<String>,
    /// The card of its first card method, when it is a card.
    pub card: Option<Card>,
}

/// A refund (`POST /payments/{paymentId}/cancel`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    pub payment_id: PaymentId,
    /// `amount`, in the currency's unit; `None` refunds the whole payment.
    pub amount: Option<Amount>,
    /// `reason`: required by PortOne.
    pub reason: String,
    /// `currentCancellableAmount`: what this service believes can still be refunded. PortOne
    /// refuses with `CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN` when it differs, so two concurrent
    /// refunds cannot both go through.
    pub current_cancellable_amount: Amount,
    /// PortOne's `Idempotency-Key`.
    pub idempotency_key: String,
}

/// `PaymentCancellation.status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancellationStatus {
    Requested,
    Succeeded,
    Failed,
    Other(String),
}

/// What PortOne did with a refund (`CancelPaymentResponse.cancellation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub status: CancellationStatus,
    /// `totalAmount` refunded by this cancellation, in the currency's unit.
    pub total_amount: Amount,
    /// `cancelledAt`, UTC, once it succeeded.
    pub cancelled_at: Option<Timestamp>,
}
