//! An upgrade's prorated charge, as the API shows it: in a change's answer and in the
//! subscription's billing history.

use poem_openapi::{Enum, Object};

use crate::adapters::http::nullable::Nullable;
use crate::domain::proration_record::{Proration, ProrationStatus};

/// Where a proration stands.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProrationStatusName {
    /// Written; the charge's answer has not arrived (the same request again finishes it).
    Pending,
    /// Charged (or nothing was due) and the change applied.
    Paid,
    /// Declined by PortOne; nothing changed.
    Failed,
}

/// A change that took effect mid-period and what it charged for the rest of the period.
#[derive(Debug, Object)]
pub struct ProrationModel {
    /// PortOne `paymentId` of the charge (`proration-…`).
    pub payment_id: String,
    pub status: ProrationStatusName,
    /// Charged, in the currency's unit (0: below `MIN_PRORATION_AMOUNT`, no charge made).
    pub amount: i64,
    pub currency: String,
    pub from_plan_id: Nullable<String>,
    pub from_quantity: u32,
    pub to_plan_id: Nullable<String>,
    pub to_quantity: u32,
    /// The price per period before and after, in the currency's unit.
    pub from_amount: i64,
    pub to_amount: i64,
    /// The period whose rest it paid for, UTC.
    pub period_start: String,
    pub period_end: String,
    /// When it was charged and took effect, UTC.
    pub paid_at: Nullable<String>,
}

impl From<&Proration> for ProrationModel {
    fn from(p: &Proration) -> Self {
        Self {
            payment_id: p.payment_id.to_string(),
            status: match p.status {
                ProrationStatus::Pending => ProrationStatusName::Pending,
                ProrationStatus::Paid => ProrationStatusName::Paid,
                ProrationStatus::Failed => ProrationStatusName::Failed,
            },
            amount: p.amount.value(),
            currency: p.currency.to_string(),
            from_plan_id: p.from.plan_id.as_ref().map(ToString::to_string).into(),
            from_quantity: p.from.quantity.get(),
            to_plan_id: p.to.plan_id.as_ref().map(ToString::to_string).into(),
            to_quantity: p.to.quantity.get(),
            from_amount: p.from.amount.value(),
            to_amount: p.to.amount.value(),
            period_start: p.period_start.to_iso(),
            period_end: p.period_end.to_iso(),
            paid_at: p.paid_at.map(|at| at.to_iso()).into(),
        }
    }
}
