//! What the simulated PortOne knows: payments, billing keys and schedules.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// A payment, `PAID` or `CANCELLED`.
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
    pub paid_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub schedule_id: Option<String>,
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
    /// `SCHEDULED`, `SUCCEEDED` or `REVOKED`.
    pub status: &'static str,
    pub revoked_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// The whole simulated store.
#[derive(Debug, Default)]
pub struct State {
    pub payments: HashMap<String, SimPayment>,
    pub billing_keys: Vec<String>,
    pub schedules: Vec<SimSchedule>,
}

impl State {
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

    /// Charges `schedule`: a `PAID` payment with its id, paid at `timeToPay`.
    pub fn execute(&mut self, schedule: &SimSchedule) {
        if let Some(stored) = self.schedules.iter_mut().find(|s| s.id == schedule.id) {
            stored.status = "SUCCEEDED";
            stored.completed_at = Some(schedule.time_to_pay);
        }
        self.payments.insert(
            schedule.payment_id.clone(),
            SimPayment {
                id: schedule.payment_id.clone(),
                status: "PAID",
                order_name: schedule.order_name.clone(),
                amount: schedule.amount,
                currency: schedule.currency.clone(),
                billing_key: Some(schedule.billing_key.clone()),
                customer_id: schedule.customer_id.clone(),
                paid_at: schedule.time_to_pay,
                cancelled_at: None,
                schedule_id: Some(schedule.id.clone()),
            },
        );
    }
}
