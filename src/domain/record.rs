//! One row of the `payment` table: a paid month of a subscription.

use serde::Serialize;
use uuid::Uuid;

use super::amount::Amount;
use super::payment::Payment;
use super::period::BillingPeriod;
use super::schedule_id::next_schedule_id;
use super::timestamp::Timestamp;

/// The ledger's value for `status` of a paid month (the route spec's `status: "Paid"`).
pub const PAID_STATUS: &str = "Paid";

/// The ledger's value for `status` once PortOne cancelled (refunded) the payment.
pub const CANCELLED_STATUS: &str = "Cancelled";

/// A `payment` row, with the route spec's column names (they are also the checklist's step-4
/// `data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRecord {
    /// PortOne `paymentId` of the paid payment; unique in the table.
    pub transaction_key: String,
    /// `amount.total` in the currency's unit (KRW: won).
    pub amount: Amount,
    /// `"Paid"` when recorded; later flows may change it.
    pub status: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub end_grace_at: Timestamp,
    pub next_schedule_at: Timestamp,
    /// `paymentId` of next month's scheduled payment; see [`next_schedule_id`].
    pub next_schedule_id: Uuid,
    /// When the customer cancelled at period end; no next payment is scheduled while set.
    /// Column `canceled_at` (the schema's spelling; code says "cancelled" throughout).
    #[serde(rename = "canceled_at")]
    pub cancelled_at: Option<Timestamp>,
    /// When a cancelled subscription was resumed.
    pub resumed_at: Option<Timestamp>,
}

impl PaymentRecord {
    /// The row a paid `payment` records for `period`.
    pub fn paid(payment: &Payment, period: &BillingPeriod) -> Self {
        Self {
            transaction_key: payment.id.as_str().to_owned(),
            amount: payment.amount,
            status: PAID_STATUS.to_owned(),
            start_at: period.start_at,
            end_at: period.end_at,
            end_grace_at: period.end_grace_at,
            next_schedule_at: period.next_schedule_at,
            next_schedule_id: next_schedule_id(&payment.id),
            cancelled_at: None,
            resumed_at: None,
        }
    }

    /// `true` when the subscription was cancelled and not resumed since.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}
