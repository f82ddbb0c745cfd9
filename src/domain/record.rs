//! One row of the `payment` table: a paid month of a subscription.

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

/// A `payment` row. It serializes as the table's columns, flat (`record_columns`): the
/// checklist's step-4 `data` and the API's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub cancelled_at: Option<Timestamp>,
    /// When a cancelled subscription was resumed.
    pub resumed_at: Option<Timestamp>,
    /// PortOne's `customer.id`: the app's user id (the integration guide issues billing keys with
    /// `customerId: user.id`), what row level security matches `auth.uid()` against. `None` on
    /// rows recorded before it was kept.
    pub customer_id: Option<String>,
    /// PortOne's `orderName` of the paid payment.
    pub order_name: Option<String>,
    /// The paid payment's ISO 4217 currency.
    pub currency: Option<String>,
    /// The subscription the month belongs to: the first month's `transaction_key`, inherited by
    /// every renewal. Chosen by storage, so `None` until the row is stored.
    pub subscription_id: Option<String>,
    /// Where this month's renewal stands.
    pub renewal: Renewal,
    /// The terms the next charge uses when they differ from this month's (a plan change).
    pub next_terms: NextTerms,
}

/// A plan change at period end: what the next charge (and the month it pays for) costs. Each
/// field is `None` when it stays as this month's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NextTerms {
    /// In the currency's unit (KRW: won).
    pub next_amount: Option<Amount>,
    pub next_order_name: Option<String>,
    pub next_currency: Option<String>,
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
    pub retry_payment_id: Option<Uuid>,
    /// `timeToPay` of the pending retry, UTC.
    pub retry_at: Option<Timestamp>,
    /// PortOne's `failure.reason` of the latest failed attempt.
    pub last_failure_reason: Option<String>,
    /// When the subscription lapses (or lapsed): the last grace after the last retry failed, or
    /// the moment a retry became impossible (billing key deleted).
    pub lapsed_at: Option<Timestamp>,
    /// `transaction_key` of the month that renewed this one (after retries: the retry that
    /// recovered it).
    pub renewed_by: Option<String>,
}

/// The charge a month's renewal waits for: the first charge, or the pending retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingCharge {
    /// The scheduled `paymentId`.
    pub payment_id: Uuid,
    /// Its `timeToPay`, UTC.
    pub at: Timestamp,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
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
            customer_id: payment.customer_id.clone(),
            order_name: Some(payment.order_name.clone()),
            currency: Some(payment.currency.clone()),
            subscription_id: None,
            renewal: Renewal::default(),
            next_terms: NextTerms::default(),
        }
    }

    /// What the next charge costs: the plan change's terms, else this month's own.
    pub fn next_amount(&self) -> Amount {
        self.next_terms.next_amount.unwrap_or(self.amount)
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
        match (renewal.retry_payment_id, renewal.retry_at) {
            (Some(payment_id), Some(at)) => Some(PendingCharge {
                payment_id,
                at,
                attempt: renewal.renewal_attempts,
            }),
            _ if renewal.renewal_attempts == 0 => Some(PendingCharge {
                payment_id: self.next_schedule_id,
                at: self.next_schedule_at,
                attempt: 0,
            }),
            _ => None,
        }
    }

    /// `true` when the subscription was cancelled and not resumed since.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}

/// Months the unit tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::PaymentRecord;
    use crate::domain::amount::Amount;
    use crate::domain::payment::{Payment, PaymentStatus};
    use crate::domain::payment_id::PaymentId;
    use crate::domain::period::{BillingPeriod, ScheduleOffset};

    /// The month of `payment_id` paid 2024-01-01T00:00:00Z (9,900 KRW, billing key `bk`, no
    /// customer), renewing at 10:00:00 KST: `end_at` 2024-01-31T00:00:00Z, first renewal charge
    /// 2024-02-01T01:00:00Z, `end_grace_at` 2024-02-01T14:59:59Z.
    pub(crate) fn paid_month(payment_id: &str) -> PaymentRecord {
        let payment = Payment {
            id: PaymentId::parse(payment_id).unwrap(),
            status: PaymentStatus::Paid,
            order_name: "월간 구독".into(),
            amount: Amount::new(9900).unwrap(),
            currency: "KRW".into(),
            billing_key: Some("bk".into()),
            customer_id: None,
            paid_at: None,
            failed_at: None,
            failure: None,
        };
        let start = "2024-01-01T00:00:00Z".parse().unwrap();
        PaymentRecord::paid(
            &payment,
            &BillingPeriod::starting_at(start, ScheduleOffset::from_seconds(0)),
        )
    }
}
