//! A subscription's billing history lines: its paid periods and its upgrades' prorations.

use poem_openapi::{Enum, Object};

use crate::adapters::http::nullable::Nullable;
use crate::domain::amount::Amount;
use crate::domain::currency::Currency;
use crate::domain::history_line::list_and_coupon;
use crate::domain::month_status::MonthStatus;
use crate::domain::proration_record::{Proration, ProrationStatus};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::domain::vat::VatSplit;

/// A month's payment status.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PaymentStatusName {
    /// Paid (and at most partly refunded).
    Paid,
    /// Refunded in full (PortOne's `CANCELLED`).
    Cancelled,
    /// A refund line: money returned of the charge it names.
    Refunded,
}

/// What a billing-history line paid for.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PaymentKindName {
    /// A period (a `payment` row).
    Period,
    /// An upgrade's prorated difference for the rest of a period (a `proration` row).
    Proration,
    /// Money returned of a period's or a proration's charge (its `refunded_amount`), listed right
    /// after the charge it returns.
    Refund,
}

/// One charge of a subscription: a paid period, or an upgrade's proration; what was charged,
/// for which period, and what of it was refunded. A line of the subscription's billing history.
#[derive(Debug, Object)]
pub struct PaymentModel {
    /// PortOne's `paymentId` of the charge (the `payment` row's `transaction_key`, or the
    /// proration's `proration-…` id).
    pub payment_id: String,
    /// The line's number, `{year}-{n:06}` (`2026-000123`): sequential per Seoul year across the
    /// store, without gaps; `null` for a proration that charged nothing.
    pub number: Nullable<String>,
    pub kind: PaymentKindName,
    pub status: PaymentStatusName,
    /// Charged, in the currency's unit (KRW: won), VAT included; a refund line: returned. 0
    /// for a period a discount made free (no PortOne call was made for it).
    pub amount: i64,
    /// The price before the discount (plan × quantity); `amount` without one.
    pub list_amount: i64,
    /// What the discount took off: `list_amount − amount`; 0 without one.
    pub discount_amount: i64,
    /// The coupon that discounted it; `null` without one.
    pub coupon_id: Nullable<String>,
    /// 공급가액 and 부가세 of a KRW charge, as its receipt shows them (and as PortOne was sent
    /// `amount.vat`): `supply_amount = round(amount ÷ 1.1)`, `vat = amount − supply_amount`;
    /// `null` for other currencies.
    pub supply_amount: Nullable<i64>,
    pub vat: Nullable<i64>,
    /// ISO 4217; `null` on rows recorded before it was kept.
    pub currency: Nullable<String>,
    /// PortOne's `orderName` of the charge.
    pub order_name: Nullable<String>,
    /// The plan charged; `null` for payments made outside this service.
    pub plan_id: Nullable<String>,
    /// The seats charged.
    pub quantity: u32,
    /// The period it paid for, UTC (a proration: from when it took effect to the period's end).
    pub start_at: String,
    pub end_at: String,
    /// Refunded of it, in the currency's unit; `null` before any refund.
    pub refunded_amount: Nullable<i64>,
    /// PortOne's `receiptUrl`: the card company's or PG's receipt, when PortOne gives one.
    pub receipt_url: Nullable<String>,
}

impl From<&PaymentRecord> for PaymentModel {
    fn from(r: &PaymentRecord) -> Self {
        let (supply_amount, vat) = vat_columns(r.amount, r.currency.as_ref());
        let (list_amount, coupon_id) = list_and_coupon(r);
        Self {
            payment_id: r.transaction_key.to_string(),
            number: r.billing_number.clone().into(),
            kind: PaymentKindName::Period,
            status: match r.status {
                MonthStatus::Cancelled => PaymentStatusName::Cancelled,
                _ => PaymentStatusName::Paid,
            },
            amount: r.amount.value(),
            list_amount: list_amount.value(),
            discount_amount: r.discount_amount.value(),
            coupon_id: coupon_id.map(str::to_owned).into(),
            supply_amount,
            vat,
            currency: r.currency.as_ref().map(ToString::to_string).into(),
            order_name: r.order_name.clone().into(),
            plan_id: r.plan_id.as_ref().map(ToString::to_string).into(),
            quantity: r.quantity.get(),
            start_at: r.start_at.to_iso(),
            end_at: r.end_at.to_iso(),
            refunded_amount: r.refunded_amount.map(|a| a.value()).into(),
            receipt_url: r.receipt_url.clone().into(),
        }
    }
}

impl From<&Proration> for PaymentModel {
    fn from(p: &Proration) -> Self {
        let (supply_amount, vat) = vat_columns(p.amount, Some(&p.currency));
        Self {
            payment_id: p.payment_id.to_string(),
            number: p.billing_number.clone().into(),
            kind: PaymentKindName::Proration,
            status: PaymentStatusName::Paid,
            amount: p.amount.value(),
            list_amount: p.amount.value(),
            discount_amount: 0,
            coupon_id: Nullable::from(None),
            supply_amount,
            vat,
            currency: Nullable::from(Some(p.currency.to_string())),
            order_name: Nullable::from(Some(p.order_name.clone())),
            plan_id: p.to.plan_id.as_ref().map(ToString::to_string).into(),
            quantity: p.to.quantity.get(),
            start_at: p.paid_at.unwrap_or(p.created_at).to_iso(),
            end_at: p.period_end.to_iso(),
            refunded_amount: p.refunded_amount.map(|a| a.value()).into(),
            receipt_url: Nullable::from(None),
        }
    }
}

/// `supply_amount` and `vat` of a charge of `amount` in `currency`, split once; both `null` for
/// other currencies, or an unknown one.
fn vat_columns(amount: Amount, currency: Option<&Currency>) -> (Nullable<i64>, Nullable<i64>) {
    let split = currency.and_then(|currency| VatSplit::of_charge(amount, currency));
    (
        split.map(|s| s.supply_amount.value()).into(),
        split.map(|s| s.vat.value()).into(),
    )
}

impl PaymentModel {
    /// The refund line of this charge, when something of it was refunded: the returned amount
    /// and its VAT split, no number of its own (the refund is not a new charge).
    fn refund_line(&self) -> Option<Self> {
        let refunded = self.refunded_amount.0.filter(|refunded| *refunded > 0)?;
        let currency = self.currency.0.as_deref().map(Currency::reported);
        let (supply_amount, vat) = vat_columns(Amount::new(refunded).ok()?, currency.as_ref());
        Some(Self {
            payment_id: self.payment_id.clone(),
            number: Nullable::from(None),
            kind: PaymentKindName::Refund,
            status: PaymentStatusName::Refunded,
            amount: refunded,
            list_amount: refunded,
            discount_amount: 0,
            coupon_id: Nullable::from(None),
            supply_amount,
            vat,
            currency: self.currency.clone(),
            order_name: self.order_name.clone(),
            plan_id: self.plan_id.clone(),
            quantity: self.quantity,
            start_at: self.start_at.clone(),
            end_at: self.end_at.clone(),
            refunded_amount: Nullable::from(Some(refunded)),
            receipt_url: Nullable::from(None),
        })
    }
}

/// The billing history: every month (trials and free periods included), every settled proration, and a refund
/// line after each charge something was refunded of, newest first. Refunds keep no time of their
/// own, so each is listed just above the charge it returns.
pub fn billing_history(months: &[PaymentRecord], prorations: &[Proration]) -> Vec<PaymentModel> {
    let mut charges: Vec<(Timestamp, PaymentModel)> = months
        .iter()
        .map(|m| (m.start_at, PaymentModel::from(m)))
        .chain(
            prorations
                .iter()
                .filter(|p| p.status == ProrationStatus::Paid)
                .map(|p| (p.paid_at.unwrap_or(p.created_at), PaymentModel::from(p))),
        )
        .collect();
    charges.sort_by_key(|line| std::cmp::Reverse(line.0));
    charges
        .into_iter()
        .flat_map(|(_, line)| line.refund_line().into_iter().chain(std::iter::once(line)))
        .collect()
}
