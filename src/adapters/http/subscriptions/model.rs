//! The subscription read model as OpenAPI objects: the fields of the `public.subscription` view,
//! with UTC timestamps at millisecond precision and amounts in the currency's unit (KRW: won).

use crate::adapters::http::nullable::Nullable;
use poem_openapi::{Enum, Object};

use crate::domain::attempt::FailedAttempt;
use crate::domain::payment_method::Card;
use crate::domain::subscription::{NextCharge, NoChargeReason, Subscription, SubscriptionStatus};
use crate::domain::timestamp::Timestamp;

/// Where a subscription stands now (see the README's "Subscriptions" for each rule).
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatusName {
    Active,
    Trialing,
    Canceling,
    PastDue,
    Lapsed,
    Ended,
    Refunded,
}

/// Why there is no next charge.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum NoChargeName {
    Cancelled,
    Lapsed,
    Refunded,
    RetriesExhausted,
}

/// The charge the subscription waits for: next month's, or during dunning the pending retry.
#[derive(Debug, Object)]
pub struct NextChargeModel {
    /// `timeToPay`, UTC.
    pub at: String,
    /// In the currency's unit; a plan change's once made.
    pub amount: i64,
    pub currency: Nullable<String>,
    pub order_name: Nullable<String>,
    /// The scheduled PortOne `paymentId`.
    pub payment_id: String,
    /// The plan it is charged on (a plan change's once made).
    pub plan_id: Nullable<String>,
    /// The seats it buys, 1–10,000: `amount` is the plan's price times it, less `discount`.
    pub quantity: u32,
    /// The price before the discount (plan × quantity); `null` when nothing is taken off.
    pub list_amount: Nullable<i64>,
    /// The coupon discounting it; `null` without one.
    pub discount: Nullable<DiscountModel>,
}

/// A coupon's discount on a subscription.
#[derive(Debug, Object)]
pub struct DiscountModel {
    pub coupon_id: String,
    /// 1–100; `null` for an amount off.
    pub percent_off: Nullable<u8>,
    /// Per charge, in `currency`'s unit; `null` for a percent off.
    pub amount_off: Nullable<i64>,
    pub currency: Nullable<String>,
    /// Paid periods it still applies to, the next one included; `null`: forever.
    pub periods_left: Nullable<u32>,
}

impl From<&crate::domain::discount::Discount> for DiscountModel {
    fn from(d: &crate::domain::discount::Discount) -> Self {
        let (percent_off, amount_off, currency) = d.off.parts();
        Self {
            coupon_id: d.coupon_id.clone(),
            percent_off: percent_off.into(),
            amount_off: amount_off.map(|a| a.value()).into(),
            currency: currency.map(ToString::to_string).into(),
            periods_left: d.periods_left.into(),
        }
    }
}

/// A change waiting for the period's end.
#[derive(Debug, Object)]
pub struct PendingChangeModel {
    /// The plan from the next period on.
    pub plan_id: Nullable<String>,
    /// The seats from the next period on.
    pub quantity: u32,
    /// The next charge's price before any discount, in the currency's unit.
    pub amount: i64,
    /// When it takes effect: the current period's end, UTC.
    pub effective_at: String,
}

/// One failed charge of a renewal.
#[derive(Debug, Object)]
pub struct AttemptModel {
    /// `transaction_key` of the month it was meant to renew.
    pub renewed_key: String,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
    pub payment_id: String,
    pub failure_reason: Nullable<String>,
    pub pg_code: Nullable<String>,
    pub pg_message: Nullable<String>,
    /// UTC.
    pub failed_at: String,
}

/// A subscription: its latest month, status, next charge and dunning state.
#[derive(Debug, Object)]
pub struct SubscriptionModel {
    /// The first month's `transaction_key`.
    pub subscription_id: String,
    /// PortOne's `customer.id`: the app's user id.
    pub customer_id: Nullable<String>,
    pub status: StatusName,
    /// `transaction_key` of the latest month.
    pub transaction_key: String,
    pub order_name: Nullable<String>,
    /// The latest month's amount.
    pub amount: i64,
    pub currency: Nullable<String>,
    /// The current period, UTC.
    pub start_at: String,
    pub end_at: String,
    pub end_grace_at: String,
    pub canceled_at: Nullable<String>,
    pub next_charge: Nullable<NextChargeModel>,
    /// Set exactly when `next_charge` is absent.
    pub no_charge_reason: Nullable<NoChargeName>,
    /// Failed charges of the latest month's renewal (attempt n of `retry_limit`).
    pub renewal_attempts: u32,
    pub retry_limit: Nullable<u32>,
    pub last_failure_reason: Nullable<String>,
    /// When the subscription lapses or lapsed, UTC.
    pub lapsed_at: Nullable<String>,
    /// The latest month's failed charges, oldest first.
    pub attempts: Vec<AttemptModel>,
    /// How many months it has paid (a free trial is not one).
    pub months: u32,
    /// The plan in effect (an upgrade's since the period began, else the latest month's);
    /// `null` for subscriptions started outside this service.
    pub plan_id: Nullable<String>,
    /// The seats in effect, 1–10,000 (1 for subscriptions from before seats).
    pub quantity: u32,
    /// A plan or seat change waiting for the period's end (a downgrade); `null` without one.
    pub pending_change: Nullable<PendingChangeModel>,
    /// When its free trial ended or ends, UTC; absent without a trial.
    pub trial_end_at: Nullable<String>,
    /// How much of the latest month's payment was refunded, in the currency's unit.
    pub refunded_amount: Nullable<i64>,
    /// `day`, `week`, `month` or `year`; `null`: periods of 30 days from each payment (the route
    /// spec's rule, and every subscription started before plans had intervals).
    pub interval: Nullable<String>,
    /// How many `interval`s one period lasts.
    pub interval_count: Nullable<u32>,
    /// Month and year periods end on this instant's Seoul day and time, clamped to the month's
    /// end (the first period's start, or a trial's end), UTC.
    pub anchor_at: Nullable<String>,
}

/// The card the next charge uses, as PortOne shows it (`getBillingKeyInfo`: `methods[].card`).
/// Never the billing key.
#[derive(Debug, Object)]
pub struct CardModel {
    /// The issuing card company, PortOne's `CardCompany` (`SHINHAN_CARD`, …).
    pub issuer: Nullable<String>,
    /// PortOne's `CardBrand` (`VISA`, `MASTER`, `LOCAL`, …).
    pub brand: Nullable<String>,
    /// Masked by PortOne (`1234-56**-****-7890`).
    pub number: Nullable<String>,
}

impl From<&Card> for CardModel {
    fn from(card: &Card) -> Self {
        Self {
            issuer: card.issuer.clone().into(),
            brand: card.brand.clone().into(),
            number: card.number.clone().into(),
        }
    }
}

fn iso(at: Option<Timestamp>) -> Option<String> {
    at.map(|t| t.to_iso())
}

impl From<&FailedAttempt> for AttemptModel {
    fn from(a: &FailedAttempt) -> Self {
        Self {
            renewed_key: a.renewed_key.to_string(),
            attempt: a.attempt,
            payment_id: a.payment_id.to_string(),
            failure_reason: a.failure.reason.clone().into(),
            pg_code: a.failure.pg_code.clone().into(),
            pg_message: a.failure.pg_message.clone().into(),
            failed_at: a.failed_at.to_iso(),
        }
    }
}

impl From<&NextCharge> for NextChargeModel {
    fn from(c: &NextCharge) -> Self {
        Self {
            at: c.at.to_iso(),
            amount: c.amount.value(),
            currency: c.currency.as_ref().map(ToString::to_string).into(),
            order_name: c.order_name.clone().into(),
            payment_id: c.payment_id.to_string(),
            plan_id: c.plan_id.as_ref().map(ToString::to_string).into(),
            quantity: c.quantity.get(),
            list_amount: c.list_amount.map(|a| a.value()).into(),
            discount: c.discount.as_ref().map(DiscountModel::from).into(),
        }
    }
}

impl From<&Subscription> for SubscriptionModel {
    fn from(s: &Subscription) -> Self {
        Self {
            subscription_id: s.subscription_id.clone(),
            customer_id: s.customer_id.clone().into(),
            status: match s.status {
                SubscriptionStatus::Active => StatusName::Active,
                SubscriptionStatus::Trialing => StatusName::Trialing,
                SubscriptionStatus::Canceling => StatusName::Canceling,
                SubscriptionStatus::PastDue => StatusName::PastDue,
                SubscriptionStatus::Lapsed => StatusName::Lapsed,
                SubscriptionStatus::Ended => StatusName::Ended,
                SubscriptionStatus::Refunded => StatusName::Refunded,
            },
            transaction_key: s.transaction_key.to_string(),
            order_name: s.order_name.clone().into(),
            amount: s.amount.value(),
            currency: s.currency.as_ref().map(ToString::to_string).into(),
            start_at: s.start_at.to_iso(),
            end_at: s.end_at.to_iso(),
            end_grace_at: s.end_grace_at.to_iso(),
            canceled_at: iso(s.canceled_at).into(),
            next_charge: s.next_charge.as_ref().map(NextChargeModel::from).into(),
            no_charge_reason: s
                .no_charge_reason
                .map(|reason| match reason {
                    NoChargeReason::Cancelled => NoChargeName::Cancelled,
                    NoChargeReason::Lapsed => NoChargeName::Lapsed,
                    NoChargeReason::Refunded => NoChargeName::Refunded,
                    NoChargeReason::RetriesExhausted => NoChargeName::RetriesExhausted,
                })
                .into(),
            renewal_attempts: s.renewal_attempts,
            retry_limit: s.retry_limit.into(),
            last_failure_reason: s.last_failure_reason.clone().into(),
            lapsed_at: iso(s.lapsed_at).into(),
            attempts: s.attempts.iter().map(AttemptModel::from).collect(),
            months: s.months,
            plan_id: s.plan_id.as_ref().map(ToString::to_string).into(),
            quantity: s.quantity.get(),
            pending_change: s
                .pending_change
                .as_ref()
                .map(|c| PendingChangeModel {
                    plan_id: c.plan_id.as_ref().map(ToString::to_string).into(),
                    quantity: c.quantity.get(),
                    amount: c.amount.value(),
                    effective_at: c.effective_at.to_iso(),
                })
                .into(),
            trial_end_at: iso(s.trial_end_at).into(),
            refunded_amount: s.refunded_amount.map(|a| a.value()).into(),
            interval: s.interval.map(str::to_owned).into(),
            interval_count: s.interval_count.into(),
            anchor_at: iso(s.anchor_at).into(),
        }
    }
}
