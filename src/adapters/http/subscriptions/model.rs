//! The subscription read model as OpenAPI objects: the fields of the `public.subscription` view,
//! with UTC timestamps at millisecond precision and amounts in the currency's unit (KRW: won).

use poem_openapi::{Enum, Object};
use serde_json::Value;

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
    #[oai(skip_serializing_if_is_none)]
    pub currency: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub order_name: Option<String>,
    /// The scheduled PortOne `paymentId`.
    pub payment_id: String,
    /// The plan it is charged on (a plan change's once made).
    #[oai(skip_serializing_if_is_none)]
    pub plan_id: Option<String>,
}

/// One failed charge of a renewal.
#[derive(Debug, Object)]
pub struct AttemptModel {
    /// `transaction_key` of the month it was meant to renew.
    pub renewed_key: String,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
    pub payment_id: String,
    #[oai(skip_serializing_if_is_none)]
    pub failure_reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub pg_code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub pg_message: Option<String>,
    /// UTC.
    pub failed_at: String,
}

/// A subscription: its latest month, status, next charge and dunning state.
#[derive(Debug, Object)]
pub struct SubscriptionModel {
    /// The first month's `transaction_key`.
    pub subscription_id: String,
    /// PortOne's `customer.id`: the app's user id.
    #[oai(skip_serializing_if_is_none)]
    pub customer_id: Option<String>,
    pub status: StatusName,
    /// `transaction_key` of the latest month.
    pub transaction_key: String,
    #[oai(skip_serializing_if_is_none)]
    pub order_name: Option<String>,
    /// The latest month's amount.
    pub amount: i64,
    #[oai(skip_serializing_if_is_none)]
    pub currency: Option<String>,
    /// The current period, UTC.
    pub start_at: String,
    pub end_at: String,
    pub end_grace_at: String,
    #[oai(skip_serializing_if_is_none)]
    pub canceled_at: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub next_charge: Option<NextChargeModel>,
    /// Set exactly when `next_charge` is absent.
    #[oai(skip_serializing_if_is_none)]
    pub no_charge_reason: Option<NoChargeName>,
    /// Failed charges of the latest month's renewal (attempt n of `retry_limit`).
    pub renewal_attempts: u32,
    #[oai(skip_serializing_if_is_none)]
    pub retry_limit: Option<u32>,
    #[oai(skip_serializing_if_is_none)]
    pub last_failure_reason: Option<String>,
    /// When the subscription lapses or lapsed, UTC.
    #[oai(skip_serializing_if_is_none)]
    pub lapsed_at: Option<String>,
    /// The latest month's failed charges, oldest first.
    pub attempts: Vec<AttemptModel>,
    /// How many months it has paid (a free trial is not one).
    pub months: u32,
    /// The plan of the latest month; absent for subscriptions started outside this service.
    #[oai(skip_serializing_if_is_none)]
    pub plan_id: Option<String>,
    /// When its free trial ended or ends, UTC; absent without a trial.
    #[oai(skip_serializing_if_is_none)]
    pub trial_end_at: Option<String>,
    /// How much of the latest month's payment was refunded, in the currency's unit.
    #[oai(skip_serializing_if_is_none)]
    pub refunded_amount: Option<i64>,
}

/// The card the next charge uses, as PortOne shows it (`getBillingKeyInfo`: `methods[].card`).
/// Never the billing key.
#[derive(Debug, Object)]
pub struct CardModel {
    /// The issuing card company, PortOne's `CardCompany` (`SHINHAN_CARD`, …).
    #[oai(skip_serializing_if_is_none)]
    pub issuer: Option<String>,
    /// PortOne's `CardBrand` (`VISA`, `MASTER`, `LOCAL`, …).
    #[oai(skip_serializing_if_is_none)]
    pub brand: Option<String>,
    /// Masked by PortOne (`1234-56**-****-7890`).
    #[oai(skip_serializing_if_is_none)]
    pub number: Option<String>,
}

impl From<&Card> for CardModel {
    fn from(card: &Card) -> Self {
        Self {
            issuer: card.issuer.clone(),
            brand: card.brand.clone(),
            number: card.number.clone(),
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
            failure_reason: a.failure.reason.clone(),
            pg_code: a.failure.pg_code.clone(),
            pg_message: a.failure.pg_message.clone(),
            failed_at: a.failed_at.to_iso(),
        }
    }
}

impl From<&NextCharge> for NextChargeModel {
    fn from(c: &NextCharge) -> Self {
        Self {
            at: c.at.to_iso(),
            amount: c.amount.value(),
            currency: c.currency.as_ref().map(ToString::to_string),
            order_name: c.order_name.clone(),
            payment_id: c.payment_id.to_string(),
            plan_id: c.plan_id.as_ref().map(ToString::to_string),
        }
    }
}

impl From<&Subscription> for SubscriptionModel {
    fn from(s: &Subscription) -> Self {
        Self {
            subscription_id: s.subscription_id.clone(),
            customer_id: s.customer_id.clone(),
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
            order_name: s.order_name.clone(),
            amount: s.amount.value(),
            currency: s.currency.as_ref().map(ToString::to_string),
            start_at: s.start_at.to_iso(),
            end_at: s.end_at.to_iso(),
            end_grace_at: s.end_grace_at.to_iso(),
            canceled_at: iso(s.canceled_at),
            next_charge: s.next_charge.as_ref().map(NextChargeModel::from),
            no_charge_reason: s.no_charge_reason.map(|reason| match reason {
                NoChargeReason::Cancelled => NoChargeName::Cancelled,
                NoChargeReason::Lapsed => NoChargeName::Lapsed,
                NoChargeReason::Refunded => NoChargeName::Refunded,
                NoChargeReason::RetriesExhausted => NoChargeName::RetriesExhausted,
            }),
            renewal_attempts: s.renewal_attempts,
            retry_limit: s.retry_limit,
            last_failure_reason: s.last_failure_reason.clone(),
            lapsed_at: iso(s.lapsed_at),
            attempts: s.attempts.iter().map(AttemptModel::from).collect(),
            months: s.months,
            plan_id: s.plan_id.as_ref().map(ToString::to_string),
            trial_end_at: iso(s.trial_end_at),
            refunded_amount: s.refunded_amount.map(|a| a.value()),
        }
    }
}

/// A `payment` row as JSON, with its column names.
pub fn row(record: &impl serde::Serialize) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}
