//! A payment as PortOne reports it, reduced to what the subscription flow needs.

use super::charge_kind::ChargeKind;
use super::quantity::Quantity;
use chrono::{DateTime, Utc};

use super::amount::Amount;
use super::billing_key::BillingKey;
use super::currency::Currency;
use super::payment_id::PaymentId;
use super::plan::PlanId;

/// PortOne's `Payment.status` (the `status` discriminator of `Payment` in PortOne's OpenAPI
/// schema), open-ended: PortOne's backward-compatibility policy (REST API overview, section
/// "하위호환성", <https://developers.portone.io/api/rest-v2>) lets outputs gain enum values, so an
/// unknown one is kept verbatim rather than failing the parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    Ready,
    PayPending,
    VirtualAccountIssued,
    Paid,
    PartialCancelled,
    Cancelled,
    Failed,
    /// A status this build does not know yet, as PortOne wrote it.
    Other(String),
}

impl PaymentStatus {
    /// Maps PortOne's SCREAMING_SNAKE status.
    pub fn from_portone(value: &str) -> Self {
        match value {
            "READY" => Self::Ready,
            "PAY_PENDING" => Self::PayPending,
            "VIRTUAL_ACCOUNT_ISSUED" => Self::VirtualAccountIssued,
            "PAID" => Self::Paid,
            "PARTIAL_CANCELLED" => Self::PartialCancelled,
            "CANCELLED" => Self::Cancelled,
            "FAILED" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// PortOne's spelling of the status.
    pub fn as_portone(&self) -> &str {
        match self {
            Self::Ready => "READY",
            Self::PayPending => "PAY_PENDING",
            Self::VirtualAccountIssued => "VIRTUAL_ACCOUNT_ISSUED",
            Self::Paid => "PAID",
            Self::PartialCancelled => "PARTIAL_CANCELLED",
            Self::Cancelled => "CANCELLED",
            Self::Failed => "FAILED",
            Self::Other(other) => other,
        }
    }
}

/// The fields of PortOne's `Payment` the flow uses (`GET /payments/{paymentId}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// `id`: the merchant's `paymentId`.
    pub id: PaymentId,
    pub status: PaymentStatus,
    /// `orderName`, reused for next month's payment.
    pub order_name: String,
    /// `amount.total`, in the currency's unit (KRW: won).
    pub amount: Amount,
    /// `currency`, an ISO 4217 code such as `KRW`.
    pub currency: Currency,
    /// `amount.cancelled`: how much PortOne refunded so far, in the currency's unit.
    pub cancelled_amount: Amount,
    /// The plan this service charged it on: `planId` of its `customData`, which this service
    /// writes on every charge it makes; `None` for payments made elsewhere.
    pub plan_id: Option<PlanId>,
    /// The seats it paid for: `quantity` of its `customData` (1 when absent).
    pub quantity: Quantity,
    /// What it paid for: `kind` of its `customData` (a period when absent).
    pub kind: ChargeKind,
    /// The period's full price when less was charged (`listAmount` of its `customData`): a
    /// switch to a longer interval charges the new price less the unused part of the old
    /// period, and the periods after it are charged this.
    pub list_amount: Option<Amount>,
    /// The discount it got (`coupon` of its `customData`), with the paid periods it applied to,
    /// this one included; the month it pays carries the rest to the next charge.
    pub discount: Option<super::discount::Discount>,
    /// What an interval switch credited of the period it cut short (`credit` of its
    /// `customData`): part of `list_amount − amount` that is not the discount.
    pub credit: Option<Amount>,
    /// `receiptUrl`: the card company's or PG's receipt, when PortOne gives one.
    pub receipt_url: Option<String>,
    /// `billingKey`: present only for billing-key payments; without it nothing can be scheduled.
    pub billing_key: Option<BillingKey>,
    /// `customer.id`.
    pub customer_id: Option<String>,
    /// `paidAt` (UTC): required by PortOne for `PAID` payments, absent for others.
    pub paid_at: Option<DateTime<Utc>>,
    /// `failedAt` (UTC): required for `FAILED` payments, absent for others.
    pub failed_at: Option<DateTime<Utc>>,
    /// `failure`: required for `FAILED` payments (`FailedPayment` in PortOne's schema).
    pub failure: Option<PaymentFailure>,
}

/// Why PortOne says a payment failed: `PaymentFailure {reason?, pgCode?, pgMessage?}`. A
/// `FailedPaymentSchedule` has no reason of its own; this is where it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PaymentFailure {
    /// PortOne's description of the failure (column `failure_reason`).
    #[serde(rename = "failure_reason")]
    pub reason: Option<String>,
    /// The payment gateway's own code (e.g. a card issuer's decline code).
    pub pg_code: Option<String>,
    /// The payment gateway's own message.
    pub pg_message: Option<String>,
}
