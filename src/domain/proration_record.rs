//! One row of the `proration` table: an upgrade made mid-period and what it charged. Written
//! `pending` before PortOne is asked to charge, so a charge whose answer was lost is finished by
//! the same request sent again, or by its `Transaction.Paid` webhook; never counted as a month.

use serde::Serialize;

use super::amount::Amount;
use super::currency::Currency;
use super::payment_id::PaymentId;
use super::plan::PlanId;
use super::quantity::Quantity;
use super::timestamp::Timestamp;

/// The terms a period is billed on: its plan, seats, and price per period (the plan's amount
/// times the seats, in the currency's unit). A month's own unless an upgrade changed them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InEffect {
    pub plan_id: Option<PlanId>,
    pub quantity: Quantity,
    pub amount: Amount,
}

/// Where a proration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProrationStatus {
    /// Written, not yet charged (or the charge's answer was lost).
    Pending,
    /// Charged (or nothing was due) and the change applied.
    Paid,
    /// PortOne declined the charge; nothing changed.
    Failed,
}

impl ProrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
        }
    }

    /// The column's value; anything unknown reads as pending, which a retry settles.
    pub fn from_column(text: &str) -> Self {
        match text {
            "paid" => Self::Paid,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A `proration` row. Serializes as the table's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proration {
    /// PortOne `paymentId` of the charge ([`super::proration::proration_payment_id`]).
    pub payment_id: PaymentId,
    /// The subscription changed.
    pub subscription_id: String,
    /// `transaction_key` of the month (period) it changes.
    pub month_key: PaymentId,
    pub customer_id: Option<String>,
    /// The terms before and after.
    pub from: InEffect,
    pub to: InEffect,
    /// `orderName` of the new terms (the plan's name), charged now and from the next charge on.
    pub order_name: String,
    pub currency: Currency,
    /// Charged now, in the currency's unit; 0 when below the minimum (no PortOne call).
    pub amount: Amount,
    /// The period it covers the rest of, UTC.
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    /// [`super::proration::change_hash`] of the target, to refuse another change under the
    /// same `Idempotency-Key`.
    pub request_hash: String,
    pub status: ProrationStatus,
    /// PortOne's reason when declined.
    pub failure_reason: Option<String>,
    /// When it was charged (PortOne's `paidAt`), or settled without a charge.
    pub paid_at: Option<Timestamp>,
    /// When the pending schedule was moved to the new terms; `None` until then.
    pub rescheduled_at: Option<Timestamp>,
    pub refunded_amount: Option<Amount>,
    pub created_at: Timestamp,
    /// The billing-history number of a charged proration (`2026-000123`), drawn when it is
    /// settled; `None` before, and when nothing was charged.
    pub billing_number: Option<String>,
}

/// What a plan or seat change did, as `subscription.plan_changed` carries it in `data.change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeNote {
    pub from_plan_id: Option<PlanId>,
    pub from_quantity: Quantity,
    pub to_plan_id: Option<PlanId>,
    pub to_quantity: Quantity,
    /// When the new terms start, UTC: now for an upgrade, else the period's end.
    pub effective_at: Timestamp,
    /// Charged now, in the currency's unit (0 for a change at the period's end).
    pub amount_due_now: Amount,
    /// The upgrade's proration, when it was charged now.
    pub proration_payment_id: Option<PaymentId>,
}

impl Proration {
    /// The change this proration made, once settled.
    pub fn note(&self) -> ChangeNote {
        ChangeNote {
            from_plan_id: self.from.plan_id.clone(),
            from_quantity: self.from.quantity,
            to_plan_id: self.to.plan_id.clone(),
            to_quantity: self.to.quantity,
            effective_at: self.paid_at.unwrap_or(self.created_at),
            amount_due_now: self.amount,
            proration_payment_id: Some(self.payment_id.clone()),
        }
    }
}
