//! One row of the `payment` table: a paid month of a subscription.

pub use super::charge_terms::ChargeTerms;
pub use super::month_status::MonthStatus;

use super::amount::Amount;
use super::currency::Currency;
use super::customer_id::CustomerId;
use super::discount::{self, Discount};
use super::interval::PeriodRule;
use super::payment::Payment;
use super::payment_id::PaymentId;
use super::period::BillingPeriod;
use super::plan::{PlanId, PlanTerms};
use super::proration_record::InEffect;
use super::quantity::Quantity;
use super::schedule_id::next_schedule_id;
use super::subscription_id::SubscriptionId;
use super::timestamp::Timestamp;

/// A `payment` row. It serializes as the table's columns, flat (`record_columns`): the
/// checklist's step-4 `data` and the API's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// PortOne `paymentId` of the paid payment; unique in the table.
    pub transaction_key: PaymentId,
    /// `amount.total` in the currency's unit (KRW: won).
    pub amount: Amount,
    /// [`MonthStatus::Paid`] when recorded; a refund makes it `Cancelled`.
    pub status: MonthStatus,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub end_grace_at: Timestamp,
    pub next_schedule_at: Timestamp,
    /// `paymentId` of next month's scheduled payment; see [`next_schedule_id`].
    pub next_schedule_id: PaymentId,
    /// When the customer canceled at period end; no next payment is scheduled while set.
    pub canceled_at: Option<Timestamp>,
    /// When a cancelled subscription was resumed.
    pub resumed_at: Option<Timestamp>,
    /// PortOne's `customer.id`: the app's user id (the integration guide issues billing keys with
    /// `customerId: user.id`), what row level security matches `auth.uid()` against. `None` on
    /// rows recorded before it was kept.
    pub customer_id: Option<String>,
    /// PortOne's `orderName` of the paid payment.
    pub order_name: Option<String>,
    /// The paid payment's ISO 4217 currency.
    pub currency: Option<Currency>,
    /// The subscription the month belongs to: the first month's `transaction_key`, inherited by
    /// every renewal. Chosen by storage, so `None` until the row is stored.
    pub subscription_id: Option<String>,
    /// The plan the month was charged on (PortOne `customData` of its charge); `None` for months
    /// recorded before plans existed or charged outside this service.
    pub plan_id: Option<PlanId>,
    /// The seats the month was charged for (`amount` is the plan's price times it).
    pub quantity: Quantity,
    /// The terms the period is billed on since an upgrade made mid-period (columns
    /// `current_plan_id`, `current_quantity`, `current_amount`); `None`: the month's own.
    pub in_effect: Option<InEffect>,
    /// How much of the month's payment PortOne refunded, in the currency's unit; `None` before
    /// any refund.
    pub refunded_amount: Option<Amount>,
    /// Where this month's renewal stands.
    pub renewal: Renewal,
    /// The terms the next charge uses when they differ from this month's (a plan change).
    pub next_terms: NextTerms,
    /// How the subscription's periods are cut (a plan's interval and the anchor); `None`: the
    /// route spec's 30 days from each payment.
    pub period_rule: Option<PeriodRule>,
    /// PortOne's `receiptUrl` of the paid payment, when it gives one.
    pub receipt_url: Option<String>,
    /// The billing-history number storage gave the charge (`2026-000123`: sequential per Seoul
    /// year, gapless); `None` until stored, and for a trial.
    pub billing_number: Option<String>,
    /// The discount this month's charge got (column `discount`, jsonb), with the paid periods it
    /// applied to, this one included; `None`: charged at list price.
    pub discount: Option<Discount>,
    /// What the discount took off this month's charge, in the currency's unit (column
    /// `discount_amount`; 0 without one): the list price is `amount + discount_amount`.
    pub discount_amount: Amount,
    /// The discount the next charge gets (column `next_discount`, jsonb): what is left of this
    /// month's, a coupon the admin applied since, or a trial's redeemed code; `None`: none.
    pub next_discount: Option<Discount>,
}

/// A plan change at period end: what the next charge (and the month it pays for) costs. Each
/// field is `None` when it stays as this month's. Serializes as the `payment` columns it sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NextTerms {
    /// In the currency's unit (KRW: won).
    pub next_amount: Option<Amount>,
    pub next_order_name: Option<String>,
    pub next_currency: Option<Currency>,
    /// The plan a plan change moved to.
    pub next_plan_id: Option<PlanId>,
    /// The seats a quantity change moved to.
    pub next_quantity: Option<Quantity>,
}

/// Where a month's renewal stands: the columns a failed renewal adds. All empty (and
/// `renewal_attempts` 0) while the renewal is pending and nothing failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renewal {
    /// How many charges of this renewal failed so far: the first charge is attempt 0, retry `n`
    /// is attempt `n`.
    pub renewal_attempts: u32,
    /// `N`, the retries the policy allowed when the first charge failed.
    pub retry_limit: Option<u32>,
    /// `paymentId` of the pending (or last) retry.
    pub retry_payment_id: Option<PaymentId>,
    /// `timeToPay` of the pending retry, UTC.
    pub retry_at: Option<Timestamp>,
    /// PortOne's `failure.reason` of the latest failed attempt.
    pub last_failure_reason: Option<String>,
    /// When the subscription lapses (or lapsed): the last grace after the last retry failed, or
    /// the moment a retry became impossible (billing key deleted).
    pub lapsed_at: Option<Timestamp>,
    /// `transaction_key` of the month that renewed this one (after retries: the retry that
    /// recovered it).
    pub renewed_by: Option<PaymentId>,
}

/// The charge a month's renewal waits for: the first charge, or the pending retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCharge {
    /// The scheduled `paymentId`.
    pub payment_id: PaymentId,
    /// Its `timeToPay`, UTC.
    pub at: Timestamp,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
}

impl PaymentRecord {
    /// The row a paid `payment` records for `period`.
    pub fn paid(payment: &Payment, period: &BillingPeriod) -> Self {
        let list_price = payment.list_amount.filter(|list| *list != payment.amount);
        // A discounted charge's list price less what was charged; an interval switch's credit
        // (a list price without a discount) is no discount.
        let discount_amount = match (&payment.discount, payment.list_amount) {
            (Some(_), Some(list)) => {
                let credit = payment.credit.map_or(0, Amount::value);
                Amount::new(list.value() - payment.amount.value() - credit).unwrap_or_default()
            }
            _ => Amount::default(),
        };
        Self {
            transaction_key: payment.id.clone(),
            amount: payment.amount,
            status: MonthStatus::Paid,
            start_at: period.start_at,
            end_at: period.end_at,
            end_grace_at: period.end_grace_at,
            next_schedule_at: period.next_schedule_at,
            next_schedule_id: next_schedule_id(&payment.id),
            canceled_at: None,
            resumed_at: None,
            customer_id: payment.customer_id.clone(),
            order_name: Some(payment.order_name.clone()),
            currency: Some(payment.currency.clone()),
            subscription_id: None,
            plan_id: payment.plan_id.clone(),
            quantity: payment.quantity,
            // Its price is the list price, not what the credit left to charge.
            in_effect: list_price.map(|amount| InEffect {
                plan_id: payment.plan_id.clone(),
                quantity: payment.quantity,
                amount,
            }),
            refunded_amount: None,
            renewal: Renewal::default(),
            // A period charged less than its price (an interval switch's credit) renews at the
            // full price.
            next_terms: NextTerms {
                next_amount: list_price,
                ..NextTerms::default()
            },
            period_rule: None,
            receipt_url: payment.receipt_url.clone(),
            billing_number: None,
            discount: payment.discount.clone(),
            discount_amount,
            next_discount: payment.discount.as_ref().and_then(Discount::after_paid),
        }
    }

    /// A free trial of `plan` for `customer_id`, over `period` (the trial's days): amount 0,
    /// and next-charge terms the plan's, so its first charge is scheduled, retried and recorded
    /// as any renewal.
    ///
    /// A plan with an interval anchors its periods at the trial's end (Stripe's rule: the
    /// billing cycle anchor of a trialing subscription is the trial's end).
    pub fn trial(
        key: PaymentId,
        customer_id: &CustomerId,
        plan: &PlanTerms,
        quantity: Quantity,
        period: &BillingPeriod,
    ) -> Self {
        Self {
            next_schedule_id: next_schedule_id(&key),
            transaction_key: key,
            amount: Amount::default(),
            status: MonthStatus::Trial,
            start_at: period.start_at,
            end_at: period.end_at,
            end_grace_at: period.end_grace_at,
            next_schedule_at: period.next_schedule_at,
            canceled_at: None,
            resumed_at: None,
            customer_id: Some(customer_id.to_string()),
            order_name: Some(plan.name.clone()),
            currency: Some(plan.currency.clone()),
            subscription_id: None,
            plan_id: Some(plan.id.clone()),
            quantity,
            in_effect: None,
            refunded_amount: None,
            renewal: Renewal::default(),
            next_terms: NextTerms {
                next_amount: Some(quantity.total(plan.amount)),
                ..NextTerms::default()
            },
            period_rule: plan.interval.map(|interval| PeriodRule {
                interval,
                anchor_at: period.end_at,
            }),
            receipt_url: None,
            billing_number: None,
            discount: None,
            discount_amount: Amount::default(),
            // A redeemed code's first discounted period is the first paid one.
            next_discount: None,
        }
    }

    /// The subscription this month belongs to: its stored `subscription_id`, else (a month not
    /// stored yet, or the first month itself) its own `transaction_key`.
    pub fn subscription_key(&self) -> SubscriptionId {
        self.subscription_id
            .as_deref()
            .and_then(|id| SubscriptionId::parse(id).ok())
            .unwrap_or_else(|| SubscriptionId::from(self.transaction_key.clone()))
    }

    /// What the next charge is charged: the plan change's terms, else this month's own. The one
    /// place that resolves them: every schedule request and the read model's `next_charge` use it.
    pub fn next_charge_terms(&self) -> ChargeTerms {
        let next = &self.next_terms;
        // A discounted month keeps its list price in `next_amount` (`paid`), so this is the
        // undiscounted price of the next period.
        let list = next.next_amount.unwrap_or(self.amount);
        let priced = discount::price(list, self.next_discount.as_ref());
        let discounted = priced.off > Amount::default();
        ChargeTerms {
            amount: priced.amount,
            list_amount: discounted.then_some(list),
            discount: self.next_discount.clone().filter(|_| discounted),
            order_name: next.next_order_name.clone().or_else(|| self.order_name.clone()),
            currency: next.next_currency.clone().or_else(|| self.currency.clone()),
            plan_id: next.next_plan_id.clone().or_else(|| self.plan_id.clone()),
            quantity: next.next_quantity.unwrap_or(self.quantity),
        }
    }

    /// The terms the period is billed on now: an upgrade's, else the month's own plan, seats and
    /// amount.
    pub fn current_terms(&self) -> InEffect {
        self.in_effect.clone().unwrap_or_else(|| InEffect {
            plan_id: self.plan_id.clone(),
            quantity: self.quantity,
            amount: self.amount,
        })
    }

    /// `true` while a retry of this month's renewal is pending (the subscription is `past_due`).
    pub fn in_dunning(&self) -> bool {
        self.pending_charge().is_some_and(|charge| charge.attempt > 0)
    }

    /// The charge this month's renewal waits for; `None` once it renewed or lapsed, or when every
    /// retry failed.
    pub fn pending_charge(&self) -> Option<PendingCharge> {
        let renewal = &self.renewal;
        if renewal.renewed_by.is_some() || renewal.lapsed_at.is_some() {
            return None;
        }
        match (renewal.retry_payment_id.clone(), renewal.retry_at) {
            (Some(payment_id), Some(at)) => Some(PendingCharge {
                payment_id,
                at,
                attempt: renewal.renewal_attempts,
            }),
            _ if renewal.renewal_attempts == 0 => Some(PendingCharge {
                payment_id: self.next_schedule_id.clone(),
                at: self.next_schedule_at,
                attempt: 0,
            }),
            _ => None,
        }
    }

    /// `true` when the subscription was canceled at period end and not resumed since.
    pub fn is_canceled(&self) -> bool {
        self.canceled_at.is_some()
    }

    /// `true` once PortOne cancelled (refunded) the month's payment.
    pub fn is_refunded(&self) -> bool {
        self.status == MonthStatus::Cancelled
    }

    /// `true` for a free trial's month.
    pub fn is_trial(&self) -> bool {
        self.status == MonthStatus::Trial
    }
}

/// Months the unit tests share.
#[cfg(test)]
#[path = "record_testing.rs"]
pub(crate) mod testing;
