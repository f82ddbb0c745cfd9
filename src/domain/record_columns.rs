//! A `payment` row serialized as the table's columns, all at one level: written out field by
//! field (not with `#[serde(flatten)]`, which buffers every value), because each paid webhook
//! serializes one.

use serde::{Serialize, Serializer};

use super::amount::Amount;
use super::currency::Currency;
use super::discount::Discount;
use super::payment_id::PaymentId;
use super::plan::PlanId;
use super::quantity::Quantity;
use super::record::{MonthStatus, PaymentRecord};
use super::timestamp::Timestamp;

#[derive(Serialize)]
struct Columns<'a> {
    transaction_key: &'a PaymentId,
    amount: Amount,
    status: &'a MonthStatus,
    start_at: Timestamp,
    end_at: Timestamp,
    end_grace_at: Timestamp,
    next_schedule_at: Timestamp,
    next_schedule_id: &'a PaymentId,
    canceled_at: Option<Timestamp>,
    resumed_at: Option<Timestamp>,
    customer_id: Option<&'a str>,
    order_name: Option<&'a str>,
    currency: Option<&'a Currency>,
    subscription_id: Option<&'a str>,
    renewal_attempts: u32,
    retry_limit: Option<u32>,
    retry_payment_id: Option<&'a PaymentId>,
    retry_at: Option<Timestamp>,
    last_failure_reason: Option<&'a str>,
    lapsed_at: Option<Timestamp>,
    renewed_by: Option<&'a PaymentId>,
    next_amount: Option<Amount>,
    next_order_name: Option<&'a str>,
    next_currency: Option<&'a Currency>,
    plan_id: Option<&'a PlanId>,
    next_plan_id: Option<&'a PlanId>,
    quantity: Quantity,
    next_quantity: Option<Quantity>,
    current_plan_id: Option<&'a PlanId>,
    current_quantity: Option<Quantity>,
    current_amount: Option<Amount>,
    refunded_amount: Option<Amount>,
    period_interval: Option<&'static str>,
    period_interval_count: Option<u32>,
    anchor_at: Option<Timestamp>,
    receipt_url: Option<&'a str>,
    billing_number: Option<&'a str>,
    // Left out when empty: a month without a discount writes (and shows in a checklist) what it
    // did before coupons existed; storage reads an absent column as none.
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<&'a Discount>,
    #[serde(skip_serializing_if = "is_zero")]
    discount_amount: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_discount: Option<&'a Discount>,
}

fn is_zero(amount: &Amount) -> bool {
    *amount == Amount::default()
}

impl Serialize for PaymentRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (renewal, terms) = (&self.renewal, &self.next_terms);
        Columns {
            transaction_key: &self.transaction_key,
            amount: self.amount,
            status: &self.status,
            start_at: self.start_at,
            end_at: self.end_at,
            end_grace_at: self.end_grace_at,
            next_schedule_at: self.next_schedule_at,
            next_schedule_id: &self.next_schedule_id,
            canceled_at: self.canceled_at,
            resumed_at: self.resumed_at,
            customer_id: self.customer_id.as_deref(),
            order_name: self.order_name.as_deref(),
            currency: self.currency.as_ref(),
            subscription_id: self.subscription_id.as_deref(),
            renewal_attempts: renewal.renewal_attempts,
            retry_limit: renewal.retry_limit,
            retry_payment_id: renewal.retry_payment_id.as_ref(),
            retry_at: renewal.retry_at,
            last_failure_reason: renewal.last_failure_reason.as_deref(),
            lapsed_at: renewal.lapsed_at,
            renewed_by: renewal.renewed_by.as_ref(),
            next_amount: terms.next_amount,
            next_order_name: terms.next_order_name.as_deref(),
            next_currency: terms.next_currency.as_ref(),
            plan_id: self.plan_id.as_ref(),
            next_plan_id: terms.next_plan_id.as_ref(),
            quantity: self.quantity,
            next_quantity: terms.next_quantity,
            current_plan_id: self.in_effect.as_ref().and_then(|t| t.plan_id.as_ref()),
            current_quantity: self.in_effect.as_ref().map(|t| t.quantity),
            current_amount: self.in_effect.as_ref().map(|t| t.amount),
            refunded_amount: self.refunded_amount,
            period_interval: self.period_rule.map(|r| r.interval.unit().as_str()),
            period_interval_count: self.period_rule.map(|r| r.interval.count()),
            anchor_at: self.period_rule.map(|r| r.anchor_at),
            receipt_url: self.receipt_url.as_deref(),
            billing_number: self.billing_number.as_deref(),
            discount: self.discount.as_ref(),
            discount_amount: self.discount_amount,
            next_discount: self.next_discount.as_ref(),
        }
        .serialize(serializer)
    }
}
