//! What the simulated PortOne knows: payments, billing keys and schedules.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// A payment, `PAID`, `CANCELLED` or `FAILED`.
#[derive(Debug, Clone)]
pub struct SimPayment {
    pub id: String,
    pub status: &'static str,
    pub order_name: String,
    /// In the currency's unit (KRW: won).
    pub amount: i64,
    pub currency: String,
    pub billing_key: Option<String>,
    pub customer_id: Option<String>,
    /// When it was charged: `paidAt`, or `failedAt` for a `FAILED` payment.
    pub paid_at: DateTime<Utc>,
    /// When it was last cancelled (refunded), whole or in part.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// How much was refunded so far, in the currency's unit (`amount.cancelled`).
    pub cancelled_amount: i64,
    /// `customData`, as the charge was asked with.
    pub custom_data: Option<String>,
    pub schedule_id: Option<String>,
    /// Why a `FAILED` payment failed (`PaymentFailure`).
    pub failure: Option<SimFailure>,
}

/// `PaymentFailure {reason, pgCode, pgMessage}` of a declined charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimFailure {
    pub reason: String,
    pub pg_code: String,
    pub pg_message: String,
}

impl SimFailure {
    /// What a card issuer says when the balance is too low.
    pub fn insufficient_funds() -> Self {
        Self {
            reason: "카드 잔액이 부족합니다.".to_owned(),
            pg_code: "INSUFFICIENT_FUNDS".to_owned(),
            pg_message: "잔액부족".to_owned(),
        }
    }
}

/// A scheduled payment.
#[derive(Debug, Clone)]
pub struct SimSchedule {
    pub id: String,
    pub payment_id: String,
    pub billing_key: String,
    pub order_name: String,
    pub customer_id: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub time_to_pay: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// `SCHEDULED`, `SUCCEEDED`, `FAILED` or `REVOKED`.
    pub status: &'static str,
    pub revoked_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// `customData` of the scheduled payment.
    pub custom_data: Option<String>,
}

/// A billing key, as the browser SDK's `requestIssueBillingKey` issues it.
#[derive(Debug, Clone)]
pub struct SimBillingKey {
    /// `customer.id` it was issued for.
    pub customer_id: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The whole simulated store.
#[derive(Debug, Default)]
pub struct State {
    pub payments: HashMap<String, SimPayment>,
    pub billing_keys: HashMap<String, SimBillingKey>,
    pub schedules: Vec<SimSchedule>,
    /// How many more charges of each billing key are declined.
    pub declines: HashMap<String, u32>,
}

/// The webhook `type` a charge sends: `Transaction.Paid` or `Transaction.Failed`.
pub type ChargeEvent = &'static str;

impl State {
    /// Issues `key` for `customer_id` at `at`, its next `declines` charges declined.
    pub fn issue_billing_key(
        &mut self,
        key: &str,
        customer_id: Option<&str>,
        at: DateTime<Utc>,
        declines: u32,
    ) {
        let issued = SimBillingKey {
            customer_id: customer_id.map(str::to_owned),
            issued_at: at,
            deleted_at: None,
        };
        self.billing_keys.insert(key.to_owned(), issued);
        self.declines.insert(key.to_owned(), declines);
    }

    /// `true` while one of `key`'s charges is still to be declined; uses it up.
    pub fn take_decline(&mut self, key: &str) -> bool {
        match self.declines.get_mut(key) {
            Some(left) if *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    /// Schedules due at `now`, earliest first.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<SimSchedule> {
        let mut due: Vec<_> = self
            .schedules
            .iter()
            .filter(|s| s.status == "SCHEDULED" && s.time_to_pay <= now)
            .cloned()
            .collect();
        due.sort_by_key(|s| s.time_to_pay);
        due
    }

    /// Charges `schedule` at `timeToPay`: a `PAID` payment with its id, or a `FAILED` one while
    /// its billing key has declines left.
    pub fn execute(&mut self, schedule: &SimSchedule) -> ChargeEvent {
        let declined = self.take_decline(&schedule.billing_key);
        if let Some(stored) = self.schedules.iter_mut().find(|s| s.id == schedule.id) {
            stored.status = if declined { "FAILED" } else { "SUCCEEDED" };
            stored.completed_at = Some(schedule.time_to_pay);
        }
        self.payments.insert(
            schedule.payment_id.clone(),
            SimPayment {
                id: schedule.payment_id.clone(),
                status: if declined { "FAILED" } else { "PAID" },
                order_name: schedule.order_name.clone(),
                amount: schedule.amount,
                currency: schedule.currency.clone(),
                billing_key: Some(schedule.billing_key.clone()),
                customer_id: schedule.customer_id.clone(),
                paid_at: schedule.time_to_pay,
                cancelled_at: None,
                cancelled_amount: 0,
                custom_data: schedule.custom_data.clone(),
                schedule_id: Some(schedule.id.clone()),
                failure: declined.then(SimFailure::insufficient_funds),
            },
        );
        if declined {
            "Transaction.Failed"
        } else {
            "Transaction.Paid"
        }
    }
}
