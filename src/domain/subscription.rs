//! A subscription as the app reads it: the chain of paid months that share a `subscription_id`,
//! summed up against the clock. The same rules are written in SQL for supabase-js
//! (`public.subscription_status` and the `public.subscription` view of
//! `supabase/migrations/`); a test holds the two to each other on a real PostgreSQL.

use serde::Serialize;

use super::amount::Amount;
use super::attempt::FailedAttempt;
use super::currency::Currency;
use super::payment_id::PaymentId;
use super::plan::PlanId;
use super::quantity::Quantity;
use super::record::PaymentRecord;
use super::timestamp::Timestamp;

/// Where a subscription stands at an instant, decided by its latest month, first rule first:
/// 1. `refunded`: the latest month's payment was cancelled at PortOne;
/// 2. `canceling`: cancelled at period end, and `now <= end_at`;
/// 3. `ended`: cancelled, and `now > end_at`;
/// 4. `lapsed`: `lapsed_at <= now`: every retry failed and the last grace passed, no retry could
///    succeed, or the grace ran out and PortOne confirmed the pending charge was not paid;
/// 5. `past_due`: a charge of its renewal failed and the subscription has not lapsed yet (a retry
///    is pending, or the last grace is still running), or the grace ran out and PortOne has not
///    yet confirmed that the pending charge was not paid (its webhook may have been lost: the
///    subscription never lapses while PortOne may have been paid);
/// 6. `trialing`: the latest month is a free trial (until its first charge renews it);
/// 7. `active`: otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Active,
    Trialing,
    Canceling,
    PastDue,
    Lapsed,
    Ended,
    Refunded,
}

impl SubscriptionStatus {
    /// The status of the subscription whose latest month is `latest`, at `now`.
    pub fn of(latest: &PaymentRecord, now: Timestamp) -> Self {
        if latest.is_refunded() {
            return Self::Refunded;
        }
        if latest.is_canceled() {
            return if now <= latest.end_at {
                Self::Canceling
            } else {
                Self::Ended
            };
        }
        if latest.renewal.lapsed_at.is_some_and(|at| at <= now) {
            return Self::Lapsed;
        }
        if latest.renewal.renewal_attempts > 0 || now > latest.end_grace_at {
            return Self::PastDue;
        }
        if latest.is_trial() {
            return Self::Trialing;
        }
        Self::Active
    }

    /// `true` while the subscription can still be charged (`active`, `trialing`, `past_due`,
    /// `canceling`): a customer's second one would charge them twice, and a card update or plan
    /// change applies to it. `lapsed`, `ended` and `refunded` are over: start a new one.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Self::Active | Self::Trialing | Self::PastDue | Self::Canceling
        )
    }

    /// The name used in answers and in the SQL view.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Trialing => "trialing",
            Self::Canceling => "canceling",
            Self::PastDue => "past_due",
            Self::Lapsed => "lapsed",
            Self::Ended => "ended",
            Self::Refunded => "refunded",
        }
    }
}

/// Why a subscription has no next charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoChargeReason {
    /// Cancelled at period end (`canceling` or `ended`).
    Cancelled,
    Lapsed,
    Refunded,
    /// Every retry failed; the subscription lapses at `lapsed_at`.
    RetriesExhausted,
}

/// The charge a subscription waits for: the next month's, or during dunning the pending retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextCharge {
    /// `timeToPay`, UTC.
    pub at: Timestamp,
    /// In the currency's unit (KRW: won); a plan change's amount once made.
    pub amount: Amount,
    pub currency: Option<Currency>,
    pub order_name: Option<String>,
    /// The scheduled `paymentId`.
    pub payment_id: PaymentId,
    /// The plan it is charged on (a plan change's once made).
    pub plan_id: Option<PlanId>,
    /// The seats it buys (a quantity change's once made).
    pub quantity: Quantity,
    /// Its undiscounted price when a discount takes something off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_amount: Option<Amount>,
    /// The discount it gets, with the paid periods it still applies to (this one included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<crate::domain::discount::Discount>,
}

/// A change waiting for the period's end: the terms the next charge (and period) is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingChange {
    pub plan_id: Option<PlanId>,
    pub quantity: Quantity,
    /// The next charge's price before any discount, in the currency's unit.
    pub amount: Amount,
    /// When it takes effect: the current period's end, UTC.
    pub effective_at: Timestamp,
}

impl PendingChange {
    /// The change `latest`'s next charge makes to the terms in effect, if any. A trial's amount
    /// (0) is not its price, so only its plan and seats count.
    fn of(latest: &PaymentRecord) -> Option<Self> {
        let next = latest.next_charge_terms();
        let current = latest.current_terms();
        let changed = next.plan_id != current.plan_id
            || next.quantity != current.quantity
            || (!latest.is_trial() && next.list() != current.amount);
        changed.then(|| Self {
            amount: next.list(),
            plan_id: next.plan_id,
            quantity: next.quantity,
            effective_at: latest.end_at,
        })
    }
}

/// One subscription's read model: its latest month, status and next charge. Field names are the
/// `public.subscription` view's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub subscription_id: String,
    pub customer_id: Option<String>,
    pub status: SubscriptionStatus,
    /// `transaction_key` of the latest month.
    pub transaction_key: PaymentId,
    pub order_name: Option<String>,
    /// The latest month's amount, in the currency's unit.
    pub amount: Amount,
    pub currency: Option<Currency>,
    /// The current period (the latest month's), UTC.
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub end_grace_at: Timestamp,
    pub canceled_at: Option<Timestamp>,
    pub next_charge: Option<NextCharge>,
    /// Set exactly when `next_charge` is `None`.
    pub no_charge_reason: Option<NoChargeReason>,
    /// How many charges of the latest month's renewal failed (attempt n of `retry_limit`).
    pub renewal_attempts: u32,
    pub retry_limit: Option<u32>,
    pub last_failure_reason: Option<String>,
    pub lapsed_at: Option<Timestamp>,
    /// The failed charges of the latest month's renewal, oldest first.
    pub attempts: Vec<FailedAttempt>,
    /// How many months the subscription has paid (a trial is not one).
    pub months: u32,
    /// The plan in effect (an upgrade's, else the latest month's); `None` for months started
    /// outside this service.
    pub plan_id: Option<PlanId>,
    /// The seats in effect (an upgrade's, else the latest month's).
    pub quantity: Quantity,
    /// A change waiting for the period's end; `None` without one, or when no charge is pending.
    pub pending_change: Option<PendingChange>,
    /// When the subscription's free trial ended or ends (UTC); `None` without a trial.
    pub trial_end_at: Option<Timestamp>,
    /// How much of the latest month's payment was refunded, in the currency's unit.
    pub refunded_amount: Option<Amount>,
    /// The period's unit (`day`, `week`, `month`, `year`) and count; `None`: 30 days.
    pub interval: Option<&'static str>,
    pub interval_count: Option<u32>,
    /// Month and year periods end on this instant's Seoul day and time (UTC).
    pub anchor_at: Option<Timestamp>,
}

impl Subscription {
    /// The read model of the months `months` (newest first; every one of one subscription) with
    /// `attempts` (any of its months'), at `now`; `None` without months.
    pub fn at(months: &[PaymentRecord], attempts: &[FailedAttempt], now: Timestamp) -> Option<Self> {
        let latest = months.first()?;
        let status = SubscriptionStatus::of(latest, now);
        let pending = latest.pending_charge();
        let (next_charge, no_charge_reason) = match status {
            SubscriptionStatus::Refunded => (None, Some(NoChargeReason::Refunded)),
            SubscriptionStatus::Canceling | SubscriptionStatus::Ended => {
                (None, Some(NoChargeReason::Cancelled))
            }
            SubscriptionStatus::Lapsed => (None, Some(NoChargeReason::Lapsed)),
            SubscriptionStatus::Active | SubscriptionStatus::PastDue | SubscriptionStatus::Trialing => {
                match pending {
                    Some(charge) => {
                        let terms = latest.next_charge_terms();
                        let next = NextCharge {
                            at: charge.at,
                            amount: terms.amount,
                            currency: terms.currency,
                            order_name: terms.order_name,
                            payment_id: charge.payment_id,
                            plan_id: terms.plan_id,
                            quantity: terms.quantity,
                            list_amount: terms.list_amount,
                            discount: terms.discount,
                        };
                        (Some(next), None)
                    }
                    None => (None, Some(NoChargeReason::RetriesExhausted)),
                }
            }
        };
        let mut own: Vec<FailedAttempt> = attempts
            .iter()
            .filter(|a| a.renewed_key == latest.transaction_key)
            .cloned()
            .collect();
        own.sort_by_key(|a| a.attempt);
        let current = latest.current_terms();
        let pending_change = next_charge.as_ref().and_then(|_| PendingChange::of(latest));
        Some(Self {
            subscription_id: latest
                .subscription_id
                .clone()
                .unwrap_or_else(|| latest.transaction_key.to_string()),
            customer_id: latest.customer_id.clone(),
            status,
            transaction_key: latest.transaction_key.clone(),
            order_name: latest.order_name.clone(),
            amount: latest.amount,
            currency: latest.currency.clone(),
            start_at: latest.start_at,
            end_at: latest.end_at,
            end_grace_at: latest.end_grace_at,
            canceled_at: latest.canceled_at,
            next_charge,
            no_charge_reason,
            renewal_attempts: latest.renewal.renewal_attempts,
            retry_limit: latest.renewal.retry_limit,
            last_failure_reason: latest.renewal.last_failure_reason.clone(),
            lapsed_at: latest.renewal.lapsed_at,
            attempts: own,
            months: u32::try_from(months.iter().filter(|m| !m.is_trial()).count()).unwrap_or(u32::MAX),
            plan_id: current.plan_id,
            quantity: current.quantity,
            pending_change,
            trial_end_at: months.iter().find(|m| m.is_trial()).map(|trial| trial.end_at),
            refunded_amount: latest.refunded_amount,
            interval: latest.period_rule.map(|rule| rule.interval.unit().as_str()),
            interval_count: latest.period_rule.map(|rule| rule.interval.count()),
            anchor_at: latest.period_rule.map(|rule| rule.anchor_at),
        })
    }
}

#[cfg(test)]
#[path = "subscription_tests.rs"]
mod tests;
